package warning

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/cap"
)

// The CAP lifecycle of floodcmd's own warnings, folded from the recorded
// changes (Apply calls capRecord), so that a restart or a replay sends the
// same messages: one identifier per warning episode, from issued to cleared;
// the first message is an Alert, each level change an Update that references
// the message before it (sender,identifier,sent), the clearing a Cancel.
// Ended episodes stay answerable for CAPRetention of log time.
const (
	// CAPValidFor is how long a message holds (its <expires>) unless an Update
	// or Cancel comes first: a backstop for a consumer that missed the Cancel.
	// A warning that holds is renewed half-way (capRenew).
	CAPValidFor = 24 * time.Hour
	// CAPRetention is how long, in log time (the latest message sent), an
	// ended episode's last message stays in the feed and at /api/cap/{id}.
	CAPRetention = 48 * time.Hour
	// capEndedKept bounds the ended episodes held, whatever their age.
	capEndedKept = 500
	// capMessagesKept bounds the messages held per episode (the first is kept).
	capMessagesKept = 50
)

// CAPMessage is one message of an episode as it was sent.
type CAPMessage struct {
	MsgType  string // Alert, Update or Cancel
	Sent     time.Time
	Level    string
	Evidence []Evidence
	// Replaces is the sent time of the message this one references (zero for the Alert).
	Replaces time.Time
	// Event, EventEn and Categories are the external alert's own when the
	// warning stands on one (source cap), so that it keeps its name; else empty.
	Event, EventEn string
	Categories     []string
}

// capEpisode is one warning from issued to cleared: one CAP identifier.
type capEpisode struct {
	identifier      string
	kind, scope, id string
	messages        []CAPMessage
	ended           bool
}

func (e *capEpisode) last() CAPMessage { return e.messages[len(e.messages)-1] }

// capLedger holds the episodes: open ones by warning key, all by identifier.
type capLedger struct {
	open   map[string]*capEpisode
	byID   map[string]*capEpisode
	ended  []*capEpisode // in the order they ended
	latest time.Time     // the latest message sent: the ledger's clock
	// due is the earliest time an open episode is due for renewal (zero:
	// none open), so that a reading looks at the episodes only when one is.
	due time.Time
}

func newCAPLedger() *capLedger {
	return &capLedger{open: map[string]*capEpisode{}, byID: map[string]*capEpisode{}}
}

// published says which warnings become CAP: a village's rain signal, a grid's
// external alert and a reservoir or river level. A gauge's own rain level is
// already its village's, and a silent gauge is for operators, not the public.
func published(scope, kind string) bool {
	return (scope == ScopeVillage && kind == KindRain) || (scope == ScopeGrid && kind == KindExternal) ||
		(scope == ScopeGauge && kind == KindLevel)
}

// capRecord folds a recorded warning change into the CAP lifecycle.
func (w *Warnings) capRecord(c Change) {
	if !published(c.Scope, c.Kind) {
		return
	}
	l := w.cap
	k := key(c.Scope, c.ID, c.Kind)
	ep := l.open[k]
	switch c.Type {
	case ChangeIssued, ChangeLowered:
		if ep == nil {
			ep = &capEpisode{identifier: l.newIdentifier(w.sc.Town.ID, c), kind: c.Kind, scope: c.Scope, id: c.ID}
			l.open[k], l.byID[ep.identifier] = ep, ep
			l.add(ep, w.capMessage("Alert", c, time.Time{}))
			return
		}
		if ep.last().Level == c.Level {
			return // the same level with new evidence: nothing a receiver must act on
		}
		l.add(ep, w.capMessage("Update", c, ep.last().Sent))
	case ChangeCleared:
		if ep == nil {
			return
		}
		m := ep.last()
		m.MsgType, m.Sent, m.Replaces = "Cancel", c.Time, m.Sent
		l.add(ep, m)
		ep.ended = true
		delete(l.open, k)
		l.ended = append(l.ended, ep)
	}
	l.prune()
}

