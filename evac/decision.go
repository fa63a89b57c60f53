package evac

import (
	"fmt"
	"time"
)

// Decision types Decide emits and Apply folds back.
const (
	DecisionAssigned     = "evac.assigned"      // a household gets a shelter place
	DecisionReassigned   = "evac.reassigned"    // its shelter closed, filled or became unreachable: another one
	DecisionUnassigned   = "evac.unassigned"    // it lost its place and no other shelter has room yet
	DecisionEscortNeeded = "evac.escort_needed" // an escort run: members cannot leave without help, an incident of kind evacuation
	DecisionRetimed      = "evac.retimed"       // same shelter, new travel time: the roads changed on the way
)

// Decision is one thing the evacuation planner decided; the engine records it
// in the log and folds it back with Apply. Lat/Lon is the household's house.
type Decision struct {
	Type      string `json:"type"`
	Household string `json:"household"`
	// Run and Households: an escort run and every household it fetches
	// (Household is then the first of them).
	Run        string    `json:"run,omitempty"`
	Households []string  `json:"households,omitempty"`
	Order      string    `json:"order,omitempty"`
	Shelter    string    `json:"shelter,omitempty"`
	From       string    `json:"from,omitempty"` // the shelter it had, for reassigned/unassigned
	ETASeconds float64   `json:"eta_s,omitempty"`
	People     int       `json:"people,omitempty"`
	Lat        float64   `json:"lat,omitempty"`
	Lon        float64   `json:"lon,omitempty"`
	Vulnerable int       `json:"vulnerable,omitempty"`
	Priority   int       `json:"priority,omitempty"` // escorts: 1 (most urgent) … 4
	Reason     string    `json:"reason,omitempty"`
	Time       time.Time `json:"time"`
}

// Apply folds back a decision Decide made (live) or the log recorded (replay).
// A decision that no longer fits the state (the shelter closed or filled in
// between) is refused and changes nothing.
func (e *Evacuation) Apply(d Decision) error {
	h, err := e.household(d.Household)
	if err != nil {
		return err
	}
	switch d.Type {
	case DecisionAssigned, DecisionReassigned:
		if !h.needsShelter() {
			return fmt.Errorf("%w: household %s is %s and needs no shelter place", ErrConflict, h.ID, h.state)
		}
		if h.shelter != d.From {
			return fmt.Errorf("%w: household %s is assigned to %q, not %q", ErrConflict, h.ID, h.shelter, d.From)
		}
		s, err := e.shelter(d.Shelter)
		if err != nil {
			return err
		}
		if s.ID == d.From {
			return fmt.Errorf("%w: household %s is already assigned to %s", ErrConflict, h.ID, s.ID)
		}
		if r := e.room(s, d.Time); r < h.Members {
			return fmt.Errorf("%w: shelter %s has room for %d, household %s has %d members", ErrConflict, s.ID, r, h.ID, h.Members)
		}
		e.assign(h, s.ID, d.ETASeconds)
	case DecisionUnassigned:
		if h.shelter == "" || h.shelter != d.From {
			return fmt.Errorf("%w: household %s is assigned to %q, not %q", ErrConflict, h.ID, h.shelter, d.From)
		}
		e.assign(h, "", 0)
		h.waiting = d.Reason
	case DecisionRetimed:
		if h.shelter == "" || h.shelter != d.Shelter {
			return fmt.Errorf("%w: household %s is assigned to %q, not %q", ErrConflict, h.ID, h.shelter, d.Shelter)
		}
		h.eta = d.ETASeconds
	case DecisionEscortNeeded:
		if err := e.applyEscort(d); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: unknown decision type %q", ErrInvalid, d.Type)
	}
	e.tick(d.Time)
	return nil
}
