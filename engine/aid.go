package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/events"
)

// AidFile is the town's mutual-aid policy inside a scenario folder (optional).
const AidFile = "aid.json"

// DefaultKeepHome is how many available town-tier responders (reserve not
// counted) always stay home when the town lends: a town never strips itself.
const DefaultKeepHome = 10

// AidConfig is a town's mutual-aid policy.
type AidConfig struct {
	// Neighbours are asked in this order; default: neighbours.geojson's order.
	Neighbours []string `json:"neighbours"`
	// Auto asks the first neighbour as soon as the dispatcher finds the town
	// cannot cover an incident (aid.needed); default true. Off, only an
	// operator's request_aid asks.
	Auto *bool `json:"auto,omitempty"`
	// KeepHome: at least this many available town-tier responders stay home.
	KeepHome *int `json:"keep_home,omitempty"`
	// AnswerWithinMinutes: a neighbour that has not answered a request in this
	// long is passed over and the next one asked; default 10.
	AnswerWithinMinutes *int `json:"answer_within_minutes,omitempty"`
	// HorizonMinutes: no aid is asked for units of a capability the town's own
	// will free within this long (their assignment's travel plus job_minutes); default 15.
	HorizonMinutes *int `json:"horizon_minutes,omitempty"`
	// JobMinutes: how long an assignment is expected to keep a unit once there; default 60.
	JobMinutes *int `json:"job_minutes,omitempty"`
}

// Defaults of the shortfall policy.
const (
	DefaultHorizon = 15 * time.Minute
	DefaultJob     = 60 * time.Minute
	// aidUpdateEvery: a request still unanswered is updated (EDXL-RM allows
	// updating a request) at most this often as the shortfall grows or shrinks.
	aidUpdateEvery = time.Minute
	// aidAskAgainAfter: a neighbour whose request for a capability ended
	// (declined, withdrawn, released) is not asked for it again sooner.
	aidAskAgainAfter = 30 * time.Minute
)

func minutesOr(m *int, d time.Duration) time.Duration {
	if m == nil {
		return d
	}
	return time.Duration(*m) * time.Minute
}

// Horizon is how far ahead the town counts its own units coming free.
func (c AidConfig) Horizon() time.Duration { return minutesOr(c.HorizonMinutes, DefaultHorizon) }

// Job is how long an assignment is expected to keep a unit once there.
func (c AidConfig) Job() time.Duration { return minutesOr(c.JobMinutes, DefaultJob) }

// DefaultAnswerWithin is how long a request waits for an answer before the next neighbour is asked.
const DefaultAnswerWithin = 10 * time.Minute

// AnswerWithin is how long a request waits for an answer.
func (c AidConfig) AnswerWithin() time.Duration {
	return minutesOr(c.AnswerWithinMinutes, DefaultAnswerWithin)
}

// AutoAsk reports whether the town asks neighbours by itself.
func (c AidConfig) AutoAsk() bool { return c.Auto == nil || *c.Auto }

// Home is the number of available town-tier responders that never leave.
func (c AidConfig) Home() int {
	if c.KeepHome == nil {
		return DefaultKeepHome
	}
	return *c.KeepHome
}

// loadAidConfig reads aid.json, or derives the policy from the neighbours.
func loadAidConfig(fsys fs.FS, neighbours []string) (AidConfig, error) {
	var c AidConfig
	raw, err := fs.ReadFile(fsys, AidFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return c, err
	default:
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("%s: %w", AidFile, err)
		}
	}
	if c.Neighbours == nil {
		c.Neighbours = neighbours
	}
	for _, n := range c.Neighbours {
		if !events.ValidSlug(n) {
			return c, fmt.Errorf("%s: neighbour %q is not a town slug", AidFile, n)
		}
	}
	if c.KeepHome != nil && *c.KeepHome < 0 {
		return c, fmt.Errorf("%s: keep_home must not be negative", AidFile)
	}
	for name, m := range map[string]*int{"answer_within_minutes": c.AnswerWithinMinutes, "horizon_minutes": c.HorizonMinutes, "job_minutes": c.JobMinutes} {
		if m != nil && *m < 0 {
			return c, fmt.Errorf("%s: %s must not be negative", AidFile, name)
		}
	}
	return c, nil
}

// Directions of an aid record, from this town's point of view.
const (
	AidIn  = "in"  // another town asks us
	AidOut = "out" // we ask another town
)

// States of an aid record (EDXL-RM's life of a request).
const (
	AidPending   = "pending" // messages arrived before their request: kept, not lost
	AidRequested = "requested"
	AidResponded = "responded"
	AidCommitted = "committed"
	AidDeployed  = "deployed"
	AidReleased  = "released"
	AidDeclined  = "declined"
)

// AidStep is one step of a record's history, for the board and the audit.
type AidStep struct {
	State string    `json:"state"`
	Time  time.Time `json:"time"`
	Note  string    `json:"note,omitempty"`
}

