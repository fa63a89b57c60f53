package dispatch

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// rebalance re-plans work that has not left yet when new work arrives: the
// responders assigned but not yet en route (assigned or accepted, within
// RebalanceWithin of the assignment: still where they were when assigned,
// so their travel is known), and those en route whose position came within
// RedirectFresh (30 s: a phone's GPS; their travel is known from there, the
// way driven is lost and counted as such), join the round's assignment
// problem beside the free responders, for the slots this round fills that are at least as
// urgent as their own work. Their own slot is a row they hold (staying costs
// its travel, as it did when they were chosen); anyone else taking it moves
// them, and each move costs RebalanceGainS seconds of travel at that slot's
// priority weight. So a move happens only when it lowers the round's
// priority-weighted travel by more than RebalanceGainS per responder moved,
// or breaks village-first fewer times (which ranks above travel), and it is
// always a swap chain, never an uncover: a held slot is never left empty
// (someone else takes it in the same move), so no incident that had its
// responders loses one. Why this is nearly free for the public: nobody has
// driven yet, so a move is a page and a cancel, and every incident keeps its
// cover; on the way it is a redirect, as a dispatch centre with vehicle
// positions does when a nearer call comes in, made only when what is left to
// drive falls by more than the gain (redirected_on_the_way; BenchmarkWaves at
// 40 incidents, 60 s turnout: median 1.093 → 1.070 of the optimum, p90 1.196
// → 1.182, 0.1 % of travel driven on legs later cancelled). Why "at least as
// urgent" (since 2 December; before, equal priority only): a responder paged
// for a road check who is standing beside a new dangerous house goes there
// and someone else does the road check, which the equal-priority rule
// forbade; but nobody is ever re-planned to less urgent work, so a re-plan
// never makes more urgent work wait for a farther unit to win village-first
// or travel on lesser work (measured with a simpler straight-line bound:
// allowing that too gave median 1.097, p90 1.196 against 1.093, 1.189, and
// 5.13 moves a wave against 4.61). A re-plan that would fill more slots than
// the round's own plan is not made here: filling a slot by moving someone is
// the swap chain's (swap.go), with its own reasons and rules.
//
// Bounds, so that it costs a round little (BenchmarkRoadLatency, on Duhu's
// roads): responders moved within ChurnWindow stay (no exception: a shorter
// trip never demands a second move), operators' instructions stay; a mover
// must pass worthMoving, a straight-line test, on one of the rebalanceSlots
// newest slot classes this round fills, and at most rebalanceMovers (the
// nearest) join; the round's own road searches include where the possible
// movers are (rebalanceOrigins, plan.travel), so the only searches the
// re-plan adds are one per mover's own incident, and that one local: who may
// take a mover's place are the Candidates nearest, not the whole town; a
// round of more than rebalanceMaxSlots open slots is left as it is. It
// returns false, and the caller keeps its own plan, when no move pays.
//
// On by default (RebalanceGainS 60 s) since 2 December. It was off because,
// searching every held incident from the whole town and re-searching every
// slot it might fill, it cost 10.5× the round's road searches (3.84 against
// 0.365 a Decide in BenchmarkRoadLatency) and raised natsjs's
// incident-to-assignment p99 about threefold at 100 incidents/s; bounded as
// above it costs 1.5× the searches (0.53), each of the added ones local, and
// about the same time per Decide (docs/BENCHMARKS.md).
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
	movers, targets := p.rebalanceMovers(filled, free, base)
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
		if !targets[cls] {
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
			if p.activeAssignment(r).priority < cls.prio {
				return false, false // never to less urgent work: their own stays as urgent as it was
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
	var dBefore, dAfter float64 // the same, unweighted: the seconds the responders drive
	for _, cls := range held {
		for _, c := range cls.cands {
			if c.col == cls.holder {
				tBefore += p.d.weight(cls.prio) * c.eta
				dBefore += c.eta
			}
		}
	}
	for _, m := range base {
		tBefore += p.d.weight(m.cls.prio) * m.cand.eta
		dBefore += m.cand.eta
	}
	for _, m := range matches {
		tAfter += p.d.weight(m.cls.prio) * m.cand.eta
		dAfter += m.cand.eta
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
		// saved_s is the objective's (priority-weighted); travel_saved_s the
		// seconds of driving, what a board shows (negative when a move to
		// more urgent work drives more)
		extra["saved_s"], extra["moves"], extra["min_gain_s"] = saved, len(moved), gain
		extra["travel_saved_s"] = math.Round(dBefore - dAfter)
		return extra
	}
	// how each mover is moved: before leaving, or redirected on the way
	code, words := map[*responderState]string{}, map[*responderState]string{}
	for _, r := range movers {
		code[r], words[r] = CodeRebalance, "before leaving"
		if p.activeAssignment(r).status == StatusEnRoute {
			code[r], words[r] = CodeRedirect, fmt.Sprintf("on the way (position %.0f s old)", p.now.Sub(r.posAt).Seconds())
		}
	}
	for _, r := range movers {
		c := col[r]
		if !moved[c] {
			continue
		}
		a := p.activeAssignment(r)
		text := fmt.Sprintf("re-planned %s: %d s less priority-weighted travel this round for %d move(s), each worth at least %.0f s",
			words[r], int(saved), len(moved), gain)
		extra := map[string]any{"from_incident": a.incident, "priority": a.priority}
		if to := dest[c]; to != nil {
			where := "incident " + to.inc.ID
			if to.prio < a.priority {
				where = fmt.Sprintf("more urgent incident %s (priority %d over %d)", to.inc.ID, to.prio, a.priority)
			}
			text = "goes to " + where + " instead; " + text
			extra["incident"], extra["to_priority"] = to.inc.ID, to.prio
		}
		for _, cls := range held {
			if cls.holder == c && took[cls] != nil && took[cls] != r {
				text += fmt.Sprintf("; %s takes %s here", took[cls].ID, a.capability)
				extra["replaced_by"] = took[cls].ID
			}
		}
		p.emit(Decision{Type: DecisionAssignmentCancelled, Assignment: a.id, Incident: a.incident, Responder: r.ID,
			Priority: a.priority, Capability: a.capability, Reason: text, ReasonCode: code[r], ReasonParams: params(extra)})
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
			how := code[x]
			if c, moving := code[r]; moving {
				how = c
			}
			p.create(m.cls.inc, r, m.cls.capab, m.cand.eta, why{
				text: fmt.Sprintf("takes the place of %s, re-planned %s, on incident %s; %s", x.ID, words[x], m.cls.inc.ID, p.reason(m.cls, r, m.cand, 0).text),
				code: how, params: params(map[string]any{"replaces": x.ID})}, m.alts)
		case pl.movable[m.cand.col]:
			a := p.d.assignments[r.assignment]
			from := fmt.Sprintf("incident %s", a.incident)
			if a.priority > m.cls.prio {
				from = fmt.Sprintf("less urgent incident %s (priority %d)", a.incident, a.priority)
			}
			p.create(m.cls.inc, r, m.cls.capab, m.cand.eta, why{
				text: fmt.Sprintf("re-planned from %s %s, someone else covering it; %s", from, words[r], p.reason(m.cls, r, m.cand, 0).text),
				code: code[r], params: params(map[string]any{"from_incident": a.incident, "from_priority": a.priority})}, m.alts)
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
	rebalanceMovers = 8  // movers, the nearest to those slots first
	// rebalanceMaxSlots: a round with more open slots is not re-planned for
	// travel: the re-plan solves the round's problem a second time, which at
	// province scale (BenchmarkProvince: 3.6 s) would double every round.
	rebalanceMaxSlots = 4096
)

// rebalanceMovers lists up to rebalanceMovers responders who have not left
// for their work yet (assigned or accepted, within RebalanceWithin), may be
// moved (not within ChurnWindow, not placed by an operator), and may pay on
// one of the slot classes this round fills (worthMoving), nearest first by
// straight line, in roster order; and the classes some of them may pay on
// (the only ones whose candidate lists the re-plan builds again).
func (p *plan) rebalanceMovers(filled []*slotClass, free []*responderState, base []matchResult) ([]*responderState, map[*slotClass]bool) {
	worth := p.worthMoving(filled, free, base)
	movers := p.nearestMovers(filled, rebalanceMovers, p.mayRebalance, worth)
	targets := map[*slotClass]bool{}
	for _, r := range movers {
		a := p.activeAssignment(r)
		for _, cls := range filled {
			if !targets[cls] && worth(r, a, cls) {
				if ok, _ := p.eligible(r, cls.inc, cls.capab, cls.prio); ok {
					targets[cls] = true
				}
			}
		}
	}
	return movers, targets
}

// mayRebalance: r, on a, has not left yet (assigned or accepted, within
// RebalanceWithin: still where they were), was not moved within
// ChurnWindow, and was not placed by an operator.
func (p *plan) mayRebalance(r *responderState, a *assignmentState) bool {
	return (a.status == StatusAssigned || a.status == StatusAccepted || p.onTheWay(r, a)) && p.now.Sub(a.created) <= p.d.cfg.RebalanceWithin && !r.offDuty && !p.taken[r.ID] &&
		a.reasonCode != CodeOperator && (r.movedAt.IsZero() || p.now.Sub(r.movedAt) >= p.d.cfg.ChurnWindow)
}

// onTheWay: r is en route on a and said where they are within RedirectFresh,
// so the re-plan knows their travel from there.
func (p *plan) onTheWay(r *responderState, a *assignmentState) bool {
	fresh := p.d.cfg.RedirectFresh
	return a.status == StatusEnRoute && fresh > 0 && !r.posAt.IsZero() && p.now.Sub(r.posAt) <= fresh
}

// rebalanceOrigins: where the responders a re-plan may move are, when it is
// on; the round's own searches include them (plan.travel), so the re-plan's
// candidate lists for the slots this round fills need no search of their own.
func (p *plan) rebalanceOrigins() []orb.Point {
	if !(p.d.cfg.RebalanceGainS > 0) {
		return nil
	}
	var out []orb.Point
	seen := map[orb.Point]bool{}
	for _, r := range p.d.order {
		if a := p.activeAssignment(r); a != nil && p.mayRebalance(r, a) && !seen[r.pos] {
			seen[r.pos] = true
			out = append(out, r.pos)
		}
	}
	return out
}

// worthMoving is the re-plan's cheap test, by straight lines, before any
// road search: responder r, not yet left for work a (incident A), may pay on
// slot class B only if B is at least as urgent as A, r is nearer to B than
// someone the round's own plan sends there, and the exchange this opens —
// r to B, the nearest free unit able to take A there instead —
//
//	w_A·(d(r,A) − d(nearest free,A)) + w_B·(d(farthest sent,B) − d(r,B))
//
// beats the move's cost, RebalanceGainS at A's weight turned into metres at
// the speed of r's own leg to A. It is a filter, not the decision (the exact
// re-plan on road times decides); measured in BenchmarkRoadLatency it keeps
// the road searches of a round within what the round costs anyway, and in
// BenchmarkWaves it loses nothing measurable against trying every mover.
func (p *plan) worthMoving(filled []*slotClass, free []*responderState, base []matchResult) func(*responderState, *assignmentState, *slotClass) bool {
	reach := map[*slotClass]float64{}
	for _, m := range base {
		reach[m.cls] = max(reach[m.cls], geo.Distance(free[m.cand.col].pos, m.cls.inc.At))
	}
	type place struct {
		inc   string
		capab Capability
	}
	nearestFree := map[place]float64{}
	gain := p.d.cfg.RebalanceGainS
	return func(r *responderState, a *assignmentState, cls *slotClass) bool {
		if cls.inc.ID == a.incident || a.priority < cls.prio {
			return false // never to less urgent work: their own stays as urgent as it was
		}
		dB := geo.Distance(r.pos, cls.inc.At)
		if dB >= reach[cls] {
			return false
		}
		inc := p.d.incidents[a.incident]
		k := place{a.incident, a.capability}
		dFree, ok := nearestFree[k]
		if !ok {
			dFree = math.Inf(1)
			for _, f := range free {
				if e, _ := p.eligible(f, inc, a.capability, a.priority); e {
					dFree = min(dFree, geo.Distance(f.pos, inc.At))
				}
			}
			nearestFree[k] = dFree
		}
		if math.IsInf(dFree, 1) {
			return false // nobody free could take A: a move would leave it empty, which a re-plan never does
		}
		dA := geo.Distance(r.pos, inc.At)
		speed := 0.0 // metres of straight line per second of r's own trip
		if a.eta > 0 {
			speed = dA / a.eta
		}
		wA, wB := p.d.weight(a.priority), p.d.weight(cls.prio)
		return wA*(dA-dFree)+wB*(reach[cls]-dB) > wA*gain*speed
	}
}
