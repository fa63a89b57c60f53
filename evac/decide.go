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

// Decide chooses shelters for the households of active orders that have none,
// re-plans those whose shelter closed, became unreachable or is over its
// capacity at now (night capacity is smaller), re-times trips the roads have
// slowed (moving them when another shelter is faster by ReplanFasterMinutes),
// and asks for escort runs for households with vulnerable members. It does not
// change the state: the engine records the decisions and folds them back with
// Apply, in the order given (places are given up before they are taken).
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

// planItem is one household in a plan: where it is and why it moves.
type planItem struct {
	h    *household
	from string // the shelter it holds ("" for none)
	why  string // why it must leave from ("" when it keeps it unless it gives way)
	trip []float64
}

func (e *Evacuation) decidePlaces(now time.Time, tt TravelTimer, need []*household) []Decision {
	eta := e.travelTimes(tt, need) // by car, eta[i][s]
	items := make([]planItem, len(need))
	bumped := map[*household]bool{}
	for i, h := range need {
		items[i] = planItem{h: h, from: h.shelter, trip: e.trips(h, eta[i])}
		switch s := e.shelterID[h.shelter]; {
		case s == nil:
		case !s.open:
			items[i].why = fmt.Sprintf("shelter %s closed (%s)", s.ID, s.reason)
		case math.IsInf(items[i].trip[s.idx], 1):
			items[i].why = fmt.Sprintf("shelter %s is no longer reachable by road", s.ID)
		}
		if items[i].why != "" {
			bumped[h] = true
		}
	}
	e.overCapacity(now, items, bumped)
	slices.SortStableFunc(items, func(a, b planItem) int { return e.priorityCmp(a.h, b.h) })

	room := make([]int, len(e.shelters))
	for _, s := range e.shelters {
		if s.open { // the places of bumped households count as room again
			room[s.idx] = max(0, e.capacity(s, now)-s.occupancy-s.reserved+e.bumpedAt(s, items, bumped))
		}
	}
	phh := make([]planHousehold, len(items))
	pooled := false
	for i, it := range items {
		phh[i] = e.candidates(it.h, it.trip)
		phh[i].held = -1
		if it.from != "" && !bumped[it.h] {
			phh[i].held = e.shelterID[it.from].idx
			phh[i].yields = it.h.state == StateToNotify
		} else {
			pooled = true
		}
	}
	res := planResult{at: make([]int, len(items)), displaced: map[int]int{}}
	left := room
	if pooled {
		res = plan(room, phh)
		left = res.room
	} else {
		for i := range phh {
			res.at[i] = phh[i].held
		}
	}
	var moves []Decision
	for i, it := range items {
		h := it.h
		d := Decision{Household: h.ID, Order: h.order, From: it.from, People: h.Members, Time: now}
		why := it.why
		if by, ok := res.displaced[i]; ok && why == "" && it.from != "" {
			why = fmt.Sprintf("gives its place at %s to household %s (%s)", it.from, items[by].h.ID, e.precedence(items[by].h, h))
		}
		switch s := res.at[i]; {
		case s >= 0 && it.from == e.shelters[s].ID:
			if d, ok := e.retime(h, e.shelters[s], it.trip, left, now); ok {
				moves = append(moves, d)
			}
		case s >= 0:
			sh := e.shelters[s]
			d.Shelter, d.ETASeconds = sh.ID, math.Round(it.trip[s])
			d.Reason = e.placeReason(h, sh, it.trip, phh[i])
			d.Type = DecisionAssigned
			if it.from != "" {
				d.Type, d.Reason = DecisionReassigned, why+"; "+d.Reason
			}
			moves = append(moves, d)
		case it.from != "":
			d.Type, d.Reason = DecisionUnassigned, why+"; no reachable shelter has room: waiting, and placed as soon as room appears, in priority order (vulnerable, told where to go, mandatory, advisory; the most exposed grid first)"
			moves = append(moves, d)
		}
	}
	e.fillFreed(now, items, phh, res, left, &moves)
	return e.applicable(now, moves)
}

