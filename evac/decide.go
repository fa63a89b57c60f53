package evac

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/geo"
)

// TravelTimer gives travel times in seconds from one point to many (+Inf when
// unreachable). *geo.Graph is one; tests and benchmarks use straight lines.
type TravelTimer interface {
	TravelTimes(from orb.Point, to []orb.Point) []float64
}

// reverseTimer is what a road graph also offers: times from many points to
// one, respecting one-way roads in the direction of travel. With it Decide
// runs one search per shelter instead of one per household.
type reverseTimer interface {
	TravelTimesTo(to orb.Point, from []orb.Point) []float64
}

var (
	_ TravelTimer  = (*geo.Graph)(nil)
	_ reverseTimer = (*geo.Graph)(nil)
)

// replan is a household whose current place is no longer good, and why.
type replan struct {
	h   *household
	why string
}

// Decide chooses shelters for the households of active orders that have none,
// re-plans those whose shelter closed, became unreachable or is over its
// capacity at now (night capacity is smaller), and asks for escorts for
// households with vulnerable members. It does not change the state: the
// engine records the decisions and folds them back with Apply, in the order
// given (places are given up before they are taken). Room freed by a re-plan
// is used by the next Decide, never counted twice.
func (e *Evacuation) Decide(now time.Time, tt TravelTimer) []Decision {
	var need []*household
	for _, h := range e.households {
		if h.needsShelter() {
			need = append(need, h)
		}
	}
	var out []Decision
	if len(need) > 0 {
		out = e.decidePlaces(now, tt, need)
	}
	return append(out, e.escorts(now)...)
}

func (e *Evacuation) decidePlaces(now time.Time, tt TravelTimer, need []*household) []Decision {
	eta := e.travelTimes(tt, need) // eta[i][s]
	pos := make(map[*household]int, len(need))
	for i, h := range need {
		pos[h] = i
	}
	var pool []replan
	bumped := map[*household]bool{}
	for _, h := range need {
		switch s := e.shelterID[h.shelter]; {
		case s == nil:
			pool = append(pool, replan{h: h})
		case !s.open:
			pool = append(pool, replan{h, fmt.Sprintf("shelter %s closed (%s)", s.ID, s.reason)})
			bumped[h] = true
		case math.IsInf(eta[pos[h]][s.idx], 1):
			pool = append(pool, replan{h, fmt.Sprintf("shelter %s is no longer reachable by road", s.ID)})
			bumped[h] = true
		}
	}
	// over capacity (night fell, people walked in): the latest assigned
	// without vulnerable members give up their places first
	for _, s := range e.shelters {
		over := s.occupancy + s.reserved - e.capacity(s, now)
		if !s.open || over <= 0 {
			continue
		}
		var holders []*household
		for _, h := range need {
			if h.shelter == s.ID && !bumped[h] {
				holders = append(holders, h)
			}
		}
		slices.SortFunc(holders, func(a, b *household) int {
			return cmp.Or(cmp.Compare(min(a.Vulnerable(), 1), min(b.Vulnerable(), 1)), -cmp.Compare(a.assignSeq, b.assignSeq))
		})
		for _, h := range holders {
			if over <= 0 {
				break
			}
			over -= h.Members
			bumped[h] = true
			pool = append(pool, replan{h, fmt.Sprintf("shelter %s is over its %s capacity of %d", s.ID, e.dayOrNight(now), e.capacity(s, now))})
		}
	}
	slices.SortStableFunc(pool, func(a, b replan) int { return e.priorityCmp(a.h, b.h) })

	room := make([]int, len(e.shelters))
	for _, s := range e.shelters {
		room[s.idx] = e.room(s, now)
	}
	phh := make([]planHousehold, len(pool))
	for i, r := range pool {
		phh[i] = e.candidates(r.h, eta[pos[r.h]])
	}
	placed := plan(room, phh)

	left := slices.Clone(room)
	for i, s := range placed {
		if s >= 0 {
			left[s] -= pool[i].h.Members
		}
	}
	gives := e.giveWay(now, need, pool, phh, placed, left, bumped)
	var takes []Decision
	for i, r := range pool {
		h := r.h
		d := Decision{Household: h.ID, Order: h.order, From: h.shelter, People: h.Members, Time: now}
		if placed[i] >= 0 {
			s := e.shelters[placed[i]]
			d.Shelter, d.ETASeconds = s.ID, math.Round(eta[pos[h]][s.idx])
			d.Reason = e.placeReason(h, s, eta[pos[h]], phh[i])
			d.Type = DecisionAssigned
			if h.shelter != "" {
				d.Type, d.Reason = DecisionReassigned, r.why+"; "+d.Reason
			}
			takes = append(takes, d)
			continue
		}
		if h.shelter != "" {
			d.Type, d.Reason = DecisionUnassigned, r.why+"; no reachable shelter has room: waiting for room"
			gives = append(gives, d)
		}
	}
	return append(gives, takes...)
}

