package dispatch

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/internal/snapshotio"
)

// The dispatcher's part of a fold snapshot: everything the fold changed
// (responders' state, guests, incidents, assignments, counters, operator
// instructions), in a stable order, so that the same state gives the same
// bytes. The configuration and the triage rules are not in it: Restore is
// called on a dispatcher built from the same scenario (the engine checks the
// scenario's fingerprint).

type dispatchSnap struct {
	Responders   []responderSnap  `json:"responders"` // in roster order, guests after
	Incidents    []incidentSnap   `json:"incidents"`  // by report order
	Open         []string         `json:"open"`       // open incidents in report order
	Assignments  []assignmentSnap `json:"assignments"`
	AssignSeq    int              `json:"assign_seq"`
	IncidentSeq  int              `json:"incident_seq"`
	Instructions []Instruction    `json:"instructions"`
	Forgotten    []string         `json:"forgotten"` // ids of incidents Forget dropped, sorted
	Gone         Counters         `json:"gone"`      // what they counted
}

type responderSnap struct {
	Responder  Responder  `json:"responder"`
	Idx        int        `json:"idx"`
	Pos        orb.Point  `json:"pos"`
	OffDuty    bool       `json:"off_duty,omitempty"`
	NoAnswer   bool       `json:"no_answer,omitempty"`
	Assignment string     `json:"assignment,omitempty"`
	LastSeen   time.Time  `json:"last_seen"`
	Guest      *guestSnap `json:"guest,omitempty"`
	LentTo     string     `json:"lent_to,omitempty"`
	LentFor    string     `json:"lent_for,omitempty"`
	MovedAt    time.Time  `json:"moved_at"`
	PosAt      time.Time  `json:"pos_at"`
}

type guestSnap struct {
	HomeTown string `json:"home_town"`
	HomeID   string `json:"home_id"`
	Request  string `json:"request"`
	Incident string `json:"incident"`
}

type incidentSnap struct {
	Incident    Incident           `json:"incident"`
	Seq         int                `json:"seq"`
	Triage      Triage             `json:"triage"`
	Status      string             `json:"status"`
	ResolvedAt  time.Time          `json:"resolved_at"`
	ResolvedBy  string             `json:"resolved_by,omitempty"`
	Resolution  string             `json:"resolution,omitempty"`
	Assignments []string           `json:"assignments"`
	Excluded    map[string]string  `json:"excluded"`
	Aid         map[Capability]int `json:"aid"`
	AidAt       time.Time          `json:"aid_at"`
	Diverted    bool               `json:"diverted,omitempty"`
}

type assignmentSnap struct {
	ID           string         `json:"id"`
	Incident     string         `json:"incident"`
	Responder    string         `json:"responder"`
	Capability   Capability     `json:"capability"`
	Priority     int            `json:"priority"`
	ETA          float64        `json:"eta"`
	At           orb.Point      `json:"at"`
	Reason       string         `json:"reason"`
	ReasonCode   string         `json:"reason_code,omitempty"`
	ReasonParams map[string]any `json:"reason_params,omitempty"`
	Alternatives []Alternative  `json:"alternatives"`
	Created      time.Time      `json:"created"`
	Status       string         `json:"status"`
	History      []StatusChange `json:"history"`
}

// SnapshotSchema fingerprints the dispatcher's snapshot types.
var SnapshotSchema = snapshotio.Schema(dispatchSnap{})

// Snapshot is the dispatcher's fold state as deterministic bytes.
func (d *Dispatcher) Snapshot() ([]byte, error) {
	s := dispatchSnap{AssignSeq: d.assignSeq, IncidentSeq: d.incidentSeq, Instructions: d.instructions, Forgotten: d.forgottenIDs(), Gone: d.gone,
		Responders: make([]responderSnap, 0, len(d.order)), Incidents: make([]incidentSnap, 0, len(d.incidents)),
		Open: make([]string, 0, len(d.open)), Assignments: make([]assignmentSnap, 0, len(d.assignments))}
	for _, r := range d.order {
		rs := responderSnap{Responder: r.Responder, Idx: r.idx, Pos: r.pos, OffDuty: r.offDuty, NoAnswer: r.noAnswer,
			Assignment: r.assignment, LastSeen: r.lastSeen, LentTo: r.lentTo, LentFor: r.lentFor, MovedAt: r.movedAt, PosAt: r.posAt}
		if g := r.guest; g != nil {
			rs.Guest = &guestSnap{HomeTown: g.homeTown, HomeID: g.homeID, Request: g.request, Incident: g.incident}
		}
		s.Responders = append(s.Responders, rs)
	}
	for _, inc := range d.incidents {
		s.Incidents = append(s.Incidents, incidentSnap{Incident: inc.Incident, Seq: inc.seq, Triage: inc.triage,
			Status: inc.status, ResolvedAt: inc.resolvedAt, ResolvedBy: inc.resolvedBy, Resolution: inc.resolution,
			Assignments: inc.assignments, Excluded: inc.excluded, Aid: inc.aid, AidAt: inc.aidAt, Diverted: inc.diverted})
	}
	sort.Slice(s.Incidents, func(i, j int) bool { return s.Incidents[i].Seq < s.Incidents[j].Seq })
	for _, inc := range d.open {
		s.Open = append(s.Open, inc.ID)
	}
	for _, a := range d.assignments {
		s.Assignments = append(s.Assignments, assignmentSnap{ID: a.id, Incident: a.incident, Responder: a.responder,
			Capability: a.capability, Priority: a.priority, ETA: a.eta, At: a.at, Reason: a.reason, ReasonCode: a.reasonCode,
			ReasonParams: a.reasonParams, Alternatives: a.alternatives, Created: a.created, Status: a.status, History: a.history})
	}
	sort.Slice(s.Assignments, func(i, j int) bool { return s.Assignments[i].ID < s.Assignments[j].ID })
	return json.Marshal(s)
}

