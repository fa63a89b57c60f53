package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/internal/testproc"
	"github.com/floodcmd/floodcmd/natsjs"
	"github.com/floodcmd/floodcmd/warning"
)

func incident(id string, i int) []byte {
	return fmt.Appendf(nil, `{"specversion":"1.0","id":%q,"source":"test/e2e","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":%.5f,"lon":%.5f,"people":%d,"note":"e2e"}}`,
		id, 22.05+float64(i%50)/1000, 112.88+float64(i%37)/1000, 1+i%7)
}

// natsCLI returns the real nats CLI, which `make test` installs; under CI its absence fails the test.
func natsCLI(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("nats")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("the nats CLI is not on PATH: `make tools` installs it into .tools/")
		}
		tb.Skip("the nats CLI is not on PATH (make tools)")
	}
	return path
}

func TestServeFromOutsideClients(t *testing.T) {
	p := startServe(t, t.TempDir(), []string{"FLOODCMD_ADMIN_TOKEN=s3cret-operator-token"})
	p.waitReady(t)
	auth := []string{"Authorization", "Bearer s3cret-operator-token"}
	assert.Equal(t, 401, getJSON(t, p.url("/api/state"), nil), "no token, no state")

	nc, rejected := p.subscribe(t, "flood.duhu.rejected", 8)
	js, err := jetstream.New(nc)
	require.NoError(t, err)

	// An incident from the real nats CLI, as docs/EVENTS.md shows it.
	cli := natsCLI(t)
	out, err := exec.Command(cli, "--server", p.natsURL(), "--creds", credsFor(t, p.natsURL(), natsjs.NatsField, "duhu"), "pub", "flood.duhu.incident", string(incident("cli-1", 1)),
		"-H", "Nats-Msg-Id:cli-1").CombinedOutput()
	require.NoError(t, err, "%s", out)
	// The same id again through JetStream: the log says duplicate.
	ack, err := js.Publish(context.Background(), "flood.duhu.incident", incident("cli-1", 1), jetstream.WithMsgID("cli-1"))
	require.NoError(t, err)
	assert.True(t, ack.Duplicate, "the same id is a duplicate")
	// A malformed one lands on flood.duhu.rejected with its reason.
	out, err = exec.Command(cli, "--server", p.natsURL(), "--creds", credsFor(t, p.natsURL(), natsjs.NatsField, "duhu"), "pub", "flood.duhu.incident",
		`{"specversion":"1.0","id":"bad-1","source":"cli","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":222,"lon":112.9}}`).CombinedOutput()
	require.NoError(t, err, "%s", out)
	r := nextRejection(t, rejected)
	assert.Equal(t, "bad-1", r.EventID)
	assert.Equal(t, "data.lat", r.Field)
	assert.Contains(t, r.Reason, "-90…90")

	stream, err := js.Stream(context.Background(), natsjs.StreamName("duhu"))
	require.NoError(t, err)
	msg, err := stream.GetMsg(context.Background(), 1)
	require.NoError(t, err)
	assert.Equal(t, "flood.duhu.incident", msg.Subject, "the incident is in the log")
	require.Eventually(t, func() bool {
		var v engine.View
		getJSON(t, p.url("/api/state"), &v, auth...)
		return len(v.Incidents) == 1 && v.Incidents[0].ID == "cli-1"
	}, 5*time.Second, 20*time.Millisecond)

	var unavailable struct{ Message string }
	assert.Equal(t, 503, getJSON(t, p.url("/api/report"), &unavailable, auth...), "no --db, no report")
	assert.Contains(t, unavailable.Message, "--db")

	p.stop(t)
	assert.Contains(t, p.out.String(), "shutting down")
}

