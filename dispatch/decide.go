package dispatch

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// plan is one Decide call's scratch overlay on the state: what this call has
// already decided, so later steps see it without the Dispatcher being mutated
// (Decide must not change state; Apply of its decisions does).
type plan struct {
	d        *Dispatcher
	now      time.Time
	tt       TravelTimer
	ended    map[string]bool // assignments this call ends (time-outs, preemptions, operator moves)
	taken    map[string]bool // responders this call assigns
	noAnswer map[string]bool
	excluded map[[2]string]bool // {incident, responder}
	resolved map[string]bool
	added    map[string]map[Capability]int // new assignments per incident and capability
	out      []Decision
	created  int                // assignments created by this call: the next id is a-(assignSeq+created+1)
	holders  map[Capability]int // free responders per capability at the start of the round: scarcity
	// times: every road search this call made, destination → origin →
	// seconds (positions and roads do not change within one Decide), so a
	// second candidate list for the same incident searches nothing again;
	// alsoFrom: origins every search of the round's own plan includes, the
	// responders a re-plan may move, so that its lists find them in times.
	times    map[orb.Point]map[orb.Point]float64
	alsoFrom []orb.Point
}

// travel is tt's times from each of from to to, from times when all are
// there, else by one search (with alsoFrom) whose results times keeps.
func (p *plan) travel(to orb.Point, from []orb.Point) []float64 {
	known := p.times[to]
	out := make([]float64, len(from))
	all := known != nil
	for i, f := range from {
		t, ok := known[f]
		all = all && ok
		out[i] = t
	}
	if all {
		return out
	}
	ask := append(slices.Clip(from), p.alsoFrom...)
	eta := p.tt.TravelTimesTo(to, ask)
	if known == nil {
		if p.times == nil {
			p.times = map[orb.Point]map[orb.Point]float64{}
		}
		known = make(map[orb.Point]float64, len(ask))
		p.times[to] = known
	}
	for i, f := range ask {
		known[f] = eta[i]
	}
	return eta[:len(from)]
}

// why is a decision's reason: the English sentence, its code and values.
type why struct {
	text   string
	code   string
	params map[string]any
}

// Decide looks at the state at time now and returns what should happen next:
// time-outs, resolutions, operator instructions, new assignments (with
// preemptions) and requests for mutual aid. It does not change the state; the
// engine records the decisions and folds them back with Apply, in order.
// A nil tt means straight lines at 30 km/h.
func (d *Dispatcher) Decide(now time.Time, tt TravelTimer) []Decision {
	if tt == nil {
		tt = StraightLine{SpeedKmh: 30}
	}
	p := &plan{d: d, now: now, tt: tt, ended: map[string]bool{}, taken: map[string]bool{}, noAnswer: map[string]bool{},
		excluded: map[[2]string]bool{}, resolved: map[string]bool{}, added: map[string]map[Capability]int{}}
	p.timeouts()
	p.resolutions()
	p.instructions()
	short := p.dispatch()
	short = p.preempt(short)
	short = p.swap(short)
	short = p.divert(short)
	p.requestAid(short)
	return p.out
}

func (p *plan) emit(dec Decision) {
	dec.Time = p.now
	p.out = append(p.out, dec)
}

// activeAssignment is the responder's assignment unless this call ended it.
func (p *plan) activeAssignment(r *responderState) *assignmentState {
	if r.assignment == "" || p.ended[r.assignment] {
		return nil
	}
	return p.d.assignments[r.assignment]
}

func (p *plan) free(r *responderState) bool {
	return r.lentTo == "" && !r.offDuty && !r.noAnswer && !p.noAnswer[r.ID] && !p.taken[r.ID] && p.activeAssignment(r) == nil
}

