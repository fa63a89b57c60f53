package evac

import (
	"fmt"
	"time"
)

// OpenShelter opens a shelter (again) so the plan may send people there.
func (e *Evacuation) OpenShelter(id, operator, reason string, t time.Time) error {
	s, err := e.shelter(id)
	if err != nil {
		return err
	}
	if s.open {
		return fmt.Errorf("%w: shelter %s is already open", ErrConflict, id)
	}
	s.open, s.by, s.reason, s.changed = true, operator, reason, t
	e.tick(t)
	return nil
}

// CloseShelter closes a shelter: nobody more checks in, and the next Decide
// re-plans the households on their way there. Those inside stay counted
// until they check out (closing does not move people by itself).
func (e *Evacuation) CloseShelter(id, operator, reason string, t time.Time) error {
	s, err := e.shelter(id)
	if err != nil {
		return err
	}
	if !s.open {
		return fmt.Errorf("%w: shelter %s is already closed", ErrConflict, id)
	}
	if operator == "" {
		return fmt.Errorf("%w: closing shelter %s names no operator", ErrInvalid, id)
	}
	s.open, s.by, s.reason, s.changed = false, operator, reason, t
	e.tick(t)
	return nil
}

// CheckIn records people arriving at a shelter: a registered household
// (people 0 means all its members) or, with household "", a head count of
// people not in the registry.
//
// People who are at the door are recorded even when the shelter is full or
// closed: refusing the record would not send them anywhere, it would only
// make the town lose track of them (they would count as unaccounted while
// standing in a shelter). The plan never sends anyone beyond a shelter's
// capacity or to a closed one; a check-in that goes over, or into a closed
// shelter, shows on the shelter's view (OverCapacity, and people inside a
// closed shelter) for an operator to move them on. A household checking in
// somewhere other than its assigned shelter frees its place there.
func (e *Evacuation) CheckIn(shelterID, householdID string, people int, t time.Time) error {
	s, err := e.shelter(shelterID)
	if err != nil {
		return err
	}
	var h *household
	if householdID != "" {
		if h, err = e.household(householdID); err != nil {
			return err
		}
		if h.state == StateAtShelter {
			return fmt.Errorf("%w: household %s is already checked in at %s; check it out first", ErrConflict, h.ID, h.at)
		}
		if people == 0 {
			people = h.Members
		}
	}
	if people < 1 {
		return fmt.Errorf("%w: check-in at %s of %d people", ErrInvalid, shelterID, people)
	}
	s.occupancy += people
	grid := ""
	if h == nil {
		s.anonymous += people
	} else {
		e.assign(h, "", 0)
		h.state, h.since, h.at, h.people, h.confirmedBy = StateAtShelter, t, shelterID, people, ""
		grid = h.Grid
	}
	e.progress[progressKey{grid: grid, hour: t.Truncate(time.Hour).Unix()}] += people
	e.tick(t)
	return nil
}

func (e *Evacuation) dayOrNight(t time.Time) string {
	if e.cfg.Night(t) {
		return "night"
	}
	return "day"
}

// CheckOut records people leaving a shelter: a registered household (all of
// those it checked in) or, with household "", a head count of those checked
// in by head count only. A household leaving while its order holds becomes
// unaccounted (the next Decide finds it a place again); after the order was
// cancelled it has returned.
func (e *Evacuation) CheckOut(shelterID, householdID string, people int, t time.Time) error {
	s, err := e.shelter(shelterID)
	if err != nil {
		return err
	}
	if householdID == "" {
		if people < 1 || people > s.anonymous {
			return fmt.Errorf("%w: check-out of %d people by head count at %s, where %d are checked in by head count only; name the household",
				ErrInvalid, people, shelterID, s.anonymous)
		}
		s.anonymous -= people
		s.occupancy -= people
		e.tick(t)
		return nil
	}
	h, err := e.household(householdID)
	if err != nil {
		return err
	}
	if h.state != StateAtShelter || h.at != shelterID {
		return fmt.Errorf("%w: household %s is not checked in at %s (it is %s)", ErrConflict, h.ID, shelterID, h.state)
	}
	if people != 0 && people != h.people {
		return fmt.Errorf("%w: household %s checked in %d people at %s, not %d; check the household out whole", ErrInvalid, h.ID, h.people, shelterID, people)
	}
	s.occupancy -= h.people
	h.at, h.people, h.since = "", 0, t
	if h.order == "" {
		h.state = StateReturned
		h.escort, h.run = false, "" // home again: a later order fetches it again
	} else {
		h.state = StateUnaccounted
	}
	e.tick(t)
	return nil
}
