package evac

import (
	"cmp"
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/geo"
)

// This file checks the planner against optima computed here, independently
// of plan.go: an exact min-cost flow over the full household × shelter graph
// (a lower bound on every plan that keeps households whole), and, for tiny
// towns, the exact whole-household optimum by enumeration.

// flowGraph is a min-cost flow network solved by successive shortest paths
// with Dijkstra and Johnson potentials over every edge (no compression).
type flowGraph struct{ adj [][]flowEdge }

type flowEdge struct {
	to, rev, cap int
	cost         float64
}

func newFlowGraph(n int) *flowGraph { return &flowGraph{adj: make([][]flowEdge, n)} }

func (f *flowGraph) edge(u, v, c int, cost float64) {
	f.adj[u] = append(f.adj[u], flowEdge{to: v, rev: len(f.adj[v]), cap: c, cost: cost})
	f.adj[v] = append(f.adj[v], flowEdge{to: u, rev: len(f.adj[u]) - 1, cap: 0, cost: -cost})
}

type distItem struct {
	v int
	d float64
}
type distHeap []distItem

func (h distHeap) Len() int           { return len(h) }
func (h distHeap) Less(i, j int) bool { return h[i].d < h[j].d }
func (h distHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *distHeap) Push(x any)        { *h = append(*h, x.(distItem)) }
func (h *distHeap) Pop() any          { o := *h; it := o[len(o)-1]; *h = o[:len(o)-1]; return it }

// run sends as much flow as possible from s to t at least cost (costs ≥ 0 on
// forward edges, so zero potentials start feasible).
func (f *flowGraph) run(s, t int) (int, float64) {
	n := len(f.adj)
	pot := make([]float64, n)
	flow, cost := 0, 0.0
	for {
		dist := make([]float64, n)
		for i := range dist {
			dist[i] = math.Inf(1)
		}
		prevV, prevE := make([]int, n), make([]int, n)
		dist[s] = 0
		h := &distHeap{{s, 0}}
		for h.Len() > 0 {
			it := heap.Pop(h).(distItem)
			if it.d > dist[it.v] {
				continue
			}
			for i, e := range f.adj[it.v] {
				if e.cap <= 0 {
					continue
				}
				nd := it.d + e.cost + pot[it.v] - pot[e.to]
				if nd < dist[e.to]-1e-9 {
					dist[e.to], prevV[e.to], prevE[e.to] = nd, it.v, i
					heap.Push(h, distItem{e.to, nd})
				}
			}
		}
		if math.IsInf(dist[t], 1) {
			return flow, cost
		}
		for v := range pot {
			if !math.IsInf(dist[v], 1) {
				pot[v] += dist[v]
			}
		}
		push := math.MaxInt
		for v := t; v != s; v = prevV[v] {
			push = min(push, f.adj[prevV[v]][prevE[v]].cap)
		}
		for v := t; v != s; v = prevV[v] {
			e := &f.adj[prevV[v]][prevE[v]]
			e.cap -= push
			f.adj[v][e.rev].cap += push
			cost += float64(push) * e.cost
		}
		flow += push
	}
}

// optTown is a seeded town where room is short: n households in four grids
// of different exposure, s shelters holding roomPct % of the people, one
// household in six with an aged member; everyone drives (straight lines at
// 20 km/h), so the travel times below are computed without the planner.
func optTown(seed uint64, n, s, roomPct int) (*geo.Scenario, []Household) {
	rng := rand.New(rand.NewPCG(seed, 99))
	sc := &geo.Scenario{Town: geo.Town{ID: "opt"}}
	for g := range 4 {
		id := fmt.Sprintf("g%d", g)
		sc.Villages = append(sc.Villages, geo.Village{ID: "v" + id})
		sc.Grids = append(sc.Grids, geo.Grid{ID: id, Village: "v" + id, LowLyingShare: 0.2 + 0.2*float64(g)})
	}
	var hh []Household
	people := 0
	for i := range n {
		g := rng.IntN(4)
		h := Household{ID: fmt.Sprintf("h%04d", i), Grid: fmt.Sprintf("g%d", g), Members: 1 + rng.IntN(6),
			At: orb.Point{113 + float64(g%2)*0.03 + rng.Float64()*0.03, 22 + float64(g/2)*0.03 + rng.Float64()*0.03}}
		if rng.IntN(6) == 0 {
			h.Aged80 = 1
		}
		people += h.Members
		hh = append(hh, h)
	}
	for j := range s {
		c := max(1, people*roomPct/100/s+rng.IntN(9)-4)
		sc.Shelters = append(sc.Shelters, geo.Shelter{ID: fmt.Sprintf("s%02d", j), CapacityDay: c, CapacityNight: c,
			Point: orb.Point{113 + rng.Float64()*0.06, 22 + rng.Float64()*0.06}})
	}
	return sc, hh
}

