package evac

import (
	"container/heap"
	"math"
	"slices"
)

// The shelter plan is a transportation problem: households (sources, supply =
// members) → shelters (sinks, capacity = room), cost = travel time by the
// household's means, × VulnerableWeight for households with vulnerable
// members, over EVERY reachable open shelter. The objective is
// lexicographic: households are placed in priority order (vulnerable first,
// then those already told where to go, then mandatory, then advisory; within
// each, the most exposed grid first), and among plans that place the same
// people, the person-weighted travel is smallest.
//
// Algorithm: successive shortest paths, one household at a time in priority
// order. With few shelters and many households the residual graph is
// compressed onto the shelters: an edge a→b means "move some people of a
// household placed at a to its candidate b", its cost the cheapest such move
// (kept in one lazy min-heap per shelter pair). Dijkstra with potentials over
// the S shelters plus the sink finds the cheapest way to place the next
// household, moving others if that is cheaper. Placed people are never
// unplaced by a later household, so every household is placed as fully as the
// households before it allow; and for the supplies placed, the people-level
// solution is of minimum total cost. This is the exact optimum of the
// relaxation in which a household may be split, so its cost is a lower bound
// on every plan that keeps households whole.
//
// Whole households: a household is split only when an augmentation stops at a
// shelter that has just filled, at most S times, each splitting at most the
// households moved along that path. Split, partly placed and unplaced
// households are then placed whole in priority order: at their cheapest
// shelter with room, else in the place of lower-priority households (those
// placed in this plan, or held elsewhere by households not yet told), who are
// placed again in turn. Only these few households may deviate from the
// relaxed optimum; the deviation is measured against an independent min-cost
// flow in TestPlanNearOptimum and BenchmarkPlanOptimality (≤ 1 %).

type planCand struct {
	s    int     // shelter index
	cost float64 // weighted travel time
}

// planHousehold is one household of a plan, in priority order.
type planHousehold struct {
	size  int
	cands []planCand // every reachable open shelter, cheapest first
	// held is the shelter it keeps outside this plan (-1: it is to be
	// placed). Its people are not in room; it is in the plan only to give way.
	held int
	// yields: a held household may give its place to a higher-priority one
	// (it has not been told where to go yet).
	yields bool
}

type moveItem struct {
	key float64
	g   int32 // household
	ca  int16 // candidate index it leaves
	cb  int16 // candidate index it goes to
}

type moveHeap []moveItem

