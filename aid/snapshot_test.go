package aid

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/events"
)

// world is two towns that lend to each other: Chixi short of teams, Duhu with
// some to spare, and a third neighbour, Guanghai, that never answers.
type world struct{ cx, dh *town }

func newWorld(tb testing.TB) *world {
	return &world{cx: newTown(tb, "chixi", keep(1, "duhu", "guanghai"), 3, askerAt),
		dh: newTown(tb, "duhu", keep(2, "chixi"), 8, lenderAt)}
}

// randomStep draws one aid input from r against w (the reference world) and
// returns it as an action that can be played on any world in the same state;
// what it returns (errors, refusals) must be the same on each.
func randomStep(r *rand.Rand, w *world, n int) (string, func(w *world) string) {
	switch k := r.IntN(12); k {
	case 0, 1:
		people := 30 + r.IntN(300)
		id := fmt.Sprintf("cx-%d", n)
		return "incident " + id, func(w *world) string { w.cx.incident(id, people, askerAt); return "" }
	case 2:
		open := w.cx.disp.View().Incidents
		var ids []string
		for _, inc := range open {
			if inc.Status == dispatch.IncidentOpen {
				ids = append(ids, inc.ID)
			}
		}
		if len(ids) == 0 {
			return "nothing to resolve", func(*world) string { return "" }
		}
		id := ids[r.IntN(len(ids))]
		return "resolve " + id, func(w *world) string { w.cx.resolve(id); return "" }
	case 3:
		d := time.Duration(r.IntN(16)) * time.Minute
		return "clock +" + d.String(), func(w *world) string {
			w.cx.now, w.dh.now = w.cx.now.Add(d), w.dh.now.Add(d)
			return ""
		}
	case 4:
		return "settle both", func(w *world) string { w.cx.settle(); w.dh.settle(); return "" }
	case 5:
		return "forward both ways", func(w *world) string {
			_, there := forward(w.cx, w.dh)
			_, back := forward(w.dh, w.cx)
			return fmt.Sprint(there, back)
		}
	case 6, 7:
		var reqs []string
		for _, rec := range w.dh.aid.View() {
			if rec.Direction == In {
				reqs = append(reqs, rec.Request)
			}
		}
		if len(reqs) == 0 {
			reqs = []string{"chixi-aid-99"}
		}
		req, count := reqs[r.IntN(len(reqs))], 1+r.IntN(8)
		verb := events.VerbApproveAid
		if k == 7 && r.IntN(3) == 0 {
			verb = events.VerbDeclineAid
		}
		return verb + " " + req, func(w *world) string {
			return fmt.Sprint(w.dh.command(verb, events.Command{Request: req, Count: count, Reason: "随机"}))
		}
	case 8:
		var reqs []string
		for _, rec := range w.cx.aid.View() {
			reqs = append(reqs, rec.Request)
		}
		if len(reqs) == 0 {
			return "nothing to release", func(*world) string { return "" }
		}
		req := reqs[r.IntN(len(reqs))]
		return "release_aid " + req, func(w *world) string {
			return fmt.Sprint(w.cx.command(events.VerbReleaseAid, events.Command{Request: req, Reason: "水退了"}))
		}
	case 9:
		var open []string
		for _, inc := range w.cx.disp.View().Incidents {
			if inc.Status == dispatch.IncidentOpen {
				open = append(open, inc.ID)
			}
		}
		if len(open) == 0 {
			return "nothing to ask for", func(*world) string { return "" }
		}
		id, to, count := open[r.IntN(len(open))], []string{"", "duhu", "guanghai"}[r.IntN(3)], 1+r.IntN(3)
		return "request_aid " + id, func(w *world) string {
			return fmt.Sprint(w.cx.command(events.VerbRequestAid, events.Command{Incident: id, Capability: "evacuation", Count: count, Town: to}))
		}
	case 10:
		// A guest moves its assignment on: accepted, en route, on scene, done.
		next := map[string]string{dispatch.StatusAssigned: "accepted", "accepted": "en_route", "en_route": "on_scene", "on_scene": "done"}
		var picks []dispatch.AssignmentView
		for _, a := range w.cx.disp.View().Assignments {
			if strings.HasPrefix(a.Responder, "duhu-") && next[a.Status] != "" {
				picks = append(picks, a)
			}
		}
		if len(picks) == 0 {
			return "no guest to report", func(*world) string { return "" }
		}
		a := picks[r.IntN(len(picks))]
		lat, lon := 21.97+r.Float64()/100, 112.95+r.Float64()/100
		s := dispatch.StatusReport{Responder: a.Responder, Status: next[a.Status], Assignment: a.ID, HasPosition: true}
		s.At[0], s.At[1] = lon, lat
		id := fmt.Sprintf("st-%d", n)
		return "guest " + a.Responder + " " + s.Status, func(w *world) string {
			s.Time = w.cx.now
			if err := w.cx.disp.SetStatus(s); err != nil {
				return err.Error()
			}
			w.cx.aid.GuestReport(s, id)
			return ""
		}
	default:
		// A message that arrives before its request, or about a request nobody made.
		req := fmt.Sprintf("chixi-aid-%d", 1+r.IntN(4))
		return "early status " + req, func(w *world) string {
			return fmt.Sprint(w.dh.aid.Receive(events.AidKindStatus, &events.Aid{Request: req, From: "chixi", Responder: "t-01", Status: "accepted"}, w.dh.now))
		}
	}
}