// capRenew sends an Update, same level, for every open episode whose last
// message is half-way to its expiry at reading time at, so that a warning
// that holds for days never expires at a receiver. Readings drive it (Rain,
// Level), so it is a fold like the rest.
func (w *Warnings) capRenew(at time.Time) {
	l := w.cap
	if l.due.IsZero() || at.Before(l.due) {
		return
	}
	l.due = time.Time{}
	keys := make([]string, 0, len(l.open))
	for k, ep := range l.open {
		if due := ep.last().Sent.Add(CAPValidFor / 2); !at.Before(due) {
			keys = append(keys, k)
		} else if l.due.IsZero() || due.Before(l.due) {
			l.due = due
		}
	}
	sort.Strings(keys) // map order must not decide the order of messages
	for _, k := range keys {
		ep := l.open[k]
		m := ep.last()
		m.MsgType, m.Sent, m.Replaces = "Update", at, m.Sent
		l.add(ep, m)
	}
}

// newIdentifier names an episode by its target and start; a second episode
// starting in the same second (cleared and issued again) gets a suffix.
func (l *capLedger) newIdentifier(town string, c Change) string {
	base := fmt.Sprintf("%s-%s-%s-%s-%s", town, c.Scope, c.ID, c.Kind, c.Time.UTC().Format("20060102T150405Z"))
	id := base
	for n := 2; l.byID[id] != nil; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	return id
}

// add appends a message, its sent a whole second after the message before
// (CAP's sent has seconds, and sender,identifier,sent must name one message).
func (l *capLedger) add(ep *capEpisode, m CAPMessage) {
	m.Sent = m.Sent.Truncate(time.Second)
	if len(ep.messages) > 0 {
		if prev := ep.last().Sent; !m.Sent.After(prev) {
			m.Sent = prev.Add(time.Second)
		}
	}
	ep.messages = append(ep.messages, m)
	if due := m.Sent.Add(CAPValidFor / 2); m.MsgType != "Cancel" && (l.due.IsZero() || due.Before(l.due)) {
		l.due = due
	}
	if len(ep.messages) > capMessagesKept {
		ep.messages = append(ep.messages[:1], ep.messages[len(ep.messages)-capMessagesKept+1:]...)
	}
	if m.Sent.After(l.latest) {
		l.latest = m.Sent
	}
}

// prune forgets ended episodes older than CAPRetention (log time), and the
// oldest beyond capEndedKept.
func (l *capLedger) prune() {
	drop := 0
	for drop < len(l.ended) {
		ep := l.ended[drop]
		if len(l.ended)-drop <= capEndedKept && !ep.last().Sent.Before(l.latest.Add(-CAPRetention)) {
			break
		}
		if l.byID[ep.identifier] == ep {
			delete(l.byID, ep.identifier)
		}
		drop++
	}
	l.ended = l.ended[drop:]
}

// capMessage is the message a change calls for, named after the external
// alert it stands on (its first cap:<sender,identifier> evidence), if any.
func (w *Warnings) capMessage(msgType string, c Change, replaces time.Time) CAPMessage {
	m := CAPMessage{MsgType: msgType, Sent: c.Time, Level: c.Level, Evidence: slices.Clone(c.Evidence), Replaces: replaces}
	if c.Source != SourceCAP {
		return m
	}
	for _, e := range c.Evidence {
		if id, ok := strings.CutPrefix(e.Rule, "cap:"); ok {
			if ex := w.external[id]; ex != nil {
				m.Event, m.EventEn, m.Categories = ex.event, ex.eventEn, slices.Clone(ex.categories)
				break
			}
		}
	}
	return m
}

// CAPEpisodes lists the identifiers held, newest message first (ties by
// identifier): the open episodes and the ended ones still retained.
func (w *Warnings) CAPEpisodes() []string {
	eps := make([]*capEpisode, 0, len(w.cap.byID))
	for _, ep := range w.cap.byID {
		eps = append(eps, ep)
	}
	sort.Slice(eps, func(i, j int) bool {
		a, b := eps[i].last().Sent, eps[j].last().Sent
		if !a.Equal(b) {
			return a.After(b)
		}
		return eps[i].identifier < eps[j].identifier
	})
	out := make([]string, len(eps))
	for i, ep := range eps {
		out[i] = ep.identifier
	}
	return out
}

