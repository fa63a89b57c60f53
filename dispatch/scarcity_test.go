package dispatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestScarceUnitKeptForWhatOnlyItCanDo: a priority-1 evacuation with a boat
// team 1 km away and a militia squad 3 km away gets the squad; the boat stays
// free, and the decision says so.
func TestScarceUnitKeptForWhatOnlyItCanDo(t *testing.T) {
	d := newTown(t, DefaultConfig(),
		town("boat", at(1, 0), CapRescueBoat, CapEvacuation), town("militia", at(3, 0), CapEvacuation),
		town("boat2", at(9, 9), CapRescueBoat), town("medic", at(2, 2), CapMedical))
	report(t, d, "evac", KindLandslide, "南村", duhu, 5, 0) // landslide with people: priority 1, evacuation ×1
	decs := step(t, d, t0)
	got := created(decs)
	require.Equal(t, "evac", got["militia"])
	require.NotContains(t, got, "boat")
	for _, dec := range decs {
		if dec.Responder == "militia" && dec.Capability == CapEvacuation {
			require.Equal(t, CodeRareKept, dec.ReasonCode, dec.Reason)
			require.Equal(t, "boat", dec.ReasonParams["kept"])
		}
	}
}

// TestSwapChainFillsTheSlotOnlyABoatCan: the only boat went to evacuate
// (nobody else could); when a family is trapped, the boat moves there and the
// militia squad, free by now, takes its place: both priority-1 incidents full.
func TestSwapChainFillsTheSlotOnlyABoatCan(t *testing.T) {
	cfg := DefaultConfig()
	d := newTown(t, cfg, town("boat", at(1, 0), CapRescueBoat, CapEvacuation), town("militia", at(3, 0), CapEvacuation),
		town("medic", at(2, 2), CapMedical))
	require.NoError(t, d.SetStatus(StatusReport{Responder: "militia", Status: StatusOffDuty, Time: t0}))
	report(t, d, "evac", KindLandslide, "南村", duhu, 5, 0)
	decs := step(t, d, t0)
	require.Equal(t, "evac", created(decs)["boat"], "nobody else can evacuate")
	accept(t, d, decs, plain(30*time.Second))
	require.NoError(t, d.SetStatus(StatusReport{Responder: "militia", Status: StatusAvailable, Time: plain(time.Minute)}))

	report(t, d, "trapped", KindTrapped, "南村", at(0, 1), 2, 0)
	decs = step(t, d, plain(2*time.Minute))
	require.Equal(t, map[string]string{"boat": "trapped", "militia": "evac"}, created(decs))
	cancelled := ofType(decs, DecisionAssignmentCancelled)
	require.Len(t, cancelled, 1)
	require.Equal(t, CodeSwap, cancelled[0].ReasonCode)
	require.Equal(t, "trapped", cancelled[0].ReasonParams["incident"])
	for _, dec := range ofType(decs, DecisionAssignmentCreated) {
		require.Equal(t, CodeSwap, dec.ReasonCode, dec.Reason)
	}
	for _, dec := range ofType(decs, DecisionAidNeeded) {
		require.Equal(t, []Need{{Capability: CapMedical, Count: 1}}, dec.Needs, "only the one medic is short")
	}
}

// TestChurnBounded: a responder moved off work is not moved again within
// ChurnWindow for anything but priority 1.
func TestChurnBounded(t *testing.T) {
	d := newTown(t, DefaultConfig(), town("p", at(1, 0), CapPatrol))
	report(t, d, "low", KindRoadFlooded, "南村", duhu, 0, 0) // priority 4
	accept(t, d, step(t, d, t0), plain(time.Second))
	report(t, d, "mid", KindDangerousHouse, "南村", at(0, 1), 0, 0) // priority 3: pre-empts
	decs := step(t, d, plain(time.Minute))
	require.Equal(t, map[string]string{"p": "mid"}, created(decs))
	require.Equal(t, CodePreempted, ofType(decs, DecisionAssignmentCancelled)[0].ReasonCode)
	accept(t, d, decs, plain(time.Minute+time.Second))
	report(t, d, "high", KindLandslide, "南村", at(1, 1), 0, 0) // priority 2, patrol: would pre-empt again
	decs = step(t, d, plain(2*time.Minute))
	require.Empty(t, created(decs), "moved a minute ago: not again within %s", DefaultConfig().ChurnWindow)
	decs = step(t, d, plain(6*time.Minute+2*time.Second))
	require.Equal(t, map[string]string{"p": "high"}, created(decs), "after the window")
}

// accept has every responder assigned in decs accept at t.
func accept(tb testing.TB, d *Dispatcher, decs []Decision, at time.Time) {
	tb.Helper()
	for _, dec := range ofType(decs, DecisionAssignmentCreated) {
		require.NoError(tb, d.SetStatus(StatusReport{Responder: dec.Responder, Status: StatusAccepted, Assignment: dec.Assignment, Time: at}))
	}
}

// TestRedispatchSaysWhy: the assignment after a decline names it in its reason_params.
func TestRedispatchSaysWhy(t *testing.T) {
	d := newTown(t, DefaultConfig(), town("a", at(1, 0), CapPatrol), town("b", at(3, 0), CapPatrol))
	report(t, d, "i1", KindRoadFlooded, "南村", duhu, 0, 0)
	first := ofType(step(t, d, t0), DecisionAssignmentCreated)[0]
	require.Equal(t, CodeNearest, first.ReasonCode)
	require.NoError(t, d.SetStatus(StatusReport{Responder: "a", Status: StatusDeclined, Time: plain(10 * time.Second)}))
	again := ofType(step(t, d, plain(11*time.Second)), DecisionAssignmentCreated)[0]
	require.Equal(t, "b", again.Responder)
	require.Equal(t, 1, again.ReasonParams["declined_before"])
	require.Equal(t, CapPatrol, Capability(again.ReasonParams["capability"].(string)))
}
