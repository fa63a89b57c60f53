package dispatch

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// logEntry is one event of a run, input or recorded decision, for replay.
type logEntry struct {
	Incident *Incident
	Status   *StatusReport
	Resolve  []string
	Reassign []string
	Time     time.Time
	Decision *Decision
}

func fold(d *Dispatcher, e logEntry) error {
	switch {
	case e.Incident != nil:
		return d.ReportIncident(*e.Incident)
	case e.Status != nil:
		return d.SetStatus(*e.Status)
	case e.Resolve != nil:
		return d.Resolve(e.Resolve[0], e.Resolve[1], e.Resolve[2], e.Time)
	case e.Reassign != nil:
		return d.Reassign(e.Reassign[0], e.Reassign[1], e.Reassign[2], e.Reassign[3], e.Time)
	default:
		return d.Apply(*e.Decision)
	}
}

func randomRoster(rng *rand.Rand, n int, villages []string) []Responder {
	all := []Capability{CapEvacuation, CapRescueBoat, CapMedical, CapMachinery, CapDrainage, CapPatrol}
	var out []Responder
	for i := 0; i < n; i++ {
		r := Responder{ID: fmt.Sprintf("r%02d", i), Name: "n", Tier: TierTown, Home: at(rng.Float64()*15-7.5, rng.Float64()*15-7.5),
			Reserve: rng.Float64() < 0.1}
		if rng.Float64() < 0.6 {
			r.Tier, r.Village = TierVillage, villages[rng.Intn(len(villages))]
		}
		for _, c := range rng.Perm(len(all))[:1+rng.Intn(3)] {
			r.Capabilities = append(r.Capabilities, all[c])
		}
		out = append(out, r)
	}
	return out
}

// simulate runs one random sequence live, checking invariants, and returns its log.
func simulate(t *testing.T, seed int64, steps int) ([]logEntry, *Dispatcher) {
	rng := rand.New(rand.NewSource(seed))
	villages := []string{"南村", "龙和", "大纲"}
	kinds := []string{KindFlooding, KindTrapped, KindEvacuation, KindBlockedChannel, KindDangerousHouse, KindLandslide, KindRoadFlooded, KindDikeBreach, KindReservoir, KindOther}
	statuses := []string{StatusAccepted, StatusEnRoute, StatusOnScene, StatusDone, StatusDone, StatusDeclined, StatusAvailable, StatusOffDuty}
	roster := randomRoster(rng, 8+rng.Intn(16), villages)
	d := newTown(t, rebalancing(), roster...)
	var log []logEntry
	now := t0
	nInc := 0
	diverted := map[string]bool{} // incidents that lost a responder to a divert
	record := func(e logEntry) {
		_ = fold(d, e) // rejected inputs are part of the log too; they must be rejected again on replay
		log = append(log, e)
	}
	for s := 0; s < steps; s++ {
		now = now.Add(time.Duration(rng.Intn(40)) * time.Second)
		switch x := rng.Float64(); {
		case x < 0.3:
			nInc++
			inc := Incident{ID: fmt.Sprintf("i%d", nInc), Kind: kinds[rng.Intn(len(kinds))], At: at(rng.Float64()*15-7.5, rng.Float64()*15-7.5),
				Village: villages[rng.Intn(len(villages))], People: rng.Intn(40), Severity: rng.Intn(5), ReportedAt: now}
			record(logEntry{Incident: &inc})
		case x < 0.8:
			r := roster[rng.Intn(len(roster))]
			st := StatusReport{Responder: r.ID, Status: statuses[rng.Intn(len(statuses))], Time: now}
			if rng.Float64() < 0.5 {
				st.At, st.HasPosition = at(rng.Float64()*15-7.5, rng.Float64()*15-7.5), true
			}
			record(logEntry{Status: &st})
		case x < 0.87 && len(d.open) > 0:
			record(logEntry{Resolve: []string{d.open[rng.Intn(len(d.open))].ID, "op", "done"}, Time: now})
		case x < 0.93 && d.assignSeq > 0:
			who := ""
			if rng.Float64() < 0.5 {
				who = roster[rng.Intn(len(roster))].ID
			}
			record(logEntry{Reassign: []string{fmt.Sprintf("a-%d", 1+rng.Intn(d.assignSeq)), who, "op", "override"}, Time: now})
		}
		// live: decide until quiet, applying in order as the engine does
		for round := 0; ; round++ {
			require.Less(t, round, 20, "seed %d: Decide does not settle", seed)
			decs := d.Decide(now, walk)
			if len(decs) == 0 {
				break
			}
			for i := range decs {
				require.NoError(t, d.Apply(decs[i]), "seed %d: %+v", seed, decs[i])
				record(logEntry{Decision: &decs[i]})
			}
			checkDiverts(t, d, seed, decs, diverted)
		}
		checkInvariants(t, d, seed, nInc)
	}
	return log, d
}

