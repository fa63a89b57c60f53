package dispatch

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// Incident waves arriving over time, as the town meets them: the online plan
// (Decide after each arrival, with pre-emption and the swap chain) against an
// offline optimum that sees the whole wave at once, and against greedy
// nearest-unit. The offline optimum is built here from the policy's words —
// its own eligibility, its own costs, a full matrix — and solved by the dense
// textbook Hungarian method of hungarian_test.go, so it shares neither the
// candidate lists, nor the sparse solver, nor the price of the dispatcher.

// waveTown: 12 villages; three of them cut off (roads closed): reachable only
// from inside. Boats, machinery and medics are scarce.
type waveTown struct {
	roster   []Responder
	villages []string
	centre   map[string]orb.Point
	island   map[string]bool
}

const islandRadiusM = 1500

func newWaveTown(rng *rand.Rand) *waveTown {
	w := &waveTown{centre: map[string]orb.Point{}, island: map[string]bool{}}
	for i := 0; i < 12; i++ {
		v := fmt.Sprintf("v%02d", i)
		w.villages = append(w.villages, v)
		w.centre[v] = at(rng.Float64()*14-7, rng.Float64()*14-7)
		w.island[v] = i < 3
	}
	near := func(v string) orb.Point {
		c := w.centre[v]
		return orb.Point{c[0] + (rng.Float64()-0.5)/103.2, c[1] + (rng.Float64()-0.5)/111.3}
	}
	id := 0
	add := func(r Responder) {
		id++
		r.ID, r.Name = fmt.Sprintf("r%03d", id), fmt.Sprintf("r%03d", id)
		w.roster = append(w.roster, r)
	}
	// scarce town-tier units: boats, machinery, medics, each also able to evacuate or patrol
	for i := 0; i < 4; i++ {
		add(Responder{Tier: TierTown, Capabilities: caps(CapRescueBoat, CapEvacuation), Home: at(rng.Float64()*10-5, rng.Float64()*10-5), Reserve: i == 3})
		add(Responder{Tier: TierTown, Capabilities: caps(CapMachinery, CapDrainage), Home: at(rng.Float64()*10-5, rng.Float64()*10-5)})
		add(Responder{Tier: TierTown, Capabilities: caps(CapMedical, CapEvacuation), Home: at(rng.Float64()*10-5, rng.Float64()*10-5)})
	}
	for i := 0; i < 14; i++ { // common town-tier squads
		add(Responder{Tier: TierTown, Capabilities: caps(CapEvacuation, CapPatrol), Home: at(rng.Float64()*10-5, rng.Float64()*10-5)})
	}
	for i := 0; i < 4; i++ {
		add(Responder{Tier: TierTown, Capabilities: caps(CapDrainage, CapPatrol), Home: at(rng.Float64()*10-5, rng.Float64()*10-5)})
	}
	for _, v := range w.villages { // village squads, at home in their village
		for k := 0; k < 4; k++ {
			c := caps(CapEvacuation, CapPatrol)
			if k == 3 {
				c = caps(CapDrainage, CapPatrol)
			}
			add(Responder{Tier: TierVillage, Village: v, Capabilities: c, Home: near(v)})
		}
	}
	// one town-tier boat stationed in the first cut-off village
	add(Responder{Tier: TierTown, Capabilities: caps(CapRescueBoat, CapEvacuation), Home: near(w.villages[0])})
	return w
}

// TravelTimesTo: straight lines at 30 km/h, except that a cut-off village is
// reached only from within it.
func (w *waveTown) TravelTimesTo(to orb.Point, from []orb.Point) []float64 {
	cut := ""
	for _, v := range w.villages {
		if w.island[v] && cut == "" && geo.Distance(w.centre[v], to) < islandRadiusM {
			cut = v
		}
	}
	out := make([]float64, len(from))
	for i, f := range from {
		out[i] = geo.DistanceHaversine(f, to) / (30 / 3.6)
		if cut != "" && geo.Distance(w.centre[cut], f) >= islandRadiusM {
			out[i] = math.Inf(1)
		}
	}
	return out
}

