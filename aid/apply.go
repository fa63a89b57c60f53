package aid

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/events"
)

// Apply folds one of our own recorded aid messages (flood.aid.* decisions,
// and the delivered markers), and keeps undelivered ones in the outbox. An
// error means the decision does not fit the state: the engine records it void.
func (a *State) Apply(ev events.Event) error {
	if ev.Type == events.TypeAidDelivered {
		var m events.AidDelivered
		if err := ev.DecodeData(&m); err != nil {
			return err
		}
		a.outbox = slices.DeleteFunc(a.outbox, func(o Message) bool { return o.Event.ID == m.Event })
		return nil
	}
	kind := events.AidKindOf(ev.Type)
	var m events.Aid
	if err := ev.DecodeData(&m); err != nil {
		return fmt.Errorf("aid decision %s: %w", ev.ID, err)
	}
	if kind == "" || !events.ValidSlug(m.To) {
		return fmt.Errorf("aid decision %s: type %s to %q", ev.ID, ev.Type, m.To)
	}
	a.outbox = append(a.outbox, Message{Subject: events.AidInbox(m.To, kind), Event: ev})
	t := ev.Time
	switch kind {
	case events.AidKindRequest:
		if it := a.item(m.Request); it != nil && it.Direction == Out {
			it.Needs, it.Asked, it.lastSent = slices.Clone(m.Needs), sumNeeds(m.Needs), t
			it.Lat, it.Lon = m.Lat, m.Lon
			it.History = append(it.History, Step{State: it.State, Time: t, Note: fmt.Sprintf("updated: now %s: %s", events.AidSummary(m.Needs), m.Reason)})
			return nil
		}
		a.sent++
		var before []early
		if it := a.item(m.Request); it != nil {
			before = it.early
			delete(a.items, m.Request)
		}
		it := a.newItem(Record{Request: m.Request, Direction: Out, Town: m.To, From: a.town, To: m.To, Incident: m.Incident,
			Needs: m.Needs, Lat: m.Lat, Lon: m.Lon, WantedFrom: m.WantedFrom, Until: m.Until, Asked: sumNeeds(m.Needs), Operator: m.Operator})
		it.lastSent = t
		it.step(Requested, t, fmt.Sprintf("asked %s for %s: %s", m.To, events.AidSummary(m.Needs), m.Reason))
		if w := a.wants[m.Incident]; w != nil {
			w.asked = append(w.asked, m.To)
		}
		return a.replayEarly(it, before)
	case events.AidKindResponse:
		it := a.item(m.Request)
		if it == nil {
			return fmt.Errorf("response to unknown request %s", m.Request)
		}
		it.Answer, it.Offered = m.Answer, m.Count
		if m.Answer == events.AidDecline {
			it.step(Declined, t, m.Reason)
		} else {
			it.step(Responded, t, fmt.Sprintf("%s %d of %d: %s", m.Answer, m.Count, it.Asked, m.Reason))
		}
	case events.AidKindCommit:
		it := a.item(m.Request)
		if it == nil {
			return fmt.Errorf("commit for unknown request %s", m.Request)
		}
		ids := make([]string, len(m.Responders))
		for i, r := range m.Responders {
			ids[i] = r.ID
			it.Responders = append(it.Responders, ResponderView{AidResponder: r, Status: dispatch.StatusLent})
		}
		if err := a.dispatch.Lend(ids, it.Town, it.Request); err != nil {
			return err
		}
		it.Committed = len(ids)
		it.step(Committed, t, fmt.Sprintf("lent %d to %s: %s", len(ids), it.Town, strings.Join(ids, ", ")))
	case events.AidKindStatus:
		a.reports = slices.DeleteFunc(a.reports, func(r events.Aid) bool { return r.Report == m.Report })
	case events.AidKindRelease:
		it := a.item(m.Request)
		if it == nil {
			return fmt.Errorf("release of unknown request %s", m.Request)
		}
		for _, g := range a.dispatch.GuestsOf(it.Request) {
			a.dispatch.RemoveGuest(g, t, m.Reason)
		}
		for i := range it.Responders {
			it.Responders[i].Status = "released"
		}
		it.release = false
		it.step(Released, t, m.Reason)
	}
	return nil
}

// Needed folds the dispatcher's aid.needed decision (already applied to the
// dispatcher): the incident wants that much from neighbours.
func (a *State) Needed(dec dispatch.Decision) {
	if !a.cfg.AutoAsk() {
		return
	}
	w := a.want(dec.Incident, orb.Point{dec.Lon, dec.Lat})
	for _, n := range dec.Needs {
		i := slices.IndexFunc(w.needs, func(x events.AidNeed) bool { return x.Capability == string(n.Capability) })
		if i < 0 {
			w.needs = append(w.needs, events.AidNeed{Capability: string(n.Capability), Count: n.Count})
		} else {
			w.needs[i].Count = max(w.needs[i].Count, n.Count)
		}
	}
}

// Assigned folds the dispatcher's assignment.created decision (already
// applied to the dispatcher): a guest's assignment shows on their aid record.
func (a *State) Assigned(dec dispatch.Decision) {
	_, _, req, ok := a.dispatch.IsGuest(dec.Responder)
	if !ok {
		return
	}
	if it := a.item(req); it != nil {
		it.guestSeen(dec.Responder, dispatch.StatusAssigned, dec.Assignment, dec.Time)
	}
}

// GuestReport folds a responder's own status report (already folded by the
// dispatcher, its position in WGS-84) from event eventID: a guest's record
// learns it and the report is owed to the guest's home town.
func (a *State) GuestReport(s dispatch.StatusReport, eventID string) {
	home, homeID, req, ok := a.dispatch.IsGuest(s.Responder)
	if !ok {
		return
	}
	it := a.item(req)
	if it == nil {
		return
	}
	m := events.Aid{Request: req, From: a.town, To: home, Responder: homeID, Status: s.Status, Assignment: s.Assignment,
		Report: eventID}
	if s.HasPosition {
		lat, lon := s.At.Lat(), s.At.Lon()
		m.RLat, m.RLon = &lat, &lon
	}
	a.reports = append(a.reports, m)
	it.guestSeen(s.Responder, s.Status, s.Assignment, s.Time)
}

// guestSeen updates the record of a guest and marks it deployed once one works.
func (it *item) guestSeen(guest, status, assignment string, t time.Time) {
	for i := range it.Responders {
		if it.Responders[i].Guest == guest {
			it.Responders[i].Status = status
			if assignment != "" {
				it.Responders[i].Assignment = assignment
			}
		}
	}
	if it.State == Committed && status != dispatch.StatusAvailable && status != dispatch.StatusDeclined {
		it.step(Deployed, t, guest+" "+status)
	}
}
