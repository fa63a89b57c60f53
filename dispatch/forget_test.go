package dispatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestForgetResolved: an incident resolved before the cutoff leaves the
// dispatcher with its finished assignments, an open one and one resolved
// after it stay; the counters, a reused id's refusal and a snapshot's
// round trip are as before.
func TestForgetResolved(t *testing.T) {
	d := newTown(t, DefaultConfig(), town("a", at(1, 0), CapPatrol))
	report(t, d, "old", KindRoadFlooded, "南村", duhu, 0, 0)
	step(t, d, t0)
	require.NoError(t, d.SetStatus(StatusReport{Responder: "a", Status: StatusDone, Time: plain(time.Minute)}))
	step(t, d, plain(time.Minute)) // resolves "old"
	report(t, d, "later", KindRoadFlooded, "南村", duhu, 0, 0)
	step(t, d, plain(2*time.Minute))
	require.NoError(t, d.SetStatus(StatusReport{Responder: "a", Status: StatusDone, Time: plain(3 * time.Minute)}))
	step(t, d, plain(3*time.Minute)) // resolves "later"
	report(t, d, "open", KindRoadFlooded, "南村", duhu, 0, 0)
	before := d.View().Counters

	require.Equal(t, 1, d.Forget(plain(2*time.Minute)))
	v := d.View()
	require.Equal(t, before, v.Counters, "the season's counts stay")
	ids := []string{}
	for _, inc := range v.Incidents {
		ids = append(ids, inc.ID)
	}
	require.Equal(t, []string{"later", "open"}, ids)
	for _, a := range v.Assignments {
		require.NotEqual(t, "old", a.Incident)
	}
	require.ErrorIs(t, d.ReportIncident(Incident{ID: "old", At: duhu}), ErrConflict, "a forgotten id is still a duplicate")
	require.ErrorIs(t, d.Resolve("old", "张主任", "again", plain(4*time.Minute)), ErrConflict, "still already resolved")

	snap, err := d.Snapshot()
	require.NoError(t, err)
	back := newTown(t, DefaultConfig(), town("a", at(1, 0), CapPatrol))
	require.NoError(t, back.Restore(snap))
	again, err := back.Snapshot()
	require.NoError(t, err)
	require.Equal(t, string(snap), string(again))
	require.Equal(t, v.Counters, back.View().Counters)
	require.ErrorIs(t, back.ReportIncident(Incident{ID: "old", At: duhu}), ErrConflict)
}
