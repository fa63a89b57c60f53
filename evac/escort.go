package evac

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// escortRun is one trip of an escort team: households of one grid that a
// team takes together, at most EscortRunPeople people who need its help
// (their able relatives walk beside them).
type escortRun struct {
	id         string
	grid       string
	households []*household
	priority   int
}

// escorts asks for escort runs for the households an order covers whose
// members cannot leave alone and that no run covers yet: per grid, the most
// urgent first, packed in that order into runs of at most EscortRunPeople
// people who need help (a household with more is a run of its own). Each run becomes one
// incident of kind "evacuation" for the dispatcher, so one order asks for a
// team per trip, not per household.
func (e *Evacuation) escorts(now time.Time) []Decision {
	byGrid := map[string][]*household{}
	var grids []string
	for _, h := range e.households {
		if !h.needsEscort() || h.escort || h.order == "" {
			continue
		}
		switch h.state {
		case StateToNotify, StateNotified, StateUnaccounted:
			if byGrid[h.Grid] == nil {
				grids = append(grids, h.Grid)
			}
			byGrid[h.Grid] = append(byGrid[h.Grid], h)
		}
	}
	var runs []escortRun
	for _, g := range grids {
		runs = append(runs, e.packRuns(g, byGrid[g], e.runCount[g])...)
	}
	slices.SortStableFunc(runs, func(a, b escortRun) int {
		return cmp.Or(cmp.Compare(a.priority, b.priority), -cmp.Compare(a.households[0].exposure, b.households[0].exposure), cmp.Compare(a.households[0].idx, b.households[0].idx))
	})
	var out []Decision
	for _, r := range runs {
		out = append(out, e.runDecision(r, now))
	}
	return out
}

// packRuns packs a grid's households needing an escort, the most urgent
// first, into runs numbered from after the grid's done runs.
func (e *Evacuation) packRuns(grid string, hs []*household, done int) []escortRun {
	slices.SortStableFunc(hs, func(a, b *household) int {
		return cmp.Or(cmp.Compare(e.escortPriority(a), e.escortPriority(b)), cmp.Compare(a.idx, b.idx))
	})
	var runs []escortRun
	people := 0
	for _, h := range hs {
		if len(runs) == 0 || people+h.helped() > e.cfg.EscortRunPeople {
			runs = append(runs, escortRun{id: fmt.Sprintf("%s-run%d", grid, done+len(runs)+1), grid: grid, priority: e.escortPriority(h)})
			people = 0
		}
		r := &runs[len(runs)-1]
		r.households = append(r.households, h)
		people += h.helped()
	}
	return runs
}

func (e *Evacuation) runDecision(r escortRun, now time.Time) Decision {
	first := r.households[0]
	d := Decision{Type: DecisionEscortNeeded, Household: first.ID, Run: r.id, Order: first.order, Shelter: first.shelter,
		Lat: first.At.Lat(), Lon: first.At.Lon(), Priority: r.priority, Time: now}
	var who []string
	for _, h := range r.households {
		d.Households = append(d.Households, h.ID)
		d.People += h.Members
		d.Vulnerable += h.Vulnerable()
		who = append(who, fmt.Sprintf("%s (%d of %d need help: %d aged 80+, %d bedridden, %d disabled)", h.ID, h.Vulnerable(), h.Members, h.Aged80, h.Bedridden, h.Disabled))
	}
	d.Reason = fmt.Sprintf("escort run %s, grid %s (low-lying share %.2f), %d household(s), %d people: %s",
		r.id, r.grid, first.exposure, len(r.households), d.People, strings.Join(who, "; "))
	return d
}

// helped is how many members need an escort team's help: the vulnerable
// ones, or everyone in a household the registry says is escorted.
func (h *household) helped() int {
	if v := h.Vulnerable(); v > 0 {
		return v
	}
	return h.Members
}

// applyEscort folds an escort run (or, from logs before runs, one household's escort).
func (e *Evacuation) applyEscort(d Decision) error {
	ids := d.Households
	if len(ids) == 0 {
		ids = []string{d.Household}
	}
	hs := make([]*household, 0, len(ids))
	for _, id := range ids {
		h, err := e.household(id)
		if err != nil {
			return err
		}
		switch {
		case !h.needsEscort():
			return fmt.Errorf("%w: household %s has no member who needs an escort", ErrConflict, h.ID)
		case h.escort:
			return fmt.Errorf("%w: household %s is already in escort run %q", ErrConflict, h.ID, h.run)
		}
		hs = append(hs, h)
	}
	for _, h := range hs {
		h.escort, h.run = true, d.Run
	}
	if d.Run != "" {
		e.runCount[hs[0].Grid]++
		e.runs = append(e.runs, escortRun{id: d.Run, grid: hs[0].Grid, households: hs, priority: d.Priority})
	}
	return nil
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
