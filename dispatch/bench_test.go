package dispatch

import (
	"fmt"
	"math/rand"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// duhuLikeRoster: 55 town-tier and 94 village-tier responders over 18 villages
// in a 15 km square, capabilities seeded at random.
func duhuLikeRoster(rng *rand.Rand) ([]Responder, []string) {
	var villages []string
	for i := 0; i < 18; i++ {
		villages = append(villages, fmt.Sprintf("v%02d", i))
	}
	roster := randomRoster(rng, 149, villages)
	for i := range roster {
		roster[i].Reserve = false
		if i < 55 {
			roster[i].Tier, roster[i].Village = TierTown, ""
		} else {
			roster[i].Tier, roster[i].Village = TierVillage, villages[i%18]
		}
	}
	return roster, villages
}

func randomIncident(rng *rand.Rand, id string, villages []string, now time.Time) Incident {
	kinds := []string{KindFlooding, KindTrapped, KindEvacuation, KindBlockedChannel, KindDangerousHouse, KindLandslide, KindRoadFlooded, KindDikeBreach, KindReservoir, KindOther}
	return Incident{ID: id, Kind: kinds[rng.Intn(len(kinds))], At: at(rng.Float64()*15-7.5, rng.Float64()*15-7.5),
		Village: villages[rng.Intn(len(villages))], People: rng.Intn(20), Severity: rng.Intn(5), ReportedAt: now}
}

// problemOf builds the full (complete candidate lists) assignment problem Decide
// would solve for the dispatcher's open slots, for greedy and dense comparisons.
func problemOf(d *Dispatcher, tt TravelTimer) *assignProblem {
	p := &plan{d: d, tt: tt, ended: map[string]bool{}, taken: map[string]bool{}, noAnswer: map[string]bool{},
		excluded: map[[2]string]bool{}, resolved: map[string]bool{}, added: map[string]map[Capability]int{}}
	var free []*responderState
	for _, r := range d.order {
		if p.free(r) {
			free = append(free, r)
		}
	}
	var classes []*slotClass
	for _, inc := range d.open {
		for _, n := range p.openNeeds(inc) {
			classes = append(classes, &slotClass{inc: inc, capab: n.Capability, prio: inc.triage.Priority, open: n.Count, k: len(free) + 1})
		}
	}
	pl := newPool(free)
	p.candidates(pl, classes, func(cls *slotClass, r *responderState) (bool, bool) {
		return p.eligible(r, cls.inc, cls.capab, cls.prio)
	})
	prob, _ := problemFor(classes, len(free))
	return prob
}

// greedy: slots in priority order, each takes its cheapest free candidate
// (village-first, then nearest) — the dispatcher's baseline.
func greedy(p *assignProblem) cost {
	idx := make([]int, len(p.rows))
	for i := range idx {
		idx[i] = i
	}
	prio := func(i int) int {
		for k, u := range p.skip[i].unfilled {
			if u > 0 {
				return k
			}
		}
		return 0
	}
	sort.SliceStable(idx, func(a, b int) bool { return prio(idx[a]) < prio(idx[b]) })
	used := map[int32]bool{}
	var total cost
	for _, i := range idx {
		best := -1
		for k, a := range p.rows[i] {
			if !used[a.col] && (best < 0 || a.c.less(p.rows[i][best].c)) {
				best = k
			}
		}
		if best < 0 {
			total = total.add(p.skip[i])
			continue
		}
		used[p.rows[i][best].col] = true
		total = total.add(p.rows[i][best].c)
	}
	return total
}

func unfilledSum(c cost) int {
	n := 0
	for _, u := range c.unfilled {
		n += int(u)
	}
	return n
}

// unservedPenaltyS prices a need left unserved when comparing plans: a slot with
// nobody sent waits, at best, for a unit to finish a job — an hour is the
// yardstick here. Travel totals alone would reward a plan for serving fewer
// people (greedy's lower total at 50 incidents leaves six priority-1 slots empty).
const unservedPenaltyS = 3600

// penalised is the priority-weighted response time with unserved slots priced in.
func penalised(d *Dispatcher, c cost) float64 {
	total := c.t
	for k, u := range c.unfilled {
		total += float64(u) * d.weight(k+1) * unservedPenaltyS
	}
	return total
}

// (a) quality: ours vs greedy vs the dense optimum on the same instance.
func BenchmarkQuality(b *testing.B) {
	for _, n := range []int{10, 50, 200} {
		b.Run(fmt.Sprintf("incidents=%d", n), func(b *testing.B) {
			var ours, gr, opt cost
			var oursPen, grPen float64
			for it := 0; it < b.N; it++ {
				rng := rand.New(rand.NewSource(int64(n)))
				roster, villages := duhuLikeRoster(rng)
				d := newTown(b, DefaultConfig(), roster...)
				for i := 0; i < n; i++ {
					if err := d.ReportIncident(randomIncident(rng, fmt.Sprintf("i%d", i), villages, t0)); err != nil {
						b.Fatal(err)
					}
				}
				prob := problemOf(d, walk)
				b.StartTimer()
				decs := d.Decide(t0, walk)
				b.StopTimer()
				ours = cost{}
				for _, dec := range decs {
					if dec.Type == DecisionAssignmentCreated {
						ours.t += d.weight(dec.Priority) * dec.ETASeconds
					}
				}
				_, solved := solveAssignment(prob)
				ours.unfilled, ours.tier = solved.unfilled, solved.tier
				gr = greedy(prob)
				opt = denseHungarian(prob)
				oursPen, grPen = penalised(d, ours), penalised(d, gr)
			}
			b.ReportMetric(ours.t, "ours_s")
			b.ReportMetric(gr.t, "greedy_s")
			b.ReportMetric(opt.t, "optimum_s")
			b.ReportMetric(ours.t/opt.t, "ours/optimum")
			b.ReportMetric(gr.t/ours.t, "greedy/ours")
			b.ReportMetric(grPen/oursPen, "greedy/ours_with_unserved")
			b.ReportMetric(float64(unfilledSum(ours)), "ours_unfilled")
			b.ReportMetric(float64(unfilledSum(gr)), "greedy_unfilled")
			b.ReportMetric(float64(gr.unfilled[0]), "greedy_unfilled_p1")
			b.ReportMetric(float64(ours.unfilled[0]), "ours_unfilled_p1")
			// units sent against village-first: greedy may buy travel time with these
			b.ReportMetric(float64(ours.tier), "ours_off_village")
			b.ReportMetric(float64(gr.tier), "greedy_off_village")
		})
	}
}

// (b) decision latency per incident at 500 incidents/s of simulated time; the
// backlog never clears, so every Decide tries the swap chain: default (with
// the re-plan before departure, rebalance.go, on since 2 December),
// rebalance_off (the default before), no_swap (neither swap nor re-plan),
// in the same run.
func BenchmarkLatency(b *testing.B) {
	off := DefaultConfig()
	off.RebalanceGainS = 0
	noSwap := off
	noSwap.SwapPriority = 0
	b.Run("default", func(b *testing.B) { benchLatency(b, DefaultConfig()) })
	b.Run("rebalance_off", func(b *testing.B) { benchLatency(b, off) })
	b.Run("no_swap", func(b *testing.B) { benchLatency(b, noSwap) })
}

// countingTimer counts routing searches: one per TravelTimesTo call, what a
// road graph pays for (a straight line costs nothing, so time alone would
// hide what the re-plan costs in serve).
type countingTimer struct {
	tt       TravelTimer
	searches int
}

func (c *countingTimer) TravelTimesTo(to orb.Point, from []orb.Point) []float64 {
	c.searches++
	return c.tt.TravelTimesTo(to, from)
}

func benchLatency(b *testing.B, cfg Config) {
	const incidents = 3000
	const gap = 2 * time.Millisecond // 500 incidents per second
	const work = 150 * time.Millisecond
	var lat []time.Duration
	var backlog int
	tt := &countingTimer{tt: walk}
	for it := 0; it < b.N; it++ {
		tt.searches = 0
		rng := rand.New(rand.NewSource(7))
		roster, villages := duhuLikeRoster(rng)
		d := newTown(b, cfg, roster...)
		type finish struct {
			at        time.Time
			responder string
		}
		var due []finish
		lat = lat[:0]
		now := t0
		b.StartTimer()
		for i := 0; i < incidents; i++ {
			now = now.Add(gap)
			start := time.Now()
			keep := due[:0]
			for _, f := range due {
				if !f.at.After(now) {
					_ = d.SetStatus(StatusReport{Responder: f.responder, Status: StatusDone, Time: now})
				} else {
					keep = append(keep, f)
				}
			}
			due = keep
			if err := d.ReportIncident(randomIncident(rng, fmt.Sprintf("i%d", i), villages, now)); err != nil {
				b.Fatal(err)
			}
			for _, dec := range d.Decide(now, tt) {
				if err := d.Apply(dec); err != nil {
					b.Fatal(err)
				}
				if dec.Type == DecisionAssignmentCreated {
					_ = d.SetStatus(StatusReport{Responder: dec.Responder, Status: StatusAccepted, Time: now})
					due = append(due, finish{now.Add(work), dec.Responder})
				}
			}
			lat = append(lat, time.Since(start))
		}
		b.StopTimer()
		backlog = len(d.open)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	var sum time.Duration
	for _, l := range lat {
		sum += l
	}
	b.ReportMetric(float64(sum.Nanoseconds())/float64(len(lat)), "ns/incident")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99_ns")
	b.ReportMetric(float64(backlog), "open_at_end")
	b.ReportMetric(float64(tt.searches)/incidents, "searches/incident")
}

// (c) province scale: 100,000 responders × 20,000 incidents, one Decide.
func BenchmarkProvince(b *testing.B) {
	const nResp, nInc = 100000, 20000
	rng := rand.New(rand.NewSource(42))
	// about 400 km × 400 km; "villages" are 10 km cells
	pt := func() orb.Point { return orb.Point{110 + rng.Float64()*4, 21.5 + rng.Float64()*3.6} }
	cellOf := func(p orb.Point) string { return fmt.Sprintf("%d:%d", int(p[0]*10), int(p[1]*10)) }
	all := []Capability{CapEvacuation, CapRescueBoat, CapMedical, CapMachinery, CapDrainage, CapPatrol}
	roster := make([]Responder, nResp)
	for i := range roster {
		p := pt()
		r := Responder{ID: fmt.Sprintf("r%06d", i), Name: "n", Tier: TierTown, Home: p}
		if rng.Float64() < 0.7 {
			r.Tier, r.Village = TierVillage, cellOf(p)
		}
		for _, c := range rng.Perm(len(all))[:1+rng.Intn(3)] {
			r.Capabilities = append(r.Capabilities, all[c])
		}
		roster[i] = r
	}
	kinds := []string{KindFlooding, KindTrapped, KindEvacuation, KindBlockedChannel, KindDangerousHouse, KindLandslide, KindRoadFlooded, KindDikeBreach, KindReservoir, KindOther}
	incs := make([]Incident, nInc)
	for i := range incs {
		p := pt()
		incs[i] = Incident{ID: fmt.Sprintf("i%d", i), Kind: kinds[rng.Intn(len(kinds))], At: p, Village: cellOf(p), People: rng.Intn(20), Severity: rng.Intn(5)}
	}
	var created, aid int
	var ms0, ms1 runtime.MemStats
	for it := 0; it < b.N; it++ {
		d := newTown(b, DefaultConfig(), roster...)
		for _, inc := range incs {
			if err := d.ReportIncident(inc); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		b.StartTimer()
		decs := d.Decide(t0, walk)
		b.StopTimer()
		runtime.ReadMemStats(&ms1)
		created, aid = len(ofType(decs, DecisionAssignmentCreated)), len(ofType(decs, DecisionAidNeeded))
	}
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/1e6, "alloc_MB")
	b.ReportMetric(float64(ms1.HeapInuse)/1e6, "heap_inuse_MB")
	b.ReportMetric(float64(created), "assignments")
	b.ReportMetric(float64(aid), "aid_needed")
}