func (h moveHeap) Len() int { return len(h) }
func (h moveHeap) Less(i, j int) bool {
	if h[i].key != h[j].key {
		return h[i].key < h[j].key
	}
	return h[i].g < h[j].g // deterministic ties
}
func (h moveHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *moveHeap) Push(x any)   { *h = append(*h, x.(moveItem)) }
func (h *moveHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

type planner struct {
	S      int
	room   []int
	hh     []planHousehold
	units  [][]int  // units[g][ci]: people of household g placed at its candidate ci
	inHeap [][]bool // inHeap[g][ci]: g is in the heaps leaving candidate ci
	moves  []moveHeap
	pi     []float64 // potentials, S shelters + sink
}

// planResult is each household's shelter index (-1: none) and, for those
// that lost the place they held or were given, who took it.
type planResult struct {
	at        []int
	displaced map[int]int // household → the higher-priority household that took its place
	room      []int       // room left at each shelter
}

// plan places households (in the given priority order) into shelters with
// room, keeping households whole.
func plan(room []int, hh []planHousehold) planResult {
	S := len(room)
	p := &planner{S: S, room: slices.Clone(room), hh: hh, units: make([][]int, len(hh)),
		inHeap: make([][]bool, len(hh)), moves: make([]moveHeap, S*S), pi: make([]float64, S+1)}
	for g := range hh {
		p.units[g] = make([]int, len(hh[g].cands))
		p.inHeap[g] = make([]bool, len(hh[g].cands))
	}
	dist := make([]float64, S+1)
	done := make([]bool, S+1)
	pred := make([]moveItem, S+1) // how each shelter was reached; g < 0: from the source
	for g := range hh {
		if hh[g].held >= 0 {
			continue
		}
		supply := hh[g].size
		for supply > 0 {
			amount := p.augment(g, supply, dist, done, pred)
			if amount == 0 {
				break
			}
			supply -= amount
		}
	}
	return p.round()
}

// top is the cheapest valid move out of shelter a into b, dropping stale entries.
func (p *planner) top(a, b int) (moveItem, bool) {
	h := &p.moves[a*p.S+b]
	for h.Len() > 0 {
		it := (*h)[0]
		if p.units[it.g][it.ca] > 0 {
			return it, true
		}
		heap.Pop(h)
		p.inHeap[it.g][it.ca] = false
	}
	return moveItem{}, false
}

// place records amount more people of g at its candidate ci.
func (p *planner) place(g, ci, amount int) {
	p.units[g][ci] += amount
	if p.inHeap[g][ci] || p.units[g][ci] <= 0 {
		return
	}
	p.inHeap[g][ci] = true
	c := p.hh[g].cands
	for cb := range c {
		if cb != ci {
			heap.Push(&p.moves[c[ci].s*p.S+c[cb].s], moveItem{key: c[cb].cost - c[ci].cost, g: int32(g), ca: int16(ci), cb: int16(cb)})
		}
	}
}

// direct is the fast path of augment: when the candidate with the least
// reduced cost has room and the least potential among shelters with room,
// going straight there is a shortest path (every other path costs at least
// its first edge's reduced cost plus the potential of the shelter with room
// where it ends), and the potentials stay feasible for the new move edges
// out of it without a search.
func (p *planner) direct(g int) (int, bool) {
	best, bestCost := -1, math.Inf(1)
	for ci, c := range p.hh[g].cands {
		if d := c.cost - p.pi[c.s]; d < bestCost {
			best, bestCost = ci, d
		}
	}
	if best < 0 {
		return -1, false
	}
	a := p.hh[g].cands[best].s
	if p.room[a] <= 0 {
		return -1, false
	}
	for s, r := range p.room {
		if r > 0 && p.pi[s] < p.pi[a] {
			return -1, false
		}
	}
	return best, true
}

// augment finds the cheapest path from household g to a shelter with room and
// pushes as many people along it as it carries (at most supply).
func (p *planner) augment(g, supply int, dist []float64, done []bool, pred []moveItem) int {
	if ci, ok := p.direct(g); ok {
		a := p.hh[g].cands[ci].s
		amount := min(supply, p.room[a])
		p.room[a] -= amount
		p.place(g, ci, amount)
		return amount
	}
	S, sink := p.S, p.S
	for i := range dist {
		dist[i], done[i] = math.Inf(1), false
	}
	for ci, c := range p.hh[g].cands {
		if d := c.cost - p.pi[c.s]; d < dist[c.s] {
			dist[c.s], pred[c.s] = d, moveItem{g: -1, cb: int16(ci)}
		}
	}
	for {
		a, best := -1, math.Inf(1)
		for v := 0; v <= S; v++ {
			if !done[v] && dist[v] < best {
				a, best = v, dist[v]
			}
		}
		if a < 0 {
			return 0 // no shelter with room is reachable, even by moving others
		}
		done[a] = true
		if a == sink {
			break
		}
		if p.room[a] > 0 {
			if d := dist[a] + p.pi[a] - p.pi[sink]; d < dist[sink] {
				dist[sink], pred[sink] = d, moveItem{g: -2, ca: 0}
				pred[sink].key = float64(a)
			}
		}
		for b := 0; b < S; b++ {
			if done[b] || b == a {
				continue
			}
			if it, ok := p.top(a, b); ok {
				if d := dist[a] + it.key + p.pi[a] - p.pi[b]; d < dist[b] {
					dist[b], pred[b] = d, it
				}
			}
		}
	}
	// potentials: capped at the sink's distance, so they stay feasible
	D := dist[sink]
	for v := 0; v <= S; v++ {
		p.pi[v] += math.Min(dist[v], D)
	}
	// bottleneck along the path sink ← last … first ← g
	last := int(pred[sink].key)
	amount := min(supply, p.room[last])
	for v := last; pred[v].g >= 0; {
		it := pred[v]
		amount = min(amount, p.units[it.g][it.ca])
		v = p.hh[it.g].cands[it.ca].s
	}
	p.room[last] -= amount
	v := last
	for pred[v].g >= 0 {
		it := pred[v]
		p.units[it.g][it.ca] -= amount
		p.place(int(it.g), int(it.cb), amount)
		v = p.hh[it.g].cands[it.ca].s
	}
	p.place(g, int(pred[v].cb), amount)
	return amount
}

// round makes every household whole: one shelter or none (see above).
func (p *planner) round() planResult {
	res := planResult{at: make([]int, len(p.hh)), displaced: map[int]int{}}
	out := res.at
	holders := make([][]int, p.S) // per shelter, households placed there, in priority order
	var loose []int
	for g := range p.hh {
		out[g] = p.hh[g].held
		if out[g] >= 0 {
			holders[out[g]] = append(holders[out[g]], g)
			continue
		}
		for ci, u := range p.units[g] {
			if u == p.hh[g].size {
				out[g] = p.hh[g].cands[ci].s
				holders[out[g]] = append(holders[out[g]], g)
			}
		}
		if out[g] < 0 { // split, partly placed or unplaced: give its people's room back
			for ci, u := range p.units[g] {
				p.room[p.hh[g].cands[ci].s] += u
			}
			loose = append(loose, g)
		}
	}
	loose = p.placeLoose(loose, out, holders, res.displaced)
	p.improve(out, holders)
	// a move to a cheaper shelter may leave room a waiting household fits
	p.placeLoose(loose, out, holders, res.displaced)
	res.room = p.room
	return res
}

// placeLoose places the loose households whole, the highest priority first,
// until nothing changes (room an eviction frees may fit one tried before);
// it returns those still without a place.
func (p *planner) placeLoose(loose, out []int, holders [][]int, displaced map[int]int) []int {
	for changed := true; changed; {
		changed = false
		slices.Sort(loose)
		var next []int
		for len(loose) > 0 {
			g := loose[0]
			loose = loose[1:]
			if p.fit(g, out, holders) {
				changed = true
				continue
			}
			evicted := p.takeOver(g, out, holders)
			if evicted == nil {
				next = append(next, g)
				continue
			}
			changed = true
			for _, h := range evicted {
				displaced[h] = g
			}
			loose = append(loose, evicted...)
			slices.Sort(loose)
		}
		loose = next
	}
	return loose
}

// fit places g whole at its cheapest candidate with room.
func (p *planner) fit(g int, out []int, holders [][]int) bool {
	for _, c := range p.hh[g].cands {
		if p.room[c.s] >= p.hh[g].size {
			p.settle(g, c.s, out, holders)
			return true
		}
	}
	return false
}

func (p *planner) settle(g, s int, out []int, holders [][]int) {
	p.room[s] -= p.hh[g].size
	out[g] = s
	i, _ := slices.BinarySearch(holders[s], g)
	holders[s] = slices.Insert(holders[s], i, g)
}

// takeOver places g at its cheapest candidate where households of lower
// priority that may give way free enough room (the lowest priority first),
// and returns them; nil when there is no such shelter.
func (p *planner) takeOver(g int, out []int, holders [][]int) []int {
	for _, c := range p.hh[g].cands {
		free, hs := p.room[c.s], holders[c.s]
		var give []int
		for k := len(hs) - 1; k >= 0 && hs[k] > g && free < p.hh[g].size; k-- {
			if h := hs[k]; p.hh[h].held < 0 || p.hh[h].yields {
				free += p.hh[h].size
				give = append(give, h)
			}
		}
		if free < p.hh[g].size {
			continue
		}
		for _, h := range give {
			out[h] = -1
			p.room[c.s] += p.hh[h].size
			i, _ := slices.BinarySearch(holders[c.s], h)
			holders[c.s] = slices.Delete(holders[c.s], i, i+1)
			p.hh[h].held = -1 // placed again like any other household
		}
		p.settle(g, c.s, out, holders)
		return give
	}
	return nil
}
