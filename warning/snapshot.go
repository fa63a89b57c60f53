package warning

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/floodcmd/floodcmd/internal/snapshotio"
)

// The warnings' part of a fold snapshot: what the readings, alerts and
// recorded changes made of the gauges, warnings, proposals, external alerts
// and the CAP ledger, in a stable order. The scenario's geography, the rules
// and what New derives from them are rebuilt, not stored.

type warningSnap struct {
	Gauges    []gaugeSnap         `json:"gauges"` // by id
	Active    map[string]Warning  `json:"active"`
	Proposals map[string]Proposal `json:"proposals"`
	Armed     map[string]string   `json:"armed"`
	External  []externalSnap      `json:"external"` // by id
	ExtAt     time.Time           `json:"ext_at"`
	CAP       capSnap             `json:"cap"`
	Seen      []string            `json:"seen"` // received alerts' keys, sorted
	Received  []Received          `json:"received"`
}

type gaugeSnap struct {
	ID       string         `json:"id"`
	Rain     []intervalSnap `json:"rain,omitempty"`
	MaxEnd   int64          `json:"max_end,omitempty"`
	LastRain int64          `json:"last_rain,omitempty"`
	Acc      [5]float64     `json:"acc"`
	LastAt   time.Time      `json:"last_at"`
	Meters   float64        `json:"meters,omitempty"`
	HasRead  bool           `json:"has_read,omitempty"`
}

// intervalSnap is a reading as [start, end, mm]: the bulk of the warnings' snapshot.
type intervalSnap [3]float64

type externalSnap struct {
	ID         string    `json:"id"`
	Level      string    `json:"level"`
	Grids      []string  `json:"grids"`
	Sent       time.Time `json:"sent"`
	From       time.Time `json:"from"`
	Expires    time.Time `json:"expires"`
	Event      string    `json:"event,omitempty"`
	EventEn    string    `json:"event_en,omitempty"`
	Categories []string  `json:"categories,omitempty"`
}

// capSnap is the CAP ledger with its episodes listed once and referred to by index.
type capSnap struct {
	Episodes []episodeSnap  `json:"episodes"`
	Open     map[string]int `json:"open"`  // warning key → episode
	ByID     map[string]int `json:"by_id"` // identifier → episode
	Ended    []int          `json:"ended"`
	Latest   time.Time      `json:"latest"`
	Due      time.Time      `json:"due"`
}

type episodeSnap struct {
	Identifier string       `json:"identifier"`
	Kind       string       `json:"kind"`
	Scope      string       `json:"scope"`
	ID         string       `json:"id"`
	Messages   []CAPMessage `json:"messages"`
	Ended      bool         `json:"ended,omitempty"`
}

// SnapshotSchema fingerprints the warnings' snapshot types.
var SnapshotSchema = snapshotio.Schema(warningSnap{})