// AidResponderView is a committed responder with what they are doing.
type AidResponderView struct {
	events.AidResponder
	Guest      string `json:"guest,omitempty"` // id in the requesting town
	Status     string `json:"status,omitempty"`
	Assignment string `json:"assignment,omitempty"`
}

// AidView is one mutual-aid record as /api/state shows it under "aid". Town is
// the partner town, so a partner's board shows only what names it.
type AidView struct {
	// ID is the request id again, the key the board's feed sends changes by.
	ID         string             `json:"id"`
	Request    string             `json:"request"`
	Direction  string             `json:"direction"`
	Town       string             `json:"town"`
	From       string             `json:"from"`
	To         string             `json:"to"`
	Incident   string             `json:"incident,omitempty"`
	Needs      []events.AidNeed   `json:"needs"`
	Lat        float64            `json:"lat,omitempty"`
	Lon        float64            `json:"lon,omitempty"`
	WantedFrom *time.Time         `json:"wanted_from,omitempty"`
	Until      *time.Time         `json:"until,omitempty"`
	State      string             `json:"state"`
	Asked      int                `json:"asked"`
	Approved   int                `json:"approved,omitempty"`
	Answer     string             `json:"answer,omitempty"`
	Offered    int                `json:"offered"`
	Committed  int                `json:"committed"`
	Operator   string             `json:"operator,omitempty"`
	Responders []AidResponderView `json:"responders"`
	History    []AidStep          `json:"history"`
}

// earlyMsg is a message that arrived before its request.
type earlyMsg struct {
	kind string
	msg  events.Aid
	t    time.Time
}

type aidItem struct {
	AidView
	seq      int
	early    []earlyMsg
	declined bool // the operator refused; the response is owed
	release  bool // the operator released the guests; the release is owed
	why      string
	lastSent time.Time // our request's last (re)statement, for updates
}

// aidWant is what an incident still wants from neighbours.
type aidWant struct {
	incident string
	at       orb.Point
	needs    []events.AidNeed
	town     string // an operator named the town to ask
	manual   bool   // an operator's request_aid: asked for this incident alone
	asked    []string
	seq      int
}

// guestReport is a guest's status report owed to their home town.
type guestReport struct {
	report events.Aid
}

// aidState is the town's mutual aid: a fold of its inbox and its own aid decisions.
type aidState struct {
	cfg     AidConfig
	items   map[string]*aidItem
	seq     int // records created, for their order
	sent    int // requests this town made, for their ids
	wants   map[string]*aidWant
	wantSeq int
	reports []guestReport
	// outbox holds the recorded outgoing messages not yet proven delivered, in log order.
	outbox []Outgoing
}

func newAidState(cfg AidConfig) *aidState {
	return &aidState{cfg: cfg, items: map[string]*aidItem{}, wants: map[string]*aidWant{}}
}

func (a *aidState) item(id string) *aidItem { return a.items[id] }

func (a *aidState) newItem(v AidView) *aidItem {
	a.seq++
	v.ID = v.Request
	it := &aidItem{AidView: v, seq: a.seq}
	if it.Needs == nil {
		it.Needs = []events.AidNeed{}
	}
	it.Responders = []AidResponderView{}
	a.items[v.Request] = it
	return it
}

func (it *aidItem) step(state string, t time.Time, note string) {
	it.State = state
	it.History = append(it.History, AidStep{State: state, Time: t, Note: note})
}

func sumNeeds(ns []events.AidNeed) int {
	n := 0
	for _, x := range ns {
		n += x.Count
	}
	return n
}

// applyAidIn folds a message another town sent to our inbox.
func (d *Domain) applyAidIn(kind string, m *events.Aid, t time.Time) error {
	a := d.aid
	if m.From == d.town {
		return events.Invalidf("data.from", m.From, "a town does not send mutual aid to itself")
	}
	it := a.item(m.Request)
	if kind == events.AidKindRequest {
		if it != nil && it.Direction == AidOut {
			return events.Invalidf("data.request", m.Request, "this id is one of our own requests")
		}
		if it != nil && it.State != AidPending {
			d.requestUpdated(it, m, t)
			return nil
		}
		var early []earlyMsg
		if it != nil {
			early = it.early
			delete(a.items, m.Request)
		}
		it = a.newItem(AidView{Request: m.Request, Direction: AidIn, Town: m.From, From: m.From, To: d.town,
			Incident: m.Incident, Needs: m.Needs, Lat: m.Lat, Lon: m.Lon, WantedFrom: m.WantedFrom, Until: m.Until,
			Asked: sumNeeds(m.Needs)})
		it.step(AidRequested, t, fmt.Sprintf("%s asks for %s; waiting for an operator's approve_aid", m.From, events.AidSummary(m.Needs)))
		return d.replayEarly(it, early)
	}
	if it == nil || it.State == AidPending {
		if it == nil {
			it = a.newItem(AidView{Request: m.Request, Town: m.From, From: m.From, To: d.town})
			it.step(AidPending, t, kind+" arrived before its request: kept until the request is known")
		}
		it.early = append(it.early, earlyMsg{kind: kind, msg: *m, t: t})
		return nil
	}
	if m.From != it.Town {
		return events.Invalidf("data.from", m.From, "request %s is with %s", m.Request, it.Town)
	}
	return d.aidMessage(it, kind, m, t)
}

