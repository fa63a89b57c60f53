package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/natsjs"
	"github.com/floodcmd/floodcmd/scenario"
)

var wavesRuns = flag.Int("waves.runs", 1, "incident-wave runs of TestIncidentWaves (make soak runs more)")

// TestIncidentWaves is the issue's own trial, repeated against the real binary:
// waves of 8 scattered incidents, 40 in three villages with roads closed, 120
// across the town and 10 with declines and time-outs. Every wave's incidents are
// resolved while the next wave arrives, so resolves race with the dispatch of
// the responders they free. Phones answer from the log, as docs/EVENTS.md tells
// them to. After every wave: no responder holds two active assignments and
// every open incident is crewed or says why not; at the end: zero void
// decisions, zero reused assignment ids, zero refused inputs.
func TestIncidentWaves(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the binary and plays four waves")
	}
	fsys, err := scenario.Open("duhu")
	require.NoError(t, err)
	town, err := engine.LoadTown(fsys, "duhu")
	require.NoError(t, err)
	for run := range *wavesRuns {
		t.Run(fmt.Sprintf("run-%d", run), func(t *testing.T) { playWaves(t, town, uint64(run)) })
	}
}

func playWaves(t *testing.T, town *engine.Town, seed uint64) {
	p := startServe(t, t.TempDir(), nil, "--ack-timeout", "3s")
	p.waitReady(t)
	nc, err := testConnect(t, p.natsURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(256))
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	w := &waves{t: t, js: js, rng: rng, town: town, stubborn: map[string]bool{}, seen: map[string]int{}}
	stopPhones := w.phones(p)
	defer stopPhones()

	villages := town.Scenario.Villages
	var prev []string
	play := func(name string, ids []string) {
		t.Logf("wave %s: %d incidents", name, len(ids))
		w.settle(p, ids)
		prev = ids
	}
	scattered := w.incidents("scattered", 8, nil, prev)
	play("scattered", scattered)

	three := []int{rng.IntN(len(villages)), rng.IntN(len(villages)), rng.IntN(len(villages))}
	var polys []orb.Polygon
	for _, i := range three {
		polys = append(polys, villages[i].Area...)
	}
	w.closeRoads(polys, 3)
	play("three villages, roads closed", w.incidents("villages", 40, polys, prev))
	play("whole town", w.incidents("town", 120, nil, prev))
	w.mu.Lock()
	stubborn := w.incidentIDs("stubborn", 10)
	for _, id := range stubborn {
		w.stubborn[id] = true
	}
	w.mu.Unlock()
	stubbornWave := w.incidents("stubborn", 10, nil, prev)
	// The second responder of each stubborn incident stays silent: wait for the
	// ack time-out to hand it on to a third.
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, id := range stubborn {
			if k := w.seen[id]; k == 2 || k == 0 {
				return false
			}
		}
		return true
	}, 30*time.Second, 100*time.Millisecond, "stubborn incidents re-dispatched after the time-out")
	play("declines and time-outs", stubbornWave)
	w.resolve(prev)
	v := quiescentView(t, p)

	assert.Zero(t, v.Counts["decision_void"], "void decisions")
	assert.Zero(t, v.Counts["rejected"], "refused inputs: %v", v.Rejections)
	assert.Zero(t, v.Counters.OpenIncidents, "every incident was resolved")
	var ready struct {
		DecisionsVoid int `json:"decisions_void"`
	}
	getJSON(t, p.url("/readyz"), &ready)
	assert.Zero(t, ready.DecisionsVoid, "/readyz decisions_void")

	// Every assignment id was handed out once, to one incident and responder,
	// and everything said about it later names the same pair.
	created := map[string][2]string{}
	declined, timedOut := 0, 0
	moved := map[string]int{} // cancellations by reason code: pre-emption, swap, re-plan, divert, operator
	for _, m := range readLog(t, js, "flood.duhu.out.assignment.>") {
		var ev events.Event
		require.NoError(t, json.Unmarshal(m, &ev))
		var a struct {
			Assignment, Incident, Responder string
			ReasonCode                      string `json:"reason_code"`
		}
		require.NoError(t, json.Unmarshal(ev.Data, &a))
		pair := [2]string{a.Incident, a.Responder}
		switch ev.Type {
		case events.TypeAssignmentCreated:
			before, reused := created[a.Assignment]
			assert.False(t, reused, "assignment %s handed out twice: %v and %v", a.Assignment, before, pair)
			created[a.Assignment] = pair
		default:
			assert.Equal(t, created[a.Assignment], pair, "%s of %s", ev.Type, a.Assignment)
			if ev.Type == events.TypeAssignmentTimedOut {
				timedOut++
			}
			if ev.Type == events.TypeAssignmentCancelled {
				moved[a.ReasonCode]++
			}
		}
	}
	w.mu.Lock()
	declined = w.declines
	w.mu.Unlock()
	t.Logf("%d assignments, %d declined, %d timed out, cancelled by reason %v, log at seq %d", len(created), declined, timedOut, moved, v.Seq)
	assert.Positive(t, declined, "the stubborn wave declined")
	assert.Positive(t, timedOut, "the stubborn wave let assignments time out")
}

