package dispatch

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLendKeepsTheReserveAndComesBack(t *testing.T) {
	far := at(0, -12) // the neighbour's incident, south across the boundary
	reserve := town("t-r", at(0, -1), CapEvacuation)
	reserve.Reserve = true
	d := newTown(t, DefaultConfig(),
		town("t-1", at(0, -1), CapEvacuation), town("t-2", at(0, -2), CapEvacuation), town("t-3", at(0, 3), CapEvacuation),
		town("t-4", at(0, 4), CapEvacuation), town("t-5", at(0, -5), CapMedical), reserve,
		village("v-1", "nancun", at(0, -6), CapEvacuation))

	// Asked for 10 with 2 to keep home: 5 non-reserve town tier − 2 = 3 at most, nearest first for the need.
	picks := d.ChooseLend([]Need{{Capability: CapEvacuation, Count: 10}}, far, 10, 2, walk)
	var ids []string
	for _, p := range picks {
		ids = append(ids, p.Responder.ID)
	}
	assert.Equal(t, []string{"t-2", "t-1", "t-3"}, ids, "nearest evacuation town tier; never the reserve, never a village squad")
	assert.Empty(t, d.ChooseLend([]Need{{Capability: CapEvacuation, Count: 1}}, far, 1, 5, walk), "nobody below keep_home")

	require.NoError(t, d.Lend(ids, "chixi", "chixi-aid-1"))
	require.NoError(t, d.Lend(ids, "chixi", "chixi-aid-1"), "the same commit again")
	require.ErrorIs(t, d.Lend(ids, "doushan", "doushan-aid-1"), ErrConflict)
	report(t, d, "home-1", KindEvacuation, "nancun", at(0, 0), 150, 1)
	for r := range created(step(t, d, t0)) {
		assert.NotContains(t, ids, r, "a lent responder is not assignable at home")
	}
	v := d.View()
	assert.Equal(t, 3, v.Counters.RespondersLent)

	assert.ElementsMatch(t, ids, d.Unlend("chixi-aid-1"))
	assert.Zero(t, d.View().Counters.RespondersLent)
}

func TestGuestsServeTheirIncidentOnly(t *testing.T) {
	d := newTown(t, DefaultConfig(), town("t-1", at(0, 0), CapPatrol))
	report(t, d, "other", KindEvacuation, "nancun", at(0, 1), 30, 1)
	report(t, d, "theirs", KindEvacuation, "nancun", at(0, 2), 30, 1)
	g := Guest{Responder: Responder{ID: GuestID("duhu", "t-001"), Name: "guest", Tier: TierTown, Capabilities: caps(CapEvacuation)},
		HomeTown: "duhu", HomeID: "t-001", Request: "chixi-aid-1", Incident: "theirs"}
	require.NoError(t, d.AddGuest(g, at(0, 10)))
	require.NoError(t, d.AddGuest(g, at(0, 10)), "the same guest again")
	got := created(step(t, d, t0))
	assert.Equal(t, map[string]string{"duhu-t-001": "theirs"}, got)
	assert.Equal(t, 1, d.GuestAssignments("chixi-aid-1"))

	d.RemoveGuest("duhu-t-001", t0, "released")
	assert.Empty(t, d.GuestsOf("chixi-aid-1"))
	v := d.View()
	assert.Equal(t, 1, v.Counters.Cancelled, "the guest's assignment ends when they go home")
}
