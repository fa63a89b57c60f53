package dispatch

import (
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// StatusReport is what a responder's phone says: a status, optionally the
// assignment it is about (default: their current one) and where they are.
type StatusReport struct {
	Responder   string    `json:"responder"`
	Status      string    `json:"status"`
	Assignment  string    `json:"assignment,omitempty"`
	At          orb.Point `json:"at"`
	HasPosition bool      `json:"has_position"`
	Note        string    `json:"note,omitempty"`
	Time        time.Time `json:"time"`
}

// transitions lists, per reported status, the assignment states it may follow.
// Repeating a status is allowed so a phone can resend it with a new position.
var transitions = map[string][]string{
	StatusAccepted: {StatusAssigned, StatusAccepted},
	StatusEnRoute:  {StatusAssigned, StatusAccepted, StatusEnRoute},
	StatusOnScene:  {StatusAssigned, StatusAccepted, StatusEnRoute, StatusOnScene},
	StatusDone:     {StatusAssigned, StatusAccepted, StatusEnRoute, StatusOnScene},
	// on scene, a responder finishes (done) rather than walking away
	StatusDeclined: {StatusAssigned, StatusAccepted, StatusEnRoute},
}

// ReportIncident opens an incident and triages it.
func (d *Dispatcher) ReportIncident(inc Incident) error {
	if inc.ID == "" {
		return fmt.Errorf("%w: incident without id", ErrInvalid)
	}
	_, live := d.incidents[inc.ID]
	if _, forgotten := d.forgotten[inc.ID]; live || forgotten {
		return fmt.Errorf("%w: duplicate incident %q", ErrConflict, inc.ID)
	}
	if lon, lat := inc.At.Lon(), inc.At.Lat(); math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return fmt.Errorf("%w: incident %q at %v is not a WGS-84 point", ErrInvalid, inc.ID, inc.At)
	}
	if inc.People < 0 || inc.Severity < 0 || inc.Severity > NumPriorities {
		return fmt.Errorf("%w: incident %q has people %d, severity %d", ErrInvalid, inc.ID, inc.People, inc.Severity)
	}
	d.incidentSeq++
	is := &incidentState{Incident: inc, seq: d.incidentSeq, triage: d.cfg.Triage.Apply(inc), status: IncidentOpen,
		excluded: map[string]string{}, aid: map[Capability]int{}}
	d.incidents[inc.ID] = is
	d.open = append(d.open, is)
	return nil
}

// SetStatus folds a responder's status report. A rejected report changes nothing.
func (d *Dispatcher) SetStatus(s StatusReport) error {
	r, ok := d.responders[s.Responder]
	if !ok {
		return fmt.Errorf("%w: unknown responder %q", ErrNotFound, s.Responder)
	}
	var a *assignmentState
	switch s.Status {
	case StatusAvailable:
		if r.assignment != "" {
			return fmt.Errorf("%w: responder %q holds assignment %s; report done or declined first", ErrConflict, r.ID, r.assignment)
		}
	case StatusOffDuty:
		if r.assignment != "" {
			a = d.assignments[r.assignment] // going off duty drops the assignment like a decline
		}
	case StatusAccepted, StatusEnRoute, StatusOnScene, StatusDone, StatusDeclined:
		id := s.Assignment
		if id == "" {
			id = r.assignment
		}
		if id == "" {
			return fmt.Errorf("%w: responder %q reports %s but has no assignment", ErrConflict, r.ID, s.Status)
		}
		a, ok = d.assignments[id]
		if !ok {
			return fmt.Errorf("%w: unknown assignment %q", ErrNotFound, id)
		}
		if a.responder != r.ID {
			return fmt.Errorf("%w: assignment %s belongs to %s, not %s", ErrConflict, id, a.responder, r.ID)
		}
		if a.status == StatusCancelled || a.status == StatusTimedOut {
			// The dispatcher ended it (moved, pre-empted, resolved, timed out)
			// while the phone was answering: a report that crossed the
			// cancellation on its way, not a bad one. The cancellation is on
			// the phone's subject; the report still says the responder is
			// reachable and where they are, and changes nothing else.
			d.seen(r, s)
			return nil
		}
		legal := false
		for _, from := range transitions[s.Status] {
			legal = legal || a.status == from
		}
		if !legal {
			return fmt.Errorf("%w: assignment %s is %s, cannot become %s", ErrConflict, id, a.status, s.Status)
		}
	default:
		return fmt.Errorf("%w: unknown status %q", ErrInvalid, s.Status)
	}

	if a != nil {
		st := s.Status
		if st == StatusOffDuty {
			st = StatusDeclined
		}
		a.status = st
		a.history = append(a.history, StatusChange{Status: st, Time: s.Time, Note: s.Note})
		if st == StatusDeclined || st == StatusDone {
			r.assignment = ""
		}
		if st == StatusDeclined {
			d.incidents[a.incident].excluded[r.ID] = StatusDeclined
		}
	}
	r.offDuty = s.Status == StatusOffDuty
	d.seen(r, s)
	return nil
}