type waveIncident struct {
	Incident
	batch int
}

func (w *waveTown) wave(rng *rand.Rand, n, batches int) []waveIncident {
	kinds := []string{KindTrapped, KindEvacuation, KindEvacuation, KindLandslide, KindDikeBreach, KindFlooding, KindFlooding,
		KindBlockedChannel, KindDangerousHouse, KindRoadFlooded, KindRoadFlooded, KindOther}
	out := make([]waveIncident, n)
	for i := range out {
		v := w.villages[rng.Intn(len(w.villages))]
		c := w.centre[v]
		p := orb.Point{c[0] + (rng.Float64()-0.5)*1.6/103.2, c[1] + (rng.Float64()-0.5)*1.6/111.3}
		out[i] = waveIncident{Incident: Incident{ID: fmt.Sprintf("w%03d", i), Kind: kinds[rng.Intn(len(kinds))], At: p, Village: v,
			People: rng.Intn(6), ReportedAt: t0}, batch: i * batches / n}
	}
	return out
}

// waveResult is one plan's outcome on a wave in the policy's objective.
type waveResult struct {
	c       cost
	cancels int
}

// offlineEligible is the policy (小事不出村、大事不出镇, the reserve for priority 1)
// restated for the offline model.
func offlineEligible(cfg Config, r Responder, v string, c Capability, prio int) (ok, penalty bool) {
	if !r.Has(c) || (r.Reserve && prio > cfg.ReserveOnlyPriority) {
		return false, false
	}
	if r.Tier == TierVillage {
		return r.Village == v, false
	}
	return true, prio > cfg.TownTierPriority
}

type waveSlot struct {
	inc  string
	v    string
	at   orb.Point
	capb Capability
	prio int
}

func waveSlots(cfg Config, incs []waveIncident) []waveSlot {
	var out []waveSlot
	for _, inc := range incs {
		tr := cfg.Triage.Apply(inc.Incident)
		for _, n := range tr.Needs {
			for k := 0; k < n.Count; k++ {
				out = append(out, waveSlot{inc: inc.ID, v: inc.Village, at: inc.At, capb: n.Capability, prio: tr.Priority})
			}
		}
	}
	return out
}

// offline: every slot of the wave against every responder at once, exact.
func (w *waveTown) offline(cfg Config, incs []waveIncident) cost {
	slots := waveSlots(cfg, incs)
	homes := make([]orb.Point, len(w.roster))
	for j, r := range w.roster {
		homes[j] = r.Home
	}
	p := &assignProblem{ncols: len(w.roster)}
	for _, s := range slots {
		eta := w.TravelTimesTo(s.at, homes)
		var row []arc
		for j, r := range w.roster {
			ok, pen := offlineEligible(cfg, r, s.v, s.capb, s.prio)
			if !ok || math.IsInf(eta[j], 0) {
				continue
			}
			c := cost{t: cfg.PriorityWeight[s.prio] * eta[j]}
			if pen {
				c.tier = 1
			}
			row = append(row, arc{col: int32(j), c: c})
		}
		p.rows = append(p.rows, row)
		p.skip = append(p.skip, unfilledCost(s.prio))
	}
	return denseHungarian(p)
}

// greedyWave: incidents as they arrive, each slot the nearest free eligible
// unit (own village first), never re-planned.
func (w *waveTown) greedyWave(cfg Config, incs []waveIncident) cost {
	used := make([]bool, len(w.roster))
	homes := make([]orb.Point, len(w.roster))
	for j, r := range w.roster {
		homes[j] = r.Home
	}
	var total cost
	for _, s := range waveSlots(cfg, incs) {
		eta := w.TravelTimesTo(s.at, homes)
		best, bestPen := -1, true
		for j, r := range w.roster {
			ok, pen := offlineEligible(cfg, r, s.v, s.capb, s.prio)
			if !ok || used[j] || math.IsInf(eta[j], 0) {
				continue
			}
			if best < 0 || (!pen && bestPen) || (pen == bestPen && eta[j] < eta[best]) {
				best, bestPen = j, pen
			}
		}
		if best < 0 {
			total = total.add(unfilledCost(s.prio))
			continue
		}
		used[best] = true
		total = total.add(cost{t: cfg.PriorityWeight[s.prio] * eta[best]})
		if bestPen {
			total.tier++
		}
	}
	return total
}

