package dispatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// divertTown: x (2 km from a), y (2 km) and z (3 km) are all sent to the
// evacuation a, 90 residents: three teams, priority 2. Nobody else is free.
func divertTown(t *testing.T, cfg Config) *Dispatcher {
	t.Helper()
	d := newTown(t, cfg, divertRoster()...)
	report(t, d, "a", KindEvacuation, "南村", at(4, 0), 90, 0)
	decs := step(t, d, t0)
	require.Equal(t, map[string]string{"x": "a", "y": "a", "z": "a"}, created(decs))
	accept(t, d, decs, plain(time.Second))
	return d
}

func divertRoster() []Responder {
	return []Responder{town("x", at(2, 0), CapEvacuation), town("y", at(6, 0), CapEvacuation), town("z", at(7, 0), CapEvacuation)}
}

// A new evacuation of the same priority where x stands: nobody is free, no
// swap chain fills it, and x has not left. x goes there (0 km against 2 km,
// 960 s less at priority 2's weight), y and z stay on a, and a, one team short,
// is asked of the neighbours at once. The reasons say all of it.
func TestDivertToANearerCallOfTheSamePriority(t *testing.T) {
	d := divertTown(t, DefaultConfig())
	report(t, d, "b", KindEvacuation, "南村", at(2, 0), 30, 0)
	decs := step(t, d, plain(30*time.Second))
	require.Equal(t, map[string]string{"x": "b"}, created(decs))
	cancelled := ofType(decs, DecisionAssignmentCancelled)
	require.Len(t, cancelled, 1)
	c := cancelled[0]
	require.Equal(t, "x", c.Responder)
	require.Equal(t, "a", c.Incident)
	require.Equal(t, CodeDivert, c.ReasonCode, c.Reason)
	require.Equal(t, "b", c.ReasonParams["incident"])
	require.Equal(t, 2, c.ReasonParams["kept"], "y and z stay on a")
	require.InDelta(t, 960, c.ReasonParams["saved_s"], 5, "2 km at 30 km/h, weight 4")
	require.InDelta(t, 240, c.ReasonParams["sooner_s"], 5, "2 km at 30 km/h: what the board shows")
	require.Contains(t, c.Reason, "2 other responder(s) stay here")
	require.Less(t, indexOf(decs, DecisionAssignmentCancelled), indexOf(decs, DecisionAssignmentCreated), "x is free before x is sent again")
	for _, dec := range ofType(decs, DecisionAssignmentCreated) {
		require.Equal(t, CodeDivert, dec.ReasonCode, dec.Reason)
		require.Equal(t, "a", dec.ReasonParams["from_incident"])
	}
	aid := ofType(decs, DecisionAidNeeded)
	require.Len(t, aid, 1, "a is one team short: asked of the neighbours in the same round")
	require.Equal(t, "a", aid[0].Incident)
	require.Equal(t, []Need{{Capability: CapEvacuation, Count: 1}}, aid[0].Needs)

	// a has lost a responder to a divert: never another one, however near the next call
	accept(t, d, decs, plain(31*time.Second))
	report(t, d, "c", KindEvacuation, "南村", at(7, 0), 30, 0) // where z stands
	decs = step(t, d, plain(40*time.Second))
	require.Empty(t, ofType(decs, DecisionAssignmentCancelled), "z stays on a, though a would keep y")
	require.Empty(t, created(decs))

	// and a snapshot keeps it: a restored dispatcher decides the same
	raw, err := d.Snapshot()
	require.NoError(t, err)
	restored := newTown(t, DefaultConfig(), divertRoster()...)
	require.NoError(t, restored.Restore(raw))
	report(t, d, "e", KindEvacuation, "南村", at(7, 0), 30, 0)
	report(t, restored, "e", KindEvacuation, "南村", at(7, 0), 30, 0)
	require.Equal(t, d.Decide(plain(50*time.Second), walk), restored.Decide(plain(50*time.Second), walk))
	require.Empty(t, ofType(d.Decide(plain(50*time.Second), walk), DecisionAssignmentCancelled))
}

