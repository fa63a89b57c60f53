package geo

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/paulmach/orb"
)

// Depth → speed curve. One study of urban flooding (cited in DUHU.md) found
// network speeds falling to about 2 km/h and evacuation times growing by
// +40 … +670 min as water rose from 5 to 30 cm; vehicles stall and are swept
// away from about half a metre. So: speed falls linearly from the road's
// nominal speed at 0 m to a floor of 2 km/h at 0.3 m, stays at the floor up to
// 0.5 m, and the road is impassable (closed) at 0.5 m or more.
const (
	SlowDepthM       = 0.3 // depth at which speed reaches FloodFloorKmh
	ImpassableDepthM = 0.5 // depth at which a road is closed
	FloodFloorKmh    = 2.0 // crawling speed through 0.3–0.5 m of water
)

// Defaults for the leg between a query point and the road network.
const (
	// DefaultOffRoadKmh is the speed of the leg from a point to the road: a
	// walk (evacuees, or responders leaving the vehicle in a flood), 5 km/h.
	DefaultOffRoadKmh = 5.0
	// DefaultMaxSnapMeters refuses points farther than this from every road node.
	DefaultMaxSnapMeters = 2000.0
	// snapSlackMeters: nodes up to this much farther than the nearest one are
	// also tried as entry points, so a point beside a closed road can still
	// reach an open one just behind it.
	snapSlackMeters   = 300.0
	maxSnapCandidates = 8
)

// DepthSpeedKmh is the speed on a road of nominal speed kmh under depth
// meters of water (0 means impassable). See the curve above.
func DepthSpeedKmh(kmh, meters float64) float64 {
	switch {
	case meters >= ImpassableDepthM:
		return 0
	case meters <= 0:
		return kmh
	}
	floor := math.Min(kmh, FloodFloorKmh)
	if meters >= SlowDepthM {
		return floor
	}
	return kmh + (floor-kmh)*meters/SlowDepthM
}

// Errors a Graph returns; wrapped with details an operator can read.
var (
	ErrUnreachable = errors.New("unreachable")
	ErrUnknownRoad = errors.New("unknown road")
	ErrTooFar      = errors.New("too far from any road")
)

// Graph is a routable road network built from roads.
//
// Concurrency: the engine goroutine owns the graph and is its only writer
// (CloseRoad, OpenRoad, SetDepth, CloseAt). Queries (Route, TravelTimes,
// TravelTimesTo, NearestShelters, Snap, Closed) may run concurrently with each
// other and with the writer: an internal RWMutex makes writers wait for
// running queries, and closures take effect for the next query. Queries take
// their O(nodes) scratch space from a sync.Pool, so they do not allocate it
// each time. Clone gives an independent copy for what-if planning.
type Graph struct {
	// OffRoadKmh and MaxSnapMeters tune snapping; set them before sharing the graph.
	OffRoadKmh    float64
	MaxSnapMeters float64

	mu sync.RWMutex

	// immutable after NewGraph
	pts                []orb.Point
	lon0, lat0, kx, ky float64 // local equirectangular projection, metres per degree
	eFrom, eTo, eRoad  []int32
	eLen               []float64
	outStart, outEdge  []int32
	inStart, inEdge    []int32
	roads              []graphRoad
	roadIdx            map[string]int32
	roadEdgeStart      []int32
	roadEdges          []int32
	maxSpeed           float64 // m/s, fastest nominal speed
	nodes              nodeIndex

	// mutable, guarded by mu
	closed []bool
	depth  []float64
	eTime  []float64 // seconds; +Inf when impassable

	pool *sync.Pool

	// snaps remembers where a point joins the graph: nodes never move, and the
	// same points (households, shelters) are routed round after round.
	snapMu sync.Mutex
	snaps  map[orb.Point][]snapCand
}

// snapCacheMax bounds the points remembered (phones move: their positions are many).
const snapCacheMax = 1 << 16

type graphRoad struct {
	id       string
	speedKmh float64
	line     orb.LineString
	bound    orb.Bound
}

// GraphReport describes a freshly built graph.
type GraphReport struct {
	Roads      int      `json:"roads"`
	Nodes      int      `json:"nodes"`
	Edges      int      `json:"edges"` // directed edges
	Snapped    int      `json:"snapped"`
	Components int      `json:"components"`
	Islands    []Island `json:"islands"` // weakly connected components, largest first (at most 100)
	Skipped    []string `json:"skipped,omitempty"`
}

