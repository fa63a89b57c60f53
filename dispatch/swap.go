package dispatch

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb/geo"
)

// swap re-plans work when that fills a slot that would otherwise stay empty
// (work of equal priority, or less urgent, as pre-emption would): responder X leaves incident 1 for incident 2 (the only
// place their capability is missing) and Y, free, takes X's place — a swap
// chain, e.g. the boat team sent to evacuate goes to the trapped family and a
// militia squad does the evacuating. It is one exact assignment: rows are the
// slots still empty and the slots held by responders who could move (not on
// scene, not moved within ChurnWindow unless priority 1 needs them, and only
// ever to work at least as urgent as theirs), at most swapSlots empty slots
// and twice swapMovers movers an attempt; staying costs nothing and each
// move costs one in the objective's "moves" component, ranked just below the
// unfilled counts. So a responder is moved only when that leaves fewer slots
// empty, never for shorter travel, and with as few moves as that takes.
func (p *plan) swap(short []shortfall) []shortfall {
	var target, rest0 []shortfall
	for _, s := range short {
		if s.cls.prio <= p.d.cfg.SwapPriority {
			target = append(target, s)
		} else {
			rest0 = append(rest0, s)
		}
	}
	if len(target) == 0 {
		return short
	}
	// Bounded: the most urgent empty slots, and for them the nearest movers in
	// two steps (X who could fill an empty slot, Y who could take X's place):
	// each incident in the problem costs a travel-time search on the roads.
	target = sortedShortfalls(target)
	if len(target) > swapSlots {
		rest0 = append(rest0, target[swapSlots:]...)
		target = target[:swapSlots]
	}
	short = target
	var members []*responderState
	for _, r := range p.d.order {
		if p.free(r) {
			members = append(members, r)
		}
	}
	goals := make([]*slotClass, len(short))
	for i, s := range short {
		goals[i] = s.cls
	}
	first := p.movers(goals, nil)
	var places []*slotClass
	for _, x := range first {
		a := p.activeAssignment(x)
		places = append(places, &slotClass{inc: p.d.incidents[a.incident], capab: a.capability, prio: a.priority})
	}
	movers := append(first, p.movers(places, first)...)
	// A chain gains only if it ends with a free responder taking a held slot,
	// or with someone leaving less urgent work than the slot they fill: keep
	// the free responders who could, and give up at once if neither can be.
	refills := members[:0]
	for _, r := range members {
		for _, x := range movers {
			a := p.activeAssignment(x)
			if ok, _ := p.eligible(r, p.d.incidents[a.incident], a.capability, a.priority); ok {
				refills = append(refills, r)
				break
			}
		}
	}
	members = refills
	urgent := NumPriorities
	for _, s := range short {
		urgent = min(urgent, s.cls.prio)
	}
	lessUrgent := slices.ContainsFunc(movers, func(x *responderState) bool { return p.activeAssignment(x).priority > urgent })
	if len(movers) == 0 || (len(members) == 0 && !lessUrgent) {
		return append(short, rest0...)
	}
	nfree := len(members)
	members = append(members, movers...)
	pl := newPool(members)
	pl.movable = map[int32]bool{}
	col := map[*responderState]int32{}
	classes := make([]*slotClass, 0, len(short)+len(movers))
	for _, s := range short {
		classes = append(classes, &slotClass{inc: s.cls.inc, capab: s.cls.capab, prio: s.cls.prio, open: s.count})
	}
	for k, r := range movers {
		c := int32(nfree + k)
		pl.movable[c], col[r] = true, c
		a := p.activeAssignment(r)
		classes = append(classes, &slotClass{inc: p.d.incidents[a.incident], capab: a.capability, prio: a.priority, open: 1,
			held: true, holder: c})
	}
	// held slots of one incident side by side: one travel-time search serves them all
	held := classes[len(short):]
	sort.SliceStable(held, func(i, j int) bool { return held[i].inc.seq < held[j].inc.seq })
	ok := func(cls *slotClass, r *responderState) (bool, bool) {
		if c, moving := col[r]; moving {
			if cls.held && cls.holder == c {
				return true, false
			}
			if a := p.activeAssignment(r); a.priority < cls.prio || !p.mayMove(r, cls.prio) {
				return false, false // never taken off more urgent work
			}
		}
		return p.eligible(r, cls.inc, cls.capab, cls.prio)
	}
	matches, rest := p.optimise(pl, classes, ok)
	// Who takes whose place, for the reasons.
	var creates []matchResult
	for _, m := range matches {
		if m.cls.held && m.cand.col == m.cls.holder {
			continue // stays
		}
		creates = append(creates, m)
	}
	if len(creates) == 0 {
		return append(short, rest0...)
	}
	heldBy := map[*slotClass]*responderState{}
	for _, cls := range classes {
		if cls.held {
			heldBy[cls] = pl.members[cls.holder]
		}
	}
	for _, m := range creates {
		r := pl.members[m.cand.col]
		if !pl.movable[m.cand.col] {
			continue
		}
		a := p.activeAssignment(r)
		p.emit(Decision{Type: DecisionAssignmentCancelled, Assignment: a.id, Incident: a.incident, Responder: r.ID,
			Priority: a.priority, Capability: a.capability,
			Reason: fmt.Sprintf("moved to incident %s (priority %d, %s), where nobody else can fill a slot; someone else covers %s here or it waits",
				m.cls.inc.ID, m.cls.prio, m.cls.capab, a.capability),
			ReasonCode: CodeSwap, ReasonParams: map[string]any{"incident": m.cls.inc.ID, "priority": m.cls.prio, "capability": string(m.cls.capab),
				"from_incident": a.incident}})
		p.ended[a.id] = true
	}
	for _, m := range creates {
		r := pl.members[m.cand.col]
		params := map[string]any{}
		var text string
		if m.cls.held {
			x := heldBy[m.cls]
			text = fmt.Sprintf("takes the place of %s on incident %s, who went where only they could help", x.ID, m.cls.inc.ID)
			params["replaces"] = x.ID
		} else {
			text = fmt.Sprintf("fills a slot of incident %s that would stay empty; equal-priority work re-planned", m.cls.inc.ID)
		}
		p.create(m.cls.inc, r, m.cls.capab, m.cand.eta, why{text: text + "; " + p.reason(m.cls, r, m.cand, 0).text, code: CodeSwap, params: params}, m.alts)
	}
	return append(rest, rest0...)
}

