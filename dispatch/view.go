package dispatch

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// View is a JSON-ready snapshot of the dispatch state for the board and the API.
// Everything is in a fixed order, so equal states marshal to equal bytes.
type View struct {
	Incidents    []IncidentView    `json:"incidents"`
	Responders   []ResponderView   `json:"responders"`
	Assignments  []AssignmentView  `json:"assignments"`
	Instructions []InstructionView `json:"instructions"`
	Counters     Counters          `json:"counters"`
}

// NeedView is one need of an incident with how much of it is covered.
type NeedView struct {
	Capability Capability `json:"capability"`
	Count      int        `json:"count"`
	Met        int        `json:"met"`
	Open       int        `json:"open"`
	AidAsked   int        `json:"aid_asked,omitempty"`
}

// IncidentView is an incident with its triage, coverage and assignments.
type IncidentView struct {
	Incident
	Lat         float64    `json:"lat"`
	Lon         float64    `json:"lon"`
	Status      string     `json:"status"`
	Priority    int        `json:"priority"`
	Rule        string     `json:"rule"`
	Needs       []NeedView `json:"needs"`
	Assignments []string   `json:"assignments"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy  string     `json:"resolved_by,omitempty"`
	Resolution  string     `json:"resolution,omitempty"`
}

// ResponderView is a responder with their status, position and current assignment.
type ResponderView struct {
	Responder
	Status     string    `json:"status"`
	Lat        float64   `json:"lat"`
	Lon        float64   `json:"lon"`
	Assignment string    `json:"assignment,omitempty"`
	LastSeen   time.Time `json:"last_seen"`
	// Mutual aid: a guest names their home town and request; a lent responder
	// the town they are on aid to.
	HomeTown   string `json:"home_town,omitempty"`
	HomeID     string `json:"home_id,omitempty"`
	AidRequest string `json:"aid_request,omitempty"`
	LentTo     string `json:"lent_to,omitempty"`
}

// AssignmentView is an assignment with its full status history.
type AssignmentView struct {
	ID           string         `json:"id"`
	Incident     string         `json:"incident"`
	Responder    string         `json:"responder"`
	Capability   Capability     `json:"capability"`
	Priority     int            `json:"priority"`
	Status       string         `json:"status"`
	Lat          float64        `json:"lat"`
	Lon          float64        `json:"lon"`
	ETASeconds   float64        `json:"eta_s"`
	Reason       string         `json:"reason"`
	ReasonCode   string         `json:"reason_code,omitempty"`   // why, for the board to word (see Decision)
	ReasonParams map[string]any `json:"reason_params,omitempty"` // its values
	Alternatives []Alternative  `json:"alternatives,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	History      []StatusChange `json:"history"`
}

// InstructionView is an operator's forced assignment not yet carried out.
type InstructionView = Instruction

// Counters summarise the state for the board's header and for metrics.
type Counters struct {
	Incidents           int `json:"incidents"`
	OpenIncidents       int `json:"open_incidents"`
	ResolvedIncidents   int `json:"resolved_incidents"`
	Assignments         int `json:"assignments"`
	ActiveAssignments   int `json:"active_assignments"`
	DoneAssignments     int `json:"done_assignments"`
	Declined            int `json:"declined"`
	TimedOut            int `json:"timed_out"`
	Cancelled           int `json:"cancelled"`
	AidRequests         int `json:"aid_requests"`
	RespondersAvailable int `json:"responders_available"`
	RespondersBusy      int `json:"responders_busy"`
	RespondersOffDuty   int `json:"responders_off_duty"`
	RespondersNoAnswer  int `json:"responders_no_answer"`
	RespondersLent      int `json:"responders_lent"`
	RespondersGuest     int `json:"responders_guest"`
}

