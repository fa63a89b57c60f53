package dispatch

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// rebalance re-plans work that has not left yet when new work arrives. It is
// off by default (RebalanceGainS 0): measured in natsjs.BenchmarkIncidentToAssignment
// at 100 incidents/s, it raised the p99 from incident to assignment from
// 15–29 ms to 57–65 ms (more rounds refused for inputs that came in while
// the longer round was decided), for 0.7 % less travel in BenchmarkWaves
// (median 1.116 → 1.108 of the offline optimum). A town that wants it sets
// rebalance_gain_s. When on: the
// responders assigned but not yet en route (assigned or accepted, within
// RebalanceWithin of the assignment: still where they were when assigned,
// so their travel is known), on work of the same priority as a slot this
// round fills, join the round's assignment problem beside the free
// responders. Their own slot is a row they hold (staying costs its travel, as
// it did when they were chosen); anyone else taking it moves them, and each
// move costs RebalanceGainS seconds of travel at that slot's priority weight.
// So a move happens only when it lowers the round's priority-weighted travel
// by more than RebalanceGainS per responder moved, or breaks village-first
// fewer times (which ranks above travel), and never leaves a held slot empty.
// A re-plan that would fill more slots than the round's own plan is not made
// here: filling a slot by moving someone is the swap chain's (swap.go), with
// its own reasons and rules. Bounds: responders moved within ChurnWindow stay
// (no exception: a shorter trip never demands a second move), operators'
// instructions stay, at most rebalanceMovers join, the nearest to the
// rebalanceSlots newest slot classes first, and a round of more than
// rebalanceMaxSlots open slots is left as it is. It returns false, and the caller keeps its own plan, when no
// move pays.
func (p *plan) rebalance(free []*responderState, open []*slotClass, base []matchResult, baseShort []shortfall) ([]shortfall, bool) {
	gain := p.d.cfg.RebalanceGainS
	nslots := 0
	for _, cls := range open {
		nslots += cls.open
	}
	if !(gain > 0) || nslots > rebalanceMaxSlots {
		return nil, false
	}
	// A move can only pay on a slot this round fills anyway (a re-plan never
	// fills more): the movers are those eligible for one of them, so a
	// standing backlog nobody free can serve costs no extra search; and only
	// for the rebalanceSlots newest such slot classes (new work is where a
	// re-plan pays), so a province-sized round stays bounded.
	var filled []*slotClass
	for _, m := range base {
		if n := len(filled); n == 0 || filled[n-1] != m.cls { // a class's rows are consecutive
			filled = append(filled, m.cls)
		}
	}
	filled = filled[max(0, len(filled)-rebalanceSlots):]
	isFilled := map[*slotClass]bool{}
	for _, cls := range filled {
		isFilled[cls] = true
	}
	movers := p.rebalanceMovers(filled)
	if len(movers) == 0 {
		return nil, false
	}
	members := append(append([]*responderState(nil), free...), movers...)
	pl := newPool(members)
	pl.movable, pl.moveCostS = map[int32]bool{}, gain
	col := map[*responderState]int32{}
	classes := make([]*slotClass, 0, len(open)+len(movers))
	for _, cls := range open {
		c := &slotClass{inc: cls.inc, capab: cls.capab, prio: cls.prio, open: cls.open}
		if !isFilled[cls] {
			// no mover may go there (a move pays only where this round fills a
			// slot), and the free responders are the first columns in both
			// pools: the round's own candidates serve, without a second search
			c.cands, c.k, c.more, c.ready = slices.Clone(cls.cands), cls.k, cls.more, true
		}
		classes = append(classes, c)
	}
	for k, r := range movers {
		c := int32(len(free) + k)
		pl.movable[c], col[r] = true, c
		a := p.activeAssignment(r)
		classes = append(classes, &slotClass{inc: p.d.incidents[a.incident], capab: a.capability, prio: a.priority, open: 1,
			held: true, holder: c, keep: true})
	}
	held := classes[len(open):]
	sort.SliceStable(held, func(i, j int) bool { return held[i].inc.seq < held[j].inc.seq })
	ok := func(cls *slotClass, r *responderState) (bool, bool) {
		if c, moving := col[r]; moving {
			if cls.held && cls.holder == c {
				_, pen := p.eligible(r, cls.inc, cls.capab, cls.prio)
				return true, pen // staying is always possible
			}
			if p.activeAssignment(r).priority != cls.prio {
				return false, false // equal-priority work only: more urgent work is pre-emption's and the swap chain's
			}
		}
		return p.eligible(r, cls.inc, cls.capab, cls.prio)
	}
	matches, rest := p.optimise(pl, classes, ok)
	var short []shortfall
	var before, after [NumPriorities]int
	for _, s := range baseShort {
		before[s.cls.prio-1] += s.count
	}
	for _, s := range rest {
		if !s.cls.held {
			short = append(short, s)
			after[s.cls.prio-1] += s.count
		}
	}
	if after != before {
		return nil, false // it fills more: the swap chain's work
	}

	// Who moves: every holder whose slot someone else took, and every mover
	// matched to another slot (who then leaves theirs to someone else).
	moved := map[int32]bool{}
	var tBefore, tAfter float64 // priority-weighted travel seconds, without the scarcity price
	for _, cls := range held {
		for _, c := range cls.cands {
			if c.col == cls.holder {
				tBefore += p.d.weight(cls.prio) * c.eta
			}
		}
	}
	for _, m := range base {
		tBefore += p.d.weight(m.cls.prio) * m.cand.eta
	}
	for _, m := range matches {
		tAfter += p.d.weight(m.cls.prio) * m.cand.eta
		if m.cls.held && m.cand.col != m.cls.holder {
			moved[m.cls.holder] = true
		}
		if pl.movable[m.cand.col] && !(m.cls.held && m.cls.holder == m.cand.col) {
			moved[m.cand.col] = true
		}
	}
	if len(moved) == 0 {
		return nil, false
	}
	dest := map[int32]*slotClass{}
	took := map[*slotClass]*responderState{}
	for _, m := range matches {
		dest[m.cand.col] = m.cls
		took[m.cls] = pl.members[m.cand.col]
	}
	saved := math.Round(tBefore - tAfter)
	params := func(extra map[string]any) map[string]any {
		extra["saved_s"], extra["moves"], extra["min_gain_s"] = saved, len(moved), gain
		return extra
	}
	for _, r := range movers {
		c := col[r]
		if !moved[c] {
			continue
		}
		a := p.activeAssignment(r)
		text := fmt.Sprintf("re-planned before leaving: %d s less priority-weighted travel this round for %d move(s), each worth at least %.0f s",
			int(saved), len(moved), gain)
		extra := map[string]any{"from_incident": a.incident, "priority": a.priority}
		if to := dest[c]; to != nil {
			text = fmt.Sprintf("goes to incident %s instead; ", to.inc.ID) + text
			extra["incident"] = to.inc.ID
		}
		for _, cls := range held {
			if cls.holder == c && took[cls] != nil && took[cls] != r {
				text += fmt.Sprintf("; %s takes %s here", took[cls].ID, a.capability)
				extra["replaced_by"] = took[cls].ID
			}
		}
		p.emit(Decision{Type: DecisionAssignmentCancelled, Assignment: a.id, Incident: a.incident, Responder: r.ID,
			Priority: a.priority, Capability: a.capability, Reason: text, ReasonCode: CodeRebalance, ReasonParams: params(extra)})
		p.ended[a.id] = true
	}
	matched := map[int32]bool{}
	for _, m := range matches {
		matched[m.cand.col] = true
	}
	for _, m := range matches {
		r := pl.members[m.cand.col]
		switch {
		case m.cls.held && m.cls.holder == m.cand.col:
			continue // stays
		case m.cls.held:
			x := pl.members[m.cls.holder]
			p.create(m.cls.inc, r, m.cls.capab, m.cand.eta, why{
				text: fmt.Sprintf("takes the place of %s, who had not left, on incident %s; %s", x.ID, m.cls.inc.ID, p.reason(m.cls, r, m.cand, 0).text),
				code: CodeRebalance, params: params(map[string]any{"replaces": x.ID})}, m.alts)
		case pl.movable[m.cand.col]:
			a := p.d.assignments[r.assignment]
			p.create(m.cls.inc, r, m.cls.capab, m.cand.eta, why{
				text: fmt.Sprintf("re-planned from incident %s before leaving; %s", a.incident, p.reason(m.cls, r, m.cand, 0).text),
				code: CodeRebalance, params: params(map[string]any{"from_incident": a.incident})}, m.alts)
		default:
			w := p.reason(m.cls, r, m.cand, nslots)
			if kept := p.keptRare(pl, m, matched); kept != nil {
				w = why{text: fmt.Sprintf("%s; nearer %s kept for its scarce %s", w.text, kept.ID, p.scarcest(kept, m.cls.capab)),
					code: CodeRareKept, params: map[string]any{"kept": kept.ID, "kept_capability": string(p.scarcest(kept, m.cls.capab))}}
			}
			p.create(m.cls.inc, r, m.cls.capab, m.cand.eta, w, m.alts)
		}
	}
	return short, true
}

