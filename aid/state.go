package aid

import (
	"slices"
	"sort"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/events"
)

// Message is an outgoing aid message recorded in the town's log, with the
// inbox subject of the town it goes to.
type Message struct {
	Subject string
	Event   events.Event
}

// State is the town's mutual aid: a fold of its inbox, its operators' aid
// commands and its own aid decisions. It is folded by one goroutine.
type State struct {
	town     string
	cfg      Config
	dispatch *dispatch.Dispatcher
	items    map[string]*item
	seq      int // records created, for their order
	sent     int // requests this town made, for their ids
	wants    map[string]*want
	wantSeq  int
	reports  []events.Aid // guests' status reports owed to their home town
	// outbox holds the recorded outgoing messages not yet proven delivered, in log order.
	outbox []Message
}

// New returns the empty mutual aid of town, whose responders d dispatches.
func New(cfg Config, town string, d *dispatch.Dispatcher) *State {
	return &State{town: town, cfg: cfg, dispatch: d, items: map[string]*item{}, wants: map[string]*want{}}
}

// Config is the town's mutual-aid policy.
func (a *State) Config() Config { return a.cfg }

// Outbox lists the recorded outgoing aid messages not yet known delivered:
// the forwarder sends them to the recipients' inboxes.
func (a *State) Outbox() []Message {
	if len(a.outbox) == 0 {
		return nil // emptied or never filled: the same
	}
	return slices.Clone(a.outbox)
}

// View renders the records for /api/state, in the order they were made.
func (a *State) View() []Record {
	out := []Record{}
	for _, it := range a.sorted() {
		v := it.Record
		v.Needs = slices.Clone(v.Needs)
		v.Responders = slices.Clone(v.Responders)
		v.History = slices.Clone(v.History)
		out = append(out, v)
	}
	return out
}

func (a *State) item(id string) *item { return a.items[id] }

func (a *State) newItem(v Record) *item {
	a.seq++
	v.ID = v.Request
	it := &item{Record: v, seq: a.seq}
	if it.Needs == nil {
		it.Needs = []events.AidNeed{}
	}
	it.Responders = []ResponderView{}
	a.items[v.Request] = it
	return it
}

func (a *State) sorted() []*item {
	out := make([]*item, 0, len(a.items))
	for _, it := range a.items {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

func (a *State) want(incident string, at orb.Point) *want {
	w := a.wants[incident]
	if w == nil {
		a.wantSeq++
		w = &want{incident: incident, at: at, seq: a.wantSeq}
		a.wants[incident] = w
	}
	return w
}

// sortedWants lists what incidents want, in the order they first wanted it.
func (a *State) sortedWants() []*want {
	out := make([]*want, 0, len(a.wants))
	for _, w := range a.wants {
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}