var drive = lineTimer{mps: 20 / 3.6}

// planCost runs the planner on one order of every household and returns its
// plan: the shelter index of each household (-1 none) and the weighted cost.
func planCost(tb testing.TB, sc *geo.Scenario, hh []Household) ([]int, float64) {
	e, err := New(Config{DefaultMeans: MeansCar}, sc, hh)
	require.NoError(tb, err)
	var grids []string
	for _, g := range sc.Grids {
		grids = append(grids, g.ID)
	}
	require.NoError(tb, e.Order(mandatory("o1", grids...)))
	at := make([]int, len(hh))
	for i := range at {
		at[i] = -1
	}
	idx := map[string]int{}
	for i, h := range hh {
		idx[h.ID] = i
	}
	sidx := map[string]int{}
	for j, s := range sc.Shelters {
		sidx[s.ID] = j
	}
	load := make([]int, len(sc.Shelters))
	cost := 0.0
	for _, d := range e.Decide(t0, drive) {
		if d.Type == DecisionAssigned {
			i, j := idx[d.Household], sidx[d.Shelter]
			at[i] = j
			load[j] += hh[i].Members
			cost += weightedTrip(sc, hh[i], j)
		}
	}
	for j, s := range sc.Shelters {
		require.LessOrEqual(tb, load[j], s.CapacityDay, s.ID)
	}
	return at, cost
}

// weightedTrip is the documented objective's term for a household at shelter j.
func weightedTrip(sc *geo.Scenario, h Household, j int) float64 {
	w := 1.0
	if h.Vulnerable() > 0 {
		w = 3
	}
	return w * float64(h.Members) * geo.DistanceMeters(h.At, sc.Shelters[j].Point) / drive.mps
}

// flowBound is the least weighted cost of placing exactly the given households
// (split if need be): a lower bound on any whole-household plan placing them.
func flowBound(sc *geo.Scenario, hh []Household, placed []bool) (float64, bool) {
	room := make([]int, len(sc.Shelters))
	for j, sh := range sc.Shelters {
		room[j] = sh.CapacityDay
	}
	return flowBoundOf(hh, room, placed, func(i, j int) float64 { return weightedTrip(sc, hh[i], j) })
}

// flowBoundOf is flowBound for any room and weighted cost (cost(i, j) for
// the whole household i at shelter j; +Inf when it cannot get there).
func flowBoundOf(hh []Household, room []int, placed []bool, cost func(i, j int) float64) (float64, bool) {
	n, s := len(hh), len(room)
	src, sink := n+s, n+s+1
	f := newFlowGraph(n + s + 2)
	want := 0
	for i, h := range hh {
		if !placed[i] {
			continue
		}
		want += h.Members
		f.edge(src, i, h.Members, 0)
		for j := range s {
			if c := cost(i, j); !math.IsInf(c, 1) {
				f.edge(i, n+j, h.Members, c/float64(h.Members))
			}
		}
	}
	for j, r := range room {
		f.edge(n+j, sink, r, 0)
	}
	got, total := f.run(src, sink)
	return total, got == want
}

// maxPlaceable is how many people any plan could place (households split if need be).
func maxPlaceable(sc *geo.Scenario, hh []Household) int {
	all := make([]bool, len(hh))
	for i := range all {
		all[i] = true
	}
	n, s := len(hh), len(sc.Shelters)
	f := newFlowGraph(n + s + 2)
	for i, h := range hh {
		f.edge(n+s, i, h.Members, 0)
		for j := range s {
			f.edge(i, n+j, h.Members, 0)
		}
	}
	for j, sh := range sc.Shelters {
		f.edge(n+j, n+s+1, sh.CapacityDay, 0)
	}
	got, _ := f.run(n+s, n+s+1)
	return got
}