// openNeeds is, per need of the incident in triage order, the units still uncovered.
func (p *plan) openNeeds(inc *incidentState) []Need {
	met := map[Capability]int{}
	for _, id := range inc.assignments {
		if a := p.d.assignments[id]; a.covers() && !p.ended[id] {
			met[a.capability]++
		}
	}
	var out []Need
	for _, n := range inc.triage.Needs {
		if k := n.Count - met[n.Capability] - p.added[inc.ID][n.Capability]; k > 0 {
			out = append(out, Need{Capability: n.Capability, Count: k})
		}
	}
	return out
}

func (p *plan) nextID() string {
	p.created++
	return fmt.Sprintf("a-%d", p.d.assignSeq+p.created)
}

func (p *plan) create(inc *incidentState, r *responderState, c Capability, eta float64, w why, alts []Alternative) {
	if w.params == nil {
		w.params = map[string]any{}
	}
	w.params["capability"], w.params["priority"], w.params["eta_s"] = string(c), inc.triage.Priority, math.Round(eta)
	p.emit(Decision{Type: DecisionAssignmentCreated, Assignment: p.nextID(), Incident: inc.ID, Responder: r.ID,
		Lat: inc.At.Lat(), Lon: inc.At.Lon(), ETASeconds: eta, Priority: inc.triage.Priority, Capability: c,
		Reason: w.text, ReasonCode: w.code, ReasonParams: w.params, Alternatives: alts})
	p.taken[r.ID] = true
	if p.added[inc.ID] == nil {
		p.added[inc.ID] = map[Capability]int{}
	}
	p.added[inc.ID][c]++
}

// timeouts: an assignment nobody accepted within AckTimeout goes back; its
// responder is marked no_answer until they speak again.
func (p *plan) timeouts() {
	for _, r := range p.d.order {
		a := p.activeAssignment(r)
		if a == nil || a.status != StatusAssigned || p.now.Sub(a.created) < p.d.cfg.AckTimeout {
			continue
		}
		p.emit(Decision{Type: DecisionAssignmentTimedOut, Assignment: a.id, Incident: a.incident, Responder: r.ID,
			Priority: a.priority, Capability: a.capability,
			Reason:     fmt.Sprintf("no accept within %s of assignment (无应答)", p.d.cfg.AckTimeout),
			ReasonCode: CodeTimeout, ReasonParams: map[string]any{"responder": r.ID, "ack_timeout_s": p.d.cfg.AckTimeout.Seconds()}})
		p.ended[a.id] = true
		p.noAnswer[r.ID] = true
		p.excluded[[2]string{a.incident, r.ID}] = true
	}
}

// resolutions: an incident whose needs are all met and whose every assignment
// is done is closed. Incidents whose triage needs nothing wait for an operator.
func (p *plan) resolutions() {
	for _, inc := range p.d.open {
		if len(inc.triage.Needs) == 0 || len(p.openNeeds(inc)) > 0 {
			continue
		}
		busy := false
		for _, id := range inc.assignments {
			busy = busy || (p.d.assignments[id].active() && !p.ended[id])
		}
		if !busy {
			p.emit(Decision{Type: DecisionIncidentResolved, Incident: inc.ID, Priority: inc.triage.Priority,
				Reason: "all needs met and every assignment done", ReasonCode: CodeResolved,
				ReasonParams: map[string]any{"incident": inc.ID}})
			p.resolved[inc.ID] = true
		}
	}
}