// Bounds of one swap attempt.
const (
	swapSlots  = 24 // empty slot classes, the most urgent first
	swapMovers = 48 // movers per step, the nearest first
)

// movers lists up to swapMovers responders on work they may be taken off
// (not on scene, not moved lately, not in skip) who are eligible, travel
// aside, for one of the slots, nearest first by straight line.
func (p *plan) movers(slots []*slotClass, skip []*responderState) []*responderState {
	return p.nearestMovers(slots, swapMovers,
		func(r *responderState, a *assignmentState) bool {
			return a.status != StatusOnScene && !r.offDuty && !p.taken[r.ID] && !slices.Contains(skip, r)
		},
		func(r *responderState, a *assignmentState, cls *slotClass) bool {
			return a.priority >= cls.prio && p.mayMove(r, cls.prio) && a.incident != cls.inc.ID
		})
}

// nearestMovers lists up to limit responders whose assignment passes may and
// who are eligible for one of the slots that passes fits, the nearest to such
// a slot first by straight line; returned in roster order, so that columns
// break ties the same way every run.
func (p *plan) nearestMovers(slots []*slotClass, limit int, may func(*responderState, *assignmentState) bool,
	fits func(*responderState, *assignmentState, *slotClass) bool) []*responderState {
	near := p.moversByDistance(slots, may, fits)
	return inRosterOrder(near[:min(len(near), limit)])
}

// moversByDistance is every responder nearestMovers may list, nearest first
// (ties in roster order).
func (p *plan) moversByDistance(slots []*slotClass, may func(*responderState, *assignmentState) bool,
	fits func(*responderState, *assignmentState, *slotClass) bool) []*responderState {
	type near struct {
		r *responderState
		d float64
	}
	var out []near
	for _, r := range p.d.order {
		a := p.activeAssignment(r)
		if a == nil || !may(r, a) {
			continue
		}
		best := math.Inf(1)
		for _, cls := range slots {
			if !fits(r, a, cls) {
				continue
			}
			if ok, _ := p.eligible(r, cls.inc, cls.capab, cls.prio); ok {
				best = min(best, geo.Distance(r.pos, cls.inc.At))
			}
		}
		if !math.IsInf(best, 1) {
			out = append(out, near{r, best})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d })
	rs := make([]*responderState, len(out))
	for i, n := range out {
		rs[i] = n.r
	}
	return rs
}

// inRosterOrder sorts rs into roster order, in place.
func inRosterOrder(rs []*responderState) []*responderState {
	sort.Slice(rs, func(i, j int) bool { return rs[i].idx < rs[j].idx })
	return rs
}
