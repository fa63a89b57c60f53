package evac

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// The evacuation time estimate follows the model evacuation planners use
// (an ETE study's trip generation, then travel: US NRC NUREG/CR-7002,
// "Criteria for Development of Evacuation Time Estimate Studies", 2011):
//
//	accounted for = told + prepared + travelled
//
//   - told: grid workers go door to door, NotifyWorkers per grid, each
//     NotifyMinutes per household, starting when the order is given, the
//     households with the longest trips first (neighbours have similar
//     trips, so this is also a walk through the grid). A household already
//     told counts from when it was.
//   - prepared: PrepareMinutes from being told to leaving.
//   - travelled: the trip to its assigned shelter by its means (on foot at
//     WalkKmh over Detour × the straight distance, or by road).
//   - escorted: households that cannot leave alone wait for their escort
//     run. EscortTeams teams take the runs, the most urgent first, each
//     starting EscortMobiliseMinutes after the order or when its previous run
//     is done; a run spends EscortPickupMinutes per household, then drives
//     to the shelter and back.
//
// A household on its way counts from when it left; one at a shelter or
// confirmed staying is accounted for when it was. One without a place has no
// estimate until it gets one. The figures and their sources are in doc.go.

// estimates gives each household under an active order the time it is
// expected to be accounted for (zero: no estimate, it has no place).
func (e *Evacuation) estimates() map[*household]time.Time {
	out := map[*household]time.Time{}
	minutes := func(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }
	door := map[string][]*household{} // (order, grid) → the households its workers tell
	var keys []string
	for _, h := range e.households {
		if h.order == "" {
			continue
		}
		switch h.state {
		case StateAtShelter, StateStaying:
			out[h] = h.since
			continue
		case StateMoving:
			if h.shelter != "" {
				out[h] = h.since.Add(seconds(h.eta))
			}
			continue
		}
		if h.needsEscort() {
			continue // below, with the runs
		}
		key := h.order + "\x00" + h.Grid
		if door[key] == nil {
			keys = append(keys, key)
		}
		door[key] = append(door[key], h)
	}
	for _, key := range keys {
		hs := door[key]
		// the longest trips first (Jackson's rule: it minimises the latest
		// arrival when workers tell households one after another)
		slices.SortStableFunc(hs, func(a, b *household) int { return cmp.Compare(b.eta, a.eta) })
		for k, h := range hs {
			toldAt := e.orderID[h.order].Time.Add(minutes(float64(k/e.cfg.NotifyWorkers+1) * e.cfg.NotifyMinutes))
			if h.state == StateNotified || h.state == StateUnaccounted {
				toldAt = h.since
			}
			if h.shelter != "" {
				out[h] = toldAt.Add(minutes(e.cfg.PrepareMinutes)).Add(seconds(h.eta))
			}
		}
	}
	e.estimateRuns(out, minutes)
	return out
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// estimateRuns schedules the escort runs (those asked for and those still to
// ask) on EscortTeams teams, the most urgent first.
func (e *Evacuation) estimateRuns(out map[*household]time.Time, minutes func(float64) time.Duration) {
	runs := slices.Clone(e.runs)
	byGrid := map[string][]*household{}
	var grids []string
	for _, h := range e.households {
		if h.order != "" && h.needsEscort() && !h.escort && (h.state == StateToNotify || h.state == StateNotified || h.state == StateUnaccounted) {
			if byGrid[h.Grid] == nil {
				grids = append(grids, h.Grid)
			}
			byGrid[h.Grid] = append(byGrid[h.Grid], h)
		}
	}
	for _, g := range grids {
		runs = append(runs, e.packRuns(g, byGrid[g], e.runCount[g])...)
	}
	type job struct {
		run   escortRun
		start time.Time // the earliest its team may begin: the order plus mobilising
	}
	var jobs []job
	for i, r := range runs {
		var open []*household
		start := time.Time{}
		asked := i < len(e.runs)
		for _, h := range r.households {
			if h.order == "" || (asked && h.run != r.id) || (h.state != StateToNotify && h.state != StateNotified && h.state != StateUnaccounted) {
				continue // fetched already, moving, no longer ordered, or ordered again since (a new run)
			}
			open = append(open, h)
			if s := e.orderID[h.order].Time.Add(minutes(e.cfg.EscortMobiliseMinutes)); start.IsZero() || s.Before(start) {
				start = s
			}
		}
		if len(open) > 0 {
			r.households = open
			jobs = append(jobs, job{r, start})
		}
	}
	slices.SortStableFunc(jobs, func(a, b job) int {
		return cmp.Or(cmp.Compare(a.run.priority, b.run.priority), a.start.Compare(b.start))
	})
	free := make([]time.Time, e.cfg.EscortTeams) // when each team is free
	for _, j := range jobs {
		team := 0
		for i := range free {
			if free[i].Before(free[team]) {
				team = i
			}
		}
		start := j.start
		if free[team].After(start) {
			start = free[team]
		}
		drive, placed := 0.0, true
		for _, h := range j.run.households {
			if h.shelter == "" {
				placed = false
			}
			drive = math.Max(drive, h.eta)
		}
		arrive := start.Add(minutes(e.cfg.EscortPickupMinutes * float64(len(j.run.households)))).Add(seconds(drive))
		free[team] = arrive.Add(seconds(drive))
		if !placed {
			continue
		}
		for _, h := range j.run.households {
			out[h] = arrive
		}
	}
}

// Estimate is an evacuation time estimate for a set of households (a grid, a
// village, an order) and the progress against it at the view's time.
type Estimate struct {
	// Minutes from the order to everyone accounted for (at a shelter or
	// confirmed staying), when every household has a place.
	Minutes float64 `json:"estimate_min,omitempty"`
	// AllAt is when everyone is expected to be accounted for.
	AllAt *time.Time `json:"estimated_all_at,omitempty"`
	// ExpectedAccounted is how many households the estimate says are
	// accounted for by the view's time; Accounted is how many are.
	ExpectedAccounted int `json:"expected_accounted"`
	Accounted         int `json:"accounted"`
	// NoEstimate counts households without a place, which have no estimate yet.
	NoEstimate int `json:"no_estimate"`
}

// estimateOf sums the estimates of the ordered households among hs, from
// the earliest of their orders.
func (e *Evacuation) estimateOf(hs []*household, est map[*household]time.Time, now time.Time) Estimate {
	var x Estimate
	var from, all time.Time
	for _, h := range hs {
		if h.order == "" {
			continue
		}
		if t := e.orderID[h.order].Time; from.IsZero() || t.Before(from) {
			from = t
		}
		if h.state == StateAtShelter || h.state == StateStaying {
			x.Accounted++
		}
		at, ok := est[h]
		if !ok {
			x.NoEstimate++
			continue
		}
		if !at.After(now) {
			x.ExpectedAccounted++
		}
		if at.After(all) {
			all = at
		}
	}
	if x.NoEstimate == 0 && !all.IsZero() {
		t := all.UTC()
		x.AllAt = &t
		x.Minutes = math.Round(all.Sub(from).Minutes()*10) / 10
	}
	return x
}
