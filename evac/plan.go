package evac

import (
	"container/heap"
	"math"
	"slices"
)

// The shelter plan is a transportation problem: households (sources, supply =
// members) → shelters (sinks, capacity = room), cost = travel time (weighted
// for vulnerable households), each household limited to its k fastest
// reachable shelters.
//
// Algorithm: successive shortest paths, one household at a time in priority
// order (tier: vulnerable, mandatory, advisory; then the most exposed grid
// first). With few shelters and many households the residual graph is
// compressed onto the shelters: an edge a→b means "move some people of a
// household placed at a to its candidate b", its cost the cheapest such move
// (kept in one lazy min-heap per shelter pair). Dijkstra with potentials over
// the S shelters plus the sink finds the cheapest way to place the next
// household, moving others if that is cheaper. Placed people are never
// unplaced by a later household, so a higher tier never loses room to a lower
// one; and for the supplies placed, the people-level solution is of minimum
// total cost (exact for the relaxation in which a household may be split).
//
// Bound: a household is split only when an augmentation stops at a shelter
// that has just filled, at most S times, each splitting at most the
// households moved along that path. Split (or partly placed) households are
// then placed whole at their cheapest candidate with room, in priority order,
// a vulnerable one taking the place of the lowest-priority households without
// vulnerable members if need be. Only these few households may deviate from
// the relaxed optimum over the candidate graph.
//
// Candidates: each household starts with its k fastest shelters; one that
// finds no room there (a crowded grid) widens to every reachable shelter.
// People placed earlier move only among their first k, so the plan may cost
// more than the optimum over all shelters: 6 % more in BenchmarkPlan20000Households
// (room for 120 % of people, k = 6 against k = 50).

type planCand struct {
	s    int     // shelter index
	cost float64 // weighted travel time
}

type planHousehold struct {
	size       int
	vulnerable bool
	cands      []planCand // its k cheapest, cheapest first
	wider      []planCand // every reachable shelter (up to maxWider), tried when the k have no room
}

// maxWider bounds the widened candidate list (and fits the int16 indices).
const maxWider = 256

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

// plan places households (in the given priority order) into shelters with
// room; it returns each household's shelter index or -1.
func plan(room []int, hh []planHousehold) []int {
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
		supply := hh[g].size
		for supply > 0 && len(hh[g].cands) > 0 {
			amount := p.augment(g, supply, dist, done, pred)
			if amount == 0 {
				if !p.widen(g) {
					break
				}
				continue
			}
			supply -= amount
		}
	}
	return p.round()
}

// widen lets a household that found no room among its k fastest shelters
// try every reachable one (a crowded grid whose nearby shelters are full).
// People already placed keep their moves among the first k only.
func (p *planner) widen(g int) bool {
	h := &p.hh[g]
	if len(h.wider) <= len(h.cands) {
		return false
	}
	h.cands = h.wider
	h.wider = nil
	for len(p.units[g]) < len(h.cands) {
		p.units[g] = append(p.units[g], 0)
		p.inHeap[g] = append(p.inHeap[g], false)
	}
	return true
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

// augment finds the cheapest path from household g to a shelter with room and
// pushes as many people along it as it carries (at most supply).
func (p *planner) augment(g, supply int, dist []float64, done []bool, pred []moveItem) int {
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

// round makes every household whole: one shelter or none (see the bound above).
func (p *planner) round() []int {
	out := make([]int, len(p.hh))
	var loose []int
	for g := range p.hh {
		out[g] = -1
		placed, at := 0, -1
		for ci, u := range p.units[g] {
			if u > 0 {
				placed += u
				at = ci
				if u == p.hh[g].size {
					out[g] = p.hh[g].cands[ci].s
				}
			}
		}
		if out[g] < 0 && at >= 0 { // split or partly placed: give its people's room back
			for ci, u := range p.units[g] {
				p.room[p.hh[g].cands[ci].s] += u
			}
		}
		if out[g] < 0 && placed > 0 {
			loose = append(loose, g)
		}
	}
	// households holding a place, lowest priority last, for vulnerable ones to take over
	var holders [][]int // per shelter, in priority order
	holders = make([][]int, p.S)
	for g, s := range out {
		if s >= 0 && !p.hh[g].vulnerable {
			holders[s] = append(holders[s], g)
		}
	}
	var evicted []int
	for len(loose) > 0 {
		g := loose[0]
		loose = loose[1:]
		if p.fit(g, out) {
			continue
		}
		if !p.hh[g].vulnerable {
			continue
		}
		for _, c := range p.hh[g].cands {
			free, k := p.room[c.s], len(holders[c.s])
			for free < p.hh[g].size && k > 0 {
				k--
				free += p.hh[holders[c.s][k]].size
			}
			if free < p.hh[g].size {
				continue
			}
			for _, h := range holders[c.s][k:] {
				out[h] = -1
				p.room[c.s] += p.hh[h].size
				evicted = append(evicted, h)
			}
			holders[c.s] = holders[c.s][:k]
			out[g] = c.s
			p.room[c.s] -= p.hh[g].size
			break
		}
	}
	slices.Sort(evicted)
	for _, g := range evicted {
		p.fit(g, out)
	}
	return out
}

// fit places g whole at its cheapest candidate with room.
func (p *planner) fit(g int, out []int) bool {
	for _, c := range p.hh[g].cands {
		if p.room[c.s] >= p.hh[g].size {
			p.room[c.s] -= p.hh[g].size
			out[g] = c.s
			return true
		}
	}
	return false
}