// waves plays incident waves and the phones that answer them.
type waves struct {
	t    *testing.T
	js   jetstream.JetStream
	rng  *rand.Rand
	town *engine.Town
	n    int

	mu       sync.Mutex
	stubborn map[string]bool // incidents whose first responder declines and second stays silent
	seen     map[string]int  // assignments created per incident
	declines int
}

func (w *waves) incidentIDs(name string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("w-%s-%03d", name, i)
	}
	return ids
}

// incidents publishes n incidents (inside polys, or anywhere in the town) and,
// between them, the resolves of the previous wave: the race the issue saw.
func (w *waves) incidents(name string, n int, polys []orb.Polygon, resolve []string) []string {
	ids := w.incidentIDs(name, n)
	kinds := []string{"flooding", "trapped", "evacuation", "blocked_channel", "dangerous_house", "landslide", "road_flooded"}
	if polys == nil {
		for _, v := range w.town.Scenario.Villages {
			polys = append(polys, v.Area...)
		}
	}
	var futures []jetstream.PubAckFuture
	for i, id := range ids {
		at := w.pointIn(polys)
		data := fmt.Sprintf(`{"kind":%q,"lat":%.6f,"lon":%.6f,"people":%d,"severity":%d,"note":"wave %s"}`,
			kinds[w.rng.IntN(len(kinds))], at.Lat(), at.Lon(), 1+w.rng.IntN(12), 1+w.rng.IntN(4), name)
		futures = append(futures, w.publish("flood.duhu.incident", id, "flood.incident.reported", data))
		if i < len(resolve) {
			futures = append(futures, w.resolveOne(resolve[i]))
		}
	}
	if len(resolve) > len(ids) {
		w.resolve(resolve[len(ids):])
	}
	w.acked(futures)
	return ids
}

func (w *waves) resolveOne(incident string) jetstream.PubAckFuture {
	return w.publish("flood.duhu.command", "resolve-"+incident, "flood.command.resolve",
		fmt.Sprintf(`{"incident":%q,"operator":"值班员 王","reason":"处置完毕"}`, incident))
}

func (w *waves) resolve(ids []string) {
	var futures []jetstream.PubAckFuture
	for _, id := range ids {
		futures = append(futures, w.resolveOne(id))
	}
	w.acked(futures)
}

// closeRoads closes per polygon the given number of roads that cross it.
func (w *waves) closeRoads(polys []orb.Polygon, per int) {
	var futures []jetstream.PubAckFuture
	for _, poly := range polys {
		closed := 0
		for _, r := range w.town.Scenario.Roads {
			if closed == per || len(r.Line) == 0 || !planar.PolygonContains(poly, r.Line[len(r.Line)/2]) {
				continue
			}
			futures = append(futures, w.publish("flood.duhu.command", fmt.Sprintf("close-%s", r.ID), "flood.command.close_road",
				fmt.Sprintf(`{"road":%q,"operator":"值班员 王","reason":"水深过膝"}`, r.ID)))
			closed++
		}
	}
	w.acked(futures)
}

func (w *waves) pointIn(polys []orb.Polygon) orb.Point {
	poly := polys[w.rng.IntN(len(polys))]
	b := poly.Bound()
	for {
		p := orb.Point{b.Min[0] + w.rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + w.rng.Float64()*(b.Max[1]-b.Min[1])}
		if planar.PolygonContains(poly, p) {
			return p
		}
	}
}