// online: the dispatcher meets the wave batch by batch, 30 s apart; every
// assignment is accepted at once (nobody times out), nobody finishes within the wave.
func (w *waveTown) online(tb testing.TB, cfg Config, incs []waveIncident, batches int) waveResult {
	d := newTown(tb, cfg, w.roster...)
	var res waveResult
	now := t0
	for b := 0; b < batches; b++ {
		for _, inc := range incs {
			if inc.batch == b {
				inc.ReportedAt = now
				if err := d.ReportIncident(inc.Incident); err != nil {
					tb.Fatal(err)
				}
			}
		}
		for round := 0; round < 10; round++ {
			decs := d.Decide(now, w)
			if len(decs) == 0 {
				break
			}
			for _, dec := range decs {
				if err := d.Apply(dec); err != nil {
					tb.Fatal(err)
				}
				if dec.Type == DecisionAssignmentCancelled {
					res.cancels++
				}
			}
			for _, dec := range ofType(decs, DecisionAssignmentCreated) {
				if err := d.SetStatus(StatusReport{Responder: dec.Responder, Status: StatusAccepted, Assignment: dec.Assignment, Time: now}); err != nil {
					tb.Fatal(err)
				}
			}
			now = now.Add(time.Second)
		}
		now = now.Add(30 * time.Second)
	}
	byID := map[string]Responder{}
	for _, r := range w.roster {
		byID[r.ID] = r
	}
	v := d.View()
	villageOf := map[string]string{}
	for _, inc := range v.Incidents {
		villageOf[inc.ID] = inc.Village
		for _, n := range inc.Needs {
			res.c.unfilled[inc.Priority-1] += int32(n.Open)
		}
	}
	for _, a := range v.Assignments {
		if a.Status != StatusAccepted {
			continue
		}
		res.c.t += cfg.PriorityWeight[a.Priority] * a.ETASeconds
		if _, pen := offlineEligible(cfg, byID[a.Responder], villageOf[a.Incident], a.Capability, a.Priority); pen {
			res.c.tier++
		}
	}
	return res
}

// waveFigures runs seeds and returns what the benchmark and the test report.
type waveFigures struct {
	seeds, p1Equal, unfilledEqual, travelOK int
	onlineP1, offlineP1, greedyP1           int
	worstTravel, sumTravel                  float64
	cancels                                 []int
}

func runWaves(tb testing.TB, cfg Config, seeds, n, batches int) waveFigures {

	var f waveFigures
	for seed := 1; seed <= seeds; seed++ {
		rng := rand.New(rand.NewSource(int64(seed)))
		w := newWaveTown(rng)
		incs := w.wave(rng, n, batches)
		on := w.online(tb, cfg, incs, batches)
		off := w.offline(cfg, incs)
		gr := w.greedyWave(cfg, incs)
		f.seeds++
		f.onlineP1 += int(on.c.unfilled[0])
		f.offlineP1 += int(off.unfilled[0])
		f.greedyP1 += int(gr.unfilled[0])
		f.cancels = append(f.cancels, on.cancels)
		if on.c.unfilled[0] <= off.unfilled[0] {
			f.p1Equal++
		}
		if on.c.unfilled == off.unfilled {
			f.unfilledEqual++
			ratio := 1.0
			if off.t > 0 {
				ratio = on.c.t / off.t
			}
			f.sumTravel += ratio
			f.worstTravel = max(f.worstTravel, ratio)
			if ratio <= 1.05 {
				f.travelOK++
			}
		}
		if on.c.unfilled[0] < off.unfilled[0] {
			tb.Fatalf("seed %d: online leaves %d priority-1 slots empty, fewer than the offline optimum's %d: the two models differ",
				seed, on.c.unfilled[0], off.unfilled[0])
		}
	}
	return f
}