// TestKillDuringBurst kills floodcmd with SIGKILL in the middle of a 10,000-event
// burst, restarts it on the same data, lets the client re-send what it could not
// confirm (same ids), and finds the state identical to an uninterrupted run.
func TestKillDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and kills the binary")
	}
	const n = 10000
	// A storm's traffic: mostly gauge readings, some reports, a few malformed.
	burst, subjects := make([][]byte, n), make([]string, n)
	gauges := []string{"rain-nankeng", "rain-duhuxu", "rain-nancun", "rain-longhe", "rain-dagang", "rain-yuanmei"}
	for i := range burst {
		switch {
		case i%1000 == 999:
			subjects[i], burst[i] = "flood.duhu.incident", fmt.Appendf(nil, `{"specversion":"1.0","id":"bad-%d","source":"x","type":"flood.incident.reported","time":"nope","data":{}}`, i)
		case i%50 == 0:
			subjects[i], burst[i] = "flood.duhu.incident", incident(fmt.Sprintf("burst-%05d", i), i)
		case i%10 == 5:
			subjects[i], burst[i] = "flood.duhu.level", fmt.Appendf(nil, `{"specversion":"1.0","id":"lvl-%d","source":"gauge","type":"flood.level.observed","time":"2022-05-12T23:%02d:00+08:00","data":{"gauge":"nankeng-reservoir","meters":%.2f}}`, i, i%60, 20+float64(i)/1000)
		default:
			subjects[i], burst[i] = "flood.duhu.rain", fmt.Appendf(nil, `{"specversion":"1.0","id":"rain-%d","source":"gauge","type":"flood.rain.observed","time":"2022-05-12T23:%02d:00+08:00","data":{"gauge":%q,"mm":%.1f,"minutes":5}}`, i, i%60, gauges[i%len(gauges)], float64(i%40)/4)
		}
	}
	ids := func(i int) string { return fmt.Sprintf("m-%05d", i) }

	// Uninterrupted run.
	ref := startServe(t, t.TempDir(), nil)
	ref.waitReady(t)
	publishAll(t, ref.natsURL(), subjects, burst, ids, 0)
	want := settledState(t, ref, n)

	// Interrupted run: kill -9 after 3,000 confirmed, restart, re-send all.
	dir := t.TempDir()
	p := startServe(t, dir, nil)
	p.waitReady(t)
	confirmed := publishAll(t, p.natsURL(), subjects, burst, ids, 3000)
	p.kill()
	t.Logf("killed after %d confirmed publishes", confirmed)
	p = startServe(t, dir, nil)
	p.waitReady(t)
	publishAll(t, p.natsURL(), subjects, burst, ids, 0)
	got := settledState(t, p, n)

	// What the inputs say is identical; decisions depend on when the engine was
	// caught up, so they are checked against a replay of the same log below.
	assert.Equal(t, reported(want), reported(got))
	assert.Equal(t, want.Counts["applied"], got.Counts["applied"])
	assert.Equal(t, want.Counts["rejected"], got.Counts["rejected"])
	assert.Equal(t, rejectedIDs(want), rejectedIDs(got))
	assert.Len(t, got.Incidents, n/50)
	assert.Equal(t, readings(want), readings(got))

	// A restart on the same log replays to exactly the same state, decisions included.
	final := quiescent(t, p)
	p.stop(t)
	replayed := startServe(t, dir, nil)
	replayed.waitReady(t)
	assert.JSONEq(t, string(final), string(quiescent(t, replayed)))
}

// quiescent returns /api/state once the engine has stopped deciding (the same
// sequence three times, 300 ms apart).
func quiescent(tb testing.TB, p *proc) []byte {
	tb.Helper()
	var last []byte
	var lastSeq uint64
	same := 0
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		var v engine.View
		getJSON(tb, p.url("/api/state"), &v)
		if v.Seq == lastSeq {
			same++
		} else {
			same, lastSeq = 0, v.Seq
		}
		if same == 2 {
			last, _ = json.Marshal(v)
			return last
		}
	}
	tb.Fatal("the engine kept deciding for 60 s")
	return nil
}

// readings keeps what the gauges said: accumulations, levels and last reading
// times. Warning levels are decisions, made when the engine was caught up; they are
// checked against a replay of the same log below, not against another run.
func readings(v engine.View) []warning.GaugeView {
	out := make([]warning.GaugeView, len(v.Gauges))
	for i, g := range v.Gauges {
		g.Level, g.Silent = "", false
		out[i] = g
	}
	return out
}

// reported keeps what the inputs said about each incident.
func reported(v engine.View) []dispatch.Incident {
	out := make([]dispatch.Incident, len(v.Incidents))
	for i, inc := range v.Incidents {
		out[i] = inc.Incident
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// publishAll publishes the burst asynchronously with Nats-Msg-Id; with stopAfter > 0
// it returns as soon as that many were acknowledged, leaving the rest in flight.
func publishAll(tb testing.TB, url string, subjects []string, burst [][]byte, id func(int) string, stopAfter int) int {
	tb.Helper()
	nc, err := testConnect(tb, url)
	require.NoError(tb, err)
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(512))
	require.NoError(tb, err)
	futures := make([]jetstream.PubAckFuture, 0, len(burst))
	acked := 0
	for i, b := range burst {
		msg := nats.NewMsg(subjects[i])
		msg.Data = b
		f, err := js.PublishMsgAsync(msg, jetstream.WithMsgID(id(i)), jetstream.WithStallWait(30*time.Second))
		require.NoError(tb, err)
		futures = append(futures, f)
		if stopAfter > 0 {
			for acked < len(futures) {
				select {
				case <-futures[acked].Ok():
					acked++
					continue
				default:
				}
				break
			}
			if acked >= stopAfter {
				return acked
			}
		}
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
			acked++
		case err := <-f.Err():
			tb.Fatalf("publish: %v", err)
		case <-time.After(30 * time.Second):
			tb.Fatal("no ack within 30 s")
		}
	}
	return acked
}

// settledState waits until the engine has folded n inputs and owes no notice.
func settledState(tb testing.TB, p *proc, n int) engine.View {
	tb.Helper()
	var v engine.View
	require.Eventually(tb, func() bool {
		getJSON(tb, p.url("/api/state"), &v)
		return v.Counts["applied"]+v.Counts["rejected"] >= n
	}, 60*time.Second, 50*time.Millisecond, "engine did not fold %d inputs", n)
	return v
}

