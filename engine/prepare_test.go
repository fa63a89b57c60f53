package engine

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/internal/seasonlog"
)

// TestApplyPreparedIsApply: folding messages prepared ahead (as the reader
// does, on its own goroutine) gives the state Apply gives, byte for byte, and
// a message prepared for another town is prepared again for this one.
func TestApplyPreparedIsApply(t *testing.T) {
	direct, prepared := NewState("duhu", duhuDomain(t)), NewState("duhu", duhuDomain(t))
	mix := seasonlog.New()
	const n = 3000
	for i := range n {
		subject, body := mix.Next(i)
		if i == 7 {
			body = []byte(`{"specversion":"1.0","id":"x"}`) // refused the same way by both
		}
		town := "duhu"
		if i%5 == 0 {
			town = "chixi"
		}
		seq := uint64(i + 1)
		o1, t1 := direct.Apply(seq, subject, body)
		ch := make(chan Prepared, 1)
		go func() { ch <- Prepare(town, subject, body) }()
		o2, t2 := prepared.ApplyPrepared(seq, <-ch)
		require.Equal(t, o1, o2, "event %d", i)
		require.Equal(t, t1, t2, "event %d", i)
	}
	a, err := json.Marshal(direct.View())
	require.NoError(t, err)
	b, err := json.Marshal(prepared.View())
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b))
	assert.Equal(t, n-1, direct.View().Counts["applied"])
}