// seen folds what any report says of its responder: reachable, and where.
func (d *Dispatcher) seen(r *responderState, s StatusReport) {
	r.noAnswer = false // any word from them shows they are reachable again
	if s.HasPosition {
		r.pos, r.posAt = s.At, s.Time
	}
	r.lastSeen = s.Time
}

// Resolve is an operator closing an incident; its active assignments end and
// their responders are free again.
func (d *Dispatcher) Resolve(incident, operator, reason string, t time.Time) error {
	inc, ok := d.incidents[incident]
	if _, gone := d.forgotten[incident]; !ok && gone {
		// resolved long ago and forgotten (Forget): refused as before it was
		return fmt.Errorf("%w: incident %s is already %s", ErrConflict, incident, IncidentResolved)
	}
	if !ok {
		return fmt.Errorf("%w: unknown incident %q", ErrNotFound, incident)
	}
	if inc.status != IncidentOpen {
		return fmt.Errorf("%w: incident %s is already %s", ErrConflict, incident, inc.status)
	}
	for _, id := range inc.assignments {
		if a := d.assignments[id]; a.active() {
			d.end(a, StatusCancelled, t, fmt.Sprintf("incident resolved by operator %s: %s", operator, reason))
		}
	}
	d.close(inc, t, operator, reason)
	return nil
}

// Reassign is an operator override: the assignment is cancelled (and its
// responder not picked for that incident again); if responder is named, the
// next Decide puts them on the incident whatever the policy says.
func (d *Dispatcher) Reassign(assignment, responder, operator, reason string, t time.Time) error {
	a, ok := d.assignments[assignment]
	if !ok {
		return fmt.Errorf("%w: unknown assignment %q", ErrNotFound, assignment)
	}
	if !a.active() {
		return fmt.Errorf("%w: assignment %s is already %s", ErrConflict, assignment, a.status)
	}
	if responder != "" {
		r, ok := d.responders[responder]
		if !ok {
			return fmt.Errorf("%w: unknown responder %q", ErrNotFound, responder)
		}
		if r.offDuty {
			return fmt.Errorf("%w: responder %s is off duty", ErrConflict, responder)
		}
		if r.lentTo != "" {
			return fmt.Errorf("%w: responder %s is on aid to %s", ErrConflict, responder, r.lentTo)
		}
	}
	d.end(a, StatusCancelled, t, fmt.Sprintf("operator %s: %s", operator, reason))
	if responder != a.responder {
		d.incidents[a.incident].excluded[a.responder] = "operator"
	}
	if responder != "" {
		d.instructions = append(d.instructions, Instruction{Incident: a.incident, Responder: responder, Operator: operator, Reason: reason, Time: t})
	}
	return nil
}

