package dispatch

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// spatialGrid is a uniform hash grid over points projected to local metres
// (equirectangular at the points' mean latitude: good to well under 1% across a
// province, and only used to rank candidates, never as a travel time).
type spatialGrid struct {
	cosLat float64
	x0, y0 float64
	cell   float64
	nx, ny int
	cells  [][]int32
	xs, ys []float64
}

const metresPerDegree = 111320.0

func (g *spatialGrid) project(p orb.Point) (float64, float64) {
	return p.Lon() * metresPerDegree * g.cosLat, p.Lat() * metresPerDegree
}

// newSpatialGrid indexes pts; cells hold about two points on average.
func newSpatialGrid(pts []orb.Point) *spatialGrid {
	g := &spatialGrid{xs: make([]float64, len(pts)), ys: make([]float64, len(pts))}
	lat := 0.0
	for _, p := range pts {
		lat += p.Lat()
	}
	if len(pts) > 0 {
		lat /= float64(len(pts))
	}
	g.cosLat = math.Max(math.Cos(lat*math.Pi/180), 0.01)
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, p := range pts {
		g.xs[i], g.ys[i] = g.project(p)
		minX, maxX = math.Min(minX, g.xs[i]), math.Max(maxX, g.xs[i])
		minY, maxY = math.Min(minY, g.ys[i]), math.Max(maxY, g.ys[i])
	}
	area := math.Max((maxX-minX)*(maxY-minY), 1)
	g.cell = math.Max(math.Sqrt(2*area/float64(max(len(pts), 1))), 50)
	g.x0, g.y0 = minX, minY
	g.nx = int((maxX-minX)/g.cell) + 1
	g.ny = int((maxY-minY)/g.cell) + 1
	g.cells = make([][]int32, g.nx*g.ny)
	for i := range pts {
		cx, cy := g.cellOf(g.xs[i], g.ys[i])
		g.cells[cy*g.nx+cx] = append(g.cells[cy*g.nx+cx], int32(i))
	}
	return g
}

func (g *spatialGrid) cellOf(x, y float64) (int, int) {
	return int(math.Floor((x - g.x0) / g.cell)), int(math.Floor((y - g.y0) / g.cell))
}

// nearest returns up to k indices whose points pass ok, nearest first (ties by
// index), and whether eligible points may remain beyond them. It searches rings
// of cells outwards and stops once the k-th best is closer than any unvisited
// ring can be, so the result is exactly the k nearest eligible points.
func (g *spatialGrid) nearest(p orb.Point, k int, ok func(int32) bool) ([]int32, bool) {
	type hit struct {
		d2  float64
		idx int32
	}
	x, y := g.project(p)
	cx, cy := g.cellOf(x, y)
	maxRing := max(abs(cx), abs(cx-g.nx+1), abs(cy), abs(cy-g.ny+1))
	var found []hit
	sorted := func() {
		sort.Slice(found, func(a, b int) bool {
			if found[a].d2 != found[b].d2 {
				return found[a].d2 < found[b].d2
			}
			return found[a].idx < found[b].idx
		})
	}
	visit := func(ix, iy int) {
		if ix < 0 || iy < 0 || ix >= g.nx || iy >= g.ny {
			return
		}
		for _, i := range g.cells[iy*g.nx+ix] {
			if ok(i) {
				dx, dy := g.xs[i]-x, g.ys[i]-y
				found = append(found, hit{dx*dx + dy*dy, i})
			}
		}
	}
	ring := 0
	for ; ring <= maxRing; ring++ {
		if ring == 0 {
			visit(cx, cy)
		} else {
			for ix := cx - ring; ix <= cx+ring; ix++ {
				visit(ix, cy-ring)
				visit(ix, cy+ring)
			}
			for iy := cy - ring + 1; iy <= cy+ring-1; iy++ {
				visit(cx-ring, iy)
				visit(cx+ring, iy)
			}
		}
		if len(found) >= k {
			sorted()
			// any point in ring+1 or beyond lies at least ring·cell away
			reach := float64(ring) * g.cell
			if found[k-1].d2 <= reach*reach {
				break
			}
		}
	}
	sorted()
	more := ring < maxRing || len(found) > k
	if len(found) > k {
		found = found[:k]
	}
	out := make([]int32, len(found))
	for i, h := range found {
		out[i] = h.idx
	}
	return out, more
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}
