package geo

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/paulmach/orb"
)

// Route is a path through the road network, including the off-road legs at
// both ends (at OffRoadKmh).
type Route struct {
	Meters  float64        `json:"meters"`
	Seconds float64        `json:"seconds"`
	Path    orb.LineString `json:"path"`
	Roads   []string       `json:"roads"` // road ids in travel order, consecutive repeats removed
}

// UnreachableError says why no route exists; it wraps ErrUnreachable.
type UnreachableError struct {
	From, To orb.Point
	// Closed lists impassable roads met at the edge of the area reachable
	// from the start (what cut it off), at most 10.
	Closed []string
	More   int // further closed roads not listed
}

func (e *UnreachableError) Error() string {
	msg := fmt.Sprintf("no open road from %s to %s: ", fmtPoint(e.From), fmtPoint(e.To))
	if len(e.Closed) == 0 {
		return msg + "no road connects them"
	}
	msg += "cut off by closed roads " + strings.Join(e.Closed, ", ")
	if e.More > 0 {
		msg += fmt.Sprintf(" and %d more", e.More)
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrUnreachable) true.
func (e *UnreachableError) Unwrap() error { return ErrUnreachable }

type heapItem struct {
	key, d float64
	n      int32
}

type scratch struct {
	dist, meters []float64
	prev         []int32
	touched      []int32
	heap         []heapItem
	blocked      []int32 // roads met closed, when tracked
}

func newScratchPool(n int) *sync.Pool {
	return &sync.Pool{New: func() any {
		s := &scratch{dist: make([]float64, n), meters: make([]float64, n), prev: make([]int32, n)}
		for i := range s.dist {
			s.dist[i] = math.Inf(1)
		}
		return s
	}}
}

func (g *Graph) getScratch() *scratch { return g.pool.Get().(*scratch) }

func (g *Graph) putScratch(s *scratch) {
	for _, n := range s.touched {
		s.dist[n] = math.Inf(1)
	}
	s.touched = s.touched[:0]
	s.heap = s.heap[:0]
	s.blocked = s.blocked[:0]
	g.pool.Put(s)
}

func (s *scratch) push(it heapItem) {
	h := append(s.heap, it)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].key <= it.key {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = it
	s.heap = h
}

func (s *scratch) pop() heapItem {
	h := s.heap
	top := h[0]
	last := h[len(h)-1]
	h = h[:len(h)-1]
	n := len(h)
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].key < h[c].key {
			c++
		}
		if last.key <= h[c].key {
			break
		}
		h[i] = h[c]
		i = c
	}
	if n > 0 {
		h[i] = last
	}
	s.heap = h
	return top
}

func (g *Graph) offRoadSpeed() float64 {
	if g.OffRoadKmh > 0 {
		return g.OffRoadKmh / 3.6
	}
	return DefaultOffRoadKmh / 3.6
}

// search runs Dijkstra (h == nil) or A* from the seeds, forward or over the
// reversed edges. visit is called when a node is popped with its cost and
// key; returning true stops the search. trackBlocked records closed roads met.
func (g *Graph) search(s *scratch, seeds []snapCand, reverse, trackBlocked bool, h func(int32) float64, visit func(n int32, d, key float64) bool) {
	off := g.offRoadSpeed()
	for _, c := range seeds {
		d := c.meters / off
		if d < s.dist[c.node] {
			if math.IsInf(s.dist[c.node], 1) {
				s.touched = append(s.touched, c.node)
			}
			s.dist[c.node], s.meters[c.node], s.prev[c.node] = d, c.meters, -1
			key := d
			if h != nil {
				key += h(c.node)
			}
			s.push(heapItem{key: key, d: d, n: c.node})
		}
	}
	start, list := g.outStart, g.outEdge
	if reverse {
		start, list = g.inStart, g.inEdge
	}
	for len(s.heap) > 0 {
		it := s.pop()
		if it.d > s.dist[it.n] {
			continue // stale
		}
		if visit(it.n, it.d, it.key) {
			return
		}
		for _, e := range list[start[it.n]:start[it.n+1]] {
			t := g.eTime[e]
			if math.IsInf(t, 1) {
				if trackBlocked {
					s.blocked = append(s.blocked, g.eRoad[e])
				}
				continue
			}
			v := g.eTo[e]
			if reverse {
				v = g.eFrom[e]
			}
			nd := it.d + t
			if nd < s.dist[v] {
				if math.IsInf(s.dist[v], 1) {
					s.touched = append(s.touched, v)
				}
				s.dist[v], s.meters[v], s.prev[v] = nd, s.meters[it.n]+g.eLen[e], e
				key := nd
				if h != nil {
					key += h(v)
				}
				s.push(heapItem{key: key, d: nd, n: v})
			}
		}
	}
}

