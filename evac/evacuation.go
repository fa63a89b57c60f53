package evac

import (
	"fmt"
	"time"

	"github.com/floodcmd/floodcmd/geo"
)

// Household states.
const (
	StateNotOrdered  = "not_ordered" // no active order covers the household
	StateToNotify    = "to_notify"   // ordered, nobody has told them yet
	StateNotified    = "notified"    // told, not yet on the way
	StateMoving      = "moving"      // on the way to a shelter
	StateAtShelter   = "at_shelter"  // checked in
	StateStaying     = "staying"     // stays by choice, confirmed by a named person
	StateUnaccounted = "unaccounted" // left a shelter while the order still holds
	StateReturned    = "returned"    // left a shelter after the order was cancelled
)

type household struct {
	Household
	idx         int     // registry order, for deterministic iteration
	exposure    float64 // the grid's low_lying_share
	state       string
	since       time.Time
	order       string // the order that governs the household ("" when none)
	shelter     string // assigned and not yet arrived ("" when none)
	eta         float64
	assignSeq   uint64 // when it was assigned, to bump the latest first
	at          string // shelter checked in at
	people      int    // people checked in
	confirmedBy string // who confirmed a stay
	escort      bool   // an escort has been asked for
	run         string // the escort run that fetches it
	waiting     string // why it lost its place, until it has one again
}

// needsShelter reports whether the household must have a shelter place: an
// order still wants it moved, or it is on its way (even after its order
// ended: it keeps its place, and gets another if that one closes or fills).
func (h *household) needsShelter() bool {
	switch h.state {
	case StateMoving:
		return true
	case StateToNotify, StateNotified, StateUnaccounted:
		return h.order != ""
	}
	return false
}

type shelter struct {
	geo.Shelter
	idx       int
	open      bool
	occupancy int // people checked in
	anonymous int // of which checked in by head count only
	reserved  int // people assigned here and not yet arrived
	by        string
	reason    string
	changed   time.Time
}

type order struct {
	OrderInput
	seq          int
	households   []*household
	in           map[string]bool // household ids, for coveringOrder
	cancelled    bool
	cancelledBy  string
	cancelReason string
	cancelledAt  time.Time
}

type progressKey struct {
	grid string
	hour int64 // Unix seconds of the clock hour
}

// Evacuation is one town's evacuation state: orders, households, shelters.
// It is folded by one goroutine; Decide and View only read it.
type Evacuation struct {
	cfg        Config
	sc         *geo.Scenario
	households []*household
	byID       map[string]*household
	grids      map[string]geo.Grid
	shelters   []*shelter
	shelterID  map[string]*shelter
	orders     []*order
	orderID    map[string]*order
	progress   map[progressKey]int
	assignSeq  uint64
	runCount   map[string]int // escort runs asked per grid
	runs       []escortRun
	clock      time.Time // latest time folded: View shows capacity as of then
}

// tick advances the clock View reads; inputs may arrive slightly out of order.
func (e *Evacuation) tick(t time.Time) {
	if t.After(e.clock) {
		e.clock = t
	}
}

// New builds the evacuation state of a town from its scenario and household
// registry. Every shelter starts open.
func New(cfg Config, sc *geo.Scenario, households []Household) (*Evacuation, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Evacuation{cfg: cfg, sc: sc, byID: map[string]*household{}, grids: map[string]geo.Grid{},
		shelterID: map[string]*shelter{}, orderID: map[string]*order{}, progress: map[progressKey]int{}, runCount: map[string]int{}}
	for _, g := range sc.Grids {
		e.grids[g.ID] = g
	}
	for g := range cfg.MeansByGrid {
		if _, ok := e.grids[g]; !ok {
			return nil, fmt.Errorf("%w: means_by_grid names unknown grid %q", ErrInvalid, g)
		}
	}
	for i, s := range sc.Shelters {
		if _, dup := e.shelterID[s.ID]; dup {
			return nil, fmt.Errorf("%w: duplicate shelter %q", ErrInvalid, s.ID)
		}
		sh := &shelter{Shelter: s, idx: i, open: true}
		e.shelters = append(e.shelters, sh)
		e.shelterID[s.ID] = sh
	}
	for i, h := range households {
		g, ok := e.grids[h.Grid]
		switch {
		case h.ID == "":
			return nil, fmt.Errorf("%w: household %d has no id", ErrInvalid, i)
		case e.byID[h.ID] != nil:
			return nil, fmt.Errorf("%w: duplicate household %q", ErrInvalid, h.ID)
		case !ok:
			return nil, fmt.Errorf("%w: household %q in unknown grid %q", ErrInvalid, h.ID, h.Grid)
		case h.Members < 1:
			return nil, fmt.Errorf("%w: household %q has %d members", ErrInvalid, h.ID, h.Members)
		case !validMeans(h.Means):
			return nil, fmt.Errorf("%w: household %q has means %q", ErrInvalid, h.ID, h.Means)
		}
		h.Village = g.Village
		hh := &household{Household: h, idx: i, exposure: g.LowLyingShare, state: StateNotOrdered}
		e.households = append(e.households, hh)
		e.byID[h.ID] = hh
	}
	return e, nil
}

// capacity is what a shelter holds at time t (night or day).
func (e *Evacuation) capacity(s *shelter, t time.Time) int {
	if e.cfg.Night(t) {
		return s.CapacityNight
	}
	return s.CapacityDay
}

// room is what the plan may still send to a shelter at time t: capacity less
// those inside and those on their way. Closed shelters have none.
func (e *Evacuation) room(s *shelter, t time.Time) int {
	if !s.open {
		return 0
	}
	return max(0, e.capacity(s, t)-s.occupancy-s.reserved)
}

// assign moves a household's reservation to another shelter ("" for none).
func (e *Evacuation) assign(h *household, shelterID string, eta float64) {
	if h.shelter != "" {
		e.shelterID[h.shelter].reserved -= h.Members
	}
	h.shelter, h.eta = shelterID, eta
	if shelterID != "" {
		e.shelterID[shelterID].reserved += h.Members
		h.waiting = ""
		e.assignSeq++
		h.assignSeq = e.assignSeq
	}
}

func (e *Evacuation) household(id string) (*household, error) {
	h, ok := e.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: unknown household %q", ErrNotFound, id)
	}
	return h, nil
}

func (e *Evacuation) shelter(id string) (*shelter, error) {
	s, ok := e.shelterID[id]
	if !ok {
		return nil, fmt.Errorf("%w: unknown shelter %q", ErrNotFound, id)
	}
	return s, nil
}