// TestWavesLeaveNoMorePriority1EmptyThanTheOfflineOptimum is the issue's
// check: in every one of our waves the online plan leaves as few priority-1
// slots empty as the offline optimum.
func TestWavesLeaveNoMorePriority1EmptyThanTheOfflineOptimum(t *testing.T) {
	for _, tc := range []struct{ seeds, n, batches int }{{20, 40, 1}, {20, 40, 4}, {6, 120, 6}} {
		f := runWaves(t, DefaultConfig(), tc.seeds, tc.n, tc.batches)
		t.Logf("%d-incident waves, %d seeds: priority-1 empty online %d, offline %d, greedy %d; equal in %d; unfilled vectors equal in %d, travel within 5%% in %d of those (worst %.3f); cancellations per wave %v",
			tc.n, f.seeds, f.onlineP1, f.offlineP1, f.greedyP1, f.p1Equal, f.unfilledEqual, f.travelOK, f.worstTravel, f.cancels)
		if f.p1Equal != f.seeds {
			t.Errorf("%d-incident waves: priority-1 slots left empty equal the offline optimum's in %d of %d waves", tc.n, f.p1Equal, f.seeds)
		}
	}
}

// BenchmarkWaves: seeded waves arriving over time (boats, machinery, medics
// scarce; three villages cut off). Figures: share of seeds whose priority-1
// empty slots equal the offline optimum's (goal ≥ 95 %), the travel ratio
// where every unfilled count agrees (goal ≤ 1.05), greedy beside both, and
// the cancellations per wave.
func BenchmarkWaves(b *testing.B) {
	noPrice := DefaultConfig()
	noPrice.RarePriceS = 0
	for _, tc := range []struct {
		name              string
		cfg               Config
		seeds, n, batches int
	}{
		{"incidents=40/batches=1", DefaultConfig(), 100, 40, 1},
		{"incidents=40/batches=1/no_price", noPrice, 100, 40, 1},
		{"incidents=40/batches=4", DefaultConfig(), 100, 40, 4},
		{"incidents=40/batches=4/no_price", noPrice, 100, 40, 4},
		{"incidents=120/batches=6", DefaultConfig(), 20, 120, 6},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var f waveFigures
			for i := 0; i < b.N; i++ {
				f = runWaves(b, tc.cfg, tc.seeds, tc.n, tc.batches)
			}
			sort.Ints(f.cancels)
			sum := 0
			for _, c := range f.cancels {
				sum += c
			}
			b.ReportMetric(100*float64(f.p1Equal)/float64(f.seeds), "%p1_equal")
			b.ReportMetric(float64(f.onlineP1)/float64(f.seeds), "p1_empty_online")
			b.ReportMetric(float64(f.offlineP1)/float64(f.seeds), "p1_empty_offline")
			b.ReportMetric(float64(f.greedyP1)/float64(f.seeds), "p1_empty_greedy")
			b.ReportMetric(100*float64(f.unfilledEqual)/float64(f.seeds), "%unfilled_equal")
			if f.unfilledEqual > 0 {
				b.ReportMetric(f.sumTravel/float64(f.unfilledEqual), "travel/optimum")
				b.ReportMetric(f.worstTravel, "worst_travel/optimum")
				b.ReportMetric(100*float64(f.travelOK)/float64(f.unfilledEqual), "%travel_within_5%")
			}
			b.ReportMetric(float64(sum)/float64(f.seeds), "cancels/wave")
			b.ReportMetric(float64(f.cancels[len(f.cancels)-1]), "max_cancels/wave")
		})
	}
}
