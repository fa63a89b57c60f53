package dispatch

// The optimiser: an exact minimum-cost assignment of need-slots (rows) to
// responders (columns) on a sparse candidate graph, by successive shortest
// augmenting paths with Dijkstra on reduced costs (the Hungarian method in its
// Jonker–Volgenant shortest-path form).
//
// Objective. Every slot i of priority p either takes a candidate responder j at
// cost W_p·t_ij (t = travel seconds) or stays unfilled. We want, in this order:
//  1. as few unfilled priority-1 slots as possible, then priority 2, … then 4;
//  2. then as few responders as possible taken off work they are on (only the
//     swap chain, see swap.go, ever offers such an arc);
//  3. then as few units as possible that break 小事不出村 (a town-tier unit on a
//     slot below TownTierPriority, or another village's unit);
//  4. then the least total priority-weighted travel time, where a unit sent for
//     a capability other than its scarce ones is priced as extra seconds.
//
// Scarcity: a price, not a look-ahead. A unit carrying a capability few free
// units have (boats, machinery, medics) costs, on a slot of another
// capability, RarePriceS / (free holders of that capability) extra seconds
// for each such capability it carries; a boat team sent to evacuate, 8 boats
// free, costs 450 s more than a militia squad at the same distance, so a
// common unit up to about 7 minutes farther goes instead. A price keeps every
// round one exact assignment on known costs (a look-ahead would optimise
// against guessed future incidents, and a wrong guess leaves today's slot
// empty); what the price cannot foresee the swap chain mends when the need
// arrives: the boat is moved, and a common unit takes its place.
//
// Work arriving over time: a re-plan before departure, not a look-ahead nor a
// reserve price (rebalance.go, on by default since 2 December). When new work
// arrives, responders assigned but not yet left (assigned or accepted, so
// where they are is exactly where they were chosen from), and those on the
// way who reported their position within RedirectFresh, join the round's
// problem for the new slots at least as urgent as their own work; each move
// costs RebalanceGainS seconds (60 s) at the slot's weight, so one is made
// only for a real saving, never twice within ChurnWindow, never when it would
// fill more slots (the swap chain's job), and always as a swap chain: the
// slot they leave is taken by someone else in the same move, never left
// empty. Which and why: (1) not yet left, because for the public a move then
// is a page and a cancel, nobody has driven; or on the way with a fresh
// position, because then what is left to drive is known and a redirect that
// saves more than the gain is what a centre with vehicle positions does; (2) at least as urgent, never
// less, because a re-plan must not make more urgent work wait for a farther
// unit so that lesser work wins; (3) never an uncover, because the
// rebalance is for travel among slots that will all be filled anyway (the
// one re-plan that leaves a covered slot empty is the divert, below, with
// its own bounds). Why not a look-ahead: holding a unit back for
// incidents that may come leaves a slot empty now, and every priced guess we
// tried cost more than it saved (a price on village squads sent to priority
// 1, kept for their village's lesser work, raised travel and at 900 s left
// one more priority-1 slot empty in a 120-incident wave).
//
// Which slots of equal priority stay empty once every holder of a
// capability is out: the divert (divert.go, on by default since 2 December's
// second change). The offline optimum, knowing the whole wave, leaves empty
// the slots farthest from the boats, machinery and medics; the online plan
// has given them to what arrived first, and no re-plan that never uncovers
// can choose otherwise. Measured before the divert (BenchmarkWaves, 40
// incidents in 4 batches, 60 s turnout, 100 seeds, where the unfilled
// counts agree): serving exactly the online plan's slots as well as possible
// would still have been 1.075 of the optimum's travel at the median (p90
// 1.175), and the plan was at 1.070 (p90 1.182). So a responder on work of
// the same priority and capability, not yet left (or on the way with a
// fresh position), goes to an empty slot they reach sooner by more than
// DivertGainS, but only from an incident that keeps another responder on it
// and has never lost one to a divert: nobody who was told help is coming is
// left with nobody, and no earlier caller is stripped again and again. With
// it the plan is at 1.025 at the median (pooled over the seeds 1.034), p90
// 1.127, within 1.05 on 56 of 84 seeds (docs/BENCHMARKS.md, "Diverting to a
// nearer call"), with the same slots left empty by priority as without it.
// Most of what is left is those two rules: in a first version (an
// experiment, never committed), letting an incident's last responder go and
// more than one go from an incident reached 1.011 (p90 1.095); keeping the
// last one but not the once-only rule, 1.021 (p90 1.112). Both were refused
// for the callers' sake.
//
// Instead of "big-M" weights (which at 20,000 slots would need M^4 ≈ 10^17 and
// lose the seconds to float rounding) the cost is a vector compared
// lexicographically: (unfilled_1…unfilled_4, tier, seconds). Vectors under
// component-wise + and lexicographic < form a totally ordered abelian group, and
// Dijkstra, reduced costs and LP duality only ever add, subtract and compare
// costs, so the algorithm is exact for the lexicographic objective: no higher-
// priority slot is ever left unfilled to fill a lower-priority one, because one
// more unfilled slot of priority p outweighs any change in later components.
// Leaving slot i unfilled is a private dummy column with cost e_p, so every row
// is always matched and the problem is a rectangular assignment.
//
// Correctness of the shortest-path step (invariants, standard for SSP):
// reduced costs c_ij − u_i − v_j ≥ 0 on every arc and = 0 on matched arcs.
// After Dijkstra from the new row s reaches its first free column at distance
// D, each finalised column j gets v_j −= D − dist_j and its matched row
// u_r += D − dist_j, u_s = D; this keeps both invariants (so the matching stays
// optimal for the rows added so far), and stopping at the first free column is
// what keeps an augmentation local on a sparse, province-sized graph.

