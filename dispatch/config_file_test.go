package dispatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A town's dispatch.json: only what it states changes; times are seconds.
func TestParseConfigFile(t *testing.T) {
	base := DefaultConfig()
	c, err := ParseConfigFile([]byte(`{"note": "Duhu refuses the divert", "divert_gain_s": 0, "churn_window_s": 600,
		"priority_weight": {"1": 10}, "swap_priority": 1, "other_villages": true}`), base)
	require.NoError(t, err)
	assert.Zero(t, c.DivertGainS)
	assert.Equal(t, 10*time.Minute, c.ChurnWindow)
	assert.Equal(t, map[int]float64{1: 10, 2: 4, 3: 2, 4: 1}, c.PriorityWeight)
	assert.Equal(t, 1, c.SwapPriority)
	assert.True(t, c.OtherVillages)
	assert.Equal(t, base.RebalanceGainS, c.RebalanceGainS, "not stated: the default")
	assert.Equal(t, base.RedirectFresh, c.RedirectFresh)
	assert.Equal(t, map[int]float64{1: 8, 2: 4, 3: 2, 4: 1}, base.PriorityWeight, "the base is not changed")

	empty, err := ParseConfigFile([]byte(`{}`), base)
	require.NoError(t, err)
	assert.Equal(t, base, empty)

	for raw, want := range map[string]string{
		`{"divert_gain": 0}`:             `unknown field "divert_gain"`,
		`{"swap_priority": 5}`:           "swap_priority 5 is not a priority 1 to 4",
		`{"churn_window_s": -1}`:         "churn_window_s -1 must be between 0 and 86400 seconds",
		`{"priority_weight": {"p1": 8}}`: `priority_weight: "p1" is not a priority 1 to 4`,
		`{"priority_weight": {"2": 0}}`:  "priority_weight for priority 2 must be positive",
		`{"divert_gain_s": "60"}`:        "divert_gain_s",
		`[`:                              "dispatch config",
	} {
		_, err := ParseConfigFile([]byte(raw), base)
		require.ErrorIs(t, err, ErrInvalid, raw)
		assert.Contains(t, err.Error(), want, raw)
	}
}