// fillFreed gives room that re-timed households left for faster shelters to
// households still waiting, the highest priority first.
func (e *Evacuation) fillFreed(now time.Time, items []planItem, phh []planHousehold, res planResult, left []int, moves *[]Decision) {
	for i, it := range items {
		if res.at[i] >= 0 {
			continue
		}
		for _, c := range phh[i].cands {
			if left[c.s] < it.h.Members {
				continue
			}
			left[c.s] -= it.h.Members
			s := e.shelters[c.s]
			d := Decision{Type: DecisionAssigned, Household: it.h.ID, Order: it.h.order, Shelter: s.ID, ETASeconds: math.Round(it.trip[c.s]),
				People: it.h.Members, Reason: e.placeReason(it.h, s, it.trip, phh[i]), Time: now}
			if it.from != "" { // it had given up its place above: now it has another
				for k, m := range *moves {
					if m.Household == it.h.ID {
						*moves = slices.Delete(*moves, k, k+1)
						break
					}
				}
				d.Type, d.From = DecisionReassigned, it.from
				if it.from == s.ID {
					break // keeps the place it had after all
				}
			}
			*moves = append(*moves, d)
			break
		}
	}
}

// bumpedAt is the people holding places at s who must leave them.
func (e *Evacuation) bumpedAt(s *shelter, items []planItem, bumped map[*household]bool) int {
	n := 0
	for _, it := range items {
		if bumped[it.h] && it.from == s.ID {
			n += it.h.Members
		}
	}
	return n
}

// overCapacity bumps households from shelters over their capacity at now
// (night fell, people walked in): those not yet told first, those on their
// way last, the lowest priority first within each.
func (e *Evacuation) overCapacity(now time.Time, items []planItem, bumped map[*household]bool) {
	for _, s := range e.shelters {
		over := s.occupancy + s.reserved - e.capacity(s, now)
		if !s.open || over <= 0 {
			continue
		}
		var holders []int
		for i, it := range items {
			if it.from == s.ID && !bumped[it.h] {
				holders = append(holders, i)
			}
		}
		slices.SortFunc(holders, func(a, b int) int {
			return cmp.Or(cmp.Compare(promise(items[a].h), promise(items[b].h)), -e.priorityCmp(items[a].h, items[b].h))
		})
		for _, i := range holders {
			if over <= 0 {
				break
			}
			over -= items[i].h.Members
			bumped[items[i].h] = true
			items[i].why = fmt.Sprintf("shelter %s is over its %s capacity of %d", s.ID, e.dayOrNight(now), e.capacity(s, now))
		}
	}
}

// promise ranks how much a household was promised its place: 0 not yet
// told, 1 told, 2 on its way.
func promise(h *household) int {
	switch h.state {
	case StateToNotify:
		return 0
	case StateMoving:
		return 2
	}
	return 1
}

// applicable orders the moves so that each finds the room Apply checks:
// places given up first, then moves whose target has room, a move in a
// cycle split into giving up and taking.
func (e *Evacuation) applicable(now time.Time, moves []Decision) []Decision {
	free := map[string]int{}
	for _, s := range e.shelters {
		free[s.ID] = e.capacity(s, now) - s.occupancy - s.reserved
	}
	var out, takes []Decision
	for _, d := range moves {
		switch {
		case d.Type == DecisionUnassigned:
			free[d.From] += d.People
			out = append(out, d)
		case d.Type == DecisionRetimed:
			out = append(out, d)
		default:
			takes = append(takes, d)
		}
	}
	for len(takes) > 0 {
		var rest []Decision
		for _, d := range takes {
			if free[d.Shelter] < d.People {
				rest = append(rest, d)
				continue
			}
			free[d.Shelter] -= d.People
			if d.From != "" {
				free[d.From] += d.People
			}
			out = append(out, d)
		}
		if len(rest) == len(takes) { // a cycle of moves: one gives up its place first, then takes the new one
			k := slices.IndexFunc(rest, func(d Decision) bool { return d.From != "" })
			if k < 0 {
				break // cannot happen: the plan respects room
			}
			d := rest[k]
			out = append(out, Decision{Type: DecisionUnassigned, Household: d.Household, Order: d.Order, From: d.From, People: d.People,
				Reason: "makes room for a swap of places: " + d.Reason, Time: d.Time})
			free[d.From] += d.People
			rest[k].From, rest[k].Type = "", DecisionAssigned
		}
		takes = rest
	}
	return out
}