// Snapshot is the warnings' fold state as deterministic bytes.
func (w *Warnings) Snapshot() ([]byte, error) {
	s := warningSnap{Active: make(map[string]Warning, len(w.active)), Proposals: make(map[string]Proposal, len(w.proposals)),
		Armed: w.armed, ExtAt: w.extAt, Received: w.received.list, Seen: make([]string, 0, len(w.received.seen))}
	for _, id := range sortedKeys(w.gauges) {
		g := w.gauges[id]
		gs := gaugeSnap{ID: id, MaxEnd: g.rain.maxEnd, LastRain: g.rain.lastRain, Acc: g.acc, LastAt: g.lastAt,
			Meters: g.meters, HasRead: g.hasRead}
		for _, iv := range g.rain.iv {
			gs.Rain = append(gs.Rain, intervalSnap{float64(iv.start), float64(iv.end), iv.mm})
		}
		s.Gauges = append(s.Gauges, gs)
	}
	for k, a := range w.active {
		s.Active[k] = *a
	}
	for k, p := range w.proposals {
		s.Proposals[k] = *p
	}
	for _, id := range sortedKeys(w.external) {
		x := w.external[id]
		s.External = append(s.External, externalSnap{ID: x.id, Level: x.level, Grids: x.grids, Sent: x.sent, From: x.from,
			Expires: x.expires, Event: x.event, EventEn: x.eventEn, Categories: x.categories})
	}
	for k := range w.received.seen {
		s.Seen = append(s.Seen, k)
	}
	sort.Strings(s.Seen)
	s.CAP = w.cap.snapshot()
	return json.Marshal(s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// snapshot lists every episode the ledger refers to once: open ones by key,
// all by identifier, the ended in the order they ended (an ended episode may
// have lost its identifier to a newer one).
func (l *capLedger) snapshot() capSnap {
	s := capSnap{Open: map[string]int{}, ByID: map[string]int{}, Ended: make([]int, 0, len(l.ended)), Latest: l.latest, Due: l.due}
	index := map[*capEpisode]int{}
	ref := func(ep *capEpisode) int {
		if i, ok := index[ep]; ok {
			return i
		}
		index[ep] = len(s.Episodes)
		s.Episodes = append(s.Episodes, episodeSnap{Identifier: ep.identifier, Kind: ep.kind, Scope: ep.scope, ID: ep.id,
			Messages: ep.messages, Ended: ep.ended})
		return index[ep]
	}
	for _, ep := range l.ended {
		s.Ended = append(s.Ended, ref(ep))
	}
	for _, k := range sortedKeys(l.open) {
		s.Open[k] = ref(l.open[k])
	}
	for _, id := range sortedKeys(l.byID) {
		s.ByID[id] = ref(l.byID[id])
	}
	return s
}

// Restore replaces the warnings' fold state by a snapshot's. It is called on
// warnings freshly built from the same configuration and scenario.
func (w *Warnings) Restore(raw []byte) error {
	var s warningSnap
	if err := snapshotio.Decode(raw, &s); err != nil {
		return fmt.Errorf("%w: warnings snapshot: %v", ErrInvalid, err)
	}
	if s.Active == nil || s.Proposals == nil || s.Armed == nil || s.CAP.Open == nil || s.CAP.ByID == nil {
		return fmt.Errorf("%w: warnings snapshot lacks its maps", ErrInvalid)
	}
	if len(s.Gauges) != len(w.gauges) {
		return fmt.Errorf("%w: warnings snapshot of %d gauges, the scenario has %d", ErrInvalid, len(s.Gauges), len(w.gauges))
	}
	for _, gs := range s.Gauges {
		if w.gauges[gs.ID] == nil {
			return fmt.Errorf("%w: warnings snapshot: unknown gauge %q", ErrInvalid, gs.ID)
		}
	}
	episodes := make([]*capEpisode, len(s.CAP.Episodes))
	for i, e := range s.CAP.Episodes {
		episodes[i] = &capEpisode{identifier: e.Identifier, kind: e.Kind, scope: e.Scope, id: e.ID, messages: e.Messages, ended: e.Ended}
		if len(e.Messages) == 0 {
			return fmt.Errorf("%w: warnings snapshot: CAP episode %s has no message", ErrInvalid, e.Identifier)
		}
	}
	ep := func(i int) (*capEpisode, error) {
		if i < 0 || i >= len(episodes) {
			return nil, fmt.Errorf("%w: warnings snapshot: CAP episode %d of %d", ErrInvalid, i, len(episodes))
		}
		return episodes[i], nil
	}
	ledger := &capLedger{open: make(map[string]*capEpisode, len(s.CAP.Open)), byID: make(map[string]*capEpisode, len(s.CAP.ByID)),
		ended: make([]*capEpisode, 0, len(s.CAP.Ended)), latest: s.CAP.Latest, due: s.CAP.Due}
	for k, i := range s.CAP.Open {
		e, err := ep(i)
		if err != nil {
			return err
		}
		ledger.open[k] = e
	}
	for id, i := range s.CAP.ByID {
		e, err := ep(i)
		if err != nil {
			return err
		}
		ledger.byID[id] = e
	}
	for _, i := range s.CAP.Ended {
		e, err := ep(i)
		if err != nil {
			return err
		}
		ledger.ended = append(ledger.ended, e)
	}
	for _, gs := range s.Gauges {
		g := w.gauges[gs.ID]
		g.rain = series{maxEnd: gs.MaxEnd, lastRain: gs.LastRain}
		if gs.Rain != nil {
			g.rain.iv = make([]interval, len(gs.Rain))
			for i, iv := range gs.Rain {
				g.rain.iv[i] = interval{start: int64(iv[0]), end: int64(iv[1]), mm: iv[2]}
			}
		}
		g.acc, g.lastAt, g.meters, g.hasRead = gs.Acc, gs.LastAt, gs.Meters, gs.HasRead
	}
	w.active = make(map[string]*Warning, len(s.Active))
	for k, a := range s.Active {
		w.active[k] = &a
	}
	w.proposals = make(map[string]*Proposal, len(s.Proposals))
	for k, p := range s.Proposals {
		w.proposals[k] = &p
	}
	w.armed, w.extAt = s.Armed, s.ExtAt
	w.external = make(map[string]*external, len(s.External))
	for _, x := range s.External {
		w.external[x.ID] = &external{id: x.ID, level: x.Level, grids: x.Grids, sent: x.Sent, from: x.From, expires: x.Expires,
			event: x.Event, eventEn: x.EventEn, categories: x.Categories}
	}
	w.received = &receivedLog{seen: make(map[string]bool, len(s.Seen)), list: s.Received}
	for _, k := range s.Seen {
		w.received.seen[k] = true
	}
	w.cap = ledger
	return nil
}
