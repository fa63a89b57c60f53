package dispatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rebalanceTown: x is nearest to the first incident a (2 km), z 3 km from
// it; then b is reported right where x is. Sending z to b costs 7 km; x to b
// and z to a, 2 + 3 km: 480 s less at 30 km/h.
// rebalancing is the default configuration with the re-plan before departure
// at 60 s (the default since 2 December), stated so the tests keep it on.
func rebalancing() Config {
	cfg := DefaultConfig()
	cfg.RebalanceGainS = 60
	return cfg
}

func rebalanceTown(t *testing.T, cfg Config) *Dispatcher {
	d := newTown(t, cfg, town("x", at(2, 0), CapPatrol), town("z", at(7, 0), CapPatrol))
	report(t, d, "a", KindRoadFlooded, "南村", at(4, 0), 0, 0)
	decs := step(t, d, t0)
	require.Equal(t, map[string]string{"x": "a"}, created(decs))
	accept(t, d, decs, plain(time.Second))
	return d
}

func TestRebalanceBeforeLeaving(t *testing.T) {
	d := rebalanceTown(t, rebalancing())
	report(t, d, "b", KindRoadFlooded, "南村", at(2, 0), 0, 0)
	decs := step(t, d, plain(30*time.Second))
	require.Equal(t, map[string]string{"x": "b", "z": "a"}, created(decs))
	cancelled := ofType(decs, DecisionAssignmentCancelled)
	require.Len(t, cancelled, 1)
	c := cancelled[0]
	require.Equal(t, "x", c.Responder)
	require.Equal(t, CodeRebalance, c.ReasonCode, c.Reason)
	require.Equal(t, "b", c.ReasonParams["incident"])
	require.Equal(t, "a", c.ReasonParams["from_incident"])
	require.Equal(t, "z", c.ReasonParams["replaced_by"])
	require.Equal(t, 1, c.ReasonParams["moves"])
	require.InDelta(t, 480, c.ReasonParams["saved_s"], 5, "7 km against 2 + 3 km at 30 km/h")
	require.InDelta(t, 480, c.ReasonParams["travel_saved_s"], 5, "priority 4 weighs 1: the same seconds")
	for _, dec := range ofType(decs, DecisionAssignmentCreated) {
		require.Equal(t, CodeRebalance, dec.ReasonCode, dec.Reason)
	}
	require.Less(t, indexOf(decs, DecisionAssignmentCancelled), indexOf(decs, DecisionAssignmentCreated), "x is free before x is sent again")

	// moved once: not again within the churn window, however much it would save
	accept(t, d, decs, plain(31*time.Second))
	report(t, d, "c", KindRoadFlooded, "南村", at(7, 0), 0, 0)
	report(t, d, "e", KindRoadFlooded, "南村", at(2, 0), 0, 0)
	decs = step(t, d, plain(40*time.Second))
	for _, dec := range ofType(decs, DecisionAssignmentCancelled) {
		require.NotContains(t, []string{"x", "z"}, dec.Responder, "moved %s again within %s: %s", dec.Responder, DefaultConfig().ChurnWindow, dec.Reason)
	}
}

