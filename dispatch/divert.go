package dispatch

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb/geo"
)

// divert gives a slot that stays empty after the round's plan, pre-emption
// and the swap chain (nobody free can take it, nobody on less urgent work,
// no chain fills it) to a responder on work of the same priority who reaches
// it far sooner, when the incident they leave keeps someone else on it:
// responder X, not yet left for incident A (or on the way to it with a fresh
// position), goes to the new incident B instead, and A waits, one short, for
// the next responder who comes free (the town asks its neighbours for that
// one at once). It is the one re-plan that uncovers a slot, so it is bound
// on every side:
//
//   - same priority and capability only: never from more urgent work
//     (nothing is), never from less urgent work (that is pre-emption), never
//     a machinery unit off machinery work to drain (a change of capability
//     is the swap chain's and the scarcity price's);
//   - urgent work only, priority SwapPriority (2) or more urgent, as the
//     swap chain: a responder moved is held by the churn window against
//     any later move but for priority 1, so diverts on lesser work kept
//     from pre-emption the responders later priority-2 slots needed
//     (BenchmarkWaves, 120 incidents in 6 batches: 6 more priority-2 slots
//     empty over 20 waves; with the bound, the same counts as without the
//     divert in every configuration measured);
//   - A keeps cover: a responder is diverted only from an incident that keeps
//     at least one other responder active on it, so nobody who was told help
//     is coming is left with nobody;
//   - once per incident: an incident that has lost a responder to a divert
//     never loses another one to it, so the earlier caller is not stripped
//     again and again by nearer calls that keep coming;
//   - nothing driven in vain: X has not left yet, or is on the way with a
//     position within RedirectFresh (the rebalance's mayRebalance: within
//     RebalanceWithin of the assignment, not moved within ChurnWindow, not
//     placed by an operator); the leg driven so far is lost and counted;
//   - only for a real saving: X's priority-weighted travel to B must be less
//     than what is left of it to A by more than DivertGainS seconds (at the
//     priority's weight), each move;
//   - a new empty slot: one not yet asked of the neighbours, i.e. found
//     empty for the first time this round (requestAid follows in every
//     round), so a standing backlog costs no road search round after round;
//   - bounded work: at most divertSlots empty slots (the most urgent, the
//     oldest first) and divertMovers movers, the nearest, one per incident;
//     a straight-line test (divertPays) before any road search.
//
// Why at all, when the rebalance never uncovers: with every holder of a
// capability out, which slots of equal priority stay empty is what decides
// the town's travel, and the online plan had given them to what arrived
// first. The offline optimum of the same objective leaves empty the slots
// farthest from the units instead. Measured (BenchmarkWaves, 40 incidents in
// 4 batches, 60 s turnout, 100 seeds, where the unfilled counts agree):
// without the divert, travel was 1.070 of the optimum at the median and 1.182
// at p90; serving those same slots as well as possible could not do better
// than 1.075. With it, see docs/BENCHMARKS.md ("Diverting to a nearer call").
// Letting A lose its only responder, or more than one, saved a little more
// travel in the same waves (optimise.go gives the figures) and was refused:
// a caller who was told help is coming keeps it.
func (p *plan) divert(short []shortfall) []shortfall {
	gain := p.d.cfg.DivertGainS
	if !(gain > 0) || len(short) == 0 {
		return short
	}
	var goals []*slotClass
	var rest0 []shortfall
	open0 := map[*slotClass]int{}
	for _, s := range short {
		open0[s.cls] = s.count
	}
	for _, s := range sortedShortfalls(short) {
		// a shortfall already asked of the neighbours has been through a
		// divert attempt in an earlier round (requestAid follows this in
		// every round): a divert is decided when the empty slot is new, so
		// a standing backlog costs no road search round after round
		if len(goals) < divertSlots && s.cls.inc.aid[s.cls.capab] == 0 && s.cls.prio <= p.d.cfg.SwapPriority {
			goals = append(goals, s.cls)
		} else {
			rest0 = append(rest0, s)
		}
	}
	movers := p.divertMovers(goals)
	if len(movers) == 0 {
		return short
	}
	// only the goals some mover may pay on get a candidate list (and a road search)
	paying := goals[:0]
	for _, g := range goals {
		if slices.ContainsFunc(movers, func(r *responderState) bool { return p.divertPays(r, p.activeAssignment(r), g) }) {
			paying = append(paying, g)
		} else {
			rest0 = append(rest0, shortfall{cls: g, count: open0[g]})
		}
	}
	goals = paying
	if len(goals) == 0 {
		return short
	}
	pl := newPool(movers)
	pl.movable, pl.leaveCostS = map[int32]bool{}, gain
	col := map[*responderState]int32{}
	classes := make([]*slotClass, 0, len(goals)+len(movers))
	for _, g := range goals {
		classes = append(classes, &slotClass{inc: g.inc, capab: g.capab, prio: g.prio, open: open0[g]})
	}
	for k, r := range movers {
		c := int32(k)
		pl.movable[c], col[r] = true, c
		a := p.activeAssignment(r)
		classes = append(classes, &slotClass{inc: p.d.incidents[a.incident], capab: a.capability, prio: a.priority, open: 1,
			held: true, holder: c})
	}
	ok := func(cls *slotClass, r *responderState) (bool, bool) {
		if cls.held {
			if cls.holder != col[r] {
				return false, false // a divert goes to an empty slot, not round a chain
			}
			_, pen := p.eligible(r, cls.inc, cls.capab, cls.prio)
			return true, pen // staying is always possible
		}
		if !p.divertPays(r, p.activeAssignment(r), cls) {
			return false, false
		}
		return p.eligible(r, cls.inc, cls.capab, cls.prio)
	}
	matches, rest := p.optimise(pl, classes, ok)
	stayed := map[int32]float64{} // mover → their travel seconds to their own incident, from where they are
	for _, cls := range classes[len(goals):] {
		for _, c := range cls.cands {
			if c.col == cls.holder {
				stayed[c.col] = c.eta
			}
		}
	}
	var moves []matchResult
	for _, m := range matches {
		if !m.cls.held {
			if _, known := stayed[m.cand.col]; !known {
				// their own incident is out of reach now (a road closed):
				// that is no divert to a nearer call; leave the round as it was
				return short
			}
			moves = append(moves, m)
		}
	}
	if len(moves) == 0 {
		return short
	}
	for _, m := range moves {
		r := pl.members[m.cand.col]
		a := p.activeAssignment(r)
		kept := p.othersActive(a)
		was := stayed[m.cand.col]
		saved := math.Round(p.d.weight(a.priority) * (was - m.cand.eta))
		how := "before leaving"
		if a.status == StatusEnRoute {
			how = fmt.Sprintf("on the way (position %.0f s old)", p.now.Sub(r.posAt).Seconds())
		}
		sooner := math.Round(was - m.cand.eta) // seconds: what a board shows (saved_s is priority-weighted)
		params := map[string]any{"incident": m.cls.inc.ID, "from_incident": a.incident, "priority": a.priority,
			"saved_s": saved, "sooner_s": sooner, "min_gain_s": gain, "eta_s": math.Round(m.cand.eta), "was_eta_s": math.Round(was), "kept": kept}
		p.emit(Decision{Type: DecisionAssignmentCancelled, Assignment: a.id, Incident: a.incident, Responder: r.ID,
			Priority: a.priority, Capability: a.capability, ReasonCode: CodeDivert, ReasonParams: params,
			Reason: fmt.Sprintf("diverted %s to incident %s of the same priority %d, reached in %.0f s against %.0f s here "+
				"(%.0f s less priority-weighted travel, at least %.0f s); %d other responder(s) stay here, and %s waits for the next free one",
				how, m.cls.inc.ID, a.priority, m.cand.eta, was, saved, gain, kept, a.capability)})
		p.ended[a.id] = true
		p.create(m.cls.inc, r, m.cls.capab, m.cand.eta, why{
			text: fmt.Sprintf("diverted %s from incident %s of the same priority %d, where %d other responder(s) stay: %.0f s here against %.0f s there; %s",
				how, a.incident, a.priority, kept, m.cand.eta, was, p.reason(m.cls, r, m.cand, 0).text),
			code:   CodeDivert,
			params: map[string]any{"from_incident": a.incident, "saved_s": saved, "sooner_s": sooner, "min_gain_s": gain, "was_eta_s": math.Round(was), "kept": kept}}, m.alts)
	}
	return append(rest, rest0...)
}