func (w *waves) publish(subject, id, typ, data string) jetstream.PubAckFuture {
	w.t.Helper()
	msg := fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"test/waves","type":%q,"time":%q,"data":%s}`,
		id, typ, time.Now().Format(time.RFC3339Nano), data)
	f, err := w.js.PublishAsync(subject, []byte(msg), jetstream.WithMsgID(id), jetstream.WithStallWait(30*time.Second))
	require.NoError(w.t, err)
	return f
}

func (w *waves) acked(futures []jetstream.PubAckFuture) {
	w.t.Helper()
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			w.t.Fatalf("publish: %v", err)
		case <-time.After(30 * time.Second):
			w.t.Fatal("no ack within 30 s")
		}
	}
}

// phones answers every assignment read from the log: accepted, except on a
// stubborn incident, whose first responder declines and second stays silent.
func (w *waves) phones(p *proc) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	c, err := w.js.OrderedConsumer(ctx, natsjs.StreamName("duhu"), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"flood.duhu.out.assignment.>"}, DeliverPolicy: jetstream.DeliverNewPolicy})
	require.NoError(w.t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		n := 0
		for ctx.Err() == nil {
			batch, err := c.Fetch(100, jetstream.FetchMaxWait(200*time.Millisecond))
			if err != nil {
				continue
			}
			for m := range batch.Messages() {
				var ev events.Event
				if json.Unmarshal(m.Data(), &ev) != nil || ev.Type != events.TypeAssignmentCreated {
					continue
				}
				var a struct{ Assignment, Incident, Responder string }
				if json.Unmarshal(ev.Data, &a) != nil {
					continue
				}
				w.mu.Lock()
				w.seen[a.Incident]++
				k, stubborn := w.seen[a.Incident], w.stubborn[a.Incident]
				status := "accepted"
				switch {
				case stubborn && k == 1:
					status = "declined"
					w.declines++
				case stubborn && k == 2:
					status = ""
				}
				w.mu.Unlock()
				if status == "" {
					continue
				}
				n++
				_, _ = w.js.PublishAsync("flood.duhu.responder."+a.Responder, fmt.Appendf(nil,
					`{"specversion":"1.0","id":"phone-%s-%s","source":"phone/%s","type":"flood.responder.status","time":%q,"data":{"status":%q,"assignment":%q}}`,
					a.Assignment, status, a.Responder, time.Now().Format(time.RFC3339Nano), status, a.Assignment),
					jetstream.WithMsgID(fmt.Sprintf("phone-%s-%s", a.Assignment, status)))
			}
		}
	}()
	return func() { cancel(); <-done }
}

// settle waits until the engine is quiet after a wave, then checks the
// invariants a dispatcher owes after every wave.
func (w *waves) settle(p *proc, ids []string) {
	t := w.t
	t.Helper()
	v := quiescentView(t, p)
	active := map[string]string{}
	crewed := map[string]bool{}
	for _, a := range v.Assignments {
		switch a.Status {
		case "assigned", "accepted", "en_route", "on_scene":
			if other, ok := active[a.Responder]; ok {
				t.Errorf("responder %s holds two active assignments: %s and %s", a.Responder, other, a.ID)
			}
			active[a.Responder] = a.ID
			crewed[a.Incident] = true
		}
	}
	var uncrewed []string
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for _, inc := range v.Incidents {
		if inc.ResolvedAt != nil || !want[inc.ID] {
			continue
		}
		delete(want, inc.ID)
		if crewed[inc.ID] {
			continue
		}
		uncrewed = append(uncrewed, inc.ID)
	}
	// An open incident nobody is on must have its reason in the log: the
	// dispatcher's aid_needed decision for it (the town cannot cover it).
	t.Logf("  %d open incidents without a crew after the wave", len(uncrewed))
	if len(uncrewed) > 0 {
		reasoned := map[string]bool{}
		for _, m := range readLog(t, w.js, "flood.duhu.out.aid_needed") {
			var ev events.Event
			require.NoError(t, json.Unmarshal(m, &ev))
			var d struct{ Incident string }
			require.NoError(t, json.Unmarshal(ev.Data, &d))
			reasoned[d.Incident] = true
		}
		for _, id := range uncrewed {
			assert.True(t, reasoned[id], "open incident %s has no crew and no aid_needed decision saying why", id)
		}
	}
	assert.Empty(t, want, "incidents of the wave missing from the state")
	assert.Zero(t, v.Counts["decision_void"], "void decisions after the wave")
	assert.Zero(t, v.Counts["rejected"], "refused inputs after the wave: %v", v.Rejections)
}

func quiescentView(tb testing.TB, p *proc) engine.View {
	tb.Helper()
	var v engine.View
	require.NoError(tb, json.Unmarshal(quiescent(tb, p), &v))
	return v
}

// readLog returns every message of the town's log on subject, in order.
func readLog(tb testing.TB, js jetstream.JetStream, subject string) [][]byte {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, natsjs.StreamName("duhu"), jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	require.NoError(tb, err)
	var out [][]byte
	for {
		batch, err := c.Fetch(500, jetstream.FetchMaxWait(time.Second))
		require.NoError(tb, err)
		n := 0
		for m := range batch.Messages() {
			out = append(out, m.Data())
			n++
		}
		if n == 0 {
			return out
		}
	}
}
