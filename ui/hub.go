package ui

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
)

// HubConfig configures the websocket hub.
type HubConfig struct {
	// View returns the engine's state and its sequence; the hub calls it from
	// its own goroutine (under Engine.Read), never from OnApplied.
	View func() (uint64, any)
	// Interval is the least time between two frames to a client (250 ms).
	Interval time.Duration
	// SendBuffer is how many frames a client may lag before it is dropped (32).
	SendBuffer int
	// Ring is how many deltas per audience are kept for ?since= (512).
	Ring int
	// TimelinePerFrame bounds the timeline entries in one delta (100); the rest are counted.
	TimelinePerFrame int
	Logger           *slog.Logger
}

// TimelineEntry is one message of the log as the board lists it.
type TimelineEntry struct {
	Seq     uint64 `json:"seq"`
	Subject string `json:"subject"`
	Type    string `json:"type"`
	Outcome string `json:"outcome"`
	Summary string `json:"summary"`
}

// Hub turns the engine's state into one snapshot and then deltas per client.
// The engine only signals it (Applied); the hub reads the View itself, at most
// every Interval, diffs it per audience and sends each frame, encoded once, to
// every client of that audience. A client that cannot keep up is dropped.
type Hub struct {
	cfg    HubConfig
	signal chan struct{}
	subs   chan *subscription
	leave  chan *wsClient
	done   chan struct{} // closed when Run returns

	mu       sync.Mutex
	pending  []TimelineEntry
	overflow int // entries dropped from pending since the last flush

	// owned by the Run goroutine
	seq       uint64
	view      any             // the engine's View at seq
	docs      map[string]*doc // the view as each redaction class reads it, made on demand
	audiences map[string]*audience
	lastFlush time.Time
}

// audience is every client that reads the same filtered state.
type audience struct {
	p       Principal
	filter  *filter
	seq     uint64
	last    *doc
	ring    []ringFrame
	clients map[*wsClient]struct{}
	idle    time.Time // when the last client left
}

type ringFrame struct {
	from, to uint64
	frame    []byte
}

type subscription struct {
	c     *wsClient
	since *uint64
	done  chan error
}

// wsClient is one websocket connection's outbox.
type wsClient struct {
	p    Principal
	send chan []byte
}

// ErrHubClosed means the hub has stopped.
var ErrHubClosed = errors.New("the live feed is shutting down")