// Bounds of one rebalance.
const (
	rebalanceSlots  = 32 // slot classes movers may take, the newest first
	rebalanceMovers = 32 // movers, the nearest to those slots first
	// rebalanceMaxSlots: a round with more open slots is not re-planned for
	// travel: the re-plan solves the round's problem a second time, which at
	// province scale (BenchmarkProvince: 3.6 s) would double every round.
	rebalanceMaxSlots = 4096
)

// rebalanceMovers lists up to rebalanceMovers responders who have not left
// for their work yet (assigned or accepted, within RebalanceWithin), may be moved (not within
// ChurnWindow, not placed by an operator), and are eligible for an open slot
// of their work's priority elsewhere (of those this round fills), nearest
// first by straight line; in roster order.
func (p *plan) rebalanceMovers(open []*slotClass) []*responderState {
	return p.nearestMovers(open, rebalanceMovers,
		func(r *responderState, a *assignmentState) bool {
			return (a.status == StatusAssigned || a.status == StatusAccepted) && p.now.Sub(a.created) <= p.d.cfg.RebalanceWithin && !r.offDuty && !p.taken[r.ID] &&
				a.reasonCode != CodeOperator && (r.movedAt.IsZero() || p.now.Sub(r.movedAt) >= p.d.cfg.ChurnWindow)
		},
		func(_ *responderState, a *assignmentState, cls *slotClass) bool {
			return cls.prio == a.priority && cls.inc.ID != a.incident
		})
}
