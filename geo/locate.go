package geo

import (
	"math"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// DistanceMeters is the great-circle (haversine) distance between two WGS-84 points.
func DistanceMeters(a, b orb.Point) float64 {
	return orbgeo.DistanceHaversine(a, b)
}

func lineMeters(ls orb.LineString) float64 {
	d := 0.0
	for i := 1; i < len(ls); i++ {
		d += DistanceMeters(ls[i-1], ls[i])
	}
	return d
}

// Locator answers "which village and grid is this point in?".
// It is immutable after NewLocator and safe for concurrent use.
type Locator struct {
	villages []Village
	grids    []Grid
	vIdx     bboxIndex
	gIdx     bboxIndex
}

// NewLocator indexes the scenario's villages and level-2 grids.
func NewLocator(s *Scenario) *Locator {
	l := &Locator{villages: s.Villages, grids: s.Grids}
	vb := make([]orb.Bound, len(s.Villages))
	for i, v := range s.Villages {
		vb[i] = v.Area.Bound()
	}
	gb := make([]orb.Bound, len(s.Grids))
	for i, g := range s.Grids {
		gb[i] = g.Area.Bound()
	}
	l.vIdx = newBBoxIndex(vb)
	l.gIdx = newBBoxIndex(gb)
	return l
}

// Locate returns the village and level-2 grid containing p. When p is in a
// village but in none of its grids, gridID is "". ok is false outside every village.
func (l *Locator) Locate(p orb.Point) (villageID, gridID string, ok bool) {
	for _, i := range l.gIdx.candidates(p) {
		if planar.MultiPolygonContains(l.grids[i].Area, p) {
			return l.grids[i].Village, l.grids[i].ID, true
		}
	}
	for _, i := range l.vIdx.candidates(p) {
		if planar.MultiPolygonContains(l.villages[i].Area, p) {
			return l.villages[i].ID, "", true
		}
	}
	return "", "", false
}

// bboxIndex is a uniform grid over the items' bounds: each cell lists the
// items whose bound touches it. Enough for the tens to thousands of polygons a town has.
type bboxIndex struct {
	bounds    []orb.Bound
	all       orb.Bound
	nx, ny    int
	cellW     float64
	cellH     float64
	cellStart []int32
	cellItems []int32
}

func newBBoxIndex(bounds []orb.Bound) bboxIndex {
	ix := bboxIndex{bounds: bounds}
	if len(bounds) == 0 {
		return ix
	}
	ix.all = bounds[0]
	for _, b := range bounds[1:] {
		ix.all = ix.all.Union(b)
	}
	n := int(math.Ceil(math.Sqrt(float64(len(bounds)) * 4)))
	n = max(1, min(n, 512))
	ix.nx, ix.ny = n, n
	ix.cellW = (ix.all.Max[0] - ix.all.Min[0]) / float64(n)
	ix.cellH = (ix.all.Max[1] - ix.all.Min[1]) / float64(n)
	if !(ix.cellW > 0) || !(ix.cellH > 0) || math.IsInf(ix.cellW, 0) || math.IsInf(ix.cellH, 0) {
		ix.nx, ix.ny, ix.cellW, ix.cellH = 1, 1, 1, 1
	}
	counts := make([]int32, ix.nx*ix.ny+1)
	forCells := func(b orb.Bound, f func(c int)) {
		x0, y0 := ix.cell(b.Min)
		x1, y1 := ix.cell(b.Max)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				f(y*ix.nx + x)
			}
		}
	}
	for _, b := range bounds {
		forCells(b, func(c int) { counts[c+1]++ })
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	ix.cellStart = counts
	ix.cellItems = make([]int32, counts[len(counts)-1])
	fill := make([]int32, ix.nx*ix.ny)
	for i, b := range bounds {
		forCells(b, func(c int) {
			ix.cellItems[counts[c]+fill[c]] = int32(i)
			fill[c]++
		})
	}
	return ix
}

func (ix *bboxIndex) cell(p orb.Point) (int, int) {
	x := int((p[0] - ix.all.Min[0]) / ix.cellW)
	y := int((p[1] - ix.all.Min[1]) / ix.cellH)
	return max(0, min(x, ix.nx-1)), max(0, min(y, ix.ny-1))
}

// candidates returns the items whose bound contains p.
func (ix *bboxIndex) candidates(p orb.Point) []int32 {
	if len(ix.bounds) == 0 || !ix.all.Contains(p) {
		return nil
	}
	x, y := ix.cell(p)
	c := y*ix.nx + x
	items := ix.cellItems[ix.cellStart[c]:ix.cellStart[c+1]]
	// Filter in place would mutate the index; bounds checks are cheap, so the
	// caller re-tests with the exact polygon anyway.
	return items
}
