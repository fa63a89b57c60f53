package engine

import (
	"fmt"
	"time"

	"github.com/floodcmd/floodcmd/events"
)

// TypeDecisionVoided is the engine's record that a decision in the log was void
// when folded: an input that arrived while it was being appended (a resolve, a
// responder going off duty) made it impossible, so it was never carried out.
const TypeDecisionVoided = events.TypeDecisionVoided

// Voided is the data of a void notice. It goes on the subject the void decision
// went to, so whoever acted on the decision (a responder's phone listening on
// flood.<town>.out.assignment.<rid>) hears it is off. A void assignment is told
// as flood.assignment.cancelled, which every phone already understands.
type Voided struct {
	Type       string    `json:"type"`   // "assignment_cancelled" or "decision_voided"
	Voids      string    `json:"voids"`  // the void decision's event id
	Of         string    `json:"of"`     // its event type
	Reason     string    `json:"reason"` // why the fold could not carry it out
	Assignment string    `json:"assignment,omitempty"`
	Incident   string    `json:"incident,omitempty"`
	Responder  string    `json:"responder,omitempty"`
	Time       time.Time `json:"time"`
}

// void is a decision the fold could not carry out whose notice is not yet in the log.
type void struct {
	seq     uint64
	subject string
	notice  Voided
}

// recordVoid keeps a void decision until its notice is in the log. Its id
// counters have moved on (see dispatch.Apply), so it is never proposed again
// under the same id, and the state it was refused by is the state the next
// round is decided from, so it is not proposed again unchanged.
func (d *Domain) recordVoid(seq uint64, subject string, ev events.Event, err error) {
	var ref events.Refs // best effort: the ids make the notice useful to a phone
	if spec, data, ok, err := events.DecodeDecision(ev); ok && err == nil {
		ref = spec.Refs(data)
	}
	n := Voided{Type: "decision_voided", Voids: ev.ID, Of: ev.Type, Reason: err.Error(),
		Assignment: ref.Assignment, Incident: ref.Incident, Responder: ref.Responder, Time: ev.Time}
	if ev.Type == events.TypeAssignmentCreated {
		n.Type = "assignment_cancelled"
		n.Reason = "void: " + n.Reason + " (this assignment was never in force; do not go)"
	}
	d.voids = append(d.voids, void{seq: seq, subject: subject, notice: n})
	d.voidLog = append(d.voidLog, fmt.Sprintf("seq %d %s %s: %s", seq, ev.Type, ev.ID, err))
	if len(d.voidLog) > 20 {
		d.voidLog = d.voidLog[1:]
	}
}

// applyVoidNotice folds a void notice back: the void is told.
func (d *Domain) applyVoidNotice(ev events.Event) (bool, error) {
	var n Voided
	if ev.Type != TypeDecisionVoided && ev.Type != events.TypeAssignmentCancelled {
		return false, nil
	}
	if err := ev.DecodeData(&n); err != nil || n.Voids == "" {
		return false, nil // an ordinary cancellation
	}
	for i, v := range d.voids {
		if v.notice.Voids == n.Voids {
			d.voids = append(d.voids[:i], d.voids[i+1:]...)
			return true, nil
		}
	}
	return true, nil // told already (a notice re-sent after a crash): nothing to do
}

// decideVoidNotices owes one notice per void decision not yet told.
func (d *Domain) decideVoidNotices(add func(subject, typ string, data any)) {
	for _, v := range d.voids {
		typ := TypeDecisionVoided
		if v.notice.Type == "assignment_cancelled" {
			typ = events.TypeAssignmentCancelled
		}
		add(v.subject, typ, v.notice)
	}
}