// View builds the snapshot. It costs O(state); the engine calls it for snapshots, not per event.
func (d *Dispatcher) View() View {
	v := View{Incidents: []IncidentView{}, Responders: []ResponderView{}, Assignments: []AssignmentView{}, Instructions: []InstructionView{}}
	incs := make([]*incidentState, 0, len(d.incidents))
	for _, inc := range d.incidents {
		incs = append(incs, inc)
	}
	sort.Slice(incs, func(i, j int) bool { return incs[i].seq < incs[j].seq })
	for _, inc := range incs {
		met := d.met(inc)
		iv := IncidentView{Incident: inc.Incident, Lat: inc.At.Lat(), Lon: inc.At.Lon(), Status: inc.status,
			Priority: inc.triage.Priority, Rule: inc.triage.Rule, Needs: []NeedView{}, Assignments: append([]string{}, inc.assignments...),
			ResolvedBy: inc.resolvedBy, Resolution: inc.resolution}
		for _, n := range inc.triage.Needs {
			iv.Needs = append(iv.Needs, NeedView{Capability: n.Capability, Count: n.Count, Met: met[n.Capability],
				Open: max(0, n.Count-met[n.Capability]), AidAsked: inc.aid[n.Capability]})
		}
		if inc.status == IncidentResolved {
			t := inc.resolvedAt
			iv.ResolvedAt = &t
			v.Counters.ResolvedIncidents++
		} else {
			v.Counters.OpenIncidents++
		}
		if len(inc.aid) > 0 {
			v.Counters.AidRequests++
		}
		v.Incidents = append(v.Incidents, iv)
	}
	v.Counters.Incidents = len(incs)
	for _, r := range d.order {
		rv := ResponderView{Responder: r.Responder, Lat: r.pos.Lat(), Lon: r.pos.Lon(), Assignment: r.assignment, LastSeen: r.lastSeen,
			LentTo: r.lentTo}
		if r.guest != nil {
			rv.HomeTown, rv.HomeID, rv.AidRequest = r.guest.homeTown, r.guest.homeID, r.guest.request
			v.Counters.RespondersGuest++
		}
		if r.lentTo != "" {
			rv.AidRequest = r.lentFor
		}
		switch {
		case r.assignment != "":
			rv.Status = d.assignments[r.assignment].status
			v.Counters.RespondersBusy++
		case r.lentTo != "":
			rv.Status = StatusLent
			v.Counters.RespondersLent++
		case r.offDuty:
			rv.Status = StatusOffDuty
			v.Counters.RespondersOffDuty++
		case r.noAnswer:
			rv.Status = StatusNoAnswer
			v.Counters.RespondersNoAnswer++
		default:
			rv.Status = StatusAvailable
			v.Counters.RespondersAvailable++
		}
		v.Responders = append(v.Responders, rv)
	}
	as := make([]*assignmentState, 0, len(d.assignments))
	for _, a := range d.assignments {
		as = append(as, a)
	}
	sort.Slice(as, func(i, j int) bool { return assignmentLess(as[i].id, as[j].id) })
	for _, a := range as {
		v.Assignments = append(v.Assignments, AssignmentView{ID: a.id, Incident: a.incident, Responder: a.responder,
			Capability: a.capability, Priority: a.priority, Status: a.status, Lat: a.at.Lat(), Lon: a.at.Lon(),
			ETASeconds: a.eta, Reason: a.reason, ReasonCode: a.reasonCode, ReasonParams: a.reasonParams, Alternatives: a.alternatives, CreatedAt: a.created,
			History: append([]StatusChange{}, a.history...)})
		v.Counters.countAssignment(a)
	}
	v.Counters.addForgotten(d.gone)
	v.Instructions = append(v.Instructions, d.instructions...)
	return v
}

// assignmentLess orders "a-9" before "a-10": numerically when both are a-<n>.
func assignmentLess(x, y string) bool {
	nx, ex := strconv.Atoi(strings.TrimPrefix(x, "a-"))
	ny, ey := strconv.Atoi(strings.TrimPrefix(y, "a-"))
	if ex == nil && ey == nil && nx != ny {
		return nx < ny
	}
	return x < y
}
