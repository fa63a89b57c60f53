package dispatch

import "time"

// Decision types Decide emits and Apply folds back.
const (
	DecisionAssignmentCreated   = "assignment.created"
	DecisionAssignmentCancelled = "assignment.cancelled"
	DecisionAssignmentTimedOut  = "assignment.timed_out"
	DecisionAidNeeded           = "aid.needed"
	DecisionIncidentResolved    = "incident.resolved"
)

// Alternative is a next-best responder for an assignment, shown to the operator.
type Alternative struct {
	Responder  string  `json:"responder"`
	ETASeconds float64 `json:"eta_s"`
}

// Decision is one thing the dispatcher decided; the engine records it in the log
// and folds it back with Apply. Lat/Lon is where the responder should go.
type Decision struct {
	Type       string     `json:"type"`
	Assignment string     `json:"assignment,omitempty"`
	Incident   string     `json:"incident,omitempty"`
	Responder  string     `json:"responder,omitempty"`
	Lat        float64    `json:"lat,omitempty"`
	Lon        float64    `json:"lon,omitempty"`
	ETASeconds float64    `json:"eta_s,omitempty"`
	Priority   int        `json:"priority,omitempty"`
	Capability Capability `json:"capability,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	// ReasonCode names the rule behind the decision for the board to word in
	// its own language (village_first, town_tier_priority1, reserve_priority1,
	// nearest_available, preempted_for_higher_priority, swap_fills_empty_slot,
	// rebalanced_before_leaving, redirected_on_the_way, diverted_to_nearer_call,
	// rare_capability_kept, aid_needed, timeout, operator, resolved: the Code…
	// constants of scarcity.go); Reason
	// stays the English sentence. ReasonParams are its values (village,
	// priority, capability, eta_s, incident, responder …): strings or numbers.
	ReasonCode   string         `json:"reason_code,omitempty"`
	ReasonParams map[string]any `json:"reason_params,omitempty"`
	Alternatives []Alternative  `json:"alternatives,omitempty"`
	Needs        []Need         `json:"needs,omitempty"`
	Time         time.Time      `json:"time"`
}