// CAPMessages lists the messages held for an identifier, oldest first (nil: none).
func (w *Warnings) CAPMessages(identifier string) []CAPMessage {
	if ep := w.cap.byID[identifier]; ep != nil {
		return slices.Clone(ep.messages)
	}
	return nil
}

// CAPAlert renders message i of an episode (-1: its last) as a CAP 1.2 alert
// (see cap.FromWarning): its area is the village or grid (a gauge's warning
// covers the gauge's village), times are written in zone (the town's; nil
// keeps the recorded ones), and drill makes it an Exercise.
func (w *Warnings) CAPAlert(identifier string, i int, drill bool, zone *time.Location) (cap.Alert, error) {
	ep := w.cap.byID[identifier]
	if ep == nil {
		return cap.Alert{}, fmt.Errorf("%w: CAP identifier %q", ErrNotFound, identifier)
	}
	if i < 0 {
		i = len(ep.messages) - 1
	}
	if i >= len(ep.messages) {
		return cap.Alert{}, fmt.Errorf("%w: message %d of %s", ErrNotFound, i, identifier)
	}
	m := ep.messages[i]
	area, err := w.capArea(ep.scope, ep.id)
	if err != nil {
		return cap.Alert{}, err
	}
	refs := ""
	if !m.Replaces.IsZero() {
		refs = cap.Reference(cap.Sender(w.sc.Town.ID), ep.identifier, m.Replaces, zone)
	}
	town := w.sc.Town
	return cap.FromWarning(cap.WarningInput{
		Identifier: ep.identifier, Town: town.ID, TownName: town.Name, TownNameEn: town.NameEn, Kind: ep.kind,
		Level: m.Level, Drill: drill, Sent: m.Sent, Expires: m.Sent.Add(CAPValidFor), Zone: zone,
		MsgType: m.MsgType, References: refs, Areas: []cap.WarningArea{area}, Evidence: evidenceWords(m.Evidence),
		Event: m.Event, EventEn: m.EventEn, Categories: m.Categories,
	})
}

// capArea is the area of a warning: its grid, its village, or a gauge's village
// (named with the gauge, so that two gauges of one village stay apart).
func (w *Warnings) capArea(scope, id string) (cap.WarningArea, error) {
	var area cap.WarningArea
	switch scope {
	case ScopeGrid:
		g, ok := w.sc.Grid(id)
		if !ok {
			return area, fmt.Errorf("%w: grid %q", ErrNotFound, id)
		}
		area = cap.WarningArea{Name: g.Name, NameEn: g.NameEn, Polygons: rings(g.Area)}
	default:
		vid := id
		var gname, gnameEn string
		if scope == ScopeGauge {
			st, ok := w.gauges[id]
			if !ok {
				return area, fmt.Errorf("%w: gauge %q", ErrNotFound, id)
			}
			vid, gname, gnameEn = st.village, st.g.Name, st.g.NameEn
		}
		v, ok := w.villageByID[vid]
		if !ok {
			return area, fmt.Errorf("%w: village %q", ErrNotFound, vid)
		}
		area = cap.WarningArea{Name: v.Name + gname, NameEn: strings.TrimSpace(v.NameEn + " " + gnameEn), Polygons: rings(v.Area)}
	}
	if area.Name == "" && area.NameEn == "" {
		area.Name = id // areaDesc is required; an id beats nothing
	}
	return area, nil
}

func evidenceWords(list []Evidence) []string {
	var ev []string
	for _, e := range list {
		switch {
		case e.Hours > 0:
			ev = append(ev, fmt.Sprintf("%s: %s mm in %d h (%s)", e.Gauge, strconv.FormatFloat(e.MM, 'f', 1, 64), e.Hours, e.Rule))
		case e.Gauge != "" && e.Meters != 0:
			ev = append(ev, fmt.Sprintf("%s: %.2f m (%s %.2f m)", e.Gauge, e.Meters, e.Rule, e.Threshold))
		default:
			ev = append(ev, e.Rule)
		}
	}
	return ev
}

func rings(mp orb.MultiPolygon) []orb.Ring {
	var out []orb.Ring
	for _, p := range mp {
		if len(p) > 0 {
			out = append(out, p[0]) // outer rings; CAP has no holes
		}
	}
	return out
}
