package evac

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/floodcmd/floodcmd/internal/snapshotio"
)

// The evacuation's part of a fold snapshot: what the fold changed of the
// registry's households and the scenario's shelters, the orders, escort runs,
// progress and counters, in a stable order. The registry, the shelters'
// geography and the configuration come from the scenario Restore is called on.

type evacSnap struct {
	Households []householdSnap `json:"households"` // registry order
	Shelters   []shelterSnap   `json:"shelters"`   // scenario order
	Orders     []orderSnap     `json:"orders"`     // in the order given
	Progress   []progressSnap  `json:"progress"`   // by grid, hour
	AssignSeq  uint64          `json:"assign_seq"`
	RunCount   map[string]int  `json:"run_count"`
	Runs       []runSnap       `json:"runs"`
	Clock      time.Time       `json:"clock"`
}

type householdSnap struct {
	ID          string    `json:"id"`
	State       string    `json:"state"`
	Since       time.Time `json:"since"`
	Order       string    `json:"order,omitempty"`
	Shelter     string    `json:"shelter,omitempty"`
	ETA         float64   `json:"eta,omitempty"`
	AssignSeq   uint64    `json:"assign_seq,omitempty"`
	At          string    `json:"at,omitempty"`
	People      int       `json:"people,omitempty"`
	ConfirmedBy string    `json:"confirmed_by,omitempty"`
	Escort      bool      `json:"escort,omitempty"`
	Run         string    `json:"run,omitempty"`
	Waiting     string    `json:"waiting,omitempty"`
}

type shelterSnap struct {
	ID        string    `json:"id"`
	Open      bool      `json:"open"`
	Occupancy int       `json:"occupancy"`
	Anonymous int       `json:"anonymous"`
	Reserved  int       `json:"reserved"`
	By        string    `json:"by,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Changed   time.Time `json:"changed"`
}

type orderSnap struct {
	Input        OrderInput `json:"input"`
	Seq          int        `json:"seq"`
	Households   []string   `json:"households"`
	Cancelled    bool       `json:"cancelled,omitempty"`
	CancelledBy  string     `json:"cancelled_by,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	CancelledAt  time.Time  `json:"cancelled_at"`
}

type progressSnap struct {
	Grid   string `json:"grid"`
	Hour   int64  `json:"hour"`
	People int    `json:"people"`
}

type runSnap struct {
	ID         string   `json:"id"`
	Grid       string   `json:"grid"`
	Households []string `json:"households"`
	Priority   int      `json:"priority"`
}

// SnapshotSchema fingerprints the evacuation's snapshot types.
var SnapshotSchema = snapshotio.Schema(evacSnap{})

func householdIDs(hs []*household) []string {
	ids := make([]string, len(hs))
	for i, h := range hs {
		ids[i] = h.ID
	}
	return ids
}

// Snapshot is the evacuation's fold state as deterministic bytes.
func (e *Evacuation) Snapshot() ([]byte, error) {
	s := evacSnap{AssignSeq: e.assignSeq, RunCount: e.runCount, Clock: e.clock,
		Households: make([]householdSnap, 0, len(e.households)), Shelters: make([]shelterSnap, 0, len(e.shelters)),
		Orders: make([]orderSnap, 0, len(e.orders)), Progress: make([]progressSnap, 0, len(e.progress)),
		Runs: make([]runSnap, 0, len(e.runs))}
	for _, h := range e.households {
		s.Households = append(s.Households, householdSnap{ID: h.ID, State: h.state, Since: h.since, Order: h.order,
			Shelter: h.shelter, ETA: h.eta, AssignSeq: h.assignSeq, At: h.at, People: h.people, ConfirmedBy: h.confirmedBy,
			Escort: h.escort, Run: h.run, Waiting: h.waiting})
	}
	for _, sh := range e.shelters {
		s.Shelters = append(s.Shelters, shelterSnap{ID: sh.ID, Open: sh.open, Occupancy: sh.occupancy, Anonymous: sh.anonymous,
			Reserved: sh.reserved, By: sh.by, Reason: sh.reason, Changed: sh.changed})
	}
	for _, od := range e.orders {
		s.Orders = append(s.Orders, orderSnap{Input: od.OrderInput, Seq: od.seq, Households: householdIDs(od.households),
			Cancelled: od.cancelled, CancelledBy: od.cancelledBy, CancelReason: od.cancelReason, CancelledAt: od.cancelledAt})
	}
	for k, n := range e.progress {
		s.Progress = append(s.Progress, progressSnap{Grid: k.grid, Hour: k.hour, People: n})
	}
	sort.Slice(s.Progress, func(i, j int) bool {
		a, b := s.Progress[i], s.Progress[j]
		return a.Grid < b.Grid || (a.Grid == b.Grid && a.Hour < b.Hour)
	})
	for _, r := range e.runs {
		s.Runs = append(s.Runs, runSnap{ID: r.id, Grid: r.grid, Households: householdIDs(r.households), Priority: r.priority})
	}
	return json.Marshal(s)
}