// cost is the lexicographic objective of one arc, path or matching.
type cost struct {
	unfilled [NumPriorities]int32
	moves    int32
	tier     int32
	t        float64
}

func (a cost) add(b cost) cost {
	for i := range a.unfilled {
		a.unfilled[i] += b.unfilled[i]
	}
	a.moves += b.moves
	a.tier += b.tier
	a.t += b.t
	return a
}

func (a cost) sub(b cost) cost {
	for i := range a.unfilled {
		a.unfilled[i] -= b.unfilled[i]
	}
	a.moves -= b.moves
	a.tier -= b.tier
	a.t -= b.t
	return a
}

func (a cost) less(b cost) bool {
	for i := range a.unfilled {
		if a.unfilled[i] != b.unfilled[i] {
			return a.unfilled[i] < b.unfilled[i]
		}
	}
	if a.moves != b.moves {
		return a.moves < b.moves
	}
	if a.tier != b.tier {
		return a.tier < b.tier
	}
	return a.t < b.t
}

// unfilledCost is the cost of leaving one slot of priority p empty.
func unfilledCost(p int) cost {
	var c cost
	c.unfilled[p-1] = 1
	return c
}

// arc is one candidate: column col at cost c.
type arc struct {
	col int32
	c   cost
}

// assignProblem: rows[i] are the candidate arcs of slot i (columns 0..ncols-1),
// skip[i] the cost of leaving slot i unfilled.
type assignProblem struct {
	rows  [][]arc
	skip  []cost
	ncols int
}

type heapItem struct {
	c   cost
	col int32
}

// solveAssignment returns, per row, its column or -1 (unfilled), and the total cost.
func solveAssignment(p *assignProblem) ([]int32, cost) {
	n := len(p.rows)
	m := p.ncols + n // a private dummy column per row
	s := &ssp{p: p, u: make([]cost, n), v: make([]cost, m), rowMatch: make([]int32, n), colMatch: make([]int32, m),
		dist: make([]cost, m), pred: make([]int32, m), seen: make([]uint32, m), fin: make([]uint32, m)}
	for i := range s.rowMatch {
		s.rowMatch[i] = -1
	}
	for j := range s.colMatch {
		s.colMatch[j] = -1
	}
	for i := 0; i < n; i++ {
		s.augment(int32(i))
	}
	out := make([]int32, n)
	var total cost
	for i, j := range s.rowMatch {
		if int(j) >= p.ncols {
			out[i] = -1
			total = total.add(p.skip[i])
			continue
		}
		out[i] = j
		for _, a := range p.rows[i] {
			if a.col == j {
				total = total.add(a.c)
				break
			}
		}
	}
	return out, total
}

type ssp struct {
	p                  *assignProblem
	u, v               []cost
	rowMatch, colMatch []int32
	dist               []cost
	pred               []int32
	seen, fin          []uint32 // epoch stamps: no O(columns) reset per augmentation
	epoch              uint32
	finList            []int32
	heap               []heapItem
}

func (s *ssp) augment(row int32) {
	s.epoch++
	s.finList = s.finList[:0]
	s.heap = s.heap[:0]
	s.scan(row, cost{})
	end := int32(-1)
	for len(s.heap) > 0 {
		it := s.pop()
		c := it.col
		if s.fin[c] == s.epoch || s.dist[c].less(it.c) {
			continue // stale heap entry
		}
		s.fin[c] = s.epoch
		s.finList = append(s.finList, c)
		if s.colMatch[c] < 0 {
			end = c
			break
		}
		s.scan(s.colMatch[c], s.dist[c])
	}
	// end ≥ 0 always: the row's own dummy column is free and reachable.
	d := s.dist[end]
	for _, c := range s.finList {
		delta := d.sub(s.dist[c])
		s.v[c] = s.v[c].sub(delta)
		if r := s.colMatch[c]; r >= 0 {
			s.u[r] = s.u[r].add(delta)
		}
	}
	s.u[row] = s.u[row].add(d)
	for c := end; ; {
		r := s.pred[c]
		prev := s.rowMatch[r]
		s.rowMatch[r], s.colMatch[c] = c, r
		if r == row {
			break
		}
		c = prev
	}
}

// scan relaxes the arcs of row r reached at distance base.
func (s *ssp) scan(r int32, base cost) {
	base = base.sub(s.u[r])
	relax := func(col int32, c cost) {
		if s.fin[col] == s.epoch {
			return
		}
		nd := base.add(c).sub(s.v[col])
		if s.seen[col] != s.epoch || nd.less(s.dist[col]) {
			s.seen[col] = s.epoch
			s.dist[col] = nd
			s.pred[col] = r
			s.push(heapItem{nd, col})
		}
	}
	for _, a := range s.p.rows[r] {
		relax(a.col, a.c)
	}
	relax(int32(s.p.ncols)+r, s.p.skip[r])
}

func itemLess(a, b heapItem) bool {
	if a.c.less(b.c) {
		return true
	}
	if b.c.less(a.c) {
		return false
	}
	return a.col < b.col // ties by column: roster order decides, never the heap's history
}

func (s *ssp) push(it heapItem) {
	s.heap = append(s.heap, it)
	i := len(s.heap) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !itemLess(s.heap[i], s.heap[p]) {
			break
		}
		s.heap[i], s.heap[p] = s.heap[p], s.heap[i]
		i = p
	}
}

func (s *ssp) pop() heapItem {
	h := s.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && itemLess(h[l], h[m]) {
			m = l
		}
		if r < len(h) && itemLess(h[r], h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	s.heap = h
	return top
}