// Island is one weakly connected component of the graph.
type Island struct {
	Nodes  int       `json:"nodes"`
	Sample orb.Point `json:"sample"`
	Roads  []string  `json:"roads"` // up to 5 road ids in it
}

func (r GraphReport) String() string {
	return fmt.Sprintf("%d roads, %d nodes, %d edges, %d snapped vertices, %d component(s)",
		r.Roads, r.Nodes, r.Edges, r.Snapped, r.Components)
}

const earthRadius = 6371008.8

// NewGraph builds the road graph. Every LineString vertex becomes a node;
// vertices (of the same or different roads) within snapToleranceMeters of an
// existing node are merged into it, which joins roads whose ends almost
// touch. One-way roads get edges in their digitised direction only. Vertices
// with non-finite coordinates and roads with speed ≤ 0 are skipped and listed.
func NewGraph(roads []Road, snapToleranceMeters float64) (*Graph, GraphReport) {
	g := &Graph{OffRoadKmh: DefaultOffRoadKmh, MaxSnapMeters: DefaultMaxSnapMeters, roadIdx: map[string]int32{}}
	var rep GraphReport
	// projection centred on the data
	var sumLon, sumLat float64
	n := 0
	for _, r := range roads {
		for _, p := range r.Line {
			if finitePoint(p) {
				sumLon += p[0]
				sumLat += p[1]
				n++
			}
		}
	}
	if n > 0 {
		g.lon0, g.lat0 = sumLon/float64(n), sumLat/float64(n)
	}
	g.ky = earthRadius * math.Pi / 180
	g.kx = g.ky * math.Max(math.Cos(g.lat0*math.Pi/180), 0.01)

	tol := snapToleranceMeters
	if !(tol > 0) || math.IsInf(tol, 0) {
		tol = 0
	}
	heads := map[[2]int64]int32{}
	var next []int32
	cellOf := func(x, y float64) [2]int64 {
		if tol == 0 {
			return [2]int64{int64(math.Float64bits(x)), int64(math.Float64bits(y))}
		}
		return [2]int64{int64(math.Floor(x / tol)), int64(math.Floor(y / tol))}
	}
	nodeNear := func(p orb.Point) int32 {
		x, y := g.project(p)
		c := cellOf(x, y)
		best, bestD := int32(-1), math.Inf(1)
		if tol == 0 {
			if h, ok := heads[c]; ok {
				return h
			}
		} else {
			for dx := int64(-1); dx <= 1; dx++ {
				for dy := int64(-1); dy <= 1; dy++ {
					for i, ok := heads[[2]int64{c[0] + dx, c[1] + dy}]; ok && i >= 0; i = next[i] {
						nx, ny := g.project(g.pts[i])
						if d := math.Hypot(nx-x, ny-y); d <= tol && d < bestD {
							best, bestD = i, d
						}
					}
				}
			}
			if best >= 0 {
				rep.Snapped++
				return best
			}
		}
		id := int32(len(g.pts))
		g.pts = append(g.pts, p)
		if h, ok := heads[c]; ok {
			next = append(next, h)
		} else {
			next = append(next, -1)
		}
		heads[c] = id
		return id
	}
	// A position seen before always gets the node it got then: a vertex that
	// two roads share (an OpenStreetMap junction) must join them, even when
	// snapping had moved it onto a neighbouring node that the second road's
	// copy would not have chosen.
	exact := map[orb.Point]int32{}
	nodeFor := func(p orb.Point) int32 {
		if n, ok := exact[p]; ok {
			return n
		}
		n := nodeNear(p)
		exact[p] = n
		return n
	}

	for _, r := range roads {
		if _, dup := g.roadIdx[r.ID]; dup || !(r.SpeedKmh > 0) || math.IsInf(r.SpeedKmh, 0) {
			rep.Skipped = append(rep.Skipped, r.ID)
			continue
		}
		ri := int32(len(g.roads))
		added := 0
		prev := int32(-1)
		var line orb.LineString
		for _, p := range r.Line {
			if !finitePoint(p) {
				continue
			}
			line = append(line, p)
			cur := nodeFor(p)
			if prev >= 0 && cur != prev {
				l := DistanceMeters(g.pts[prev], g.pts[cur])
				g.addEdge(prev, cur, ri, l)
				added++
				if !r.Oneway {
					g.addEdge(cur, prev, ri, l)
				}
			}
			prev = cur
		}
		if added == 0 {
			rep.Skipped = append(rep.Skipped, r.ID)
			continue
		}
		g.roadIdx[r.ID] = ri
		g.roads = append(g.roads, graphRoad{id: r.ID, speedKmh: r.SpeedKmh, line: line, bound: line.Bound()})
		g.maxSpeed = math.Max(g.maxSpeed, r.SpeedKmh/3.6)
	}
	g.buildCSR()
	g.closed = make([]bool, len(g.roads))
	g.depth = make([]float64, len(g.roads))
	g.eTime = make([]float64, len(g.eFrom))
	for ri := range g.roads {
		g.updateRoad(int32(ri))
	}
	g.nodes = newNodeIndex(g)
	g.pool = newScratchPool(len(g.pts))

	rep.Roads, rep.Nodes, rep.Edges = len(g.roads), len(g.pts), len(g.eFrom)
	rep.Components, rep.Islands = g.islands()
	return g, rep
}