func rejectedIDs(v engine.View) []string {
	var out []string
	for _, r := range v.Rejections {
		out = append(out, r.EventID)
	}
	sort.Strings(out)
	return out
}

// TestIncidentIsAssignedWithinOneSecond: an incident published from outside with
// the nats CLI gets an assignment on flood.duhu.out.assignment.<rid> within 1 s,
// with an ETA that is the road graph's travel time.
func TestIncidentIsAssignedWithinOneSecond(t *testing.T) {
	p := startServe(t, t.TempDir(), nil)
	p.waitReady(t)
	_, assigned := p.subscribe(t, "flood.duhu.out.assignment.*", 16)

	body := `{"specversion":"1.0","id":"yangning-1","source":"grid/nancun","type":"flood.incident.reported","time":"2022-05-12T23:10:00+08:00","data":{"kind":"trapped","lat":22.062,"lon":112.912,"people":5,"severity":2,"note":"阳宁村 水浸"}}`
	start := time.Now()
	out, err := exec.Command(natsCLI(t), "--server", p.natsURL(), "--creds", credsFor(t, p.natsURL(), natsjs.NatsField, "duhu"), "pub", "flood.duhu.incident", body).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var m *nats.Msg
	select {
	case m = <-assigned:
	case <-time.After(time.Second):
		t.Fatalf("no assignment within 1 s; output:\n%s", p.out.String())
	}
	t.Logf("assignment %s after %s", m.Subject, time.Since(start))

	var ev events.Event
	require.NoError(t, json.Unmarshal(m.Data, &ev))
	assert.Equal(t, events.TypeAssignmentCreated, ev.Type)
	var a struct {
		Assignment string  `json:"assignment"`
		Incident   string  `json:"incident"`
		Responder  string  `json:"responder"`
		Lat        float64 `json:"lat"`
		Lon        float64 `json:"lon"`
		ETA        float64 `json:"eta_s"`
		Reason     string  `json:"reason"`
	}
	require.NoError(t, ev.DecodeData(&a))
	assert.Equal(t, "yangning-1", a.Incident)
	assert.Equal(t, "flood.duhu.out.assignment."+a.Responder, m.Subject)
	assert.NotEmpty(t, a.Assignment)
	assert.NotEmpty(t, a.Reason)
	assert.InDelta(t, 22.062, a.Lat, 1e-9)

	// The ETA is the road graph's: the route from where the responder is to the incident.
	var v engine.View
	getJSON(t, p.url("/api/state"), &v)
	var from [2]float64
	for _, r := range v.Responders {
		if r.ID == a.Responder {
			from = [2]float64{r.Home.Lat(), r.Home.Lon()}
		}
	}
	require.NotZero(t, from[0], "responder %s in the state", a.Responder)
	var route struct {
		Seconds float64 `json:"seconds"`
	}
	require.Equal(t, 200, getJSON(t, p.url(fmt.Sprintf("/api/route?from=%f,%f&to=22.062,112.912", from[0], from[1])), &route))
	assert.Greater(t, a.ETA, 0.0)
	assert.InEpsilon(t, route.Seconds, a.ETA, 0.05, "ETA %0.f s against the route's %.0f s", a.ETA, route.Seconds)
}

// TestSecondFloodcmdForATownIsRefused: a second floodcmd for a town that one
// already runs (another data directory, the same NATS) stops at start with a
// message naming the holder; after the first stops, the town can be taken.
func TestSecondFloodcmdForATownIsRefused(t *testing.T) {
	first := startServe(t, t.TempDir(), nil)
	first.waitReady(t)
	second := exec.Command(testproc.Binary(t), "serve", "--town", "duhu", "--nats-url", first.natsURL(),
		"--nats-creds", credsFor(t, first.natsURL(), natsjs.NatsTown, "duhu"), "--http", testproc.FreeAddr(t), "--data", t.TempDir())
	out, err := second.CombinedOutput()
	require.Error(t, err, "the second floodcmd must not run: %s", out)
	assert.Contains(t, string(out), "already runs this town")
	assert.Contains(t, string(out), "town duhu is run by")
}

// TestHTTPRefusalIsOnTheRejectedSubject: an operator action refused at the HTTP
// door answers 400 with the reason and is reported on flood.<town>.rejected too.
func TestHTTPRefusalIsOnTheRejectedSubject(t *testing.T) {
	p := startServe(t, t.TempDir(), nil)
	p.waitReady(t)
	_, rejected := p.subscribe(t, "flood.duhu.rejected", 4)
	code, body := request(t, "POST", p.url("/api/commands/close_road"), `{"reason":"no road named"}`)
	assert.Equal(t, 400, code)
	assert.Contains(t, string(body), "data.road")
	r := nextRejection(t, rejected)
	assert.Equal(t, "data.road", r.Field)
	assert.Equal(t, "flood.duhu.command", r.Subject)
}