// Bounds of one divert attempt.
const (
	divertSlots  = 32 // empty slots considered, the most urgent and oldest first
	divertMovers = 8  // responders who may be diverted, the nearest first, one per incident
)

// divertMovers lists up to divertMovers responders who may be diverted to one
// of the goals: on work of the same priority as that goal, movable by the
// rebalance's rules (mayRebalance), on an incident that has not lost a
// responder to a divert before and keeps another active responder; at most
// one per incident (so no incident is left without cover), the nearest to a
// goal by straight line, in roster order.
func (p *plan) divertMovers(goals []*slotClass) []*responderState {
	may := func(r *responderState, a *assignmentState) bool {
		return !p.d.incidents[a.incident].diverted && p.othersActive(a) > 0 && p.mayRebalance(r, a)
	}
	var out []*responderState
	from := map[string]bool{} // incidents a mover is taken from already
	for _, r := range p.moversByDistance(goals, may, p.divertPays) {
		if inc := p.activeAssignment(r).incident; !from[inc] && len(out) < divertMovers {
			from[inc] = true
			out = append(out, r)
		}
	}
	return inRosterOrder(out)
}

// divertPays is the divert's cheap test, by straight lines, before any road
// search: responder r, on work a (incident A), may be diverted to slot class
// B only if B is of a's priority and capability and r is nearer to B than to
// A by more than DivertGainS turned into metres at the speed of r's own leg
// to A. A filter, not the decision (the road times decide): it keeps the
// divert's road searches to the slots where one may pay.
func (p *plan) divertPays(r *responderState, a *assignmentState, cls *slotClass) bool {
	if a.priority != cls.prio || a.capability != cls.capab || a.incident == cls.inc.ID || !(a.eta > 0) {
		return false
	}
	dA := geo.Distance(r.pos, p.d.incidents[a.incident].At)
	return dA-geo.Distance(r.pos, cls.inc.At) > p.d.cfg.DivertGainS*dA/a.eta
}

// othersActive counts the responders other than a's own still active on a's incident.
func (p *plan) othersActive(a *assignmentState) int {
	n := 0
	for _, id := range p.d.incidents[a.incident].assignments {
		if b := p.d.assignments[id]; id != a.id && b.active() && !p.ended[id] {
			n++
		}
	}
	return n
}

// sortedShortfalls is short, most urgent first, then oldest incident first
// (the order in which bounded re-plans take empty slots).
func sortedShortfalls(short []shortfall) []shortfall {
	out := slices.Clone(short)
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := out[i].cls, out[j].cls; a.prio != b.prio {
			return a.prio < b.prio
		}
		return out[i].cls.inc.seq < out[j].cls.inc.seq
	})
	return out
}
