package evac

import (
	"cmp"
	"slices"
	"time"
)

// View is a JSON-ready snapshot of the evacuation for the board and the API,
// in a fixed order so equal states marshal to equal bytes.
type View struct {
	Orders      []OrderView     `json:"orders"`
	Shelters    []ShelterView   `json:"shelters"`
	Grids       []Headcount     `json:"grids"`
	Villages    []Headcount     `json:"villages"`
	Unaccounted []HouseholdView `json:"unaccounted"`
	Progress    []ProgressView  `json:"progress"`
	EscortRuns  []RunView       `json:"escort_runs"`
}

// RunView is an escort run: one team trip fetching the households of a grid
// whose members cannot leave alone (one evacuation incident, escort-<id>).
type RunView struct {
	ID         string   `json:"id"`
	Grid       string   `json:"grid"`
	Priority   int      `json:"priority"` // 1 (most urgent) … 4
	Households []string `json:"households"`
	People     int      `json:"people"`
	Vulnerable int      `json:"vulnerable"` // people who need the team's help
	Fetched    int      `json:"fetched"`    // households of the run on their way, at a shelter or staying
}

// OrderView is an order and how many it covers.
type OrderView struct {
	OrderInput
	Status       string     `json:"status"` // active / cancelled
	Households   int        `json:"households"`
	People       int        `json:"people"`
	CancelledBy  string     `json:"cancelled_by,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	Estimate
}

// ShelterView is a shelter's capacity now (day or night) and who fills it.
type ShelterView struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Open          bool   `json:"open"`
	Night         bool   `json:"night"`
	Capacity      int    `json:"capacity"` // at the view's time
	CapacityDay   int    `json:"capacity_day"`
	CapacityNight int    `json:"capacity_night"`
	Occupancy     int    `json:"occupancy"`
	OnTheWay      int    `json:"on_the_way"` // assigned, not yet arrived
	Remaining     int    `json:"remaining"`  // what the plan may still send
	// OverCapacity is how many people inside are beyond the capacity at the
	// view's time: people checked in at the door of a full shelter, or night
	// falling on a shelter filled by day. Someone must move them on.
	OverCapacity int    `json:"over_capacity,omitempty"`
	Note         string `json:"note,omitempty"`
}

// Count is households and the people in them.
type Count struct {
	Households int `json:"households"`
	People     int `json:"people"`
}

func (c *Count) add(h *household) { c.Households++; c.People += h.Members }

// Headcount is where the households of a grid (or village) are. Ordered
// counts households under an active order; the other counts cover them and
// anybody still at a shelter. Unaccounted is the "no one left behind" figure:
// ordered households not known to be at a shelter, on their way or staying
// (to notify, notified, or left a shelter).
type Headcount struct {
	ID          string `json:"id"`
	Village     string `json:"village,omitempty"`
	Ordered     Count  `json:"ordered"`
	ToNotify    Count  `json:"to_notify"`
	Notified    Count  `json:"notified"`
	Moving      Count  `json:"moving"`
	AtShelter   Count  `json:"at_shelter"`
	Staying     Count  `json:"staying"`
	Unaccounted Count  `json:"unaccounted"`
	// Estimate: when everyone ordered is expected to be accounted for, and
	// how many households are against how many the estimate expects by now.
	Estimate
}

// HouseholdView is a household where it stands, for the lists grid workers go through.
type HouseholdView struct {
	ID          string  `json:"id"`
	Grid        string  `json:"grid"`
	Village     string  `json:"village"`
	Address     string  `json:"address"`
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	Members     int     `json:"members"`
	Vulnerable  int     `json:"vulnerable"`
	Phone       string  `json:"phone"`
	State       string  `json:"state"`
	Order       string  `json:"order,omitempty"`
	Shelter     string  `json:"shelter,omitempty"` // assigned, or checked in at
	ETASeconds  float64 `json:"eta_s,omitempty"`
	ConfirmedBy string  `json:"confirmed_by,omitempty"`
	Means       string  `json:"means"`             // foot, car or escort
	Run         string  `json:"run,omitempty"`     // the escort run that fetches it
	Waiting     string  `json:"waiting,omitempty"` // why it has no place, while it waits for room
	// EstimatedAt is when it is expected to be accounted for (see estimate.go).
	EstimatedAt *time.Time `json:"estimated_at,omitempty"`
}

// ProgressView is how many people of a grid checked in during one clock hour
// (Yangning's 150 in an hour on 12 May 2022 is the yardstick). Grid "" counts
// people checked in by head count only.
type ProgressView struct {
	Grid   string    `json:"grid"`
	Hour   time.Time `json:"hour"`
	People int       `json:"people"`
}

func (e *Evacuation) householdView(h *household, est map[*household]time.Time) HouseholdView {
	v := HouseholdView{ID: h.ID, Grid: h.Grid, Village: h.Village, Address: h.Address, Lat: h.At.Lat(), Lon: h.At.Lon(),
		Members: h.Members, Vulnerable: h.Vulnerable(), Phone: h.Phone, State: h.state, Order: h.order,
		Shelter: h.shelter, ETASeconds: h.eta, ConfirmedBy: h.confirmedBy, Means: e.means(h), Run: h.run}
	if h.state == StateAtShelter {
		v.Shelter = h.at
	}
	if at, ok := est[h]; ok {
		t := at.UTC()
		v.EstimatedAt = &t
	}
	if h.needsShelter() && h.shelter == "" {
		v.Waiting = h.waiting
		if v.Waiting == "" {
			v.Waiting = "no reachable shelter has room yet: waiting for room"
		}
	}
	return v
}

// Household returns one household's view.
func (e *Evacuation) Household(id string) (HouseholdView, bool) {
	h, ok := e.byID[id]
	if !ok {
		return HouseholdView{}, false
	}
	return e.householdView(h, nil), true // estimates are in View (they take the whole town)
}

// Unplaced lists the households an active order wants moved that have no
// shelter place, in registry order, each with why it waits.
func (e *Evacuation) Unplaced() []HouseholdView {
	out := []HouseholdView{}
	for _, h := range e.households {
		if h.needsShelter() && h.shelter == "" {
			out = append(out, e.householdView(h, nil))
		}
	}
	return out
}

// unaccounted reports whether an ordered household is not known to be safe.
func (h *household) unaccounted() bool {
	if h.order == "" {
		return false
	}
	switch h.state {
	case StateToNotify, StateNotified, StateUnaccounted:
		return true
	}
	return false
}

// Unaccounted lists the households of a grid ("" for every grid) that an
// active order covers and that are not at a shelter, on their way or
// confirmed staying, in registry order.
func (e *Evacuation) Unaccounted(grid string) []HouseholdView {
	return e.unaccountedList(grid, e.estimates())
}

func (e *Evacuation) unaccountedList(grid string, est map[*household]time.Time) []HouseholdView {
	out := []HouseholdView{}
	for _, h := range e.households {
		if (grid == "" || h.Grid == grid) && h.unaccounted() {
			out = append(out, e.householdView(h, est))
		}
	}
	return out
}

// View returns the evacuation as it stands, with shelter capacities (day or
// night) as of the latest time folded.
func (e *Evacuation) View() View {
	now := e.clock
	est := e.estimates()
	v := View{Orders: []OrderView{}, Shelters: []ShelterView{}, Grids: []Headcount{}, Villages: []Headcount{},
		Unaccounted: e.unaccountedList("", est), Progress: []ProgressView{}, EscortRuns: []RunView{}}
	for _, r := range e.runs {
		rv := RunView{ID: r.id, Grid: r.grid, Priority: r.priority}
		for _, h := range r.households {
			rv.Households = append(rv.Households, h.ID)
			rv.People += h.Members
			rv.Vulnerable += h.helped()
			if h.state == StateMoving || h.state == StateAtShelter || h.state == StateStaying {
				rv.Fetched++
			}
		}
		v.EscortRuns = append(v.EscortRuns, rv)
	}
	for _, o := range e.orders {
		ov := OrderView{OrderInput: o.OrderInput, Status: "active", Households: len(o.households)}
		if !o.cancelled {
			var governed []*household
			for _, h := range o.households {
				if h.order == o.ID {
					governed = append(governed, h)
				}
			}
			ov.Estimate = e.estimateOf(governed, est, now)
		}
		for _, h := range o.households {
			ov.People += h.Members
		}
		if o.cancelled {
			at := o.cancelledAt
			ov.Status, ov.CancelledBy, ov.CancelReason, ov.CancelledAt = "cancelled", o.cancelledBy, o.cancelReason, &at
		}
		v.Orders = append(v.Orders, ov)
	}
	for _, s := range e.shelters {
		v.Shelters = append(v.Shelters, ShelterView{ID: s.ID, Name: s.Name, Open: s.open, Night: e.cfg.Night(now),
			Capacity: e.capacity(s, now), CapacityDay: s.CapacityDay, CapacityNight: s.CapacityNight,
			Occupancy: s.occupancy, OnTheWay: s.reserved, Remaining: e.room(s, now), Note: s.reason,
			OverCapacity: max(0, s.occupancy-e.capacity(s, now))})
	}
	grids := map[string]*Headcount{}
	villages := map[string]*Headcount{}
	members := map[*Headcount][]*household{}
	for _, h := range e.households {
		if h.order == "" && h.state != StateAtShelter && h.state != StateMoving {
			continue
		}
		g, ok := grids[h.Grid]
		if !ok {
			g = &Headcount{ID: h.Grid, Village: h.Village}
			grids[h.Grid] = g
		}
		vl, ok := villages[h.Village]
		if !ok {
			vl = &Headcount{ID: h.Village}
			villages[h.Village] = vl
		}
		for _, c := range []*Headcount{g, vl} {
			members[c] = append(members[c], h)
			if h.order != "" {
				c.Ordered.add(h)
			}
			switch h.state {
			case StateToNotify:
				c.ToNotify.add(h)
			case StateNotified:
				c.Notified.add(h)
			case StateMoving:
				c.Moving.add(h)
			case StateAtShelter:
				c.AtShelter.add(h)
			case StateStaying:
				c.Staying.add(h)
			}
			if h.unaccounted() {
				c.Unaccounted.add(h)
			}
		}
	}
	for c, hs := range members {
		c.Estimate = e.estimateOf(hs, est, now)
	}
	for _, g := range grids {
		v.Grids = append(v.Grids, *g)
	}
	for _, vl := range villages {
		v.Villages = append(v.Villages, *vl)
	}
	byID := func(a, b Headcount) int { return cmp.Compare(a.ID, b.ID) }
	slices.SortFunc(v.Grids, byID)
	slices.SortFunc(v.Villages, byID)
	for k, n := range e.progress {
		v.Progress = append(v.Progress, ProgressView{Grid: k.grid, Hour: time.Unix(k.hour, 0).UTC(), People: n})
	}
	slices.SortFunc(v.Progress, func(a, b ProgressView) int { return cmp.Or(cmp.Compare(a.Grid, b.Grid), a.Hour.Compare(b.Hour)) })
	return v
}
