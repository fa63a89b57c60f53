package evac

import (
	"fmt"
	"slices"
	"time"
)

// Notify records that a household was told to leave (by a grid worker, a call…).
func (e *Evacuation) Notify(householdID, by string, t time.Time) error {
	h, err := e.ordered(householdID, StateToNotify, StateNotified)
	if err != nil {
		return err
	}
	h.state, h.since = StateNotified, t
	e.tick(t)
	return nil
}

// Moving records that a household is on its way to a shelter.
func (e *Evacuation) Moving(householdID string, t time.Time) error {
	h, err := e.ordered(householdID, StateToNotify, StateNotified, StateMoving, StateUnaccounted, StateStaying)
	if err != nil {
		return err
	}
	h.state, h.since, h.confirmedBy = StateMoving, t, ""
	e.tick(t)
	return nil
}

// Staying records a household that stays by choice; someone (a grid worker,
// the grid chief) must confirm it, so a stay is never assumed. Its shelter
// place is given back.
func (e *Evacuation) Staying(householdID, confirmedBy string, t time.Time) error {
	if confirmedBy == "" {
		return fmt.Errorf("%w: a stay of household %s must be confirmed by someone", ErrInvalid, householdID)
	}
	h, err := e.ordered(householdID, StateToNotify, StateNotified, StateMoving, StateUnaccounted, StateStaying)
	if err != nil {
		return err
	}
	e.assign(h, "", 0)
	h.state, h.since, h.confirmedBy = StateStaying, t, confirmedBy
	e.tick(t)
	return nil
}

// ordered finds a household an active order covers, in one of the given states.
func (e *Evacuation) ordered(id string, states ...string) (*household, error) {
	h, err := e.household(id)
	if err != nil {
		return nil, err
	}
	if h.order == "" {
		return nil, fmt.Errorf("%w: household %s is under no active evacuation order", ErrConflict, id)
	}
	if !slices.Contains(states, h.state) {
		return nil, fmt.Errorf("%w: household %s is %s", ErrConflict, id, h.state)
	}
	return h, nil
}
