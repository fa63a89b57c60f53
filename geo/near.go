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
	return g.roadsNear(p, radiusMeters)
}

// roadsNear is RoadsNear for a caller holding g.mu.
func (g *Graph) roadsNear(p orb.Point, radiusMeters float64) []string {
	px, py := g.project(p)
	padLon, padLat := radiusMeters/g.kx, radiusMeters/g.ky
	var ids []string
	for _, r := range g.roads {
		b := r.bound
		if p[0] < b.Min[0]-padLon || p[0] > b.Max[0]+padLon || p[1] < b.Min[1]-padLat || p[1] > b.Max[1]+padLat {
			continue
		}
		for i := 1; i < len(r.line); i++ {
			ax, ay := g.project(r.line[i-1])
			bx, by := g.project(r.line[i])
			if segDist(px, py, ax, ay, bx, by) <= radiusMeters {
				ids = append(ids, r.id)
				break
			}
		}
	}
	sort.Strings(ids)
	return ids
}