type optimality struct {
	ratio      float64 // plan cost ÷ the flow bound for the households it placed
	lostPeople int     // people the plan leaves out beyond what any split plan must
	emptyFit   int     // households waiting while a shelter has room for them
}

func measure(tb testing.TB, sc *geo.Scenario, hh []Household) optimality {
	at, cost := planCost(tb, sc, hh)
	placed := make([]bool, len(hh))
	people := 0
	left := make([]int, len(sc.Shelters))
	for j, s := range sc.Shelters {
		left[j] = s.CapacityDay
	}
	for i, j := range at {
		if j >= 0 {
			placed[i] = true
			people += hh[i].Members
			left[j] -= hh[i].Members
		}
	}
	bound, ok := flowBound(sc, hh, placed)
	require.True(tb, ok, "the plan's households fit")
	o := optimality{ratio: cost / bound, lostPeople: maxPlaceable(sc, hh) - people}
	for i, j := range at {
		if j < 0 && slices.ContainsFunc(left, func(r int) bool { return r >= hh[i].Members }) {
			o.emptyFit++
		}
	}
	return o
}

// The plan is within 1 % of the exact optimum of its objective on seeded
// towns where room is short (1,000 households, 10 shelters holding 85 % of
// the people: the size of one order in Duhu), leaves no room a waiting
// household fits in, and loses few people to keeping households whole.
// Smaller towns round worse (see BenchmarkPlanOptimality).
func TestPlanNearOptimum(t *testing.T) {
	worst := 0.0
	for seed := uint64(1); seed <= 5; seed++ {
		sc, hh := optTown(seed, 1000, 10, 85)
		o := measure(t, sc, hh)
		worst = max(worst, o.ratio)
		require.LessOrEqual(t, o.ratio, 1.01, "seed %d", seed)
		require.GreaterOrEqual(t, o.ratio, 1-1e-9, "seed %d: below the bound: the bound is wrong", seed)
		require.Zero(t, o.emptyFit, "seed %d", seed)
		require.LessOrEqual(t, o.lostPeople, 10*6, "seed %d: at most one household per shelter left out by rounding", seed)
	}
	t.Logf("worst plan ÷ bound over 5 seeds: %.5f", worst)
}

// On tiny towns the exact whole-household optimum is found by trying every
// assignment: households placed lexicographically in priority order
// (vulnerable, then most exposed grid, then registry order), then the least
// weighted travel. Placing whole households is a bin-packing problem, so the
// planner (exact for split households, then rounded) may miss it; this test
// checks it never claims better than the optimum and reports how often it
// reaches it and how far off it is when it places the same households.
func TestPlanExactOnTinyTowns(t *testing.T) {
	same, matched, worst := 0, 0, 1.0
	for seed := uint64(1); seed <= 40; seed++ {
		sc, hh := optTown(seed, 7, 3, 70)
		at, cost := planCost(t, sc, hh)
		best, bestCost := exactWhole(sc, hh)
		samePlaced := true
		for _, i := range priorityOrder(sc, hh) { // lexicographic: the first difference decides
			if (at[i] >= 0) != (best[i] >= 0) {
				require.False(t, at[i] >= 0, "seed %d: plan places more than the exact optimum: the enumeration is wrong", seed)
				samePlaced = false
				break
			}
		}
		if !samePlaced {
			continue
		}
		same++
		require.GreaterOrEqual(t, cost, bestCost-1e-6, "seed %d: plan below the exact optimum: the enumeration is wrong", seed)
		worst = max(worst, cost/bestCost)
		if math.Abs(cost-bestCost) < 1e-6 {
			matched++
		}
	}
	require.GreaterOrEqual(t, same, 20, "the plan places the optimum's households in most tiny towns")
	t.Logf("tiny towns (7 households, 3 shelters, room 70 %%): same households placed as the exact optimum in %d of 40; of those, optimal in %d, worst plan ÷ optimum %.4f", same, matched, worst)
}