// instructions honours operators' forced assignments before the optimiser runs.
func (p *plan) instructions() {
	for _, in := range p.d.instructions {
		inc := p.d.incidents[in.Incident]
		r := p.d.responders[in.Responder]
		if inc.status != IncidentOpen || p.resolved[inc.ID] || r.offDuty || r.lentTo != "" || p.taken[r.ID] {
			continue
		}
		if a := p.activeAssignment(r); a != nil {
			if a.incident == inc.ID {
				continue // already there
			}
			p.emit(Decision{Type: DecisionAssignmentCancelled, Assignment: a.id, Incident: a.incident, Responder: r.ID,
				Priority: a.priority, Capability: a.capability,
				Reason:     fmt.Sprintf("operator %s moved %s to incident %s: %s", in.Operator, r.ID, inc.ID, in.Reason),
				ReasonCode: CodeOperator, ReasonParams: map[string]any{"operator": in.Operator, "incident": inc.ID, "responder": r.ID}})
			p.ended[a.id] = true
		}
		// the capability the operator most likely meant: an open need they can fill
		var c Capability
		for _, n := range append(p.openNeeds(inc), inc.triage.Needs...) {
			if r.Has(n.Capability) {
				c = n.Capability
				break
			}
		}
		if c == "" && len(r.Capabilities) > 0 {
			c = r.Capabilities[0]
		}
		eta := p.tt.TravelTimesTo(inc.At, []orb.Point{r.pos})[0]
		p.create(inc, r, c, eta, why{text: fmt.Sprintf("operator %s: %s", in.Operator, in.Reason), code: CodeOperator,
			params: map[string]any{"operator": in.Operator}}, nil)
	}
}

// slotClass is a group of identical need-slots: the open units of one
// capability of one incident. They share one candidate list.
type slotClass struct {
	inc   *incidentState
	capab Capability
	prio  int
	open  int
	k     int
	cands []cand
	more  bool // eligible responders may exist beyond cands: widen if a slot stays empty
	// held: the slot is one a responder already fills (the swap chain's
	// problem); holder is their column, whose staying costs nothing.
	held   bool
	holder int32
	keep   bool // a held slot never left empty (the rebalance: someone always takes it)
	ready  bool // cands (and k, more) already built on the same columns: optimise starts from them
}

type cand struct {
	col     int32
	eta     float64
	c       cost
	penalty bool
}

type shortfall struct {
	cls   *slotClass
	count int
}

// dispatch fills open need-slots from free responders by the optimiser.
func (p *plan) dispatch() []shortfall {
	var free []*responderState
	for _, r := range p.d.order {
		if p.free(r) {
			free = append(free, r)
		}
	}
	var classes []*slotClass
	for _, inc := range p.d.open {
		if p.resolved[inc.ID] {
			continue
		}
		for _, n := range p.openNeeds(inc) {
			classes = append(classes, &slotClass{inc: inc, capab: n.Capability, prio: inc.triage.Priority, open: n.Count})
		}
	}
	if len(classes) == 0 {
		return nil
	}
	pl := newPool(free)
	p.holders = map[Capability]int{}
	for c, list := range pl.byCap {
		p.holders[c] = len(list)
	}

	ok := func(cls *slotClass, r *responderState) (bool, bool) {
		return p.eligible(r, cls.inc, cls.capab, cls.prio)
	}
	p.alsoFrom = p.rebalanceOrigins()
	matches, short := p.optimise(pl, classes, ok)
	p.alsoFrom = nil
	if rest, moved := p.rebalance(free, classes, matches, short); moved {
		return rest
	}
	nslots := 0
	for _, cls := range classes {
		nslots += cls.open
	}
	matched := map[int32]bool{}
	for _, m := range matches {
		matched[m.cand.col] = true
	}
	for _, m := range matches {
		r := pl.members[m.cand.col]
		w := p.reason(m.cls, r, m.cand, nslots)
		if kept := p.keptRare(pl, m, matched); kept != nil {
			w = why{text: fmt.Sprintf("%s; nearer %s kept for its scarce %s", w.text, kept.ID, p.scarcest(kept, m.cls.capab)),
				code: CodeRareKept, params: map[string]any{"kept": kept.ID, "kept_capability": string(p.scarcest(kept, m.cls.capab))}}
		}
		p.create(m.cls.inc, r, m.cls.capab, m.cand.eta, w, m.alts)
	}
	return short
}

