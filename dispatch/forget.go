package dispatch

import (
	"sort"
	"time"
)

// Forget drops the incidents resolved before cutoff, with their assignments,
// so that the dispatcher's state (its view, its snapshot, the work each
// decision does) grows with open work, not with the season. Their history
// stays in the log and in PostgreSQL. An incident is kept while anything
// still refers to it: an active assignment, a responder holding one of its
// assignments, a guest sent for it or one of its assignments (a request's
// count of guests' work), an operator's instruction. The ids forgotten stay
// known (Forgotten), so a report reusing one is refused as before. It
// returns how many incidents it dropped.
func (d *Dispatcher) Forget(cutoff time.Time) int {
	held := map[string]bool{} // incidents something still refers to
	for _, r := range d.order {
		if a := d.assignments[r.assignment]; a != nil {
			held[a.incident] = true
		}
		if r.guest != nil && r.guest.incident != "" {
			held[r.guest.incident] = true
		}
	}
	for _, in := range d.instructions {
		held[in.Incident] = true
	}
	n := 0
	for id, inc := range d.incidents {
		if inc.status != IncidentResolved || !inc.resolvedAt.Before(cutoff) || held[id] || !d.forgettable(inc) {
			continue
		}
		d.gone.Incidents++
		d.gone.ResolvedIncidents++
		if len(inc.aid) > 0 {
			d.gone.AidRequests++
		}
		for _, aid := range inc.assignments {
			if a := d.assignments[aid]; a != nil {
				d.gone.countAssignment(a)
			}
			delete(d.assignments, aid)
		}
		delete(d.incidents, id)
		if d.forgotten == nil {
			d.forgotten = map[string]struct{}{}
		}
		d.forgotten[id] = struct{}{}
		n++
	}
	return n
}

// forgettable: none of the incident's assignments is active or a guest's.
func (d *Dispatcher) forgettable(inc *incidentState) bool {
	for _, id := range inc.assignments {
		a := d.assignments[id]
		if a == nil {
			continue
		}
		if a.active() {
			return false
		}
		if r := d.responders[a.responder]; r == nil || r.guest != nil {
			return false
		}
	}
	return true
}

// forgottenIDs is Forgotten's set in order, for the snapshot.
func (d *Dispatcher) forgottenIDs() []string {
	out := make([]string, 0, len(d.forgotten))
	for id := range d.forgotten {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Forgotten is how many resolved incidents Forget has dropped.
func (d *Dispatcher) Forgotten() int { return len(d.forgotten) }

// countAssignment counts an assignment by its status: for View, and for the
// forgotten ones (finished, never active) that View adds back.
func (c *Counters) countAssignment(a *assignmentState) {
	c.Assignments++
	switch {
	case a.active():
		c.ActiveAssignments++
	case a.status == StatusDone:
		c.DoneAssignments++
	case a.status == StatusDeclined:
		c.Declined++
	case a.status == StatusTimedOut:
		c.TimedOut++
	case a.status == StatusCancelled:
		c.Cancelled++
	}
}

// addForgotten adds what the forgotten incidents and assignments counted, so
// the season's totals stay what they were before Forget.
func (c *Counters) addForgotten(g Counters) {
	c.Incidents += g.Incidents
	c.ResolvedIncidents += g.ResolvedIncidents
	c.AidRequests += g.AidRequests
	c.Assignments += g.Assignments
	c.DoneAssignments += g.DoneAssignments
	c.Declined += g.Declined
	c.TimedOut += g.TimedOut
	c.Cancelled += g.Cancelled
}
