package osm

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
)

// container answers "is this point inside the town outline" for millions of
// nodes: the outline's edges are bucketed into horizontal bands so a test
// looks only at the few edges that cross the point's latitude, not at the
// thousands of vertices a real boundary has.
type container struct {
	bound      orb.Bound
	rect       bool // the outline is its bounding box (--bbox): edges count as inside
	bands      [][]edge
	minY, step float64
}

type edge struct{ a, b orb.Point }

const containerBands = 1024

func newContainer(mp orb.MultiPolygon) *container {
	c := &container{bound: mp.Bound(), bands: make([][]edge, containerBands)}
	c.rect = len(mp) == 1 && len(mp[0]) == 1 && isBoxRing(mp[0][0], c.bound)
	c.minY = c.bound.Min[1]
	c.step = (c.bound.Max[1] - c.bound.Min[1]) / containerBands
	if c.step <= 0 {
		c.step = 1
	}
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				e := edge{ring[i], ring[i+1]}
				lo, hi := c.band(math.Min(e.a[1], e.b[1])), c.band(math.Max(e.a[1], e.b[1]))
				for b := lo; b <= hi; b++ {
					c.bands[b] = append(c.bands[b], e)
				}
			}
		}
	}
	return c
}

func (c *container) band(y float64) int {
	b := int((y - c.minY) / c.step)
	return min(max(b, 0), containerBands-1)
}

// contains is the even-odd rule over all rings (holes excluded, as GeoJSON means).
func (c *container) contains(p orb.Point) bool {
	if !c.bound.Contains(p) {
		return false
	}
	if c.rect {
		return true
	}
	in := false
	for _, e := range c.bands[c.band(p[1])] {
		if (e.a[1] > p[1]) != (e.b[1] > p[1]) {
			x := e.a[0] + (p[1]-e.a[1])*(e.b[0]-e.a[0])/(e.b[1]-e.a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	return in
}

// crossing is where the segment from a (inside) to b (outside) first meets
// the outline, so a road cut at the boundary still reaches it.
func (c *container) crossing(a, b orb.Point) (orb.Point, bool) {
	if c.rect {
		ls := clip.LineString(c.bound, orb.LineString{a, b})
		if len(ls) > 0 && len(ls[0]) == 2 {
			return ls[0][1], true
		}
		return orb.Point{}, false
	}
	lo, hi := c.band(math.Min(a[1], b[1])), c.band(math.Max(a[1], b[1]))
	best, found := 2.0, false
	for band := lo; band <= hi; band++ {
		for _, e := range c.bands[band] {
			if t, ok := intersect(a, b, e.a, e.b); ok && t < best {
				best, found = t, true
			}
		}
	}
	if !found {
		return orb.Point{}, false
	}
	return orb.Point{a[0] + best*(b[0]-a[0]), a[1] + best*(b[1]-a[1])}, true
}

// intersect returns t in [0,1] where segment p→q meets segment r→s.
func intersect(p, q, r, s orb.Point) (float64, bool) {
	dx, dy := q[0]-p[0], q[1]-p[1]
	ex, ey := s[0]-r[0], s[1]-r[1]
	den := dx*ey - dy*ex
	if den == 0 {
		return 0, false
	}
	t := ((r[0]-p[0])*ey - (r[1]-p[1])*ex) / den
	u := ((r[0]-p[0])*dy - (r[1]-p[1])*dx) / den
	return t, t >= 0 && t <= 1 && u >= 0 && u <= 1
}

func isBoxRing(r orb.Ring, b orb.Bound) bool {
	if len(r) != 5 || r[0] != r[4] {
		return false
	}
	for _, p := range r {
		if (p[0] != b.Min[0] && p[0] != b.Max[0]) || (p[1] != b.Min[1] && p[1] != b.Max[1]) {
			return false
		}
	}
	return true
}

// haversine is the great-circle distance in metres.
func haversine(a, b orb.Point) float64 {
	const r = 6371008.8
	la1, la2 := a[1]*math.Pi/180, b[1]*math.Pi/180
	dla, dlo := la2-la1, (b[0]-a[0])*math.Pi/180
	h := math.Sin(dla/2)*math.Sin(dla/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dlo/2)*math.Sin(dlo/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

func lineMeters(ls orb.LineString) float64 {
	m := 0.0
	for i := 1; i < len(ls); i++ {
		m += haversine(ls[i-1], ls[i])
	}
	return m
}