// preempt covers slots still empty with responders busy on strictly lower-priority incidents.
func (p *plan) preempt(short []shortfall) []shortfall {
	if len(short) == 0 {
		return short
	}
	var busy []*responderState
	for _, r := range p.d.order {
		a := p.activeAssignment(r)
		if a != nil && a.status != StatusOnScene && !r.offDuty && !p.taken[r.ID] {
			busy = append(busy, r)
		}
	}
	if len(busy) == 0 {
		return short
	}
	classes := make([]*slotClass, len(short))
	for i, s := range short {
		classes[i] = &slotClass{inc: s.cls.inc, capab: s.cls.capab, prio: s.cls.prio, open: s.count}
	}
	pl := newPool(busy)
	ok := func(cls *slotClass, r *responderState) (bool, bool) {
		if a := p.activeAssignment(r); a.priority <= cls.prio || !p.mayMove(r, cls.prio) {
			return false, false // never pulled off for equal or lower priority, nor twice in a few minutes
		}
		return p.eligible(r, cls.inc, cls.capab, cls.prio)
	}
	matches, rest := p.optimise(pl, classes, ok)
	for _, m := range matches {
		r := pl.members[m.cand.col]
		a := p.activeAssignment(r)
		params := map[string]any{"incident": m.cls.inc.ID, "priority": m.cls.prio, "from_incident": a.incident, "from_priority": a.priority}
		p.emit(Decision{Type: DecisionAssignmentCancelled, Assignment: a.id, Incident: a.incident, Responder: r.ID,
			Priority: a.priority, Capability: a.capability,
			Reason:     fmt.Sprintf("preempted by higher-priority incident %s (priority %d over %d)", m.cls.inc.ID, m.cls.prio, a.priority),
			ReasonCode: CodePreempted, ReasonParams: params})
		p.ended[a.id] = true
		p.create(m.cls.inc, r, m.cls.capab, m.cand.eta, why{text: fmt.Sprintf("taken from lower-priority incident %s (priority %d): nobody free could cover; %s",
			a.incident, a.priority, p.reason(m.cls, r, m.cand, 0).text), code: CodePreempted,
			params: map[string]any{"from_incident": a.incident, "from_priority": a.priority}}, m.alts)
	}
	return rest
}

// requestAid asks neighbours for what the town cannot cover, once per shortage:
// again only when the shortage grows beyond what was already asked for.
func (p *plan) requestAid(short []shortfall) {
	byInc := map[string][]Need{}
	var order []*incidentState
	for _, s := range short {
		if s.cls.prio > p.d.cfg.AidPolicy.MaxPriority {
			continue
		}
		needs := byInc[s.cls.inc.ID]
		if needs == nil {
			order = append(order, s.cls.inc)
		}
		// one need per capability: a re-plan may return an incident's slot it
		// left empty (the divert, the swap chain) beside its slots empty before
		if i := slices.IndexFunc(needs, func(n Need) bool { return n.Capability == s.cls.capab }); i >= 0 {
			needs[i].Count += s.count
		} else {
			byInc[s.cls.inc.ID] = append(needs, Need{Capability: s.cls.capab, Count: s.count})
		}
	}
	for _, inc := range order {
		needs := byInc[inc.ID]
		grew := false
		var words []string
		for _, n := range needs {
			grew = grew || n.Count > inc.aid[n.Capability]
			words = append(words, fmt.Sprintf("%s×%d", n.Capability, n.Count))
		}
		if !grew {
			continue
		}
		p.emit(Decision{Type: DecisionAidNeeded, Incident: inc.ID, Lat: inc.At.Lat(), Lon: inc.At.Lon(),
			Priority: inc.triage.Priority, Needs: needs,
			Reason:     "town cannot cover (镇内无可派力量): " + strings.Join(words, ", "),
			ReasonCode: CodeAidNeeded, ReasonParams: map[string]any{"incident": inc.ID, "priority": inc.triage.Priority, "needs": strings.Join(words, ", ")}})
	}
}

type matchResult struct {
	cls  *slotClass
	cand cand
	alts []Alternative
}

