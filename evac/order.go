package evac

import (
	"fmt"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Order kinds: an advisory order asks residents to leave, a mandatory one
// requires it; mandatory households come before advisory ones when room is short.
const (
	OrderAdvisory  = "advisory"
	OrderMandatory = "mandatory"
)

// OrderInput is an operator's evacuation order. Exactly one of Grids,
// Villages or Polygon names the area; a household is in a polygon when its
// registered position is.
type OrderInput struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Grids    []string  `json:"grids,omitempty"`
	Villages []string  `json:"villages,omitempty"`
	Polygon  orb.Ring  `json:"polygon,omitempty"`
	Operator string    `json:"operator"`
	Reason   string    `json:"reason"`
	Time     time.Time `json:"time"`
}

// Order folds an evacuation order: the households of the area that no other
// order covers, and those back home after an earlier order, are to be notified.
// A mandatory order takes over households an advisory one covered.
func (e *Evacuation) Order(o OrderInput) error {
	if err := e.checkOrder(o); err != nil {
		return err
	}
	in := e.inArea(o)
	od := &order{OrderInput: o, seq: len(e.orders) + 1, households: in, in: make(map[string]bool, len(in))}
	for _, h := range in {
		od.in[h.ID] = true
	}
	od.Grids, od.Villages, od.Polygon = slices.Clone(o.Grids), slices.Clone(o.Villages), slices.Clone(o.Polygon)
	e.orders = append(e.orders, od)
	e.orderID[o.ID] = od
	for _, h := range in {
		switch {
		case h.order == "":
			h.order = o.ID
			if h.state == StateNotOrdered || h.state == StateReturned {
				h.state, h.since = StateToNotify, o.Time
				h.escort, h.run = false, "" // back home: fetched again if it cannot leave alone
			}
		case o.Kind == OrderMandatory && e.orderID[h.order].Kind == OrderAdvisory:
			h.order = o.ID
		}
	}
	e.tick(o.Time)
	return nil
}

func (e *Evacuation) checkOrder(o OrderInput) error {
	switch {
	case o.ID == "":
		return fmt.Errorf("%w: order without id", ErrInvalid)
	case e.orderID[o.ID] != nil:
		return fmt.Errorf("%w: duplicate order %q", ErrConflict, o.ID)
	case o.Kind != OrderAdvisory && o.Kind != OrderMandatory:
		return fmt.Errorf("%w: order %s has kind %q, want %s or %s", ErrInvalid, o.ID, o.Kind, OrderAdvisory, OrderMandatory)
	case o.Operator == "":
		return fmt.Errorf("%w: order %s names no operator", ErrInvalid, o.ID)
	}
	areas := 0
	for _, n := range []int{len(o.Grids), len(o.Villages), len(o.Polygon)} {
		if n > 0 {
			areas++
		}
	}
	if areas != 1 {
		return fmt.Errorf("%w: order %s must name exactly one of grids, villages or polygon", ErrInvalid, o.ID)
	}
	for _, g := range o.Grids {
		if _, ok := e.grids[g]; !ok {
			return fmt.Errorf("%w: order %s: unknown grid %q", ErrNotFound, o.ID, g)
		}
	}
	for _, v := range o.Villages {
		if _, ok := e.sc.Village(v); !ok {
			return fmt.Errorf("%w: order %s: unknown village %q", ErrNotFound, o.ID, v)
		}
	}
	if len(o.Polygon) > 0 && len(o.Polygon) < 3 {
		return fmt.Errorf("%w: order %s: polygon has %d points, want ≥ 3", ErrInvalid, o.ID, len(o.Polygon))
	}
	return nil
}

// inArea lists the registered households of an order's area, in registry order.
func (e *Evacuation) inArea(o OrderInput) []*household {
	var out []*household
	for _, h := range e.households {
		var in bool
		switch {
		case len(o.Grids) > 0:
			in = slices.Contains(o.Grids, h.Grid)
		case len(o.Villages) > 0:
			in = slices.Contains(o.Villages, h.Village)
		default:
			in = planar.RingContains(o.Polygon, h.At)
		}
		if in {
			out = append(out, h)
		}
	}
	return out
}

// Cancel ends an order. Its households that another active order covers pass
// to it; the others go back to not ordered unless they are already on the way
// (they keep their shelter and arrive) or at a shelter (tracked until they
// check out, then "returned").
func (e *Evacuation) Cancel(orderID, operator, reason string, t time.Time) error {
	od, ok := e.orderID[orderID]
	if !ok {
		return fmt.Errorf("%w: unknown order %q", ErrNotFound, orderID)
	}
	if od.cancelled {
		return fmt.Errorf("%w: order %s is already cancelled", ErrConflict, orderID)
	}
	if operator == "" {
		return fmt.Errorf("%w: cancelling order %s names no operator", ErrInvalid, orderID)
	}
	od.cancelled, od.cancelledBy, od.cancelReason, od.cancelledAt = true, operator, reason, t
	for _, h := range od.households {
		if h.order != orderID {
			continue
		}
		h.order = e.coveringOrder(h)
		if h.order != "" {
			continue
		}
		switch h.state {
		case StateMoving, StateAtShelter:
			// on the way or inside: they stay tracked; a moving household keeps its place
		default:
			e.assign(h, "", 0)
			h.state, h.since, h.confirmedBy = StateNotOrdered, t, ""
			h.escort, h.run = false, "" // a later order fetches it again
		}
	}
	e.tick(t)
	return nil
}

// coveringOrder is the active order that should govern a household: the
// first mandatory one covering it, else the first advisory one, else "".
func (e *Evacuation) coveringOrder(h *household) string {
	best := ""
	for _, od := range e.orders {
		if od.cancelled || !od.in[h.ID] {
			continue
		}
		if od.Kind == OrderMandatory {
			return od.ID
		}
		if best == "" {
			best = od.ID
		}
	}
	return best
}