// Restore replaces the evacuation's fold state by a snapshot's. It is called
// on an evacuation freshly built from the same scenario and registry.
func (e *Evacuation) Restore(raw []byte) error {
	var s evacSnap
	if err := snapshotio.Decode(raw, &s); err != nil {
		return fmt.Errorf("%w: evacuation snapshot: %v", ErrInvalid, err)
	}
	if len(s.Households) != len(e.households) || len(s.Shelters) != len(e.shelters) || s.RunCount == nil {
		return fmt.Errorf("%w: evacuation snapshot of %d households and %d shelters, the registry has %d and %d",
			ErrInvalid, len(s.Households), len(s.Shelters), len(e.households), len(e.shelters))
	}
	lookup := func(ids []string) ([]*household, error) {
		out := make([]*household, len(ids))
		for i, id := range ids {
			if out[i] = e.byID[id]; out[i] == nil {
				return nil, fmt.Errorf("%w: evacuation snapshot names unknown household %q", ErrInvalid, id)
			}
		}
		return out, nil
	}
	orders, orderID := make([]*order, 0, len(s.Orders)), make(map[string]*order, len(s.Orders))
	for _, o := range s.Orders {
		hs, err := lookup(o.Households)
		if err != nil {
			return err
		}
		od := &order{OrderInput: o.Input, seq: o.Seq, households: hs, in: make(map[string]bool, len(hs)),
			cancelled: o.Cancelled, cancelledBy: o.CancelledBy, cancelReason: o.CancelReason, cancelledAt: o.CancelledAt}
		for _, h := range hs {
			od.in[h.ID] = true
		}
		orders = append(orders, od)
		orderID[od.ID] = od
	}
	runs := make([]escortRun, 0, len(s.Runs))
	for _, r := range s.Runs {
		hs, err := lookup(r.Households)
		if err != nil {
			return err
		}
		runs = append(runs, escortRun{id: r.ID, grid: r.Grid, households: hs, priority: r.Priority})
	}
	for i, h := range s.Households {
		if e.households[i].ID != h.ID {
			return fmt.Errorf("%w: evacuation snapshot: household %d is %q, the registry's is %q", ErrInvalid, i, h.ID, e.households[i].ID)
		}
	}
	for i, sh := range s.Shelters {
		if e.shelters[i].ID != sh.ID {
			return fmt.Errorf("%w: evacuation snapshot: shelter %d is %q, the scenario's is %q", ErrInvalid, i, sh.ID, e.shelters[i].ID)
		}
	}
	for i, h := range s.Households {
		hh := e.households[i]
		hh.state, hh.since, hh.order, hh.shelter, hh.eta, hh.assignSeq = h.State, h.Since, h.Order, h.Shelter, h.ETA, h.AssignSeq
		hh.at, hh.people, hh.confirmedBy, hh.escort, hh.run, hh.waiting = h.At, h.People, h.ConfirmedBy, h.Escort, h.Run, h.Waiting
	}
	for i, sh := range s.Shelters {
		st := e.shelters[i]
		st.open, st.occupancy, st.anonymous, st.reserved = sh.Open, sh.Occupancy, sh.Anonymous, sh.Reserved
		st.by, st.reason, st.changed = sh.By, sh.Reason, sh.Changed
	}
	progress := make(map[progressKey]int, len(s.Progress))
	for _, p := range s.Progress {
		progress[progressKey{grid: p.Grid, hour: p.Hour}] = p.People
	}
	e.orders, e.orderID, e.runs, e.progress = orders, orderID, runs, progress
	e.assignSeq, e.runCount, e.clock = s.AssignSeq, s.RunCount, s.Clock
	return nil
}
