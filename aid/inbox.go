package aid

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/events"
)

// Receive folds a message another town sent to our inbox (kind is the
// inbox's last token: request, response, commit, status, release) at t.
func (a *State) Receive(kind string, m *events.Aid, t time.Time) error {
	if m.From == a.town {
		return events.Invalidf("data.from", m.From, "a town does not send mutual aid to itself")
	}
	it := a.item(m.Request)
	if kind == events.AidKindRequest {
		if it != nil && it.Direction == Out {
			return events.Invalidf("data.request", m.Request, "this id is one of our own requests")
		}
		if it != nil && it.State != Pending {
			a.requestUpdated(it, m, t)
			return nil
		}
		var before []early
		if it != nil {
			before = it.early
			delete(a.items, m.Request)
		}
		it = a.newItem(Record{Request: m.Request, Direction: In, Town: m.From, From: m.From, To: a.town,
			Incident: m.Incident, Needs: m.Needs, Lat: m.Lat, Lon: m.Lon, WantedFrom: m.WantedFrom, Until: m.Until,
			Asked: sumNeeds(m.Needs)})
		it.step(Requested, t, fmt.Sprintf("%s asks for %s; waiting for an operator's approve_aid", m.From, events.AidSummary(m.Needs)))
		return a.replayEarly(it, before)
	}
	if it == nil || it.State == Pending {
		if it == nil {
			it = a.newItem(Record{Request: m.Request, Town: m.From, From: m.From, To: a.town})
			it.step(Pending, t, kind+" arrived before its request: kept until the request is known")
		}
		it.early = append(it.early, early{kind: kind, msg: *m, t: t})
		return nil
	}
	if m.From != it.Town {
		return events.Invalidf("data.from", m.From, "request %s is with %s", m.Request, it.Town)
	}
	return a.message(it, kind, m, t)
}

// replayEarly folds the messages that came before the request, in arrival order.
func (a *State) replayEarly(it *item, before []early) error {
	var errs []error
	for _, e := range before {
		if err := a.message(it, e.kind, &e.msg, e.t); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// message folds a partner's message about a known request.
func (a *State) message(it *item, kind string, m *events.Aid, t time.Time) error {
	switch {
	case it.Direction == Out && kind == events.AidKindResponse:
		if it.Answer != "" {
			return nil // answered already
		}
		it.Answer, it.Offered = m.Answer, m.Count
		if m.Answer == events.AidDecline {
			if it.State == Requested {
				it.step(Declined, t, it.Town+" declined: "+m.Reason)
			}
			return nil
		}
		if it.State == Requested {
			it.step(Responded, t, fmt.Sprintf("%s will send %d: %s", it.Town, m.Count, m.Reason))
		}
		return nil
	case it.Direction == Out && kind == events.AidKindCommit:
		if it.Committed > 0 || it.State == Released {
			return nil // the same commit again
		}
		if err := commitFits(it, m); err != nil {
			return err
		}
		var guests []string
		for _, r := range m.Responders {
			g := dispatch.Guest{Responder: dispatch.Responder{ID: dispatch.GuestID(r.HomeTown, r.ID), Name: r.Name, NameEn: r.NameEn,
				Tier: dispatch.Tier(r.Tier), Team: "on aid from " + r.HomeTown, Phone: r.Phone, Home: orb.Point{r.Lon, r.Lat}},
				HomeTown: r.HomeTown, HomeID: r.ID, Request: it.Request, Incident: it.Incident}
			for _, c := range r.Capabilities {
				g.Capabilities = append(g.Capabilities, dispatch.Capability(c))
			}
			if err := a.dispatch.AddGuest(g, orb.Point{r.Lon, r.Lat}); err != nil {
				return dispatchErr(err)
			}
			guests = append(guests, g.ID)
			it.Responders = append(it.Responders, ResponderView{AidResponder: r, Guest: g.ID, Status: dispatch.StatusAvailable})
		}
		it.Committed = len(m.Responders)
		if it.Answer == "" {
			it.Answer, it.Offered = events.AidAccept, len(m.Responders)
		}
		it.step(Committed, t, fmt.Sprintf("%s committed %d: %s", it.Town, len(guests), strings.Join(guests, ", ")))
		return nil
	case it.Direction == In && kind == events.AidKindStatus:
		for i := range it.Responders {
			if it.Responders[i].ID == m.Responder {
				it.Responders[i].Status, it.Responders[i].Assignment = m.Status, m.Assignment
				if it.State == Committed {
					it.step(Deployed, t, fmt.Sprintf("%s reports %s", m.Responder, m.Status))
				}
				return nil
			}
		}
		return events.Invalidf("data.responder", m.Responder, "not lent for request %s", it.Request)
	case it.Direction == In && kind == events.AidKindRelease:
		if it.State == Released {
			return nil
		}
		if it.State == Requested && it.Approved == 0 {
			it.step(Released, t, fmt.Sprintf("%s withdrew its request: %s", it.Town, m.Reason))
			return nil
		}
		back := a.dispatch.Unlend(it.Request)
		for i := range it.Responders {
			it.Responders[i].Status = dispatch.StatusAvailable
		}
		it.step(Released, t, fmt.Sprintf("%s released %d responders: home, available again. %s", it.Town, len(back), m.Reason))
		return nil
	}
	return events.Invalidf("type", events.AidKinds[kind], "request %s is %s (direction %s): a %s does not apply", it.Request, it.State, it.Direction, kind)
}

// requestUpdated folds a request we already know again: the same request
// re-sent changes nothing; a partner's update of a request still waiting for
// our operator (EDXL-RM: a request may be updated) changes what it asks for.
func (a *State) requestUpdated(it *item, m *events.Aid, t time.Time) {
	if it.Direction != In || it.Town != m.From || it.State != Requested || it.Approved > 0 || it.declined ||
		slices.Equal(it.Needs, m.Needs) || len(m.Needs) == 0 {
		return
	}
	it.Needs, it.Asked = slices.Clone(m.Needs), sumNeeds(m.Needs)
	it.Lat, it.Lon = m.Lat, m.Lon
	it.History = append(it.History, Step{State: Requested, Time: t,
		Note: fmt.Sprintf("%s updated its request: now %s", m.From, events.AidSummary(m.Needs))})
}

// commitFits checks a partner's commitment against our request: every
// responder covers a capability we asked for and has it, and no more are sent
// for a capability than we asked. A commit that does not fit is refused whole
// (its reason on our rejected subject), never half taken.
func commitFits(it *item, m *events.Aid) error {
	left := map[string]int{}
	for _, n := range it.Needs {
		left[n.Capability] += n.Count
	}
	for i := range m.Responders {
		r := &m.Responders[i]
		if r.Covers == "" {
			for _, n := range it.Needs {
				if slices.Contains(r.Capabilities, n.Capability) {
					r.Covers = n.Capability
					break
				}
			}
		}
		if _, asked := left[r.Covers]; !asked || !slices.Contains(r.Capabilities, r.Covers) {
			return events.Invalidf("data.responders", r.ID, "%s (%s) does not cover what request %s asks for: %s",
				r.ID, strings.Join(r.Capabilities, ", "), it.Request, events.AidSummary(it.Needs))
		}
		if left[r.Covers]--; left[r.Covers] < 0 {
			return events.Invalidf("data.responders", r.ID, "more %s than request %s asks for (%s)", r.Covers, it.Request, events.AidSummary(it.Needs))
		}
	}
	return nil
}

// dispatchErr turns a dispatcher's refusal into the rejection vocabulary, as
// the engine does for the dispatcher's own inputs.
func dispatchErr(err error) error { return events.Refusal(err) }