func finitePoint(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0)
}

func (g *Graph) project(p orb.Point) (x, y float64) {
	return (p[0] - g.lon0) * g.kx, (p[1] - g.lat0) * g.ky
}

func (g *Graph) addEdge(a, b, road int32, l float64) {
	g.eFrom = append(g.eFrom, a)
	g.eTo = append(g.eTo, b)
	g.eRoad = append(g.eRoad, road)
	g.eLen = append(g.eLen, l)
}

func csr(n int, key []int32) (start, list []int32) {
	start = make([]int32, n+1)
	for _, k := range key {
		start[k+1]++
	}
	for i := 1; i <= n; i++ {
		start[i] += start[i-1]
	}
	list = make([]int32, len(key))
	fill := make([]int32, n)
	for e, k := range key {
		list[start[k]+fill[k]] = int32(e)
		fill[k]++
	}
	return start, list
}

func (g *Graph) buildCSR() {
	g.outStart, g.outEdge = csr(len(g.pts), g.eFrom)
	g.inStart, g.inEdge = csr(len(g.pts), g.eTo)
	g.roadEdgeStart, g.roadEdges = csr(len(g.roads), g.eRoad)
}

// updateRoad recomputes the travel time of a road's edges after a change.
func (g *Graph) updateRoad(ri int32) {
	speed := 0.0
	if !g.closed[ri] {
		speed = DepthSpeedKmh(g.roads[ri].speedKmh, g.depth[ri]) / 3.6
	}
	for _, e := range g.roadEdges[g.roadEdgeStart[ri]:g.roadEdgeStart[ri+1]] {
		if speed > 0 {
			g.eTime[e] = g.eLen[e] / speed
		} else {
			g.eTime[e] = math.Inf(1)
		}
	}
}

func (g *Graph) islands() (int, []Island) {
	parent := make([]int32, len(g.pts))
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for e := range g.eFrom {
		a, b := find(g.eFrom[e]), find(g.eTo[e])
		if a != b {
			parent[a] = b
		}
	}
	byRoot := map[int32]*Island{}
	var order []int32
	for i := range g.pts {
		r := find(int32(i))
		isl, ok := byRoot[r]
		if !ok {
			isl = &Island{Sample: g.pts[i]}
			byRoot[r] = isl
			order = append(order, r)
		}
		isl.Nodes++
	}
	for e := range g.eFrom {
		isl := byRoot[find(g.eFrom[e])]
		id := g.roads[g.eRoad[e]].id
		if len(isl.Roads) < 5 && !slices.Contains(isl.Roads, id) {
			isl.Roads = append(isl.Roads, id)
		}
	}
	out := make([]Island, 0, len(order))
	for _, r := range order {
		out = append(out, *byRoot[r])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Nodes > out[j].Nodes })
	if len(out) > 100 {
		out = out[:100]
	}
	return len(order), out
}

// Nodes is the number of nodes in the graph.
func (g *Graph) Nodes() int { return len(g.pts) }

// Clone returns an independent graph sharing the immutable topology, with a
// copy of the current closures and depths: change it freely for what-if plans.
func (g *Graph) Clone() *Graph {
	g.mu.RLock()
	defer g.mu.RUnlock()
	c := &Graph{
		OffRoadKmh: g.OffRoadKmh, MaxSnapMeters: g.MaxSnapMeters,
		pts: g.pts, lon0: g.lon0, lat0: g.lat0, kx: g.kx, ky: g.ky,
		eFrom: g.eFrom, eTo: g.eTo, eRoad: g.eRoad, eLen: g.eLen,
		outStart: g.outStart, outEdge: g.outEdge, inStart: g.inStart, inEdge: g.inEdge,
		roads: g.roads, roadIdx: g.roadIdx, roadEdgeStart: g.roadEdgeStart, roadEdges: g.roadEdges,
		maxSpeed: g.maxSpeed, nodes: g.nodes,
		closed: slices.Clone(g.closed), depth: slices.Clone(g.depth), eTime: slices.Clone(g.eTime),
		pool: g.pool, // scratch buffers are per query and size-compatible
	}
	return c
}