// Restore replaces the dispatcher's fold state by a snapshot's. It is called
// on a dispatcher freshly built from the same configuration and roster.
func (d *Dispatcher) Restore(raw []byte) error {
	var s dispatchSnap
	if err := snapshotio.Decode(raw, &s); err != nil {
		return fmt.Errorf("%w: dispatcher snapshot: %v", ErrInvalid, err)
	}
	responders := make(map[string]*responderState, len(s.Responders))
	order := make([]*responderState, 0, len(s.Responders))
	for _, r := range s.Responders {
		if _, dup := responders[r.Responder.ID]; dup || r.Responder.ID == "" {
			return fmt.Errorf("%w: dispatcher snapshot: responder %q twice or without id", ErrInvalid, r.Responder.ID)
		}
		rs := &responderState{Responder: r.Responder, idx: r.Idx, pos: r.Pos, offDuty: r.OffDuty, noAnswer: r.NoAnswer,
			assignment: r.Assignment, lastSeen: r.LastSeen, lentTo: r.LentTo, lentFor: r.LentFor, movedAt: r.MovedAt, posAt: r.PosAt}
		if g := r.Guest; g != nil {
			rs.guest = &guestInfo{homeTown: g.HomeTown, homeID: g.HomeID, request: g.Request, incident: g.Incident}
		}
		responders[rs.ID] = rs
		order = append(order, rs)
	}
	incidents := make(map[string]*incidentState, len(s.Incidents))
	for _, i := range s.Incidents {
		if i.Excluded == nil || i.Aid == nil {
			return fmt.Errorf("%w: dispatcher snapshot: incident %q lacks its maps", ErrInvalid, i.Incident.ID)
		}
		incidents[i.Incident.ID] = &incidentState{Incident: i.Incident, seq: i.Seq, triage: i.Triage, status: i.Status,
			resolvedAt: i.ResolvedAt, resolvedBy: i.ResolvedBy, resolution: i.Resolution, assignments: i.Assignments,
			excluded: i.Excluded, aid: i.Aid, aidAt: i.AidAt, diverted: i.Diverted}
	}
	open := make([]*incidentState, 0, len(s.Open))
	for _, id := range s.Open {
		inc, ok := incidents[id]
		if !ok {
			return fmt.Errorf("%w: dispatcher snapshot: open incident %q unknown", ErrInvalid, id)
		}
		open = append(open, inc)
	}
	assignments := make(map[string]*assignmentState, len(s.Assignments))
	for _, a := range s.Assignments {
		if incidents[a.Incident] == nil {
			return fmt.Errorf("%w: dispatcher snapshot: assignment %s of unknown incident %q", ErrInvalid, a.ID, a.Incident)
		}
		assignments[a.ID] = &assignmentState{id: a.ID, incident: a.Incident, responder: a.Responder, capability: a.Capability,
			priority: a.Priority, eta: a.ETA, at: a.At, reason: a.Reason, reasonCode: a.ReasonCode, reasonParams: a.ReasonParams,
			alternatives: a.Alternatives, created: a.Created, status: a.Status, history: a.History}
	}
	for _, inc := range incidents {
		for _, id := range inc.assignments {
			if assignments[id] == nil {
				return fmt.Errorf("%w: dispatcher snapshot: incident %s names unknown assignment %q", ErrInvalid, inc.ID, id)
			}
		}
	}
	for _, r := range responders {
		if r.assignment != "" && assignments[r.assignment] == nil {
			return fmt.Errorf("%w: dispatcher snapshot: responder %s holds unknown assignment %q", ErrInvalid, r.ID, r.assignment)
		}
	}
	d.responders, d.order, d.incidents, d.open, d.assignments = responders, order, incidents, open, assignments
	d.assignSeq, d.incidentSeq, d.instructions = s.AssignSeq, s.IncidentSeq, s.Instructions
	d.forgotten, d.gone = nil, s.Gone
	for _, id := range s.Forgotten {
		if d.forgotten == nil {
			d.forgotten = map[string]struct{}{}
		}
		d.forgotten[id] = struct{}{}
	}
	return nil
}
