package engine

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLiveViewBoundedByOpenWork folds 1,000 incidents reported and resolved,
// then a reading seven hours later: the view is no larger than a town's that
// had none (its history is in the log and the report, not in /api/state).
func TestLiveViewBoundedByOpenWork(t *testing.T) {
	size := func(incidents int) (int, int) { return liveViewSize(t, incidents) }
	none, _ := size(0)
	many, resolved := size(1000)
	assert.Equal(t, 1000, resolved, "the counters still count them")
	assert.LessOrEqual(t, float64(many), 1.1*float64(none), "view with 1,000 resolved incidents: %d bytes, with none: %d", many, none)
	t.Logf("/api/state: %d bytes with 1,000 resolved incidents, %d with none (%.3f×)", many, none, float64(many)/float64(none))
}

// BenchmarkLiveViewSize reports /api/state's size after 1,000 incidents
// reported and resolved, against a town that had none, in the same run (the
// fold and the encoding as TestLiveViewBoundedByOpenWork). Goal (issue 17): ≤ 1.1.
func BenchmarkLiveViewSize(b *testing.B) {
	var none, many int
	for range b.N {
		none, _ = liveViewSize(b, 0)
		many, _ = liveViewSize(b, 1000)
	}
	b.ReportMetric(float64(none), "bytes_none")
	b.ReportMetric(float64(many), "bytes_1000_resolved")
	b.ReportMetric(float64(many)/float64(none), "ratio")
}

// liveViewSize folds incidents reported and resolved, then a reading seven
// hours later, and returns the encoded view's size and the resolved count.
func liveViewSize(tb testing.TB, incidents int) (int, int) {
	st := NewState("duhu", duhuDomain(tb))
	seq := uint64(0)
	apply := func(subject, body string) {
		seq++
		out, _ := st.Apply(seq, subject, []byte(body))
		require.Equal(tb, Applied, out, body)
	}
	for i := range incidents {
		apply("flood.duhu.incident", fmt.Sprintf(`{"specversion":"1.0","id":"i-%d","source":"t","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":22.08,"lon":112.9}}`, i))
		apply("flood.duhu.command", fmt.Sprintf(`{"specversion":"1.0","id":"r-%d","source":"t","type":"flood.command.resolve","time":"2022-05-12T23:30:00+08:00","data":{"incident":"i-%d","operator":"t","reason":"done"}}`, i, i))
	}
	apply("flood.duhu.rain", `{"specversion":"1.0","id":"rain-1","source":"t","type":"flood.rain.observed","time":"2022-05-13T06:40:00+08:00","data":{"gauge":"rain-nankeng","mm":1,"minutes":10}}`)
	v := st.View()
	raw, err := json.Marshal(v)
	require.NoError(tb, err)
	return len(raw), v.Counters.ResolvedIncidents
}
