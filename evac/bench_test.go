package evac

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/geo"
)

// benchTown is 20,000 households in 20 grids over ~10 × 9 km and 50 shelters
// holding roomPct % of the people by day; half the households crowd into
// five grids, so room near them is short.
func benchTown(tb testing.TB, roomPct int) (*geo.Scenario, []Household, []string) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(20, 50))
	sc := &geo.Scenario{Town: geo.Town{ID: "bench"}}
	var grids []string
	for g := range 20 {
		id := fmt.Sprintf("g%02d", g)
		grids = append(grids, id)
		sc.Villages = append(sc.Villages, geo.Village{ID: "v" + id})
		sc.Grids = append(sc.Grids, geo.Grid{ID: id, Village: "v" + id, LowLyingShare: rng.Float64()})
	}
	var hh []Household
	people := 0
	for i := range 20000 {
		g := rng.IntN(20)
		// crowded grids: the first five hold half the households
		if rng.IntN(2) == 0 {
			g = rng.IntN(5)
		}
		cx, cy := 113.0+float64(g%5)*0.02, 22.0+float64(g/5)*0.02
		h := Household{ID: fmt.Sprintf("h%05d", i), Grid: grids[g], At: orb.Point{cx + rng.Float64()*0.02, cy + rng.Float64()*0.02},
			Members: 1 + rng.IntN(6)}
		if rng.IntN(7) == 0 {
			h.Aged80 = 1
		}
		people += h.Members
		hh = append(hh, h)
	}
	for s := range 50 {
		c := people * roomPct / 100 / 50
		sc.Shelters = append(sc.Shelters, geo.Shelter{ID: fmt.Sprintf("s%02d", s), CapacityDay: c, CapacityNight: c * 4 / 5,
			Point: orb.Point{113.0 + rng.Float64()*0.1, 22.0 + rng.Float64()*0.08}})
	}
	return sc, hh, grids
}

// BenchmarkPlan20000Households plans one order of 20,000 households over 50
// shelters (straight-line travel at 5 km/h) and compares the plan's total
// travel time with the naive plan that sends everyone to their nearest
// shelter, which ignores room and so overfills shelters.
func BenchmarkPlan20000Households(b *testing.B) {
	for _, pct := range []int{120, 95} {
		b.Run(fmt.Sprintf("room=%d%%", pct), func(b *testing.B) { benchPlan(b, pct) })
	}
	b.Run("naive", func(b *testing.B) {
		sc, hh, _ := benchTown(b, 120)
		tt, pts := lineTimer{mps: 5 / 3.6}, shelterPoints(sc)
		for b.Loop() {
			for _, h := range hh {
				nearest(tt.TravelTimes(h.At, pts))
			}
		}
	})
}

// BenchmarkPlanOptimality: plan ÷ the exact optimum of its objective (an
// independent min-cost flow bound, see optimum_test.go) on seeded towns where
// room is short: 2,000 households, 20 shelters holding 85 % of the people.
func BenchmarkPlanOptimality(b *testing.B) {
	for b.Loop() {
		worst, sum := 0.0, 0.0
		lost, empty := 0, 0
		const seeds = 5
		for seed := uint64(1); seed <= seeds; seed++ {
			sc, hh := optTown(seed, 2000, 20, 85)
			o := measure(b, sc, hh)
			worst, sum = max(worst, o.ratio), sum+o.ratio
			lost += o.lostPeople
			empty += o.emptyFit
		}
		b.ReportMetric(worst, "worst_plan/optimum")
		b.ReportMetric(sum/seeds, "mean_plan/optimum")
		b.ReportMetric(float64(lost), "people_lost_to_rounding")
		b.ReportMetric(float64(empty), "households_waiting_with_room")
	}
}

func benchPlan(b *testing.B, roomPct int) {
	sc, hh, grids := benchTown(b, roomPct)
	tt := lineTimer{mps: 5 / 3.6}
	e, err := New(Config{DefaultMeans: MeansCar}, sc, hh)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.Order(OrderInput{ID: "o1", Kind: OrderMandatory, Grids: grids, Operator: "bench", Time: t0}); err != nil {
		b.Fatal(err)
	}
	var ds []Decision
	b.ResetTimer()
	for b.Loop() {
		ds = e.Decide(t0, tt)
	}
	b.StopTimer()
	pts := shelterPoints(sc)
	byID := map[string]Household{}
	for _, h := range hh {
		byID[h.ID] = h
	}
	// the plan
	planned, plannedPeople, load := 0.0, 0, map[string]int{}
	for _, d := range ds {
		if d.Type == DecisionAssigned {
			planned += d.ETASeconds * float64(d.People)
			plannedPeople += d.People
			load[d.Shelter] += d.People
		}
	}
	over := 0
	for _, s := range sc.Shelters {
		over += max(0, load[s.ID]-s.CapacityDay)
	}
	// naive: nearest shelter, room ignored
	naive, naiveLoad := 0.0, map[int]int{}
	naivePlaced := 0.0
	for _, h := range hh {
		ts := tt.TravelTimes(h.At, pts)
		best := nearest(ts)
		naiveLoad[best] += h.Members
		naive += ts[best] * float64(h.Members)
		naivePlaced += float64(h.Members)
	}
	naiveOver := 0
	for i, s := range sc.Shelters {
		naiveOver += max(0, naiveLoad[i]-s.CapacityDay)
	}
	if over != 0 {
		b.Fatalf("plan overfills shelters by %d people", over)
	}
	b.ReportMetric(float64(len(hh)-len(byType(ds, DecisionAssigned))), "households_unplaced")
	b.ReportMetric(naivePlaced-float64(plannedPeople), "people_unplaced")
	b.ReportMetric(planned/3600, "plan_travel_h")
	b.ReportMetric(naive/3600, "naive_travel_h")
	b.ReportMetric(planned/float64(plannedPeople)/60, "plan_min/person")
	b.ReportMetric(naive/naivePlaced/60, "naive_min/person")
	b.ReportMetric(float64(naiveOver), "naive_people_over_capacity")
	b.ReportMetric(float64(over), "plan_people_over_capacity")
}

func shelterPoints(sc *geo.Scenario) []orb.Point {
	pts := make([]orb.Point, len(sc.Shelters))
	for i, s := range sc.Shelters {
		pts[i] = s.Point
	}
	return pts
}

// nearest is the index of the shortest time.
func nearest(ts []float64) int {
	best := 0
	for i, t := range ts {
		if t < ts[best] {
			best = i
		}
	}
	return best
}