// checkDiverts: a divert (divert.go) moves a responder to work of the same
// priority and capability, leaves the incident it takes from with someone
// active on it, and takes from an incident at most once.
func checkDiverts(t *testing.T, d *Dispatcher, seed int64, decs []Decision, diverted map[string]bool) {
	for _, c := range decs {
		if c.Type != DecisionAssignmentCancelled || c.ReasonCode != CodeDivert {
			continue
		}
		require.False(t, diverted[c.Incident], "seed %d: incident %s lost a second responder to a divert", seed, c.Incident)
		diverted[c.Incident] = true
		var to *Decision
		for i := range decs {
			if decs[i].Type == DecisionAssignmentCreated && decs[i].Responder == c.Responder {
				to = &decs[i]
			}
		}
		require.NotNil(t, to, "seed %d: %s diverted to nothing", seed, c.Responder)
		require.Equal(t, c.Priority, to.Priority, "seed %d: divert across priorities", seed)
		require.Equal(t, c.Capability, to.Capability, "seed %d: divert across capabilities", seed)
		active := 0
		for _, id := range d.incidents[c.Incident].assignments {
			if d.assignments[id].active() {
				active++
			}
		}
		require.Positive(t, active, "seed %d: divert left incident %s with nobody", seed, c.Incident)
	}
}

func checkInvariants(t *testing.T, d *Dispatcher, seed int64, nInc int) {
	v := d.View()
	require.Len(t, v.Incidents, nInc, "seed %d: no incident forgotten", seed)
	holder := map[string]string{}
	for _, a := range v.Assignments {
		if a.Status == StatusAssigned || a.Status == StatusAccepted || a.Status == StatusEnRoute || a.Status == StatusOnScene {
			require.Empty(t, holder[a.Responder], "seed %d: %s in two active assignments", seed, a.Responder)
			holder[a.Responder] = a.ID
		}
	}
	for _, r := range v.Responders {
		require.Equal(t, holder[r.ID], r.Assignment, "seed %d: responder %s", seed, r.ID)
	}
	for _, inc := range v.Incidents {
		if inc.Status != IncidentOpen {
			continue
		}
		for _, n := range inc.Needs {
			if n.Open > 0 && n.AidAsked < n.Open {
				// not covered and no aid asked: only allowed if nobody eligible is free
				for _, r := range d.order {
					free := r.assignment == "" && !r.offDuty && !r.noAnswer
					p := &plan{d: d, excluded: map[[2]string]bool{}}
					ok, _ := p.eligible(r, d.incidents[inc.ID], n.Capability, inc.Priority)
					require.False(t, free && ok, "seed %d: incident %s need %s open %d, aid %d, but %s is free and eligible",
						seed, inc.ID, n.Capability, n.Open, n.AidAsked, r.ID)
				}
			}
		}
	}
}

func TestPropertyRandomSequences(t *testing.T) {
	seen, codes := map[string]int{}, map[string]int{}
	for seed := int64(1); seed <= 60; seed++ {
		log, live := simulate(t, seed, 150)
		for _, e := range log {
			if e.Decision != nil {
				seen[e.Decision.Type]++
				codes[e.Decision.ReasonCode]++
			}
		}
		want, err := json.Marshal(live.View())
		require.NoError(t, err)

		// replay: fold inputs and recorded decisions, never Decide
		replay := newTown(t, rebalancing(), live.order2roster()...)
		for _, e := range log {
			_ = fold(replay, e)
		}
		got, err := json.Marshal(replay.View())
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "seed %d: replay differs", seed)

		// determinism: the same inputs decide the same, byte for byte
		log2, _ := simulate(t, seed, 150)
		a, _ := json.Marshal(log)
		b, _ := json.Marshal(log2)
		require.Equal(t, string(a), string(b), "seed %d: decisions differ between runs", seed)
	}
	t.Logf("decisions over all seeds: %v", seen)
	for _, typ := range []string{DecisionAssignmentCreated, DecisionAssignmentCancelled, DecisionAssignmentTimedOut, DecisionAidNeeded, DecisionIncidentResolved} {
		require.Positive(t, seen[typ], "the sequences must exercise %s", typ)
	}
	require.Positive(t, codes[CodeRebalance], "the sequences must exercise the rebalance")
	require.Positive(t, codes[CodeDivert], "the sequences must exercise the divert")
}

func (d *Dispatcher) order2roster() []Responder {
	out := make([]Responder, len(d.order))
	for i, r := range d.order {
		out[i] = r.Responder
	}
	return out
}
