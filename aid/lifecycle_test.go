package aid

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/events"
)

// askerAndLender: Chixi (3 evacuation teams and a reserve) has 240 people to
// move, 8 teams' work: it lacks 5 and asks Duhu (6 teams, a reserve, keeping
// 1 home), which has the request in its inbox.
func askerAndLender(t testing.TB, asker Config) (cx, dh *town) {
	t.Helper()
	cx = newTown(t, "chixi", asker, 3, askerAt)
	dh = newTown(t, "duhu", keep(1, "chixi"), 6, lenderAt)
	cx.incident("cx-1", 240, askerAt)
	cx.settle()
	require.Equal(t, 1, cx.deliver(dh))
	return cx, dh
}

// approve has Duhu's operator approve count and the answers reach Chixi, whose
// dispatcher then sends the guests.
func approve(t *testing.T, cx, dh *town, count int) {
	t.Helper()
	req := dh.record(In).Request
	require.NoError(t, dh.command(events.VerbApproveAid, events.Command{Request: req, Count: count}))
	dh.settle()
	require.Equal(t, 2, dh.deliver(cx), "an answer and a commit")
	cx.settle()
}

func TestLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name    string
		asker   Config
		steps   func(t *testing.T, cx, dh *town)
		out, in string // the states of Chixi's request and of Duhu's record of it
		check   func(t *testing.T, cx, dh *town)
	}{{
		name: "requested: one request for what the town lacks, nothing lent before approval",
		out:  Requested, in: Requested,
		check: func(t *testing.T, cx, dh *town) {
			out := cx.record(Out)
			assert.Equal(t, []events.AidNeed{{Capability: "evacuation", Count: 5}}, out.Needs)
			assert.Equal(t, "duhu", out.Town)
			assert.Equal(t, "chixi-aid-1", out.Request)
			assert.Equal(t, 5, dh.record(In).Asked)
			dh.settle()
			assert.Empty(t, dh.aid.Outbox(), "nothing is sent before an operator approves")
			assert.Empty(t, dh.responders(lent))
		},
	}, {
		name:  "approved: offered, committed, guests assigned",
		steps: func(t *testing.T, cx, dh *town) { approve(t, cx, dh, 5) },
		out:   Deployed, in: Committed,
		check: func(t *testing.T, cx, dh *town) {
			in, out := dh.record(In), cx.record(Out)
			assert.Equal(t, events.AidAccept, in.Answer)
			assert.Equal(t, []int{5, 5, 5}, []int{in.Approved, in.Offered, in.Committed})
			assert.Equal(t, []int{5, 5}, []int{out.Offered, out.Committed})
			assert.Len(t, dh.responders(lent), 5)
			assert.NotContains(t, dh.responders(lent), "t-06", "the reserve is never lent")
			guests := cx.responders(guest)
			assert.Len(t, guests, 5)
			assigned := 0
			for _, a := range cx.disp.View().Assignments {
				if a.Incident == "cx-1" && a.Status == dispatch.StatusAssigned {
					assigned++
				}
			}
			assert.Equal(t, 8, assigned, "3 of Chixi's own and 5 guests")
			for _, r := range out.Responders {
				assert.Equal(t, dispatch.StatusAssigned, r.Status)
				assert.Equal(t, "evacuation", r.Covers)
			}
		},
	}, {
		name:  "approved beyond what may leave: partial, keep_home stays",
		steps: func(t *testing.T, cx, dh *town) { approve(t, cx, dh, 7) },
		out:   Deployed, in: Committed,
		check: func(t *testing.T, cx, dh *town) {
			in := dh.record(In)
			assert.Equal(t, 5, in.Approved, "approved no more than asked")
			assert.Equal(t, 5, in.Committed)
		},
	}, {
		name: "approved for fewer than asked",
		steps: func(t *testing.T, cx, dh *town) {
			dh.aid.cfg = keep(4, "chixi") // 6 teams, 4 stay home: 2 may go
			approve(t, cx, dh, 5)
		},
		out: Deployed, in: Committed,
		check: func(t *testing.T, cx, dh *town) {
			in := dh.record(In)
			assert.Equal(t, events.AidPartial, in.Answer)
			assert.Equal(t, []int{5, 2, 2}, []int{in.Approved, in.Offered, in.Committed})
			assert.Len(t, cx.responders(guest), 2)
		},
	}, {
		name: "declined by the operator",
		steps: func(t *testing.T, cx, dh *town) {
			require.NoError(t, dh.command(events.VerbDeclineAid, events.Command{Request: "chixi-aid-1", Reason: "本镇也在转移"}))
			assert.Error(t, dh.command(events.VerbApproveAid, events.Command{Request: "chixi-aid-1", Count: 5}), "declined once, not approved after")
			dh.settle()
			require.Equal(t, 1, dh.deliver(cx))
			cx.settle()
		},
		out: Declined, in: Declined,
		check: func(t *testing.T, cx, dh *town) {
			assert.Contains(t, cx.record(Out).History[1].Note, "本镇也在转移")
			assert.Empty(t, dh.responders(lent))
			assert.Equal(t, 1, cx.decided[events.AidKindRequest], "a neighbour that declined is not asked again at once")
		},
	}, {
		name: "released by the operator: guests home, lent available",
		steps: func(t *testing.T, cx, dh *town) {
			approve(t, cx, dh, 5)
			require.NoError(t, cx.command(events.VerbReleaseAid, events.Command{Request: "chixi-aid-1", Reason: "水退了"}))
			cx.settle()
			require.Equal(t, 1, cx.deliver(dh))
		},
		out: Released, in: Released,
		check: func(t *testing.T, cx, dh *town) {
			assert.Empty(t, cx.responders(guest), "guests went home")
			assert.Empty(t, dh.responders(lent))
			assert.Contains(t, cx.record(Out).History[len(cx.record(Out).History)-1].Note, "水退了")
		},
	}, {
		name: "guests sent home once nothing lacks and none of them works",
		steps: func(t *testing.T, cx, dh *town) {
			approve(t, cx, dh, 5)
			cx.resolve("cx-1")
			cx.settle()
			require.Equal(t, 1, cx.deliver(dh))
		},
		out: Released, in: Released,
		check: func(t *testing.T, cx, dh *town) {
			assert.Contains(t, cx.record(Out).History[len(cx.record(Out).History)-1].Note, "lacks no evacuation any more")
			assert.Empty(t, cx.responders(guest))
			assert.Empty(t, dh.responders(lent))
		},
	}, {
		name: "withdrawn when the town's own units cover it",
		steps: func(t *testing.T, cx, dh *town) {
			cx.resolve("cx-1")
			cx.settle()
			require.Equal(t, 1, cx.deliver(dh))
			assert.Error(t, dh.command(events.VerbApproveAid, events.Command{Request: "chixi-aid-1", Count: 5}), "nothing left to approve")
		},
		out: Released, in: Released,
		check: func(t *testing.T, cx, dh *town) {
			assert.Contains(t, cx.record(Out).History[1].Note, "withdrawn: the town's own units cover evacuation")
			assert.Contains(t, dh.record(In).History[1].Note, "chixi withdrew its request")
		},
	}, {
		name: "updated as the shortfall grows, at most once a minute",
		steps: func(t *testing.T, cx, dh *town) {
			cx.incident("cx-2", 120, askerAt) // 4 teams more
			cx.settle()
			assert.Equal(t, 5, cx.record(Out).Asked, "not updated within a minute")
			cx.now = cx.now.Add(time.Minute)
			cx.settle()
			require.Equal(t, 1, cx.deliver(dh))
		},
		out: Requested, in: Requested,
		check: func(t *testing.T, cx, dh *town) {
			assert.Equal(t, 9, cx.record(Out).Asked)
			in := dh.record(In)
			assert.Equal(t, 9, in.Asked)
			assert.Contains(t, in.History[len(in.History)-1].Note, "chixi updated its request: now evacuation×9")
			assert.Equal(t, 2, cx.decided[events.AidKindRequest], "a request and its update, not a second request")
		},
	}, {
		name:  "a neighbour silent past answer_within is passed over for the next",
		asker: keep(10, "duhu", "guanghai"),
		steps: func(t *testing.T, cx, dh *town) {
			cx.now = cx.now.Add(5 * time.Minute)
			cx.settle()
			assert.Len(t, cx.aid.View(), 1, "still waiting within 10 minutes")
			cx.now = cx.now.Add(6 * time.Minute)
			cx.settle()
		},
		in: Requested,
		check: func(t *testing.T, cx, dh *town) {
			v := cx.aid.View()
			require.Len(t, v, 2)
			assert.Equal(t, []string{"duhu", "guanghai"}, []string{v[0].Town, v[1].Town})
			assert.Equal(t, []string{Requested, Requested}, []string{v[0].State, v[1].State})
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			asker := tc.asker
			if asker.Neighbours == nil {
				asker = keep(10, "duhu")
			}
			cx, dh := askerAndLender(t, asker)
			if tc.steps != nil {
				tc.steps(t, cx, dh)
			}
			if tc.out != "" {
				assert.Equal(t, tc.out, cx.record(Out).State, "chixi's request: %+v", cx.record(Out).History)
			}
			assert.Equal(t, tc.in, dh.record(In).State, "duhu's record: %+v", dh.record(In).History)
			tc.check(t, cx, dh)
		})
	}
}