// invariants are what mutual aid promises whatever the sequence: the lender
// has lent exactly whom its records say, the asker hosts exactly the guests
// its records say, and the asker never has two requests waiting for an
// answer for one capability from one neighbour.
func invariants(tb testing.TB, w *world, what string) {
	tb.Helper()
	lentByRecords := 0
	for _, r := range w.dh.aid.View() {
		if r.Direction == In && (r.State == Committed || r.State == Deployed) {
			lentByRecords += r.Committed
		}
	}
	require.Len(tb, w.dh.responders(lent), lentByRecords, "%s: duhu's lent responders against its records", what)
	guests, waiting := 0, map[string]int{}
	for _, r := range w.cx.aid.View() {
		if r.Direction != Out {
			continue
		}
		if r.State == Committed || r.State == Deployed {
			guests += r.Committed
		}
		if r.Incident == "" && r.State == Requested && len(r.Needs) == 1 &&
			!unanswered(w.cx.aid.item(r.Request), w.cx.now, w.cx.aid.cfg.AnswerWithin()) {
			waiting[r.Needs[0].Capability+"→"+r.Town]++
		}
	}
	require.Len(tb, w.cx.responders(guest), guests, "%s: chixi's guests against its records", what)
	for pair, n := range waiting {
		require.Equal(tb, 1, n, "%s: requests waiting for %s", what, pair)
	}
}

// restored builds l's aid afresh over the same dispatcher and restores it from
// snapshot: the town as a new engine would have it after reading a snapshot.
func restored(tb testing.TB, l *town, snapshot []byte) {
	tb.Helper()
	fresh := New(l.aid.cfg, l.id, l.disp)
	require.NoError(tb, fresh.Restore(snapshot))
	l.aid = fresh
}

// sameTown checks that two towns' aid is the same state: byte-identical
// snapshots, equal views, the same outbox, and the same decisions at now.
func sameTown(tb testing.TB, a, b *town, what string) {
	tb.Helper()
	sa, err := a.aid.Snapshot()
	require.NoError(tb, err)
	sb, err := b.aid.Snapshot()
	require.NoError(tb, err)
	require.Equal(tb, string(sa), string(sb), "%s: %s snapshots differ", what, a.id)
	require.Equal(tb, a.aid.View(), b.aid.View(), "%s: %s views differ", what, a.id)
	va, _ := json.Marshal(a.aid.View())
	vb, _ := json.Marshal(b.aid.View())
	require.Equal(tb, string(va), string(vb), "%s: %s views differ as JSON", what, a.id)
	require.Equal(tb, a.aid.Outbox(), b.aid.Outbox(), "%s: %s outboxes differ", what, a.id)
	require.Equal(tb, a.aid.Decide(a.now, travel), b.aid.Decide(b.now, travel), "%s: %s decides otherwise", what, a.id)
}