func (g *Graph) road(id string) (int32, error) {
	ri, ok := g.roadIdx[id]
	if !ok {
		return 0, fmt.Errorf("%w %q", ErrUnknownRoad, id)
	}
	return ri, nil
}

// CloseRoad closes a road section (an operator's order); it takes effect for the next query.
func (g *Graph) CloseRoad(roadID string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	ri, err := g.road(roadID)
	if err != nil {
		return err
	}
	g.closed[ri] = true
	g.updateRoad(ri)
	return nil
}

// OpenRoad lifts an operator's closure. A road under ImpassableDepthM of
// water or more stays impassable until SetDepth lowers the depth.
func (g *Graph) OpenRoad(roadID string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	ri, err := g.road(roadID)
	if err != nil {
		return err
	}
	g.closed[ri] = false
	g.updateRoad(ri)
	return nil
}

// SetDepth records the water depth on a road section; its speed follows
// DepthSpeedKmh (impassable at ImpassableDepthM or more). Negative depths count as 0.
func (g *Graph) SetDepth(roadID string, meters float64) error {
	if math.IsNaN(meters) {
		return fmt.Errorf("depth for road %q is not a number", roadID)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	ri, err := g.road(roadID)
	if err != nil {
		return err
	}
	g.depth[ri] = math.Max(meters, 0)
	g.updateRoad(ri)
	return nil
}

// CloseAt closes every road passing within radiusMeters of p and returns
// their ids, sorted (including any that were already closed).
func (g *Graph) CloseAt(p orb.Point, radiusMeters float64) []string {
	if !finitePoint(p) || math.IsNaN(radiusMeters) || radiusMeters < 0 {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	var ids []string
	for _, ri := range g.nearRoads(p, radiusMeters) {
		g.closed[ri] = true
		g.updateRoad(int32(ri))
		ids = append(ids, g.roads[ri].id)
	}
	sort.Strings(ids)
	return ids
}

func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
	}
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}

// Closed lists the roads that are impassable now, closed by an operator or
// by depth, sorted by id.
func (g *Graph) Closed() []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	var ids []string
	for ri, r := range g.roads {
		if g.closed[ri] || g.depth[ri] >= ImpassableDepthM {
			ids = append(ids, r.id)
		}
	}
	sort.Strings(ids)
	return ids
}

// nodeIndex is a uniform grid (CSR) over node positions in local metres.
type nodeIndex struct {
	minX, minY, cell float64
	nx, ny           int
	start, items     []int32
}

func newNodeIndex(g *Graph) nodeIndex {
	ix := nodeIndex{cell: 1}
	if len(g.pts) == 0 {
		return ix
	}
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, p := range g.pts {
		x, y := g.project(p)
		minX, minY = math.Min(minX, x), math.Min(minY, y)
		maxX, maxY = math.Max(maxX, x), math.Max(maxY, y)
	}
	w, h := maxX-minX, maxY-minY
	cell := math.Sqrt(w * h / math.Max(1, float64(len(g.pts))/2))
	if !(cell > 25) {
		cell = 25
	}
	for (w/cell+1)*(h/cell+1) > 4*float64(len(g.pts))+16 {
		cell *= 1.5
	}
	ix.minX, ix.minY, ix.cell = minX, minY, cell
	ix.nx, ix.ny = int(w/cell)+1, int(h/cell)+1
	keys := make([]int32, len(g.pts))
	for i, p := range g.pts {
		x, y := g.project(p)
		cx, cy := ix.cellXY(x, y)
		keys[i] = int32(cy*ix.nx + cx)
	}
	ix.start, ix.items = csr(ix.nx*ix.ny, keys)
	return ix
}

func (ix *nodeIndex) cellXY(x, y float64) (int, int) {
	cx := int(math.Floor((x - ix.minX) / ix.cell))
	cy := int(math.Floor((y - ix.minY) / ix.cell))
	return max(0, min(cx, ix.nx-1)), max(0, min(cy, ix.ny-1))
}

// snapCand is an entry point into the graph for a query point.
type snapCand struct {
	node   int32
	meters float64 // off-road distance
}