// Apply folds back a decision Decide made (live) or the log recorded (replay).
func (d *Dispatcher) Apply(dec Decision) error {
	switch dec.Type {
	case DecisionAssignmentCreated:
		// The counter moves for every assignment decision in the log, void or
		// not: an id handed out once is never handed out again.
		d.assignSeq++
		if _, dup := d.assignments[dec.Assignment]; dup || dec.Assignment == "" {
			return fmt.Errorf("%w: assignment id %q already used", ErrConflict, dec.Assignment)
		}
		inc, ok := d.incidents[dec.Incident]
		if !ok {
			return fmt.Errorf("%w: unknown incident %q", ErrNotFound, dec.Incident)
		}
		if inc.status != IncidentOpen {
			return fmt.Errorf("%w: incident %s is %s", ErrConflict, dec.Incident, inc.status)
		}
		r, ok := d.responders[dec.Responder]
		if !ok {
			return fmt.Errorf("%w: unknown responder %q", ErrNotFound, dec.Responder)
		}
		if r.assignment != "" || r.offDuty {
			return fmt.Errorf("%w: responder %s is not free (assignment %q, off duty %v)", ErrConflict, r.ID, r.assignment, r.offDuty)
		}
		a := &assignmentState{id: dec.Assignment, incident: inc.ID, responder: r.ID, capability: dec.Capability,
			priority: dec.Priority, eta: dec.ETASeconds, at: orb.Point{dec.Lon, dec.Lat}, reason: dec.Reason,
			reasonCode: dec.ReasonCode, reasonParams: dec.ReasonParams,
			alternatives: dec.Alternatives, created: dec.Time, status: StatusAssigned,
			history: []StatusChange{{Status: StatusAssigned, Time: dec.Time, Note: dec.Reason}}}
		d.assignments[a.id] = a
		inc.assignments = append(inc.assignments, a.id)
		r.assignment = a.id
		kept := d.instructions[:0]
		for _, in := range d.instructions {
			if in.Incident != inc.ID || in.Responder != r.ID {
				kept = append(kept, in)
			}
		}
		d.instructions = kept
	case DecisionAssignmentCancelled, DecisionAssignmentTimedOut:
		a, ok := d.assignments[dec.Assignment]
		if !ok {
			return fmt.Errorf("%w: unknown assignment %q", ErrNotFound, dec.Assignment)
		}
		if !a.active() || (dec.Type == DecisionAssignmentTimedOut && a.status != StatusAssigned) {
			return fmt.Errorf("%w: assignment %s is %s", ErrConflict, a.id, a.status)
		}
		if dec.Type == DecisionAssignmentCancelled {
			d.end(a, StatusCancelled, dec.Time, dec.Reason)
			switch dec.ReasonCode {
			case CodeDivert:
				d.incidents[a.incident].diverted = true
				fallthrough
			case CodePreempted, CodeSwap, CodeRebalance, CodeRedirect: // moved: the churn window starts
				d.responders[a.responder].movedAt = dec.Time
			}
			return nil
		}
		d.end(a, StatusTimedOut, dec.Time, dec.Reason)
		d.responders[a.responder].noAnswer = true
		d.incidents[a.incident].excluded[a.responder] = StatusNoAnswer
	case DecisionAidNeeded:
		inc, ok := d.incidents[dec.Incident]
		if !ok {
			return fmt.Errorf("%w: unknown incident %q", ErrNotFound, dec.Incident)
		}
		for _, n := range dec.Needs {
			inc.aid[n.Capability] = max(inc.aid[n.Capability], n.Count)
		}
		inc.aidAt = dec.Time
	case DecisionIncidentResolved:
		inc, ok := d.incidents[dec.Incident]
		if !ok {
			return fmt.Errorf("%w: unknown incident %q", ErrNotFound, dec.Incident)
		}
		if inc.status != IncidentOpen {
			return fmt.Errorf("%w: incident %s is already %s", ErrConflict, inc.ID, inc.status)
		}
		for _, id := range inc.assignments {
			if d.assignments[id].active() {
				return fmt.Errorf("%w: incident %s still has active assignment %s", ErrConflict, inc.ID, id)
			}
		}
		d.close(inc, dec.Time, "dispatcher", dec.Reason)
	default:
		return fmt.Errorf("%w: unknown decision type %q", ErrInvalid, dec.Type)
	}
	return nil
}

// end finishes an active assignment and frees its responder.
func (d *Dispatcher) end(a *assignmentState, status string, t time.Time, note string) {
	a.status = status
	a.history = append(a.history, StatusChange{Status: status, Time: t, Note: note})
	if r := d.responders[a.responder]; r.assignment == a.id {
		r.assignment = ""
	}
}

// close marks an incident resolved and forgets operator instructions for it.
func (d *Dispatcher) close(inc *incidentState, t time.Time, by, reason string) {
	inc.status = IncidentResolved
	inc.resolvedAt, inc.resolvedBy, inc.resolution = t, by, reason
	d.removeOpen(inc)
	kept := d.instructions[:0]
	for _, in := range d.instructions {
		if in.Incident != inc.ID {
			kept = append(kept, in)
		}
	}
	d.instructions = kept
}