// An incident already short of a team that loses another to a divert is
// asked of the neighbours for both, in one need: the slot the divert left
// and the one nobody could fill are one shortfall.
func TestDivertFromAnIncidentAlreadyShort(t *testing.T) {
	d := newTown(t, DefaultConfig(), divertRoster()...)
	report(t, d, "a", KindEvacuation, "南村", at(4, 0), 120, 0) // four teams, three in town
	decs := step(t, d, t0)
	require.Equal(t, map[string]string{"x": "a", "y": "a", "z": "a"}, created(decs))
	require.Equal(t, []Need{{Capability: CapEvacuation, Count: 1}}, ofType(decs, DecisionAidNeeded)[0].Needs)
	accept(t, d, decs, plain(time.Second))
	report(t, d, "b", KindEvacuation, "南村", at(2, 0), 30, 0)
	decs = step(t, d, plain(30*time.Second))
	require.Equal(t, map[string]string{"x": "b"}, created(decs))
	aid := ofType(decs, DecisionAidNeeded)
	require.Len(t, aid, 1)
	require.Equal(t, "a", aid[0].Incident)
	require.Equal(t, []Need{{Capability: CapEvacuation, Count: 2}}, aid[0].Needs)
}

func TestNoDivert(t *testing.T) {
	t.Run("a second from the same incident", func(t *testing.T) {
		d := divertTown(t, DefaultConfig())
		report(t, d, "b", KindEvacuation, "南村", at(2, 0), 30, 0) // where x is
		report(t, d, "c", KindEvacuation, "南村", at(6, 0), 30, 0) // where y is
		decs := step(t, d, plain(30*time.Second))
		require.Len(t, ofType(decs, DecisionAssignmentCancelled), 1, "a loses one responder to a divert, not two, though it would keep z")
	})
	t.Run("the incident would be left with nobody", func(t *testing.T) {
		d := newTown(t, DefaultConfig(), town("x", at(2, 0), CapEvacuation))
		report(t, d, "a", KindEvacuation, "南村", at(4, 0), 30, 0) // one team
		accept(t, d, step(t, d, t0), plain(time.Second))
		report(t, d, "b", KindEvacuation, "南村", at(2, 0), 30, 0)
		decs := step(t, d, plain(30*time.Second))
		require.Empty(t, ofType(decs, DecisionAssignmentCancelled), "a keeps the only team it was sent")
		require.Equal(t, "b", ofType(decs, DecisionAidNeeded)[0].Incident)
	})
	t.Run("an empty slot already asked of the neighbours", func(t *testing.T) {
		// b comes in while x is on the way without a position (not movable):
		// b is asked of the neighbours; when x then says where they are, b is
		// no new call, and x goes on to a
		d := divertTown(t, DefaultConfig())
		require.NoError(t, d.SetStatus(StatusReport{Responder: "x", Status: StatusEnRoute, Time: plain(10 * time.Second)}))
		report(t, d, "b", KindEvacuation, "南村", at(2, 0), 30, 0)
		decs := step(t, d, plain(30*time.Second))
		require.Empty(t, ofType(decs, DecisionAssignmentCancelled))
		require.Equal(t, "b", ofType(decs, DecisionAidNeeded)[0].Incident)
		require.NoError(t, d.SetStatus(StatusReport{Responder: "x", Status: StatusEnRoute, At: at(2, 0), HasPosition: true, Time: plain(35 * time.Second)}))
		require.Empty(t, ofType(step(t, d, plain(36*time.Second)), DecisionAssignmentCancelled))
	})
	t.Run("lesser work", func(t *testing.T) {
		// blocked channels (priority 3, two drainage units each): below
		// swap_priority, no divert; with swap_priority 3, x is diverted
		for _, swapPrio := range []int{2, 3} {
			cfg := DefaultConfig()
			cfg.SwapPriority = swapPrio
			d := newTown(t, cfg, town("x", at(2, 0), CapDrainage), town("y", at(6, 0), CapDrainage), town("m", at(4, 1), CapMachinery))
			report(t, d, "a", KindBlockedChannel, "南村", at(4, 0), 0, 0)
			decs := step(t, d, t0)
			require.Equal(t, map[string]string{"x": "a", "y": "a", "m": "a"}, created(decs))
			accept(t, d, decs, plain(time.Second))
			report(t, d, "b", KindBlockedChannel, "南村", at(2, 0), 0, 0)
			cancelled := ofType(step(t, d, plain(30*time.Second)), DecisionAssignmentCancelled)
			if swapPrio == 2 {
				require.Empty(t, cancelled)
			} else {
				require.Len(t, cancelled, 1)
				require.Equal(t, "x", cancelled[0].Responder)
				require.Equal(t, CodeDivert, cancelled[0].ReasonCode)
			}
		}
	})
	t.Run("saves less than the gain", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.DivertGainS = 250 // the divert saves 240 s of travel, 960 s at weight 4: below 250 × 4
		d := divertTown(t, cfg)
		report(t, d, "b", KindEvacuation, "南村", at(2, 0), 30, 0)
		require.Empty(t, ofType(step(t, d, plain(30*time.Second)), DecisionAssignmentCancelled))
	})
	t.Run("off", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.DivertGainS = 0
		d := divertTown(t, cfg)
		report(t, d, "b", KindEvacuation, "南村", at(2, 0), 30, 0)
		require.Empty(t, ofType(step(t, d, plain(30*time.Second)), DecisionAssignmentCancelled))
	})
	t.Run("from more urgent work", func(t *testing.T) {
		// x and z are on a landslide with people, priority 1; an evacuation
		// (priority 2) beside x does not take x off it
		d := newTown(t, DefaultConfig(), town("x", at(2, 0), CapEvacuation), town("z", at(7, 0), CapEvacuation))
		report(t, d, "a", KindLandslide, "南村", at(4, 0), 60, 0)
		decs := step(t, d, t0)
		require.Equal(t, map[string]string{"x": "a", "z": "a"}, created(decs))
		accept(t, d, decs, plain(time.Second))
		report(t, d, "b", KindEvacuation, "南村", at(2, 0), 30, 0)
		require.Empty(t, ofType(step(t, d, plain(30*time.Second)), DecisionAssignmentCancelled))
	})
	t.Run("left without a fresh position", func(t *testing.T) {
		d := divertTown(t, DefaultConfig())
		require.NoError(t, d.SetStatus(StatusReport{Responder: "x", Status: StatusEnRoute, Time: plain(10 * time.Second)}))
		report(t, d, "b", KindEvacuation, "南村", at(2, 0), 30, 0)
		require.Empty(t, ofType(step(t, d, plain(30*time.Second)), DecisionAssignmentCancelled), "where x is now is not known")
	})
	t.Run("on scene", func(t *testing.T) {
		d := divertTown(t, DefaultConfig())
		require.NoError(t, d.SetStatus(StatusReport{Responder: "x", Status: StatusOnScene, At: at(4, 0), HasPosition: true, Time: plain(10 * time.Second)}))
		report(t, d, "b", KindEvacuation, "南村", at(4.1, 0), 30, 0)
		require.Empty(t, ofType(step(t, d, plain(15*time.Second)), DecisionAssignmentCancelled))
	})
	t.Run("another capability", func(t *testing.T) {
		// x carries evacuation and patrol and is on a's evacuation; a patrol
		// call beside x does not take x off the evacuation
		d := newTown(t, DefaultConfig(), town("x", at(2, 0), CapEvacuation, CapPatrol), town("z", at(7, 0), CapEvacuation))
		report(t, d, "a", KindEvacuation, "南村", at(4, 0), 60, 0)
		accept(t, d, step(t, d, t0), plain(time.Second))
		report(t, d, "b", KindDangerousHouse, "南村", at(2, 0), 0, 0) // priority 3, patrol
		report(t, d, "c", KindLandslide, "南村", at(2, 0), 0, 0)      // priority 2: machinery and patrol
		require.Empty(t, ofType(step(t, d, plain(30*time.Second)), DecisionAssignmentCancelled))
	})
}