// TestSnapshotRestoreRandomSequences: random sequences of aid inputs on two
// worlds in step; the second is restored from the first's snapshots now and
// then into freshly built states. After every step both give byte-identical
// snapshots, equal views and the same decisions, and a restore of a restored
// state gives the same bytes again — so it decides identically afterwards.
func TestSnapshotRestoreRandomSequences(t *testing.T) {
	seeds, steps := 100, 60
	if testing.Short() {
		seeds = 20
	}
	kinds := map[string]int{}
	for seed := range seeds {
		r := rand.New(rand.NewPCG(uint64(seed), 17))
		w1, w2 := newWorld(t), newWorld(t)
		var trail []string
		for n := range steps {
			name, do := randomStep(r, w1, n)
			trail = append(trail, name)
			what := fmt.Sprintf("seed %d after %v", seed, trail)
			got1, got2 := do(w1), do(w2)
			require.Equal(t, got1, got2, "%s: the step went otherwise on the restored world", what)
			invariants(t, w1, what)
			for _, pair := range [][2]*town{{w1.cx, w2.cx}, {w1.dh, w2.dh}} {
				sameTown(t, pair[0], pair[1], what)
				if r.IntN(4) == 0 {
					snap, err := pair[0].aid.Snapshot()
					require.NoError(t, err)
					restored(t, pair[1], snap)
					sameTown(t, pair[0], pair[1], what+" (just restored)")
				}
			}
			kinds[strings.Fields(name)[0]]++
		}
		for _, l := range []*town{w1.cx, w1.dh} {
			for _, rec := range l.aid.View() {
				kinds[strings.Join(strings.Fields("state "+rec.Direction+" "+rec.State), " ")]++
			}
		}
	}
	t.Logf("steps and final record states over %d seeds: %v", seeds, kinds)
	// The sequences must reach the whole life of a request, or the test proves little.
	for _, k := range []string{"state out requested", "state out committed", "state out deployed", "state out released",
		"state out declined", "state in committed", "state in released", "state pending"} {
		assert.Positive(t, kinds[k], "no sequence ended with a record %q", k)
	}
}

// TestRestoreRefusesWhatIsNotASnapshot: a snapshot is restored exactly or not at all.
func TestRestoreRefusesWhatIsNotASnapshot(t *testing.T) {
	cx, _ := askerAndLender(t, keep(10, "duhu"))
	good, err := cx.aid.Snapshot()
	require.NoError(t, err)
	for name, raw := range map[string]string{
		"not json":       "{",
		"unknown field":  `{"items":[],"seq":0,"sent":0,"wants":[],"want_seq":0,"reports":[],"outbox":[],"extra":1}`,
		"trailing data":  string(good) + "{}",
		"request twice":  `{"items":[{"key":"a","record":{"request":"a","history":[{"state":"requested","time":"2022-05-12T15:00:00Z"}]},"seq":1,"last_sent":"2022-05-12T15:00:00Z"},{"key":"a","record":{"request":"a","history":[{"state":"requested","time":"2022-05-12T15:00:00Z"}]},"seq":2,"last_sent":"2022-05-12T15:00:00Z"}]}`,
		"wrong type seq": `{"seq":"one"}`,
		"no history":     `{"items":[{"key":"a","record":{"request":"a"},"seq":1,"last_sent":"2022-05-12T15:00:00Z"}]}`,
		"key not its id": `{"items":[{"key":"a","record":{"request":"b","history":[{"state":"requested","time":"2022-05-12T15:00:00Z"}]},"seq":1,"last_sent":"2022-05-12T15:00:00Z"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			assert.Error(t, cx.aid.Restore([]byte(raw)))
			after, err := cx.aid.Snapshot()
			require.NoError(t, err)
			assert.Equal(t, string(good), string(after), "a refused snapshot leaves the state as it was")
		})
	}
}
