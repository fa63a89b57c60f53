package evac

import (
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/scenario"
)

// Duhu's evac.json holds the figures DefaultConfig documents; a misspelt or
// impossible figure is refused with a reason.
func TestDuhuEvacConfig(t *testing.T) {
	fsys, err := scenario.Open("duhu")
	require.NoError(t, err)
	raw, err := fs.ReadFile(fsys, "evac.json")
	require.NoError(t, err)
	c, err := ParseConfig(raw)
	require.NoError(t, err)
	assert.NotEmpty(t, c.Note)
	c.Note, c.MeansByGrid = "", nil
	assert.Equal(t, DefaultConfig(), c)

	_, err = ParseConfig([]byte(`{"escort_run_poeple": 8}`))
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "escort_run_poeple")
	_, err = ParseConfig([]byte(`{"walk_kmh": 0.1}`))
	require.ErrorIs(t, err, ErrInvalid)
	_, err = ParseConfig([]byte(`{"means_by_grid": {"g1": "boat"}}`))
	require.ErrorIs(t, err, ErrInvalid)
	c, err = ParseConfig([]byte(`{"escort_run_people": 8}`))
	require.NoError(t, err)
	assert.Equal(t, 8, c.EscortRunPeople)
	assert.Equal(t, DefaultConfig().NotifyWorkers, c.NotifyWorkers, "missing figures take the defaults")
}