func priorityOrder(sc *geo.Scenario, hh []Household) []int {
	exp := map[string]float64{}
	for _, g := range sc.Grids {
		exp[g.ID] = g.LowLyingShare
	}
	order := make([]int, len(hh))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		va, vb := min(hh[a].Vulnerable(), 1), min(hh[b].Vulnerable(), 1)
		return cmp.Or(-cmp.Compare(va, vb), -cmp.Compare(exp[hh[a].Grid], exp[hh[b].Grid]), cmp.Compare(a, b))
	})
	return order
}

// exactWhole enumerates every assignment of whole households (or none).
func exactWhole(sc *geo.Scenario, hh []Household) ([]int, float64) {
	n, s := len(hh), len(sc.Shelters)
	prio := priorityOrder(sc, hh)
	at := make([]int, n)
	load := make([]int, s)
	var best []int
	bestCost := math.Inf(1)
	better := func(cost float64) bool {
		if best == nil {
			return true
		}
		for _, i := range prio {
			if (at[i] >= 0) != (best[i] >= 0) {
				return at[i] >= 0
			}
		}
		return cost < bestCost-1e-9
	}
	var rec func(k int, cost float64)
	rec = func(k int, cost float64) {
		if k == n {
			if better(cost) {
				best, bestCost = slices.Clone(at), cost
			}
			return
		}
		at[k] = -1
		rec(k+1, cost)
		for j := range s {
			if load[j]+hh[k].Members <= sc.Shelters[j].CapacityDay {
				at[k] = j
				load[j] += hh[k].Members
				rec(k+1, cost+weightedTrip(sc, hh[k], j))
				load[j] -= hh[k].Members
			}
		}
		at[k] = -1
	}
	rec(0, 0)
	return best, bestCost
}

// The relaxation the planner solves (households may split) is exact: its
// cost equals an independent min-cost flow with the same people placed.
func TestRelaxationExact(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		sc, hh := optTown(seed, 600, 10, 85)
		prio := priorityOrder(sc, hh)
		phh := make([]planHousehold, len(hh))
		for k, i := range prio {
			var c []planCand
			for j := range sc.Shelters {
				c = append(c, planCand{s: j, cost: weightedTrip(sc, hh[i], j) / float64(hh[i].Members)})
			}
			slices.SortStableFunc(c, func(a, b planCand) int { return cmp.Compare(a.cost, b.cost) })
			phh[k] = planHousehold{size: hh[i].Members, cands: c, held: -1}
		}
		room := make([]int, len(sc.Shelters))
		for j, s := range sc.Shelters {
			room[j] = s.CapacityDay
		}
		S, n := len(room), len(hh)
		p := &planner{S: S, room: slices.Clone(room), hh: phh, units: make([][]int, n), inHeap: make([][]bool, n),
			moves: make([]moveHeap, S*S), pi: make([]float64, S+1)}
		for g := range phh {
			p.units[g] = make([]int, S)
			p.inHeap[g] = make([]bool, S)
		}
		dist, done, pred := make([]float64, S+1), make([]bool, S+1), make([]moveItem, S+1)
		for g := range phh {
			for supply := phh[g].size; supply > 0; {
				a := p.augment(g, supply, dist, done, pred)
				if a == 0 {
					break
				}
				supply -= a
			}
		}
		relaxed := 0.0
		f := newFlowGraph(n + S + 2)
		for k, i := range prio {
			placed := 0
			for ci, u := range p.units[k] {
				relaxed += float64(u) * phh[k].cands[ci].cost
				placed += u
			}
			if placed > 0 {
				f.edge(n+S, i, placed, 0)
			}
			for j := range S {
				f.edge(i, n+j, hh[i].Members, weightedTrip(sc, hh[i], j)/float64(hh[i].Members))
			}
		}
		for j := range S {
			f.edge(n+j, n+S+1, room[j], 0)
		}
		_, bound := f.run(n+S, n+S+1)
		require.InDelta(t, 1, relaxed/bound, 1e-9, "seed %d", seed)
	}
}
