package dispatch

import "github.com/paulmach/orb"

// eligible applies 小事不出村、大事不出镇 to one responder for one need of one
// incident. It says whether they may go at all, and whether sending them breaks
// village-first (penalty): the optimiser then uses such units only when the
// incident's own village cannot cover, which is exactly "town joins when needed".
func (p *plan) eligible(r *responderState, inc *incidentState, c Capability, prio int) (ok, penalty bool) {
	if !r.Has(c) || inc.excluded[r.ID] != "" || (len(p.excluded) > 0 && p.excluded[[2]string{inc.ID, r.ID}]) {
		return false, false
	}
	if r.guest != nil && r.guest.incident != "" && r.guest.incident != inc.ID {
		return false, false // guests came for one incident (EDXL: committed to a request)
	}
	if r.Reserve && prio > p.d.cfg.ReserveOnlyPriority {
		return false, false // the reserve is kept for the worst
	}
	if r.Tier == TierVillage {
		if r.Village == inc.Village {
			return true, false
		}
		// other villages' squads stay to guard their own village unless the town says otherwise
		return p.d.cfg.OtherVillages, true
	}
	// town tier: at once for the most urgent, otherwise only when the village cannot cover
	return true, prio > p.d.cfg.TownTierPriority
}

// pool is a set of responders the optimiser may draw from, in roster order
// (the column order, so ties always break the same way), indexed by
// capability, with a spatial grid per capability built only when needed.
type pool struct {
	members []*responderState
	byCap   map[Capability][]int32
	grids   map[Capability]*spatialGrid
	movable map[int32]bool // members on work they may be taken off (the swap chain, the rebalance); nil elsewhere
	// moveCostS > 0: the rebalance's pool, where taking a held slot from its
	// holder costs this many seconds (at the slot's weight) instead of a move
	// in the objective's moves component.
	moveCostS float64
	// leaveCostS > 0: the divert's pool, where a member going anywhere but
	// their own slot costs this many seconds more (at the slot's weight).
	leaveCostS float64
}

func newPool(members []*responderState) *pool {
	pl := &pool{members: members, byCap: map[Capability][]int32{}, grids: map[Capability]*spatialGrid{}}
	for i, r := range members {
		for _, c := range r.Capabilities {
			pl.byCap[c] = append(pl.byCap[c], int32(i))
		}
	}
	return pl
}

// candidates returns members (as column indices) with capability c that pass
// ok: all of them when there are at most exactBelow with that capability (so a
// town is solved exactly), else the k nearest by straight line; more says
// whether eligible members may remain beyond those returned.
func (pl *pool) candidates(c Capability, at orb.Point, k, exactBelow int, ok func(*responderState) bool) ([]int32, bool) {
	list := pl.byCap[c]
	if len(list) <= exactBelow {
		var out []int32
		for _, i := range list {
			if ok(pl.members[i]) {
				out = append(out, i)
			}
		}
		return out, false
	}
	g := pl.grids[c]
	if g == nil {
		pts := make([]orb.Point, len(list))
		for j, i := range list {
			pts[j] = pl.members[i].pos
		}
		g = newSpatialGrid(pts)
		pl.grids[c] = g
	}
	near, more := g.nearest(at, k, func(j int32) bool { return ok(pl.members[list[j]]) })
	for j, x := range near {
		near[j] = list[x]
	}
	return near, more
}