// TestTwoApprovalsInOneRoundLendEachResponderOnce: two requests approved
// before the town decides must not both be given the same responders (the
// second commit would be void when folded); the second is decided once the
// first is folded, from who is still home.
func TestTwoApprovalsInOneRoundLendEachResponderOnce(t *testing.T) {
	cx, dh := askerAndLender(t, keep(10, "duhu"))
	require.NoError(t, dh.aid.Receive(events.AidKindRequest, &events.Aid{Request: "chixi-aid-7", From: "chixi",
		Needs: []events.AidNeed{{Capability: "evacuation", Count: 3}}, Lat: askerAt.Lat(), Lon: askerAt.Lon()}, dh.now))
	dh.aid.cfg = keep(0, "chixi") // all 6 teams may go
	require.NoError(t, dh.command(events.VerbApproveAid, events.Command{Request: "chixi-aid-1", Count: 5}))
	require.NoError(t, dh.command(events.VerbApproveAid, events.Command{Request: "chixi-aid-7", Count: 3}))
	dh.settle() // every decision folds: none is void
	got := map[string]Record{}
	for _, r := range dh.aid.View() {
		got[r.Request] = r
	}
	assert.Equal(t, 5, got["chixi-aid-1"].Committed)
	assert.Equal(t, events.AidPartial, got["chixi-aid-7"].Answer, "one team left for the second request")
	assert.Equal(t, 1, got["chixi-aid-7"].Committed)
	assert.Len(t, dh.responders(lent), 6)
	seen := map[string]bool{}
	for _, r := range got["chixi-aid-1"].Responders {
		seen[r.ID] = true
	}
	for _, r := range got["chixi-aid-7"].Responders {
		assert.False(t, seen[r.ID], "%s lent twice", r.ID)
	}
	require.Equal(t, 4, dh.deliver(cx))
}
