package evac

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// escorts asks, once per household, for responders to help members who cannot
// leave alone: an incident of kind "evacuation" for the dispatcher.
func (e *Evacuation) escorts(now time.Time) []Decision {
	var out []Decision
	var hs []*household
	for _, h := range e.households {
		if h.Vulnerable() == 0 || h.escort || h.order == "" {
			continue
		}
		switch h.state {
		case StateToNotify, StateNotified, StateUnaccounted:
			hs = append(hs, h)
		}
	}
	slices.SortStableFunc(hs, func(a, b *household) int {
		return cmp.Or(cmp.Compare(e.escortPriority(a), e.escortPriority(b)), -cmp.Compare(a.exposure, b.exposure), cmp.Compare(a.idx, b.idx))
	})
	for _, h := range hs {
		p := e.escortPriority(h)
		out = append(out, Decision{Type: DecisionEscortNeeded, Household: h.ID, Order: h.order, Shelter: h.shelter,
			People: h.Members, Lat: h.At.Lat(), Lon: h.At.Lon(), Vulnerable: h.Vulnerable(), Priority: p,
			Reason: fmt.Sprintf("%d aged 80+, %d bedridden, %d disabled in grid %s (low-lying share %.2f)", h.Aged80, h.Bedridden, h.Disabled, h.Grid, h.exposure),
			Time:   now})
	}
	return out
}

// escortPriority is 1 (most urgent) … 4:
//
//	1  bedridden, or two or more vulnerable members, in a highly exposed grid
//	2  the same elsewhere, or one vulnerable member in a highly exposed grid
//	3  one vulnerable member under a mandatory order
//	4  one vulnerable member under an advisory order
func (e *Evacuation) escortPriority(h *household) int {
	heavy := h.Bedridden > 0 || h.Vulnerable() >= 2
	exposed := h.exposure >= e.cfg.Exposed
	switch {
	case heavy && exposed:
		return 1
	case heavy || exposed:
		return 2
	case e.orderID[h.order].Kind == OrderMandatory:
		return 3
	}
	return 4
}