// optimise builds candidate lists, solves the assignment exactly on them and
// widens the lists of slots left empty while more candidates may exist (k ×4
// each round, so at most log4(pool) rounds). Guarantee: the result is the exact
// lexicographic optimum over the candidate graph, and a slot is left empty only
// when its candidate list is complete, i.e. every responder eligible for it is
// taken by a slot of equal or higher priority (otherwise swapping would improve
// the lexicographic cost). When each capability has at most ExactBelow members
// in the pool (any town), lists are complete and this is the full optimum.
func (p *plan) optimise(pl *pool, classes []*slotClass, ok func(*slotClass, *responderState) (bool, bool)) ([]matchResult, []shortfall) {
	var todo []*slotClass
	for _, cls := range classes {
		if !cls.ready {
			cls.k = max(p.d.cfg.Candidates, cls.open)
			todo = append(todo, cls)
		}
	}
	p.candidates(pl, todo, ok)
	for {
		prob, rowCls := problemFor(classes, len(pl.members))
		match, _ := solveAssignment(prob)
		var widen []*slotClass
		for i, col := range match {
			if cls := rowCls[i]; col < 0 && cls.more && (len(widen) == 0 || widen[len(widen)-1] != cls) {
				widen = append(widen, cls)
			}
		}
		if len(widen) > 0 {
			for _, cls := range widen {
				cls.k *= 4
			}
			p.candidates(pl, widen, ok)
			continue
		}
		var out []matchResult
		var short []shortfall
		for i, col := range match {
			cls := rowCls[i]
			if col < 0 {
				if n := len(short); n > 0 && short[n-1].cls == cls {
					short[n-1].count++
				} else {
					short = append(short, shortfall{cls: cls, count: 1})
				}
				continue
			}
			var chosen cand
			var alts []Alternative
			for _, c := range cls.cands {
				if c.col == col {
					chosen = c
				} else if len(alts) < 3 {
					alts = append(alts, Alternative{Responder: pl.members[c.col].ID, ETASeconds: c.eta})
				}
			}
			out = append(out, matchResult{cls: cls, cand: chosen, alts: alts})
		}
		return out, short
	}
}

// problemFor is the assignment problem of the classes' open slots: one row per
// slot, its arcs the class's candidates, leaving it unfilled priced by its
// priority; rowCls says which class each row belongs to.
func problemFor(classes []*slotClass, ncols int) (*assignProblem, []*slotClass) {
	prob := &assignProblem{ncols: ncols}
	var rowCls []*slotClass
	for _, cls := range classes {
		arcs := make([]arc, len(cls.cands))
		for i, c := range cls.cands {
			arcs[i] = arc{col: c.col, c: c.c}
		}
		skip := unfilledCost(cls.prio)
		if cls.keep {
			// worse than any gain from leaving it: freeing one responder fills at most one more slot
			skip = cost{}
			skip.unfilled[0] = 2
		}
		for u := 0; u < cls.open; u++ {
			prob.rows = append(prob.rows, arcs)
			prob.skip = append(prob.skip, skip)
			rowCls = append(rowCls, cls)
		}
	}
	return prob, rowCls
}