// Route finds the fastest route from one point to another over open roads,
// with A* (straight-line distance at the top speed as the heuristic). Points
// are joined to the network at nearby nodes at OffRoadKmh; a point farther
// than MaxSnapMeters from every node gives an error wrapping ErrTooFar. No
// route gives an *UnreachableError (errors.Is(err, ErrUnreachable)).
func (g *Graph) Route(from, to orb.Point) (Route, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	src, err := g.snap(from)
	if err != nil {
		return Route{}, fmt.Errorf("route start: %w", err)
	}
	dst, err := g.snap(to)
	if err != nil {
		return Route{}, fmt.Errorf("route end: %w", err)
	}
	s := g.getScratch()
	defer g.putScratch(s)
	off := g.offRoadSpeed()
	vmax := math.Max(g.maxSpeed, off)
	tx, ty := g.project(to)
	h := func(n int32) float64 {
		x, y := g.project(g.pts[n])
		return 0.99 * math.Hypot(x-tx, y-ty) / vmax // 0.99: projection vs haversine slack
	}
	best, bestNode, bestOff := math.Inf(1), int32(-1), 0.0
	g.search(s, src, false, true, h, func(n int32, d, key float64) bool {
		for _, c := range dst {
			if c.node == n {
				if tot := d + c.meters/off; tot < best {
					best, bestNode, bestOff = tot, n, c.meters
				}
			}
		}
		return key >= best
	})
	if bestNode < 0 {
		return Route{}, g.unreachable(from, to, s)
	}
	r := Route{Seconds: best, Meters: s.meters[bestNode] + bestOff}
	var nodes []int32
	for n := bestNode; ; {
		nodes = append(nodes, n)
		e := s.prev[n]
		if e < 0 {
			break
		}
		if id := g.roads[g.eRoad[e]].id; len(r.Roads) == 0 || r.Roads[len(r.Roads)-1] != id {
			r.Roads = append(r.Roads, id)
		}
		n = g.eFrom[e]
	}
	slices.Reverse(nodes)
	slices.Reverse(r.Roads)
	r.Path = make(orb.LineString, 0, len(nodes)+2)
	r.Path = append(r.Path, from)
	for _, n := range nodes {
		r.Path = append(r.Path, g.pts[n])
	}
	r.Path = append(r.Path, to)
	if r.Roads == nil {
		r.Roads = []string{}
	}
	return r, nil
}

func (g *Graph) unreachable(from, to orb.Point, s *scratch) error {
	e := &UnreachableError{From: from, To: to}
	seen := map[int32]bool{}
	var ids []string
	for _, ri := range s.blocked {
		if !seen[ri] {
			seen[ri] = true
			ids = append(ids, g.roads[ri].id)
		}
	}
	sort.Strings(ids)
	if len(ids) > 10 {
		e.More = len(ids) - 10
		ids = ids[:10]
	}
	e.Closed = ids
	return e
}

// TravelTimes returns the travel time in seconds from one point to each of
// many, in one Dijkstra search that stops once every target is settled.
// Unreachable (or unsnappable) targets get +Inf.
func (g *Graph) TravelTimes(from orb.Point, to []orb.Point) []float64 {
	secs, _ := g.travel(from, to, false)
	return secs
}

// TravelTimesTo returns the travel time in seconds from each of many points
// to one (responders → incident), in one Dijkstra search over the reversed
// graph, so one-way roads are respected in the direction of travel.
func (g *Graph) TravelTimesTo(to orb.Point, from []orb.Point) []float64 {
	secs, _ := g.travel(to, from, true)
	return secs
}

type targetLeg struct {
	i   int
	off float64 // seconds
	m   float64 // metres
}

func (g *Graph) travel(origin orb.Point, others []orb.Point, reverse bool) (secs, meters []float64) {
	secs = make([]float64, len(others))
	meters = make([]float64, len(others))
	for i := range secs {
		secs[i], meters[i] = math.Inf(1), math.Inf(1)
	}
	if len(others) == 0 {
		return secs, meters
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	src, err := g.snap(origin)
	if err != nil {
		return secs, meters
	}
	off := g.offRoadSpeed()
	legs := make(map[int32][]targetLeg, len(others)*2)
	unresolved := 0
	snapped := make([]bool, len(others))
	for i, p := range others {
		cands, err := g.snap(p)
		if err != nil {
			continue
		}
		snapped[i] = true
		unresolved++
		for _, c := range cands {
			legs[c.node] = append(legs[c.node], targetLeg{i: i, off: c.meters / off, m: c.meters})
		}
	}
	if unresolved == 0 {
		return secs, meters
	}
	s := g.getScratch()
	defer g.putScratch(s)
	maxBest := math.Inf(1)
	g.search(s, src, reverse, false, nil, func(n int32, d, _ float64) bool {
		if ls, ok := legs[n]; ok {
			changed := false
			for _, l := range ls {
				if tot := d + l.off; tot < secs[l.i] {
					if math.IsInf(secs[l.i], 1) {
						unresolved--
					}
					secs[l.i], meters[l.i] = tot, s.meters[n]+l.m
					changed = true
				}
			}
			if changed && unresolved == 0 {
				maxBest = 0
				for i, v := range secs {
					if snapped[i] {
						maxBest = math.Max(maxBest, v)
					}
				}
			}
		}
		return unresolved == 0 && d >= maxBest
	})
	return secs, meters
}

// ShelterETA is a shelter and how long it takes to get there.
type ShelterETA struct {
	Shelter Shelter `json:"shelter"`
	Seconds float64 `json:"seconds"`
	Meters  float64 `json:"meters"`
}

// NearestShelters returns up to k shelters (all when k ≤ 0) reachable from a
// point, fastest first, skipping those hasRoom rejects (nil accepts all).
func (g *Graph) NearestShelters(from orb.Point, shelters []Shelter, hasRoom func(Shelter) bool, k int) []ShelterETA {
	var cand []Shelter
	pts := make([]orb.Point, 0, len(shelters))
	for _, sh := range shelters {
		if hasRoom == nil || hasRoom(sh) {
			cand = append(cand, sh)
			pts = append(pts, sh.Point)
		}
	}
	secs, meters := g.travel(from, pts, false)
	var out []ShelterETA
	for i, sh := range cand {
		if !math.IsInf(secs[i], 1) {
			out = append(out, ShelterETA{Shelter: sh, Seconds: secs[i], Meters: meters[i]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seconds < out[j].Seconds })
	if k > 0 && len(out) > k {
		out = out[:k]
	}
	return out
}
