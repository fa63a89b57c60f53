package geo

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// RoadsNear returns the ids of the roads passing within radiusMeters of p,
// sorted. It changes nothing: operators' "close the road here" resolves to ids
// with it, and the ids are what the log records.
func (g *Graph) RoadsNear(p orb.Point, radiusMeters float64) []string {
	if !finitePoint(p) || math.IsNaN(radiusMeters) || radiusMeters < 0 {
		return nil
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	var ids []string
	for _, ri := range g.nearRoads(p, radiusMeters) {
		ids = append(ids, g.roads[ri].id)
	}
	sort.Strings(ids)
	return ids
}

// nearRoads lists the indices of the roads passing within radiusMeters of p;
// the caller holds g.mu.
func (g *Graph) nearRoads(p orb.Point, radiusMeters float64) []int {
	px, py := g.project(p)
	padLon, padLat := radiusMeters/g.kx, radiusMeters/g.ky
	var near []int
	for ri, r := range g.roads {
		b := r.bound
		if p[0] < b.Min[0]-padLon || p[0] > b.Max[0]+padLon || p[1] < b.Min[1]-padLat || p[1] > b.Max[1]+padLat {
			continue
		}
		for i := 1; i < len(r.line); i++ {
			ax, ay := g.project(r.line[i-1])
			bx, by := g.project(r.line[i])
			if segDist(px, py, ax, ay, bx, by) <= radiusMeters {
				near = append(near, ri)
				break
			}
		}
	}
	return near
}