func TestNoRebalanceOnceLeftOrBelowTheGain(t *testing.T) {
	t.Run("en route", func(t *testing.T) {
		d := rebalanceTown(t, rebalancing())
		require.NoError(t, d.SetStatus(StatusReport{Responder: "x", Status: StatusEnRoute, Time: plain(10 * time.Second)}))
		report(t, d, "b", KindRoadFlooded, "南村", at(2, 0), 0, 0)
		decs := step(t, d, plain(30*time.Second))
		require.Equal(t, map[string]string{"z": "b"}, created(decs), "x has left: where they are is not known well enough to re-plan")
		require.Empty(t, ofType(decs, DecisionAssignmentCancelled))
	})
	t.Run("assigned too long ago, never said en route", func(t *testing.T) {
		d := rebalanceTown(t, rebalancing())
		report(t, d, "b", KindRoadFlooded, "南村", at(2, 0), 0, 0)
		decs := step(t, d, t0.Add(DefaultConfig().RebalanceWithin+time.Second))
		require.Equal(t, map[string]string{"z": "b"}, created(decs), "x may have left without saying so")
		require.Empty(t, ofType(decs, DecisionAssignmentCancelled))
	})
	t.Run("saves less than the gain", func(t *testing.T) {
		cfg := rebalancing()
		cfg.RebalanceGainS = 500 // the move saves 480 s
		d := rebalanceTown(t, cfg)
		report(t, d, "b", KindRoadFlooded, "南村", at(2, 0), 0, 0)
		decs := step(t, d, plain(30*time.Second))
		require.Equal(t, map[string]string{"z": "b"}, created(decs))
		require.Empty(t, ofType(decs, DecisionAssignmentCancelled))
	})
	t.Run("off", func(t *testing.T) {
		cfg := rebalancing()
		cfg.RebalanceGainS = 0
		d := rebalanceTown(t, cfg)
		report(t, d, "b", KindRoadFlooded, "南村", at(2, 0), 0, 0)
		require.Equal(t, map[string]string{"z": "b"}, created(step(t, d, plain(30*time.Second))))
	})
	t.Run("never to less urgent work", func(t *testing.T) {
		d := newTown(t, rebalancing(), town("x", at(2, 0), CapPatrol), town("z", at(7, 0), CapPatrol))
		report(t, d, "a", KindDangerousHouse, "南村", at(4, 0), 0, 0) // priority 3
		decs := step(t, d, t0)
		require.Equal(t, map[string]string{"x": "a"}, created(decs))
		accept(t, d, decs, plain(time.Second))
		// x to b and z to a would save 360 s at these weights, but the
		// dangerous house would wait for z: a re-plan never sends someone to
		// less urgent work
		report(t, d, "b", KindRoadFlooded, "南村", at(2, 0), 0, 0) // priority 4
		decs = step(t, d, plain(30*time.Second))
		require.Equal(t, map[string]string{"z": "b"}, created(decs))
		require.Empty(t, ofType(decs, DecisionAssignmentCancelled))
	})
}

// A responder not yet left for less urgent work goes to more urgent work
// when that saves travel, someone else covering theirs in the same move:
// never a covered slot left empty, and the reasons say so.
func TestRebalanceToMoreUrgentWork(t *testing.T) {
	d := rebalanceTown(t, rebalancing())                        // x on a, priority 4
	report(t, d, "b", KindDangerousHouse, "南村", at(2, 0), 0, 0) // priority 3, where x is
	decs := step(t, d, plain(30*time.Second))
	require.Equal(t, map[string]string{"x": "b", "z": "a"}, created(decs), "z to b would drive 5 km at priority 3's weight")
	cancelled := ofType(decs, DecisionAssignmentCancelled)
	require.Len(t, cancelled, 1)
	c := cancelled[0]
	require.Equal(t, "x", c.Responder)
	require.Equal(t, CodeRebalance, c.ReasonCode)
	require.Equal(t, 3, c.ReasonParams["to_priority"])
	require.Equal(t, "z", c.ReasonParams["replaced_by"])
	require.Contains(t, c.Reason, "more urgent incident b (priority 3 over 4)")
	// x to b, z to a: 0 + 3 km against 2 + 5 km; priority 3 weighs 2, priority 4 weighs 1
	require.InDelta(t, 1080, c.ReasonParams["saved_s"], 5, "2×600 + 240 − 360, priority-weighted")
	require.InDelta(t, 480, c.ReasonParams["travel_saved_s"], 5, "840 − 360 seconds of driving")
	for _, dec := range ofType(decs, DecisionAssignmentCreated) {
		require.Equal(t, CodeRebalance, dec.ReasonCode, dec.Reason)
		if dec.Responder == "x" {
			require.Equal(t, 4, dec.ReasonParams["from_priority"])
			require.Contains(t, dec.Reason, "less urgent incident a (priority 4)")
		}
	}
	for _, inc := range d.View().Incidents {
		for _, n := range inc.Needs {
			require.Zero(t, n.Open, "%s: every slot still covered", inc.ID)
		}
	}
}