// retime updates a kept trip whose travel time the roads changed, or moves it
// when another shelter with room is faster by ReplanFasterMinutes.
func (e *Evacuation) retime(h *household, s *shelter, trip []float64, left []int, now time.Time) (Decision, bool) {
	t := trip[s.idx]
	if math.Abs(t-h.eta) < max(retimeSeconds, retimeShare*h.eta) {
		return Decision{}, false
	}
	d := Decision{Household: h.ID, Order: h.order, From: s.ID, Shelter: s.ID, People: h.Members, ETASeconds: math.Round(t), Time: now}
	what := fmt.Sprintf("trip to %s now %.0f min, was %.0f min (roads closed, opened or flooded)", s.ID, t/60, h.eta/60)
	if t > h.eta {
		best := -1
		for _, o := range e.shelters {
			if o.open && o != s && left[o.idx] >= h.Members && trip[o.idx] <= t-e.cfg.ReplanFasterMinutes*60 && (best < 0 || trip[o.idx] < trip[best]) {
				best = o.idx
			}
		}
		if best >= 0 {
			left[best] -= h.Members
			left[s.idx] += h.Members
			o := e.shelters[best]
			d.Type, d.Shelter, d.ETASeconds = DecisionReassigned, o.ID, math.Round(trip[best])
			d.Reason = fmt.Sprintf("%s; %s has room and is %.0f min faster (%.0f min)", what, o.ID, (t-trip[best])/60, trip[best]/60)
			return d, true
		}
	}
	d.Type, d.Reason = DecisionRetimed, what
	return d, true
}

// A kept trip is re-timed when its travel time changed by at least a minute
// and a tenth.
const (
	retimeSeconds = 60
	retimeShare   = 0.1
)

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

// candidates are every reachable open shelter of a household, the cheapest
// first; trip is its travel time by its means.
func (e *Evacuation) candidates(h *household, trip []float64) planHousehold {
	var c []planCand
	w := 1.0
	if h.Vulnerable() > 0 {
		w = e.cfg.VulnerableWeight
	}
	for _, s := range e.shelters {
		if s.open && !math.IsInf(trip[s.idx], 1) && !math.IsNaN(trip[s.idx]) {
			c = append(c, planCand{s: s.idx, cost: w * trip[s.idx]})
		}
	}
	slices.SortStableFunc(c, func(a, b planCand) int { return cmp.Compare(a.cost, b.cost) })
	return planHousehold{size: h.Members, cands: c}
}

func (e *Evacuation) placeReason(h *household, s *shelter, eta []float64, ph planHousehold) string {
	rank := slices.IndexFunc(ph.cands, func(c planCand) bool { return c.s == s.idx }) + 1
	if rank == 1 {
		return fmt.Sprintf("fastest reachable shelter, %s, has room for %d (%.0f min)", s.ID, h.Members, eta[s.idx]/60)
	}
	return fmt.Sprintf("%s is its shelter no. %d by travel time (%.0f min); the faster ones are kept for others or full", s.ID, rank, eta[s.idx]/60)
}

// tier: households with vulnerable members first, then those already told
// where to go (notified, on their way, or left a shelter), then mandatory
// orders, then advisory.
func (e *Evacuation) tier(h *household) int {
	switch {
	case h.Vulnerable() > 0:
		return 0
	case h.state != StateToNotify:
		return 1
	case e.orderID[h.order].Kind == OrderMandatory:
		return 2
	}
	return 3
}

// priorityCmp orders households for shelter room: tier, then the most
// exposed grid, then the registry order.
func (e *Evacuation) priorityCmp(a, b *household) int {
	return cmp.Or(cmp.Compare(e.tier(a), e.tier(b)), -cmp.Compare(a.exposure, b.exposure), cmp.Compare(a.idx, b.idx))
}

// precedence says why household a comes before b for shelter room.
func (e *Evacuation) precedence(a, b *household) string {
	switch ta, tb := e.tier(a), e.tier(b); {
	case ta < tb && ta == 0:
		return fmt.Sprintf("it has %d vulnerable member(s)", a.Vulnerable())
	case ta < tb && ta == 1:
		return "it was already told where to go"
	case ta < tb:
		return "its order is mandatory"
	case a.exposure > b.exposure:
		return fmt.Sprintf("its grid %s is more exposed (low-lying share %.2f against %.2f)", a.Grid, a.exposure, b.exposure)
	}
	return "it comes first in the registry"
}