// snap returns the nodes near p to enter the graph through: the nearest one
// and any up to snapSlackMeters farther, nearest first.
func (g *Graph) snap(p orb.Point) ([]snapCand, error) {
	g.snapMu.Lock()
	cands, ok := g.snaps[p]
	g.snapMu.Unlock()
	if ok {
		return cands, nil
	}
	cands, err := g.snapUncached(p)
	if err == nil {
		g.snapMu.Lock()
		if g.snaps == nil || len(g.snaps) >= snapCacheMax {
			g.snaps = make(map[orb.Point][]snapCand)
		}
		g.snaps[p] = cands
		g.snapMu.Unlock()
	}
	return cands, err
}

// snapUncached finds the nodes near p, nearest first.
func (g *Graph) snapUncached(p orb.Point) ([]snapCand, error) {
	if len(g.pts) == 0 {
		return nil, fmt.Errorf("%w: the road network is empty", ErrTooFar)
	}
	if !finitePoint(p) {
		return nil, fmt.Errorf("%w: point %v is not a valid position", ErrTooFar, p)
	}
	ix := &g.nodes
	px, py := g.project(p)
	limit := g.MaxSnapMeters
	if !(limit > 0) {
		limit = DefaultMaxSnapMeters
	}
	cx, cy := ix.cellXY(px, py)
	// distance from p to its (clamped) cell's border, to bound ring searches
	ox := math.Max(0, math.Max(ix.minX+float64(cx)*ix.cell-px, px-(ix.minX+float64(cx+1)*ix.cell)))
	oy := math.Max(0, math.Max(ix.minY+float64(cy)*ix.cell-py, py-(ix.minY+float64(cy+1)*ix.cell)))
	outside := math.Hypot(ox, oy)
	if outside > limit {
		return nil, g.tooFar(p, outside, limit)
	}
	dist := func(n int32) float64 {
		x, y := g.project(g.pts[n])
		return math.Hypot(x-px, y-py)
	}
	best := math.Inf(1)
	maxRing := int(limit/ix.cell) + 2
	for k := 0; k <= maxRing; k++ {
		ix.ring(cx, cy, k, func(n int32) {
			best = math.Min(best, dist(n))
		})
		// nodes in ring k+1 are at least k cells away
		if best <= float64(k)*ix.cell || k > max(ix.nx, ix.ny) {
			break
		}
	}
	if best > limit {
		return nil, g.tooFar(p, best, limit)
	}
	radius := math.Min(limit, best+snapSlackMeters)
	var cands []snapCand
	rings := int(math.Ceil(radius/ix.cell)) + 1
	for k := 0; k <= rings && k <= max(ix.nx, ix.ny); k++ {
		ix.ring(cx, cy, k, func(n int32) {
			if d := dist(n); d <= radius {
				cands = append(cands, snapCand{node: n, meters: DistanceMeters(p, g.pts[n])})
			}
		})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].meters != cands[j].meters {
			return cands[i].meters < cands[j].meters
		}
		return cands[i].node < cands[j].node
	})
	if len(cands) > maxSnapCandidates {
		cands = cands[:maxSnapCandidates]
	}
	return cands, nil
}

func (g *Graph) tooFar(p orb.Point, d, limit float64) error {
	return fmt.Errorf("%w: %s is %.1f km from the nearest road (limit %.1f km)", ErrTooFar, fmtPoint(p), d/1000, limit/1000)
}

// ring calls f for every node in the cells at Chebyshev distance k from (cx, cy).
func (ix *nodeIndex) ring(cx, cy, k int, f func(int32)) {
	visit := func(x, y int) {
		if x < 0 || y < 0 || x >= ix.nx || y >= ix.ny {
			return
		}
		c := y*ix.nx + x
		for _, n := range ix.items[ix.start[c]:ix.start[c+1]] {
			f(n)
		}
	}
	if k == 0 {
		visit(cx, cy)
		return
	}
	for x := cx - k; x <= cx+k; x++ {
		visit(x, cy-k)
		visit(x, cy+k)
	}
	for y := cy - k + 1; y <= cy+k-1; y++ {
		visit(cx-k, y)
		visit(cx+k, y)
	}
}

func fmtPoint(p orb.Point) string {
	return fmt.Sprintf("(%.5f,%.5f)", p[1], p[0])
}

// Snap returns the road node nearest to p and its distance in metres, or an
// error wrapping ErrTooFar when p is farther than MaxSnapMeters from every node.
func (g *Graph) Snap(p orb.Point) (orb.Point, float64, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	c, err := g.snap(p)
	if err != nil {
		return orb.Point{}, 0, err
	}
	return g.pts[c[0].node], c[0].meters, nil
}