// NewHub returns a hub; call Run.
func NewHub(cfg HubConfig) *Hub {
	if cfg.Interval <= 0 {
		cfg.Interval = 250 * time.Millisecond
	}
	if cfg.SendBuffer <= 0 {
		cfg.SendBuffer = 32
	}
	if cfg.Ring <= 0 {
		cfg.Ring = 512
	}
	if cfg.TimelinePerFrame <= 0 {
		cfg.TimelinePerFrame = 100
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Hub{cfg: cfg, signal: make(chan struct{}, 1), subs: make(chan *subscription),
		leave: make(chan *wsClient, 64), done: make(chan struct{}), audiences: map[string]*audience{}}
}

// maxPending bounds the timeline kept between two frames.
const maxPending = 4096

// Applied is natsjs.Config.OnApplied: it runs under the engine's write lock, so
// it only notes the entry and signals the hub.
func (h *Hub) Applied(seq uint64, subject string, outcome engine.Outcome, typ string) {
	h.mu.Lock()
	if len(h.pending) >= maxPending {
		h.pending = h.pending[1:]
		h.overflow++
	}
	h.pending = append(h.pending, TimelineEntry{Seq: seq, Subject: subject, Type: typ, Outcome: string(outcome)})
	h.mu.Unlock()
	h.Notify()
}

// Notify tells the hub that the state may have changed.
func (h *Hub) Notify() {
	select {
	case h.signal <- struct{}{}:
	default:
	}
}

// Run sends frames until ctx ends.
func (h *Hub) Run(ctx context.Context) {
	defer close(h.done)
	h.flush() // the baseline every first snapshot comes from
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	gc := time.NewTicker(time.Minute)
	defer gc.Stop()
	for {
		select {
		case <-ctx.Done():
			for _, a := range h.audiences {
				for c := range a.clients {
					close(c.send)
				}
			}
			h.audiences = nil
			return
		case <-h.signal:
			if !armed {
				armed = true
				timer.Reset(max(0, h.cfg.Interval-time.Since(h.lastFlush)))
			}
		case <-timer.C:
			armed = false
			h.flush()
		case s := <-h.subs:
			s.done <- h.subscribe(s)
		case c := <-h.leave:
			h.drop(c)
		case now := <-gc.C:
			for k, a := range h.audiences {
				if len(a.clients) == 0 && now.Sub(a.idle) > 10*time.Minute {
					delete(h.audiences, k)
				}
			}
		}
	}
}

// Subscribe registers c and queues its first frames: a snapshot, or with since
// the deltas after since when the ring still has them.
func (h *Hub) Subscribe(ctx context.Context, c *wsClient, since *uint64) error {
	s := &subscription{c: c, since: since, done: make(chan error, 1)}
	select {
	case h.subs <- s:
	case <-ctx.Done():
		return ctx.Err()
	case <-h.done:
		return ErrHubClosed
	}
	return <-s.done
}

// Leave unregisters c; the hub closes its outbox.
func (h *Hub) Leave(c *wsClient) {
	select {
	case h.leave <- c:
	default:
		go func() { // the hub is busy; never block a connection's goroutine on it
			select {
			case h.leave <- c:
			case <-h.done:
			}
		}()
	}
}

func (h *Hub) subscribe(s *subscription) error {
	if h.audiences == nil {
		return ErrHubClosed
	}
	key := s.c.p.audience()
	a, ok := h.audiences[key]
	if !ok {
		a = &audience{p: s.c.p, filter: newFilter(s.c.p), seq: h.seq, clients: map[*wsClient]struct{}{}}
		a.last = a.filter.apply(h.docFor(s.c.p.Role))
		h.audiences[key] = a
	}
	a.clients[s.c] = struct{}{}
	if s.since != nil {
		if *s.since == a.seq {
			return nil // up to date: deltas follow
		}
		for i, f := range a.ring {
			if f.from == *s.since {
				for _, g := range a.ring[i:] {
					if !h.enqueue(a, s.c, g.frame) {
						return nil
					}
				}
				return nil
			}
		}
	}
	h.enqueue(a, s.c, snapshotFrame(a.seq, a.last))
	return nil
}

func snapshotFrame(seq uint64, d *doc) []byte {
	b, _ := json.Marshal(struct {
		Type        string            `json:"type"`
		Seq         uint64            `json:"seq"`
		Collections map[string]string `json:"collections"`
		State       json.RawMessage   `json:"state"`
	}{"snapshot", seq, d.collections(), d.state(seq)})
	return b
}

// enqueue queues a frame without waiting; a full outbox drops the client.
func (h *Hub) enqueue(a *audience, c *wsClient, frame []byte) bool {
	select {
	case c.send <- frame:
		return true
	default:
		h.cfg.Logger.Info("websocket client too slow; dropped, it will resync", "role", c.p.Role, "subject", c.p.Subject)
		h.remove(a, c)
		return false
	}
}

func (h *Hub) drop(c *wsClient) {
	if a, ok := h.audiences[c.p.audience()]; ok {
		h.remove(a, c)
	}
}

func (h *Hub) remove(a *audience, c *wsClient) {
	if _, ok := a.clients[c]; !ok {
		return
	}
	delete(a.clients, c)
	close(c.send)
	if len(a.clients) == 0 {
		a.idle = time.Now()
	}
}

// flush reads the View once and sends every audience what changed.
func (h *Hub) flush() {
	h.lastFlush = time.Now()
	seq, v := h.cfg.View()
	// Entries up to seq are in this View; later ones wait for the next frame.
	h.mu.Lock()
	n := 0
	for n < len(h.pending) && h.pending[n].Seq <= seq {
		n++
	}
	tl := append([]TimelineEntry(nil), h.pending[:n]...)
	h.pending = append(h.pending[:0], h.pending[n:]...)
	skipped := h.overflow
	h.overflow = 0
	h.mu.Unlock()
	if len(tl) > h.cfg.TimelinePerFrame {
		skipped += len(tl) - h.cfg.TimelinePerFrame
		tl = tl[len(tl)-h.cfg.TimelinePerFrame:]
	}
	for i := range tl {
		tl[i].Summary = summarise(tl[i])
	}
	h.seq, h.view, h.docs = seq, v, map[string]*doc{}
	for _, a := range h.audiences {
		h.send(a, seq, tl, skipped)
	}
}

// docFor is the view as role reads it (see viewFor), encoded once per flush
// for all the audiences of its redaction class.
func (h *Hub) docFor(role string) *doc {
	key := redactionKey(role)
	if d, ok := h.docs[key]; ok {
		return d
	}
	d := &doc{vals: map[string]json.RawMessage{}, colls: map[string]*coll{}}
	if h.view != nil {
		raw, err := json.Marshal(viewFor(role, h.view))
		if err == nil {
			d, err = parseDoc(raw)
		}
		if err != nil {
			h.cfg.Logger.Error("hub: encode view", "role", role, "err", err)
			d = &doc{vals: map[string]json.RawMessage{}, colls: map[string]*coll{}}
		}
	}
	if h.docs == nil {
		h.docs = map[string]*doc{}
	}
	h.docs[key] = d
	return d
}

func (h *Hub) send(a *audience, seq uint64, tl []TimelineEntry, skipped int) {
	if seq == a.seq && len(tl) == 0 {
		return
	}
	cur := a.filter.apply(h.docFor(a.p.Role))
	ch := diff(a.last, cur)
	mine := timelineFor(a.p, tl)
	if ch.empty() && len(mine) == 0 && (a.p.Role != RoleOperator || skipped == 0) {
		a.last = cur // nothing this audience reads changed: its chain stays at a.seq
		return
	}
	frame, _ := json.Marshal(struct {
		Type string `json:"type"`
		From uint64 `json:"from"`
		To   uint64 `json:"to"`
		change
		Timeline []TimelineEntry `json:"timeline"`
		Skipped  int             `json:"timeline_skipped,omitempty"`
	}{"delta", a.seq, seq, ch, mine, skipped})
	a.ring = append(a.ring, ringFrame{from: a.seq, to: seq, frame: frame})
	if len(a.ring) > h.cfg.Ring {
		a.ring = append(a.ring[:0], a.ring[len(a.ring)-h.cfg.Ring:]...)
	}
	a.seq, a.last = seq, cur
	for c := range a.clients {
		h.enqueue(a, c, frame)
	}
}

// timelineFor keeps the entries a principal may see.
func timelineFor(p Principal, tl []TimelineEntry) []TimelineEntry {
	switch p.Role {
	case RoleOperator, RoleViewer:
		if tl == nil {
			return []TimelineEntry{}
		}
		return tl
	}
	out := []TimelineEntry{}
	for _, e := range tl {
		switch p.Role {
		case RoleResponder:
			if strings.HasSuffix(e.Subject, ".responder."+p.Subject) || strings.HasSuffix(e.Subject, ".assignment."+p.Subject) {
				out = append(out, e)
			}
		case RolePartner:
			// Exactly the partner's own messages: flood.aid.<us>.<kind>.<partner>
			// (a partner "chi" does not read chixi's).
			if a, err := events.ParseSubject(e.Subject); err == nil && a.Channel == events.ChanAid &&
				len(a.Rest) == 1 && a.Rest[0] == p.Subject {
				out = append(out, e)
			}
		}
	}
	return out
}

// summarise says in a few words what an entry was; the board translates by type.
func summarise(e TimelineEntry) string {
	what := strings.TrimPrefix(e.Type, "flood.")
	if what == "" {
		what = e.Subject
	}
	parts := strings.Split(e.Subject, ".")
	if n := len(parts); n >= 4 && (parts[n-2] == "responder" || parts[n-2] == "assignment" || parts[n-2] == "shelter") {
		what += " " + parts[n-1]
	}
	switch e.Outcome {
	case string(engine.Refused):
		what += " (rejected)"
	case string(engine.Duplicate):
		what += " (duplicate)"
	}
	return what
}
