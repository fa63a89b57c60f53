package engine

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/scenario"
)

// withFile is a scenario folder with one file more (or instead).
type withFile struct {
	fs.FS
	name string
	data []byte
}

func (w withFile) Open(name string) (fs.File, error) {
	if name == w.name {
		return fstest.MapFS{name: {Data: w.data}}.Open(name)
	}
	return w.FS.Open(name)
}

// A town states its dispatch policy in dispatch.json: a town that refuses
// the divert turns it off there, and a snapshot made under the other policy
// is not restored onto it (the fingerprint differs).
func TestTownDispatchPolicyFromTheScenario(t *testing.T) {
	duhu, err := scenario.Open("duhu")
	require.NoError(t, err)
	plain, err := LoadTown(duhu, "duhu")
	require.NoError(t, err)
	assert.Equal(t, dispatch.DefaultConfig(), plain.Dispatch, "without the file: the defaults")

	town, err := LoadTown(withFile{duhu, DispatchFile, []byte(`{"note": "no diverts here", "divert_gain_s": 0}`)}, "duhu")
	require.NoError(t, err)
	assert.Zero(t, town.Dispatch.DivertGainS)
	assert.Equal(t, dispatch.DefaultConfig().RebalanceGainS, town.Dispatch.RebalanceGainS)
	a, err := NewDomain(plain, plain.Dispatch)
	require.NoError(t, err)
	b, err := NewDomain(town, town.Dispatch)
	require.NoError(t, err)
	assert.NotEqual(t, a.Fingerprint(), b.Fingerprint())

	_, err = LoadTown(withFile{duhu, DispatchFile, []byte(`{"divert_gain": 0}`)}, "duhu")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dispatch.json")
	assert.Contains(t, err.Error(), `unknown field "divert_gain"`)
}