func indexOf(decs []Decision, typ string) int {
	for i, d := range decs {
		if d.Type == typ {
			return i
		}
	}
	return -1
}

// The re-plan's cost is road searches: the round's own search for the new
// incident already includes the responders it may move, so a move costs one
// search more (the mover's own incident, for who takes it there), and a
// round where no move can pay (by straight lines) costs none more.
func TestRebalanceSearchesLittle(t *testing.T) {
	for _, tc := range []struct {
		name     string
		where    float64 // b's x, km
		searches int
		moves    int
	}{{"a move: b beside x", 2, 2, 1}, {"no move can pay: b beyond z", 9, 1, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			for _, gain := range []float64{0, 60} {
				cfg := rebalancing()
				cfg.RebalanceGainS = gain
				d := rebalanceTown(t, cfg)
				report(t, d, "b", KindRoadFlooded, "南村", at(tc.where, 0), 0, 0)
				tt := &countingTimer{tt: walk}
				decs := d.Decide(plain(30*time.Second), tt)
				want, moves := 1, 0
				if gain > 0 {
					want, moves = tc.searches, tc.moves
				}
				require.Equal(t, want, tt.searches, "road searches with rebalance_gain_s %v", gain)
				require.Len(t, ofType(decs, DecisionAssignmentCancelled), moves)
			}
		})
	}
}

// A responder on the way who said where they are moments ago is re-planned
// from there like one not yet left (redirected_on_the_way); one whose
// position is older than RedirectFresh is not, nor one who never sent one.
func TestRedirectOnTheWay(t *testing.T) {
	for _, tc := range []struct {
		name     string
		gpsAge   time.Duration
		redirect bool
	}{{"position 5 s old", 5 * time.Second, true}, {"position 40 s old", 40 * time.Second, false}} {
		t.Run(tc.name, func(t *testing.T) {
			d := rebalanceTown(t, rebalancing()) // x on a (4 km), from 2 km
			now := plain(60 * time.Second)
			// x has driven half a kilometre towards a
			require.NoError(t, d.SetStatus(StatusReport{Responder: "x", Status: StatusEnRoute, At: at(2.5, 0), HasPosition: true, Time: now.Add(-tc.gpsAge)}))
			report(t, d, "b", KindRoadFlooded, "南村", at(2, 0), 0, 0)
			// a snapshot keeps when the position was said: a restored dispatcher decides the same
			raw, err := d.Snapshot()
			require.NoError(t, err)
			restored := newTown(t, rebalancing(), town("x", at(2, 0), CapPatrol), town("z", at(7, 0), CapPatrol))
			require.NoError(t, restored.Restore(raw))
			require.Equal(t, d.Decide(now, walk), restored.Decide(now, walk))
			decs := step(t, d, now)
			if !tc.redirect {
				require.Equal(t, map[string]string{"z": "b"}, created(decs), "where x is now is not known well enough")
				require.Empty(t, ofType(decs, DecisionAssignmentCancelled))
				return
			}
			// x back to b (0.5 km) and z to a (3 km) against x on to a (1.5 km) and z to b (5 km)
			require.Equal(t, map[string]string{"x": "b", "z": "a"}, created(decs))
			cancelled := ofType(decs, DecisionAssignmentCancelled)
			require.Len(t, cancelled, 1)
			require.Equal(t, CodeRedirect, cancelled[0].ReasonCode, cancelled[0].Reason)
			require.Contains(t, cancelled[0].Reason, "on the way (position 5 s old)")
			require.InDelta(t, 360, cancelled[0].ReasonParams["saved_s"], 5)
			for _, dec := range ofType(decs, DecisionAssignmentCreated) {
				require.Equal(t, CodeRedirect, dec.ReasonCode, dec.Reason)
			}
			// and not again within the churn window
			accept(t, d, decs, now.Add(time.Second))
			report(t, d, "c", KindRoadFlooded, "南村", at(4, 0), 0, 0)
			for _, dec := range ofType(step(t, d, now.Add(10*time.Second)), DecisionAssignmentCancelled) {
				require.NotEqual(t, "x", dec.Responder, dec.Reason)
			}
		})
	}
}