// travelTimes measures every household's travel time to every open shelter
// (and to its assigned one), with as few searches as the timer allows.
func (e *Evacuation) travelTimes(tt TravelTimer, need []*household) [][]float64 {
	S := len(e.shelters)
	eta := make([][]float64, len(need))
	for i := range eta {
		eta[i] = make([]float64, S)
		for s := range eta[i] {
			eta[i][s] = math.Inf(1)
		}
	}
	wanted := make([]bool, S)
	for _, s := range e.shelters {
		wanted[s.idx] = s.open
	}
	for _, h := range need {
		if s := e.shelterID[h.shelter]; s != nil {
			wanted[s.idx] = true
		}
	}
	rt, reverse := tt.(reverseTimer)
	if !reverse && len(need) <= S {
		var pts []orb.Point
		var idx []int
		for _, s := range e.shelters {
			if wanted[s.idx] {
				pts, idx = append(pts, s.Point), append(idx, s.idx)
			}
		}
		for i, h := range need {
			for j, t := range tt.TravelTimes(h.At, pts) {
				eta[i][idx[j]] = t
			}
		}
		return eta
	}
	// one search per shelter; without a reverse search the road network is
	// taken as two-way (a one-way street changes a time, rarely a choice)
	from := make([]orb.Point, len(need))
	for i, h := range need {
		from[i] = h.At
	}
	for _, s := range e.shelters {
		if !wanted[s.idx] {
			continue
		}
		var ts []float64
		if reverse {
			ts = rt.TravelTimesTo(s.Point, from)
		} else {
			ts = tt.TravelTimes(s.Point, from)
		}
		for i, t := range ts {
			eta[i][s.idx] = t
		}
	}
	return eta
}

// candidates are a household's k fastest reachable open shelters, except the
// one it is leaving.
func (e *Evacuation) candidates(h *household, eta []float64) planHousehold {
	var c []planCand
	w := 1.0
	if h.Vulnerable() > 0 {
		w = e.cfg.VulnerableWeight
	}
	for _, s := range e.shelters {
		if s.open && s.ID != h.shelter && !math.IsInf(eta[s.idx], 1) && !math.IsNaN(eta[s.idx]) {
			c = append(c, planCand{s: s.idx, cost: w * eta[s.idx]})
		}
	}
	slices.SortStableFunc(c, func(a, b planCand) int { return cmp.Compare(a.cost, b.cost) })
	wider := c[:min(len(c), maxWider)]
	return planHousehold{size: h.Members, vulnerable: h.Vulnerable() > 0, cands: c[:min(len(c), e.cfg.Candidates)], wider: wider}
}

func (e *Evacuation) placeReason(h *household, s *shelter, eta []float64, ph planHousehold) string {
	rank := slices.IndexFunc(ph.cands, func(c planCand) bool { return c.s == s.idx }) + 1
	if rank == 1 {
		return fmt.Sprintf("fastest reachable shelter, %s, has room for %d (%.0f min)", s.ID, h.Members, eta[s.idx]/60)
	}
	return fmt.Sprintf("%s is its shelter no. %d by travel time (%.0f min); the faster ones are kept for others or full", s.ID, rank, eta[s.idx]/60)
}

// tier: households with vulnerable members first, then mandatory orders, then advisory.
func (e *Evacuation) tier(h *household) int {
	switch {
	case h.Vulnerable() > 0:
		return 0
	case e.orderID[h.order].Kind == OrderMandatory:
		return 1
	}
	return 2
}

// priorityCmp orders households for shelter room: tier, then the most
// exposed grid, then the registry order.
func (e *Evacuation) priorityCmp(a, b *household) int {
	return cmp.Or(cmp.Compare(e.tier(a), e.tier(b)), -cmp.Compare(a.exposure, b.exposure), cmp.Compare(a.idx, b.idx))
}

// giveWay lets a household with vulnerable members that found no room take
// the place of households without any that are assigned but not yet on the
// way (the latest assigned first): they lose their place, it does not.
// It updates placed and returns the places given up.
func (e *Evacuation) giveWay(now time.Time, need []*household, pool []replan, phh []planHousehold, placed, left []int, bumped map[*household]bool) []Decision {
	var out []Decision
	for i, r := range pool {
		if placed[i] >= 0 || r.h.Vulnerable() == 0 {
			continue
		}
		for _, c := range phh[i].cands {
			var holders []*household
			for _, h := range need {
				if h.shelter == e.shelters[c.s].ID && !bumped[h] && h.Vulnerable() == 0 && h.state != StateMoving {
					holders = append(holders, h)
				}
			}
			slices.SortFunc(holders, func(a, b *household) int { return -cmp.Compare(a.assignSeq, b.assignSeq) })
			free, k := left[c.s], 0
			for free < r.h.Members && k < len(holders) {
				free += holders[k].Members
				k++
			}
			if free < r.h.Members {
				continue
			}
			for _, h := range holders[:k] {
				bumped[h] = true
				out = append(out, Decision{Type: DecisionUnassigned, Household: h.ID, Order: h.order, From: h.shelter, People: h.Members,
					Reason: fmt.Sprintf("gives its place at %s to household %s with %d vulnerable member(s)", h.shelter, r.h.ID, r.h.Vulnerable()), Time: now})
			}
			left[c.s] = free - r.h.Members
			placed[i] = c.s
			break
		}
	}
	return out
}
