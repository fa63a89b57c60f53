package aid

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/events"
)

// travel is the road-less travel timer of these tests: 30 km/h along great circles.
var travel = dispatch.StraightLine{SpeedKmh: 30}

// Where the two test towns are: about 11 km apart, as Duhu and Chixi.
var (
	lenderAt = orb.Point{112.90, 22.06}
	askerAt  = orb.Point{112.95, 21.97}
)

// town is one town's fold in a test, routed as the engine routes it: its
// dispatcher, its mutual aid, and the clock its events carry.
type town struct {
	tb      testing.TB
	id      string
	disp    *dispatch.Dispatcher
	aid     *State
	now     time.Time
	n       int            // decisions recorded, for their ids
	decided map[string]int // aid messages recorded, by kind
}

// roster is n town-tier evacuation teams of town id around at, and one reserve.
func roster(id string, n int, at orb.Point) []dispatch.Responder {
	var out []dispatch.Responder
	for i := range n + 1 {
		out = append(out, dispatch.Responder{ID: fmt.Sprintf("t-%02d", i), Name: fmt.Sprintf("%s 队员 %d", id, i),
			Tier: dispatch.TierTown, Team: id + " 应急队", Capabilities: []dispatch.Capability{dispatch.CapEvacuation},
			Home: orb.Point{at[0] + float64(i)/1000, at[1]}, Reserve: i == n})
	}
	return out
}

func newTown(tb testing.TB, id string, cfg Config, teams int, at orb.Point) *town {
	tb.Helper()
	d, err := dispatch.New(dispatch.DefaultConfig(), roster(id, teams, at))
	require.NoError(tb, err)
	return &town{tb: tb, id: id, disp: d, aid: New(cfg, id, d), now: time.Date(2022, 5, 12, 15, 0, 0, 0, time.UTC),
		decided: map[string]int{}}
}

// keep is a policy asking neighbours in order and keeping home keepHome teams.
func keep(keepHome int, neighbours ...string) Config {
	return Config{Neighbours: neighbours, KeepHome: &keepHome}
}

// incident reports an evacuation of people at at.
func (l *town) incident(id string, people int, at orb.Point) {
	l.tb.Helper()
	require.NoError(l.tb, l.disp.ReportIncident(dispatch.Incident{ID: id, Kind: dispatch.KindEvacuation, At: at,
		People: people, ReportedAt: l.now}))
}

// resolve closes an incident as an operator would.
func (l *town) resolve(id string) {
	l.tb.Helper()
	require.NoError(l.tb, l.disp.Resolve(id, "值班员", "转移完成", l.now))
}

// command is an operator's aid verb, as the engine folds it.
func (l *town) command(verb string, c events.Command) error {
	c.Operator = "值班员"
	return l.aid.Command(verb, &c, l.now)
}

// roundTrip passes v through JSON, as a decision read back from the log is.
func roundTrip[T any](tb testing.TB, v T) T {
	tb.Helper()
	raw, err := json.Marshal(v)
	require.NoError(tb, err)
	var out T
	require.NoError(tb, json.Unmarshal(raw, &out))
	return out
}

// round decides once, as the engine does (the dispatcher and aid decide from
// one state), and folds the decisions back; it returns how many there were.
func (l *town) round() int {
	l.tb.Helper()
	decs := l.disp.Decide(l.now, travel)
	aids := l.aid.Decide(l.now, travel)
	for _, dec := range decs {
		dec = roundTrip(l.tb, dec)
		require.NoError(l.tb, l.disp.Apply(dec), "%+v", dec)
		switch dec.Type {
		case dispatch.DecisionAidNeeded:
			l.aid.Needed(dec)
		case dispatch.DecisionAssignmentCreated:
			l.aid.Assigned(dec)
		}
	}
	for _, dec := range aids {
		l.n++
		ev, err := events.New(fmt.Sprintf("%s-d%d", l.id, l.n), "floodcmd/"+l.id, events.AidKinds[dec.Kind], l.now, dec.Aid)
		require.NoError(l.tb, err)
		require.NoError(l.tb, l.aid.Apply(ev), "%s %s", ev.Type, ev.Data)
		l.decided[dec.Kind]++
	}
	return len(decs) + len(aids)
}

// settle decides and folds until the town has nothing more to say.
func (l *town) settle() {
	l.tb.Helper()
	for range 20 {
		if l.round() == 0 {
			return
		}
		l.now = l.now.Add(time.Second)
	}
	l.tb.Fatalf("%s never settled", l.id)
}

// deliver plays the forwarder: every outbox message is folded by the partner
// as an input, then a delivered marker is folded here. It returns the count;
// none may be refused.
func (l *town) deliver(to *town) int {
	l.tb.Helper()
	n, refused := forward(l, to)
	require.Empty(l.tb, refused)
	return n
}

// forward is deliver that tolerates refusals (a random sequence makes some):
// a refused message is dropped by the recipient, as the engine rejects it.
func forward(from, to *town) (int, []string) {
	from.tb.Helper()
	var refused []string
	n := 0
	for _, o := range from.aid.Outbox() {
		var m events.Aid
		require.NoError(from.tb, o.Event.DecodeData(&m))
		kind := o.Subject[strings.LastIndex(o.Subject, ".")+1:]
		if err := to.aid.Receive(kind, &m, to.now); err != nil {
			refused = append(refused, fmt.Sprintf("%s %s: %v", o.Subject, o.Event.Data, err))
		}
		mark, err := events.New(o.Event.ID+"-delivered", "floodcmd/"+from.id, events.TypeAidDelivered, from.now,
			events.AidDelivered{Event: o.Event.ID, Subject: o.Subject, To: to.id})
		require.NoError(from.tb, err)
		require.NoError(from.tb, from.aid.Apply(mark))
		n++
	}
	return n, refused
}

// record is the town's only record in direction dir.
func (l *town) record(dir string) Record {
	l.tb.Helper()
	var found []Record
	for _, r := range l.aid.View() {
		if r.Direction == dir {
			found = append(found, r)
		}
	}
	require.Len(l.tb, found, 1, "%s: records %s in %+v", l.id, dir, l.aid.View())
	return found[0]
}

// responders lists the dispatcher's responders that pred picks.
func (l *town) responders(pred func(dispatch.ResponderView) bool) []string {
	var out []string
	for _, r := range l.disp.View().Responders {
		if pred(r) {
			out = append(out, r.ID)
		}
	}
	return out
}

func lent(r dispatch.ResponderView) bool  { return r.Status == dispatch.StatusLent }
func guest(r dispatch.ResponderView) bool { return r.HomeTown != "" }