// replayEarly folds the messages that came before the request, in arrival order.
func (d *Domain) replayEarly(it *aidItem, early []earlyMsg) error {
	var errs []error
	for _, e := range early {
		if err := d.aidMessage(it, e.kind, &e.msg, e.t); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// aidMessage folds a partner's message about a known request.
func (d *Domain) aidMessage(it *aidItem, kind string, m *events.Aid, t time.Time) error {
	switch {
	case it.Direction == AidOut && kind == events.AidKindResponse:
		if it.Answer != "" {
			return nil // answered already
		}
		it.Answer, it.Offered = m.Answer, m.Count
		if m.Answer == events.AidDecline {
			if it.State == AidRequested {
				it.step(AidDeclined, t, it.Town+" declined: "+m.Reason)
			}
			return nil
		}
		if it.State == AidRequested {
			it.step(AidResponded, t, fmt.Sprintf("%s will send %d: %s", it.Town, m.Count, m.Reason))
		}
		return nil
	case it.Direction == AidOut && kind == events.AidKindCommit:
		if it.Committed > 0 || it.State == AidReleased {
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
			if err := d.dispatch.AddGuest(g, orb.Point{r.Lon, r.Lat}); err != nil {
				return domainErr(err)
			}
			guests = append(guests, g.ID)
			it.Responders = append(it.Responders, AidResponderView{AidResponder: r, Guest: g.ID, Status: dispatch.StatusAvailable})
		}
		it.Committed = len(m.Responders)
		if it.Answer == "" {
			it.Answer, it.Offered = events.AidAccept, len(m.Responders)
		}
		it.step(AidCommitted, t, fmt.Sprintf("%s committed %d: %s", it.Town, len(guests), strings.Join(guests, ", ")))
		return nil
	case it.Direction == AidIn && kind == events.AidKindStatus:
		for i := range it.Responders {
			if it.Responders[i].ID == m.Responder {
				it.Responders[i].Status, it.Responders[i].Assignment = m.Status, m.Assignment
				if it.State == AidCommitted {
					it.step(AidDeployed, t, fmt.Sprintf("%s reports %s", m.Responder, m.Status))
				}
				return nil
			}
		}
		return events.Invalidf("data.responder", m.Responder, "not lent for request %s", it.Request)
	case it.Direction == AidIn && kind == events.AidKindRelease:
		if it.State == AidReleased {
			return nil
		}
		if it.State == AidRequested && it.Approved == 0 {
			it.step(AidReleased, t, fmt.Sprintf("%s withdrew its request: %s", it.Town, m.Reason))
			return nil
		}
		back := d.dispatch.Unlend(it.Request)
		for i := range it.Responders {
			it.Responders[i].Status = dispatch.StatusAvailable
		}
		it.step(AidReleased, t, fmt.Sprintf("%s released %d responders: home, available again. %s", it.Town, len(back), m.Reason))
		return nil
	}
	return events.Invalidf("type", events.AidKinds[kind], "request %s is %s (direction %s): a %s does not apply", it.Request, it.State, it.Direction, kind)
}

// aidCommand carries out the mutual-aid verbs.
func (d *Domain) aidCommand(verb string, c *events.Command, t time.Time) error {
	a := d.aid
	switch verb {
	case events.VerbRequestAid:
		needs, at, ok := d.dispatch.OpenNeeds(c.Incident)
		if !ok {
			return events.Invalidf("data.incident", c.Incident, "no open incident with this id")
		}
		if c.Capability != "" {
			needs = []dispatch.Need{{Capability: dispatch.Capability(c.Capability), Count: c.Count}}
		}
		if len(needs) == 0 {
			return events.Invalidf("data.incident", c.Incident, "the incident lacks nothing: name a capability and count")
		}
		w := a.want(c.Incident, at)
		w.town, w.manual = c.Town, true
		w.needs = toAidNeeds(needs)
		return nil
	case events.VerbApproveAid, events.VerbDeclineAid:
		it := a.item(c.Request)
		if it == nil || it.Direction != AidIn || it.State == AidPending {
			return events.Invalidf("data.request", c.Request, "no request from another town with this id")
		}
		if it.State != AidRequested || it.Approved > 0 || it.declined {
			return events.Invalidf("data.request", c.Request, "request is already %s", it.State)
		}
		it.Operator = c.Operator
		if verb == events.VerbDeclineAid {
			it.declined = true
			it.why = c.Reason
			return nil
		}
		it.Approved = min(c.Count, it.Asked)
		it.why = c.Reason
		return nil
	case events.VerbReleaseAid:
		it := a.item(c.Request)
		if it == nil || it.Direction != AidOut {
			return events.Invalidf("data.request", c.Request, "no request of ours with this id")
		}
		if it.State != AidCommitted && it.State != AidDeployed {
			return events.Invalidf("data.request", c.Request, "request is %s: nobody to release", it.State)
		}
		it.release, it.why, it.Operator = true, c.Reason, c.Operator
		return nil
	}
	return events.Invalidf("type", events.TypeCommandPrefix+verb, "not carried out by this version")
}

func toAidNeeds(ns []dispatch.Need) []events.AidNeed {
	out := make([]events.AidNeed, len(ns))
	for i, n := range ns {
		out[i] = events.AidNeed{Capability: string(n.Capability), Count: n.Count}
	}
	return out
}

func (a *aidState) want(incident string, at orb.Point) *aidWant {
	w := a.wants[incident]
	if w == nil {
		a.wantSeq++
		w = &aidWant{incident: incident, at: at, seq: a.wantSeq}
		a.wants[incident] = w
	}
	return w
}

// aidNeeded folds the dispatcher's aid.needed: the incident wants that much from neighbours.
func (d *Domain) aidNeeded(dec dispatch.Decision) {
	if !d.aid.cfg.AutoAsk() {
		return
	}
	w := d.aid.want(dec.Incident, orb.Point{dec.Lon, dec.Lat})
	for _, n := range dec.Needs {
		i := slices.IndexFunc(w.needs, func(x events.AidNeed) bool { return x.Capability == string(n.Capability) })
		if i < 0 {
			w.needs = append(w.needs, events.AidNeed{Capability: string(n.Capability), Count: n.Count})
		} else {
			w.needs[i].Count = max(w.needs[i].Count, n.Count)
		}
	}
}

// guestStatus folds a guest's own status report: the record learns it and the
// report is owed to the guest's home town.
func (d *Domain) guestStatus(responder string, s *events.ResponderStatus, eventID string, t time.Time) {
	home, homeID, req, ok := d.dispatch.IsGuest(responder)
	if !ok {
		return
	}
	it := d.aid.item(req)
	if it == nil {
		return
	}
	m := events.Aid{Request: req, From: d.town, To: home, Responder: homeID, Status: s.Status, Assignment: s.Assignment,
		Report: eventID}
	if s.Lat != nil {
		p := wgs84(*s.Lat, *s.Lon, s.CRS)
		lat, lon := p.Lat(), p.Lon()
		m.RLat, m.RLon = &lat, &lon
	}
	d.aid.reports = append(d.aid.reports, guestReport{report: m})
	d.guestSeen(it, responder, s.Status, s.Assignment, t)
}

// guestSeen updates the record of a guest and marks it deployed once one works.
func (d *Domain) guestSeen(it *aidItem, guest, status, assignment string, t time.Time) {
	for i := range it.Responders {
		if it.Responders[i].Guest == guest {
			it.Responders[i].Status = status
			if assignment != "" {
				it.Responders[i].Assignment = assignment
			}
		}
	}
	if it.State == AidCommitted && status != dispatch.StatusAvailable && status != dispatch.StatusDeclined {
		it.step(AidDeployed, t, guest+" "+status)
	}
}

// guestAssigned folds an assignment of a guest into the aid record.
func (d *Domain) guestAssigned(dec dispatch.Decision) {
	_, _, req, ok := d.dispatch.IsGuest(dec.Responder)
	if !ok {
		return
	}
	if it := d.aid.item(req); it != nil {
		d.guestSeen(it, dec.Responder, dispatch.StatusAssigned, dec.Assignment, dec.Time)
	}
}

// applyAidDecision folds one of our own recorded aid messages (and the
// delivered markers), and keeps undelivered ones in the outbox.
func (d *Domain) applyAidDecision(ev events.Event) error {
	a := d.aid
	if ev.Type == events.TypeAidDelivered {
		var m events.AidDelivered
		if err := ev.DecodeData(&m); err != nil {
			return err
		}
		a.outbox = slices.DeleteFunc(a.outbox, func(o Outgoing) bool { return o.Event.ID == m.Event })
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
	a.outbox = append(a.outbox, Outgoing{Subject: events.AidInbox(m.To, kind), Event: ev})
	t := ev.Time
	switch kind {
	case events.AidKindRequest:
		if it := a.item(m.Request); it != nil && it.Direction == AidOut {
			it.Needs, it.Asked, it.lastSent = slices.Clone(m.Needs), sumNeeds(m.Needs), t
			it.Lat, it.Lon = m.Lat, m.Lon
			it.History = append(it.History, AidStep{State: it.State, Time: t, Note: fmt.Sprintf("updated: now %s: %s", events.AidSummary(m.Needs), m.Reason)})
			return nil
		}
		a.sent++
		var early []earlyMsg
		if it := a.item(m.Request); it != nil {
			early = it.early
			delete(a.items, m.Request)
		}
		it := a.newItem(AidView{Request: m.Request, Direction: AidOut, Town: m.To, From: d.town, To: m.To, Incident: m.Incident,
			Needs: m.Needs, Lat: m.Lat, Lon: m.Lon, WantedFrom: m.WantedFrom, Until: m.Until, Asked: sumNeeds(m.Needs), Operator: m.Operator})
		it.lastSent = t
		it.step(AidRequested, t, fmt.Sprintf("asked %s for %s: %s", m.To, events.AidSummary(m.Needs), m.Reason))
		if w := a.wants[m.Incident]; w != nil {
			w.asked = append(w.asked, m.To)
		}
		return d.replayEarly(it, early)
	case events.AidKindResponse:
		it := a.item(m.Request)
		if it == nil {
			return fmt.Errorf("response to unknown request %s", m.Request)
		}
		it.Answer, it.Offered = m.Answer, m.Count
		if m.Answer == events.AidDecline {
			it.step(AidDeclined, t, m.Reason)
		} else {
			it.step(AidResponded, t, fmt.Sprintf("%s %d of %d: %s", m.Answer, m.Count, it.Asked, m.Reason))
		}
	case events.AidKindCommit:
		it := a.item(m.Request)
		if it == nil {
			return fmt.Errorf("commit for unknown request %s", m.Request)
		}
		ids := make([]string, len(m.Responders))
		for i, r := range m.Responders {
			ids[i] = r.ID
			it.Responders = append(it.Responders, AidResponderView{AidResponder: r, Status: dispatch.StatusLent})
		}
		if err := d.dispatch.Lend(ids, it.Town, it.Request); err != nil {
			return err
		}
		it.Committed = len(ids)
		it.step(AidCommitted, t, fmt.Sprintf("lent %d to %s: %s", len(ids), it.Town, strings.Join(ids, ", ")))
	case events.AidKindStatus:
		a.reports = slices.DeleteFunc(a.reports, func(r guestReport) bool { return r.report.Report == m.Report })
	case events.AidKindRelease:
		it := a.item(m.Request)
		if it == nil {
			return fmt.Errorf("release of unknown request %s", m.Request)
		}
		for _, g := range d.dispatch.GuestsOf(it.Request) {
			d.dispatch.RemoveGuest(g, t, m.Reason)
		}
		for i := range it.Responders {
			it.Responders[i].Status = "released"
		}
		it.release = false
		it.step(AidReleased, t, m.Reason)
	}
	return nil
}

// lendable picks up to count of the town's responders for a request's needs,
// never going below the reserve.
func (d *Domain) lendable(it *aidItem, count int) []dispatch.LendChoice {
	var needs []dispatch.Need
	for _, n := range it.Needs {
		needs = append(needs, dispatch.Need{Capability: dispatch.Capability(n.Capability), Count: n.Count})
	}
	return d.dispatch.ChooseLend(needs, orb.Point{it.Lon, it.Lat}, count, d.aid.cfg.Home(), d.graph)
}

// commitOf is the CommitResource message lending picks to a request.
func (d *Domain) commitOf(base events.Aid, it *aidItem, picks []dispatch.LendChoice) events.Aid {
	c := base
	for _, p := range picks {
		r := p.Responder
		caps := make([]string, len(r.Capabilities))
		for i, x := range r.Capabilities {
			caps[i] = string(x)
		}
		c.Responders = append(c.Responders, events.AidResponder{ID: r.ID, Name: r.Name, NameEn: r.NameEn, Tier: string(r.Tier),
			Capabilities: caps, HomeTown: d.town, Phone: r.Phone, Lat: p.At.Lat(), Lon: p.At.Lon(), Covers: string(p.Capability)})
	}
	c.Reason = fmt.Sprintf("nearest by road for %s", events.AidSummary(it.Needs))
	return c
}

// decideAid returns the aid messages the state calls for: answers and
// commitments to approved requests, requests for what incidents still lack,
// guests' reports owed home, and releases.
func (d *Domain) decideAid(now time.Time, add func(kind string, m events.Aid)) {
	a := d.aid
	items := a.sorted()
	for _, it := range items {
		if it.Direction != AidIn {
			continue
		}
		base := events.Aid{Request: it.Request, From: d.town, To: it.Town, Incident: it.Incident, Operator: it.Operator}
		switch {
		case it.State == AidRequested && it.declined:
			m := base
			m.Answer, m.Reason = events.AidDecline, "operator "+it.Operator+" declined: "+it.why
			add(events.AidKindResponse, m)
		case it.State == AidRequested && it.Approved > 0:
			picks := d.lendable(it, it.Approved)
			m := base
			m.Count = len(picks)
			switch {
			case len(picks) == 0:
				m.Answer = events.AidDecline
				m.Reason = fmt.Sprintf("approved %d by %s, but no free town-tier responder with %s can go without leaving fewer than %d home (reserve kept)",
					it.Approved, it.Operator, events.AidSummary(it.Needs), a.cfg.Home())
			case len(picks) < it.Approved:
				m.Answer = events.AidPartial
				m.Reason = fmt.Sprintf("approved %d by %s; %d with %s can go without leaving fewer than %d town-tier responders home",
					it.Approved, it.Operator, len(picks), events.AidSummary(it.Needs), a.cfg.Home())
			default:
				m.Answer = events.AidAccept
				m.Reason = fmt.Sprintf("approved %d of %d by %s", it.Approved, it.Asked, it.Operator)
			}
			if q := quiet(picks); q > 0 {
				m.Reason += fmt.Sprintf("; %d of them let their last assignment time out and have not answered since (无应答)", q)
			}
			add(events.AidKindResponse, m)
			if len(picks) > 0 {
				add(events.AidKindCommit, d.commitOf(base, it, picks))
			}
		case it.State == AidResponded && it.Committed == 0 && it.Answer != events.AidDecline && it.Offered > 0:
			// The answer is in the log but the commit is not: the engine stopped
			// between the two appends. Commit what was offered, as it would have.
			if picks := d.lendable(it, it.Offered); len(picks) > 0 {
				add(events.AidKindCommit, d.commitOf(base, it, picks))
			}
		}
	}
	d.decideRequests(now, add)
	for _, r := range a.reports {
		add(events.AidKindStatus, r.report)
	}
	for _, it := range items {
		if it.Direction != AidOut || (it.State != AidCommitted && it.State != AidDeployed) {
			continue
		}
		reason := ""
		switch {
		case it.release:
			reason = "released by operator " + it.Operator + ": " + it.why
		case it.Incident != "" && !d.dispatch.IncidentOpen(it.Incident):
			reason = "incident " + it.Incident + " is closed"
		default:
			continue
		}
		add(events.AidKindRelease, events.Aid{Request: it.Request, From: d.town, To: it.Town, Incident: it.Incident,
			Operator: it.Operator, Reason: reason})
	}
}

// decideRequests asks neighbours: an operator's request_aid for its incident
// alone (decideManual), what the dispatcher found lacking once per capability
// and neighbour (decideShortfalls).
func (d *Domain) decideRequests(now time.Time, add func(kind string, m events.Aid)) {
	a := d.aid
	wants := make([]*aidWant, 0, len(a.wants))
	for _, w := range a.wants {
		wants = append(wants, w)
	}
	sort.Slice(wants, func(i, j int) bool { return wants[i].seq < wants[j].seq })
	sent := a.sent
	d.decideManual(now, wants, &sent, add)
	d.decideShortfalls(now, wants, &sent, add)
}

// decideManual asks the next neighbour for what an operator asked for an
// incident once every earlier request about it has been answered.
func (d *Domain) decideManual(now time.Time, wants []*aidWant, sent *int, add func(kind string, m events.Aid)) {
	a := d.aid
	for _, w := range wants {
		if !w.manual || !d.dispatch.IncidentOpen(w.incident) {
			continue
		}
		covered := map[string]int{}
		waiting := false
		for _, it := range a.items {
			if it.Direction != AidOut || it.Incident != w.incident {
				continue
			}
			switch {
			case it.State == AidRequested && unanswered(it, now, a.cfg.AnswerWithin()):
				continue // no answer in time: the next neighbour is asked for it
			case it.State == AidRequested:
				waiting = true
			case it.State == AidDeclined || it.State == AidReleased || it.State == AidPending:
				continue
			}
			give := it.Offered
			if it.State == AidRequested {
				give = it.Asked
			}
			for _, n := range it.Needs {
				k := min(give, n.Count)
				covered[n.Capability] += k
				give -= k
			}
		}
		if waiting {
			continue
		}
		var rest []events.AidNeed
		for _, n := range w.needs {
			if k := n.Count - covered[n.Capability]; k > 0 {
				rest = append(rest, events.AidNeed{Capability: n.Capability, Count: k})
			}
		}
		if len(rest) == 0 {
			continue
		}
		to := w.town
		if to == "" || slices.Contains(w.asked, to) {
			to = ""
			for _, n := range a.cfg.Neighbours {
				if !slices.Contains(w.asked, n) {
					to = n
					break
				}
			}
		}
		if to == "" || to == d.town {
			continue // every neighbour asked: the shortage stays on the board
		}
		*sent++
		until := now.Add(24 * time.Hour)
		from := now
		add(events.AidKindRequest, events.Aid{Request: fmt.Sprintf("%s-aid-%d", d.town, *sent), From: d.town, To: to,
			Needs: rest, Lat: w.at.Lat(), Lon: w.at.Lon(), Incident: w.incident, WantedFrom: &from, Until: &until,
			Reason: fmt.Sprintf("incident %s: town cannot cover %s (镇内无可派力量)", w.incident, events.AidSummary(rest))})
	}
}

// unanswered reports whether a request of ours has waited longer than within.
func unanswered(it *aidItem, now time.Time, within time.Duration) bool {
	return len(it.History) > 0 && now.Sub(it.History[0].Time) > within
}

func (a *aidState) sorted() []*aidItem {
	out := make([]*aidItem, 0, len(a.items))
	for _, it := range a.items {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// AidOutbox lists the recorded outgoing aid messages not yet known delivered:
// the forwarder sends them to the recipients' inboxes.
func (d *Domain) AidOutbox() []Outgoing { return slices.Clone(d.aid.outbox) }

// aidView renders the records for /api/state.
func (a *aidState) view() []AidView {
	out := []AidView{}
	for _, it := range a.sorted() {
		v := it.AidView
		v.Needs = slices.Clone(v.Needs)
		v.Responders = slices.Clone(v.Responders)
		v.History = slices.Clone(v.History)
		out = append(out, v)
	}
	return out
}

// requestUpdated folds a request we already know again: the same request
// re-sent changes nothing; a partner's update of a request still waiting for
// our operator (EDXL-RM: a request may be updated) changes what it asks for.
func (d *Domain) requestUpdated(it *aidItem, m *events.Aid, t time.Time) {
	if it.Direction != AidIn || it.Town != m.From || it.State != AidRequested || it.Approved > 0 || it.declined ||
		slices.Equal(it.Needs, m.Needs) || len(m.Needs) == 0 {
		return
	}
	it.Needs, it.Asked = slices.Clone(m.Needs), sumNeeds(m.Needs)
	it.Lat, it.Lon = m.Lat, m.Lon
	it.History = append(it.History, AidStep{State: AidRequested, Time: t,
		Note: fmt.Sprintf("%s updated its request: now %s", m.From, events.AidSummary(m.Needs))})
}

// commitFits checks a partner's commitment against our request: every
// responder covers a capability we asked for and has it, and no more are sent
// for a capability than we asked. A commit that does not fit is refused whole
// (its reason on our rejected subject), never half taken.
func commitFits(it *aidItem, m *events.Aid) error {
	want := map[string]int{}
	for _, n := range it.Needs {
		want[n.Capability] += n.Count
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
		if _, asked := want[r.Covers]; !asked || !slices.Contains(r.Capabilities, r.Covers) {
			return events.Invalidf("data.responders", r.ID, "%s (%s) does not cover what request %s asks for: %s",
				r.ID, strings.Join(r.Capabilities, ", "), it.Request, events.AidSummary(it.Needs))
		}
		if want[r.Covers]--; want[r.Covers] < 0 {
			return events.Invalidf("data.responders", r.ID, "more %s than request %s asks for (%s)", r.Covers, it.Request, events.AidSummary(it.Needs))
		}
	}
	return nil
}

// shortfall is what the town lacks of one capability, and where it is worst.
type shortfall struct {
	lack      int // units the dispatcher found no local unit for, still uncovered
	freeSoon  int // local units of it expected back within the horizon
	at        orb.Point
	incidents int
}

// shortfalls sums, per capability, what the open incidents the dispatcher
// asked aid for still lack (aid.needed, capped by what they lack now).
func (d *Domain) shortfalls(now time.Time, wants []*aidWant) (map[string]*shortfall, []string) {
	out := map[string]*shortfall{}
	var caps []string
	for _, w := range wants {
		if w.manual {
			continue
		}
		open, _, ok := d.dispatch.OpenNeeds(w.incident)
		if !ok {
			continue
		}
		for _, n := range w.needs {
			k := 0
			for _, o := range open {
				if string(o.Capability) == n.Capability {
					k = min(n.Count, o.Count)
				}
			}
			if k == 0 {
				continue
			}
			sf := out[n.Capability]
			if sf == nil {
				sf = &shortfall{at: w.at}
				out[n.Capability] = sf
				caps = append(caps, n.Capability)
			}
			sf.lack += k
			sf.incidents++
		}
	}
	for c, sf := range out {
		sf.freeSoon = d.dispatch.FreeSoon(dispatch.Capability(c), now, d.aid.cfg.Horizon(), d.aid.cfg.Job())
	}
	sort.Strings(caps)
	return out, caps
}

// decideShortfalls keeps one request per capability and neighbour: a new one
// when the town lacks units no open request covers, an update while it waits
// for an answer and the shortfall has changed (at most every aidUpdateEvery),
// a withdrawal once local units cover it, and the guests sent home once the
// capability lacks nothing and none of them works. Units the town's own will
// free within the horizon are not asked for.
func (d *Domain) decideShortfalls(now time.Time, wants []*aidWant, sent *int, add func(kind string, m events.Aid)) {
	a := d.aid
	if !a.cfg.AutoAsk() {
		return
	}
	sfs, caps := d.shortfalls(now, wants)
	byCap := map[string][]*aidItem{}
	for _, it := range a.sorted() {
		if it.Direction == AidOut && it.Incident == "" && len(it.Needs) == 1 {
			c := it.Needs[0].Capability
			byCap[c] = append(byCap[c], it)
			if sfs[c] == nil {
				sfs[c] = &shortfall{}
				caps = append(caps, c)
			}
		}
	}
	sort.Strings(caps)
	caps = slices.Compact(caps)
	for _, c := range caps {
		sf, items := sfs[c], byCap[c]
		need := sf.lack - sf.freeSoon
		// covered: what requests already bring (asked, offered, or guests here and idle)
		cover := func(it *aidItem) int {
			switch {
			case it.State == AidRequested && !unanswered(it, now, a.cfg.AnswerWithin()):
				return it.Asked
			case it.State == AidResponded:
				return it.Offered
			case it.State == AidCommitted || it.State == AidDeployed:
				return d.dispatch.GuestsIdle(it.Request)
			}
			return 0
		}
		covered := 0
		for _, it := range items {
			covered += cover(it)
		}
		base := events.Aid{From: d.town, Lat: sf.at.Lat(), Lon: sf.at.Lon()}
		for _, it := range items {
			m := base
			m.Request, m.To = it.Request, it.Town
			switch {
			case it.State == AidRequested && !unanswered(it, now, a.cfg.AnswerWithin()):
				want := need - (covered - it.Asked)
				if want <= 0 {
					m.Reason = fmt.Sprintf("withdrawn: the town's own units cover %s now (本镇力量已可覆盖)", c)
					add(events.AidKindRelease, m)
					covered -= it.Asked
					continue
				}
				if want != it.Asked && now.Sub(it.lastSent) >= aidUpdateEvery {
					m.Needs = []events.AidNeed{{Capability: c, Count: want}}
					m.WantedFrom, m.Until = it.WantedFrom, it.Until
					m.Reason = d.shortfallWhy(c, sf, want)
					add(events.AidKindRequest, m)
					covered += want - it.Asked
				}
			case (it.State == AidCommitted || it.State == AidDeployed) && !it.release &&
				sf.lack == 0 && d.dispatch.GuestsBusy(it.Request) == 0:
				m.Reason = fmt.Sprintf("the town lacks no %s any more: guests sent home with thanks", c)
				add(events.AidKindRelease, m)
			}
		}
		rest := need - covered
		waiting := slices.ContainsFunc(items, func(it *aidItem) bool {
			return it.State == AidRequested && !unanswered(it, now, a.cfg.AnswerWithin())
		})
		if rest <= 0 || waiting {
			continue // a request still waiting for its answer is updated, not doubled by another
		}
		to := ""
		for _, n := range a.cfg.Neighbours {
			if n != d.town && !askedRecently(items, n, now) {
				to = n
				break
			}
		}
		if to == "" {
			continue // every neighbour asked: the shortage stays on the board
		}
		*sent++
		from, until := now, now.Add(24*time.Hour)
		m := base
		m.Request, m.To = fmt.Sprintf("%s-aid-%d", d.town, *sent), to
		m.Needs = []events.AidNeed{{Capability: c, Count: rest}}
		m.WantedFrom, m.Until = &from, &until
		m.Reason = d.shortfallWhy(c, sf, rest)
		add(events.AidKindRequest, m)
	}
}

func (d *Domain) shortfallWhy(c string, sf *shortfall, count int) string {
	return fmt.Sprintf("town cannot cover %s×%d over %d incidents (镇内无可派力量); %d own units of it free within %s not asked for",
		c, count, sf.incidents, sf.freeSoon, d.aid.cfg.Horizon())
}

// askedRecently reports whether a request for this capability to town n is
// open, or ended less than aidAskAgainAfter ago.
func askedRecently(items []*aidItem, n string, now time.Time) bool {
	for _, it := range items {
		if it.Town != n {
			continue
		}
		switch it.State {
		case AidDeclined, AidReleased:
			if now.Sub(it.History[len(it.History)-1].Time) < aidAskAgainAfter {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// quiet counts the picks marked no_answer at home.
func quiet(picks []dispatch.LendChoice) int {
	n := 0
	for _, p := range picks {
		if p.NoAnswer {
			n++
		}
	}
	return n
}