// candidates (re)builds the candidate lists of classes, with one travel-time
// search per incident for the union of its classes' candidates.
func (p *plan) candidates(pl *pool, classes []*slotClass, ok func(*slotClass, *responderState) (bool, bool)) {
	for i := 0; i < len(classes); {
		j := i
		for j < len(classes) && classes[j].inc == classes[i].inc {
			j++
		}
		group := classes[i:j]
		inc := group[0].inc
		var cols []int32
		seen := map[int32]int{}
		for _, cls := range group {
			exact := p.d.cfg.ExactBelow
			if cls.held && pl.moveCostS > 0 {
				// the re-plan: who may take a mover's place pays only from
				// nearby, and the k nearest keep its road search local
				exact = 0
			}
			list, more := pl.candidates(cls.capab, inc.At, cls.k, exact, func(r *responderState) bool {
				e, _ := ok(cls, r)
				return e
			})
			cls.more = more
			cls.cands = cls.cands[:0]
			for _, col := range list {
				_, pen := ok(cls, pl.members[col])
				if _, dup := seen[col]; !dup {
					seen[col] = len(cols)
					cols = append(cols, col)
				}
				cls.cands = append(cls.cands, cand{col: col, penalty: pen})
			}
		}
		from := make([]orb.Point, len(cols))
		for k, col := range cols {
			from[k] = pl.members[col].pos
		}
		var eta []float64
		if len(from) > 0 {
			eta = p.travel(inc.At, from)
		}
		for _, cls := range group {
			kept := cls.cands[:0]
			for _, c := range cls.cands {
				t := eta[seen[c.col]]
				if math.IsInf(t, 0) || math.IsNaN(t) {
					continue // unreachable: flooded roads cut them off
				}
				c.eta = t
				c.c = cost{t: p.d.weight(cls.prio) * (t + p.price(pl.members[c.col], cls.capab))}
				if c.penalty {
					c.c.tier = 1
				}
				switch {
				case pl.leaveCostS > 0: // the divert: staying costs its travel, leaving that much more
					if !(cls.held && c.col == cls.holder) {
						c.c.t += p.d.weight(cls.prio) * pl.leaveCostS
					}
				case pl.moveCostS > 0: // the rebalance: moving costs seconds, staying its travel
					if cls.held && c.col != cls.holder {
						c.c.t += p.d.weight(cls.prio) * pl.moveCostS
					}
				case cls.held && c.col == cls.holder:
					c.c = cost{} // staying where they are: nothing changes
				case pl.movable[c.col]:
					c.c.moves = 1
				}
				kept = append(kept, c)
			}
			cls.cands = kept
			sort.Slice(cls.cands, func(a, b int) bool {
				x, y := cls.cands[a], cls.cands[b]
				if x.c.less(y.c) || y.c.less(x.c) {
					return x.c.less(y.c)
				}
				return x.col < y.col
			})
		}
		i = j
	}
}

// reason explains, in the operators' words, why this responder goes.
func (p *plan) reason(cls *slotClass, r *responderState, c cand, nslots int) why {
	eta := time.Duration(c.eta * float64(time.Second)).Round(time.Second)
	var w why
	switch {
	case r.Tier == TierVillage && r.Village == cls.inc.Village:
		w = why{text: fmt.Sprintf("小事不出村: own-village responder of %s", r.Village), code: CodeVillageFirst,
			params: map[string]any{"village": r.Village}}
	case r.Tier == TierVillage:
		w = why{text: fmt.Sprintf("village %s cannot cover %s; neighbouring village %s helps", cls.inc.Village, cls.capab, r.Village),
			code: CodeNearest, params: map[string]any{"village": cls.inc.Village, "from_village": r.Village}}
	case r.Reserve:
		w = why{text: fmt.Sprintf("大事不出镇: priority %d, the reserve goes", cls.prio), code: CodeReserveP1,
			params: map[string]any{"village": cls.inc.Village}}
	case !c.penalty:
		w = why{text: fmt.Sprintf("大事不出镇: priority %d, town tier joins at once", cls.prio), code: CodeTownTierP1,
			params: map[string]any{"village": cls.inc.Village}}
	default:
		w = why{text: fmt.Sprintf("大事不出镇: village %q cannot cover %s, town tier joins", cls.inc.Village, cls.capab), code: CodeNearest,
			params: map[string]any{"village": cls.inc.Village}}
	}
	// A re-dispatch says so: how many here declined or let the assignment time out.
	declined, timedOut := 0, 0
	for _, st := range cls.inc.excluded {
		switch st {
		case StatusDeclined:
			declined++
		case StatusNoAnswer:
			timedOut++
		}
	}
	if declined > 0 {
		w.params["declined_before"] = declined
	}
	if timedOut > 0 {
		w.params["timed_out_before"] = timedOut
	}
	w.text = fmt.Sprintf("%s; %s, ETA %s", w.text, cls.capab, eta)
	if nslots > 1 {
		w.text += fmt.Sprintf("; least total priority-weighted travel over %d open slots", nslots)
	}
	return w
}
