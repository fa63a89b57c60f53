package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/internal/testproc"
	"github.com/floodcmd/floodcmd/natsjs"
	"github.com/floodcmd/floodcmd/ui"
)

// mintCreds runs `floodcmd creds` as an operator would and keeps the file.
func mintCreds(tb testing.TB, dataDir, role, town string) string {
	tb.Helper()
	out, err := exec.Command(testproc.Binary(tb), "creds", "--role", role, "--town", town, "--data", dataDir).Output()
	require.NoError(tb, err, "floodcmd creds --role %s", role)
	require.Contains(tb, string(out), "BEGIN NATS USER JWT")
	path := filepath.Join(tb.TempDir(), role+"-"+town+".creds")
	require.NoError(tb, os.WriteFile(path, out, 0o600))
	return path
}

// TestNATSForgeriesRefused: against a running floodcmd, with the real nats CLI,
// anonymously and with gauge, field and a neighbouring town's credentials, a
// forged decision, a forged rejection notice, aid sent in another town's name
// and `nats stream edit/purge/rm` of the town's log are all refused by the
// server; an incident published with field credentials is dispatched.
func TestNATSForgeriesRefused(t *testing.T) {
	cli := natsCLI(t)
	data := t.TempDir()
	p := startServe(t, data, nil)
	p.waitReady(t)
	auth := []string{"Authorization", "Bearer " + testAdminToken}

	field := mintCreds(t, data, natsjs.NatsField, "duhu")
	// A real incident from a field phone: it is in the log and gets a responder.
	out, err := exec.Command(cli, "--server", p.natsURL(), "--creds", field, "pub", "flood.duhu.incident",
		string(incident("sec-real-1", 3)), "-H", "Nats-Msg-Id:sec-real-1").CombinedOutput()
	require.NoError(t, err, "%s", out)
	var v engine.View
	require.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v, auth...)
		for _, a := range v.Assignments {
			if a.Incident == "sec-real-1" {
				return true
			}
		}
		return false
	}, 10*time.Second, 50*time.Millisecond, "the field incident was not dispatched")

	ctx := context.Background()
	nc, err := testConnect(t, p.natsURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	stream, err := js.Stream(ctx, natsjs.StreamName("duhu"))
	require.NoError(t, err)
	before, err := stream.Info(ctx)
	require.NoError(t, err)

	forgedResolve := `{"specversion":"1.0","id":"forged-1","source":"floodcmd/duhu","type":"flood.incident.resolved","time":"2022-05-12T23:10:00+08:00","data":{"incident":"sec-real-1"}}`
	forgedNotice := `{"specversion":"1.0","id":"forged-2","source":"floodcmd/duhu","type":"flood.event.rejected","time":"2022-05-12T23:10:00+08:00","data":{"event_id":"sec-real-2","subject":"flood.duhu.incident","reason":"forged"}}`
	forgedAid := `{"specversion":"1.0","id":"forged-3","source":"floodcmd/doushan","type":"flood.aid.requested","time":"2022-05-12T23:10:00+08:00","data":{"request":"ds-1","from":"doushan","to":"duhu","needs":[{"capability":"evacuation","count":10}],"lat":21.97,"lon":112.95}}`
	identities := []struct {
		name string
		args []string
	}{
		{"anonymous", nil},
		{"gauge", []string{"--creds", mintCreds(t, data, natsjs.NatsGauge, "duhu")}},
		{"field", []string{"--creds", field}},
		// A neighbour's floodcmd, with its own inbox prefix so that only permissions can refuse it.
		{"town chixi", []string{"--creds", mintCreds(t, data, natsjs.NatsTown, "chixi"), "--inbox-prefix", natsjs.InboxPrefix("chixi")}},
	}
	refused := 0
	for _, id := range identities {
		attempts := [][]string{
			{"pub", "flood.duhu.out.incident.x", forgedResolve},
			{"pub", "flood.duhu.out.zz", strings.Replace(forgedResolve, "forged-1", "sec-real-2", 1)},
			{"pub", "flood.duhu.rejected", forgedNotice},
			{"pub", "flood.aid.duhu.request.doushan", forgedAid},
			{"pub", "flood.aid.duhu.request", forgedAid},
			{"stream", "edit", "FLOOD_DUHU", "--max-age=1h", "-f"},
			{"stream", "purge", "FLOOD_DUHU", "-f"},
			{"stream", "rm", "FLOOD_DUHU", "-f"},
		}
		for _, a := range attempts {
			args := append(append([]string{"--server", p.natsURL(), "--timeout", "1s"}, id.args...), a...)
			out, err := exec.Command(cli, args...).CombinedOutput()
			if assert.Error(t, err, "%s: nats %s was accepted: %s", id.name, strings.Join(a[:2], " "), out) {
				refused++
			}
			msg := string(out)
			assert.True(t, strings.Contains(msg, "Violation") || strings.Contains(msg, "deadline exceeded"),
				"%s: nats %s: %s", id.name, strings.Join(a[:2], " "), msg)
		}
	}
	t.Logf("%d of %d forgeries refused by the server", refused, 8*len(identities))

	after, err := stream.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, time.Duration(0), after.Config.MaxAge, "the log's retention was not edited")
	assert.GreaterOrEqual(t, after.State.Msgs, before.State.Msgs, "nothing was purged")
	assert.Equal(t, uint64(1), after.State.FirstSeq, "nothing was purged")

	// Nothing forged reached the fold; a second real incident is dispatched as usual.
	out, err = exec.Command(cli, "--server", p.natsURL(), "--creds", field, "pub", "flood.duhu.incident",
		string(incident("sec-real-2", 4)), "-H", "Nats-Msg-Id:sec-real-2").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v, auth...)
		n := 0
		for _, a := range v.Assignments {
			if a.Incident == "sec-real-1" || a.Incident == "sec-real-2" {
				n++
			}
		}
		return n >= 2
	}, 10*time.Second, 50*time.Millisecond, "the second incident was not dispatched")
	for _, inc := range v.Incidents {
		assert.NotEqual(t, "resolved", inc.Status, "incident %s resolved by a forgery", inc.ID)
	}
	assert.Empty(t, v.Aid, "no aid request in another town's name: %v", v.Aid)
	for _, r := range v.Rejections {
		assert.NotEqual(t, "forged", r.Reason)
	}
}

// TestNATSRoleCanDoItsJob: each role can do what it is for, with the real CLI.
func TestNATSRoleCanDoItsJob(t *testing.T) {
	cli := natsCLI(t)
	data := t.TempDir()
	p := startServe(t, data, nil)
	p.waitReady(t)
	run := func(role string, args ...string) (string, error) {
		all := append([]string{"--server", p.natsURL(), "--timeout", "2s", "--creds", mintCreds(t, data, role, "duhu")}, args...)
		out, err := exec.Command(cli, all...).CombinedOutput()
		return string(out), err
	}
	rain := `{"specversion":"1.0","id":"sec-rain-1","source":"gauge/nankeng","type":"flood.rain.observed","time":"2022-05-12T23:00:00+08:00","data":{"gauge":"nankeng","mm":12,"minutes":60}}`
	out, err := run(natsjs.NatsGauge, "pub", "flood.duhu.rain", rain)
	require.NoError(t, err, out)
	out, err = run(natsjs.NatsGauge, "pub", "flood.duhu.incident", string(incident("sec-g-1", 1)))
	assert.Error(t, err, "a gauge reports no incidents: %s", out)
	out, err = run(natsjs.NatsOperator, "stream", "info", "FLOOD_DUHU", "--json")
	require.NoError(t, err, "an operator reads its town's log: %s", out)
	out, err = run(natsjs.NatsOperator, "pub", "flood.duhu.command",
		`{"specversion":"1.0","id":"sec-cmd-1","source":"cli","type":"flood.command.open_shelter","time":"2022-05-12T23:00:00+08:00","data":{"shelter":"s-01","operator":"cli"}}`)
	require.NoError(t, err, out)
	out, err = run(natsjs.NatsViewer, "pub", "flood.duhu.incident", string(incident("sec-v-1", 1)))
	assert.Error(t, err, "a viewer only reads: %s", out)
	out, err = run(natsjs.NatsViewer, "sub", "flood.duhu.incident", "--count", "1", "--wait", "1s")
	assert.Error(t, err, "a viewer reads decisions only: %s", out)
	assert.Contains(t, out, "Violation")
	// Decisions are read from the log (a consumer of its own), as EVENTS.md says.
	out, err = run(natsjs.NatsField, "pub", "flood.duhu.incident", string(incident("sec-f-1", 1)))
	require.NoError(t, err, out)
	out, err = run(natsjs.NatsViewer, "sub", "flood.duhu.out.>", "--all", "--count", "1", "--wait", "5s")
	require.NoError(t, err, "a viewer reads decisions from the log: %s", out)
	assert.Contains(t, out, "Received JetStream message")
	out, err = run(natsjs.NatsViewer, "sub", "flood.duhu.>", "--all", "--count", "1", "--wait", "2s")
	assert.Error(t, err, "but no consumer wider than the decisions: %s", out)
	assert.Contains(t, out, "Violation")
	out, err = run(natsjs.NatsField, "sub", "flood.duhu.out.assignment.*", "--all", "--count", "1", "--wait", "5s")
	require.NoError(t, err, "a phone reads its assignments from the log: %s", out)

	// One responder's phone speaks only for itself.
	phone, err := exec.Command(testproc.Binary(t), "creds", "--role", "responder", "--responder", "t-001", "--town", "duhu", "--data", data).Output()
	require.NoError(t, err)
	phoneFile := filepath.Join(t.TempDir(), "t-001.creds")
	require.NoError(t, os.WriteFile(phoneFile, phone, 0o600))
	status := func(rid string) (string, error) {
		body := fmt.Sprintf(`{"specversion":"1.0","id":"st-%s","source":"phone/%s","type":"flood.responder.status","time":"2022-05-12T23:00:00+08:00","data":{"status":"available"}}`, rid, rid)
		out, err := exec.Command(cli, "--server", p.natsURL(), "--timeout", "2s", "--creds", phoneFile, "pub", "flood.duhu.responder."+rid, body).CombinedOutput()
		return string(out), err
	}
	out, err = status("t-001")
	require.NoError(t, err, out)
	out, err = status("t-002")
	assert.Error(t, err, "t-001's phone cannot report for t-002: %s", out)
}

// TestTokenRevocation: `floodcmd token --revoke` puts the token's id in the
// town's key-value bucket; the running floodcmd refuses it within a second,
// and again after a restart.
func TestTokenRevocation(t *testing.T) {
	data := t.TempDir()
	p := startServe(t, data, nil)
	p.waitReady(t)
	out, err := exec.Command(testproc.Binary(t), "token", "--role", "viewer", "--data", data).Output()
	require.NoError(t, err)
	tok := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	bearer := []string{"Authorization", "Bearer " + tok}
	require.Equal(t, 200, getJSON(t, p.url("/api/whoami"), nil, bearer...))
	out, err = exec.Command(testproc.Binary(t), "token", "--revoke", tok, "--town", "duhu", "--nats", p.natsURL(), "--data", data).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "revoked")
	require.Eventually(t, func() bool { return getJSON(t, p.url("/api/whoami"), nil, bearer...) == 401 },
		time.Second, 10*time.Millisecond, "the revoked token still works")
	p.stop(t)
	p = startServe(t, data, nil)
	assert.Equal(t, 401, getJSON(t, p.url("/api/whoami"), nil, bearer...), "revoked after a restart too")
}

// TestForgedDecisionRefusedByTheGate: a decision forged by a client that got
// past the permissions (here the test's admin credential, as on a
// misconfigured cluster) lands in the log, but it carries no seal of the
// town's decision key: the fold's gate (events.DecisionGate), run over the real
// log in order, admits every decision the engine wrote and refuses the forgery.
func TestForgedDecisionRefusedByTheGate(t *testing.T) {
	data := t.TempDir()
	p := startServe(t, data, nil)
	p.waitReady(t)
	ctx := context.Background()
	nc, err := testConnect(t, p.natsURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = js.Publish(ctx, "flood.duhu.incident", incident("gate-1", 2), jetstream.WithMsgID("gate-1"))
	require.NoError(t, err)
	var v engine.View
	require.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v)
		return len(v.Assignments) > 0
	}, 10*time.Second, 50*time.Millisecond)
	forged := `{"specversion":"1.0","id":"gate-forged","source":"floodcmd/duhu","type":"flood.incident.resolved","time":"2022-05-12T23:10:00+08:00","data":{"incident":"gate-1"}}`
	_, err = js.Publish(ctx, "flood.duhu.out.incident.gate-1", []byte(forged), jetstream.WithMsgID("gate-forged"))
	require.NoError(t, err, "the admin credential gets past the permissions")

	kv, err := js.KeyValue(ctx, natsjs.TownBucket("duhu"))
	require.NoError(t, err)
	key, err := kv.Get(ctx, events.SealKeyName)
	require.NoError(t, err)
	stream, err := js.Stream(ctx, natsjs.StreamName("duhu"))
	require.NoError(t, err)
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.OutFilter("duhu")}})
	require.NoError(t, err)
	var gate events.DecisionGate
	admitted, refused := 0, []string{}
	for {
		msgs, err := cons.FetchNoWait(100)
		require.NoError(t, err)
		n := 0
		for m := range msgs.Messages() {
			n++
			addr, err := events.ParseSubject(m.Subject())
			require.NoError(t, err)
			ev, err := events.DecodeEnvelope(m.Data())
			require.NoError(t, err)
			if gate.AdmitAt(key.Value(), addr, ev) {
				admitted++
			} else {
				refused = append(refused, ev.ID)
			}
		}
		if n == 0 {
			break
		}
	}
	t.Logf("decisions in the log: %d admitted by the gate, refused: %v", admitted, refused)
	assert.Positive(t, admitted)
	assert.Equal(t, []string{"gate-forged"}, refused)
}

// TestMetricsCarryNoPersonalData: /metrics, which needs no token, names no
// person, phone or note after an incident that carries them.
func TestMetricsCarryNoPersonalData(t *testing.T) {
	p := startServe(t, t.TempDir(), nil)
	p.waitReady(t)
	nc, err := testConnect(t, p.natsURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ev := `{"specversion":"1.0","id":"m-1","source":"phone/x","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"trapped","lat":22.06,"lon":112.91,"people":3,"note":"李秀英 13800138000 南村路12号","reporter":"王小明 13912345678"}}`
	_, err = js.Publish(context.Background(), "flood.duhu.incident", []byte(ev), jetstream.WithMsgID("m-1"))
	require.NoError(t, err)
	var v engine.View
	require.Eventually(t, func() bool { getJSON(t, p.url("/api/state"), &v); return len(v.Assignments) > 0 }, 10*time.Second, 50*time.Millisecond)
	resp, err := http.Get(p.url("/metrics"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	for _, s := range []string{"李秀英", "13800138000", "南村路", "王小明", "13912345678", v.Responders[0].Name, v.Responders[0].Phone} {
		assert.NotContains(t, string(body), s)
	}
}

// TestHTTPDefencesEndToEnd: against the real floodcmd: a cross-origin POST
// with the login cookie is refused with the reason; 100 slow bodies are cut at
// the read timeout; 2,000 websockets from one viewer token are capped and an
// operator's board gets its snapshot within a second; the viewer's state
// carries no roster name or phone and no household.
func TestHTTPDefencesEndToEnd(t *testing.T) {
	data := t.TempDir()
	p := startServe(t, data, nil)
	p.waitReady(t)

	req, _ := http.NewRequest("POST", p.url("/api/commands/resolve"), strings.NewReader(`{"incident":"x"}`))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Origin", "http://evil.example")
	req.AddCookie(&http.Cookie{Name: ui.CookieName, Value: testAdminToken})
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode, "%s", body)
	assert.Contains(t, string(body), "cross-site")

	out, err := exec.Command(testproc.Binary(t), "token", "--role", "viewer", "--data", data).Output()
	require.NoError(t, err)
	viewer := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	dial := func(tok string) (*websocket.Conn, int) {
		c, r, err := websocket.DefaultDialer.Dial("ws://"+p.httpAddr+"/ws", http.Header{"Authorization": {"Bearer " + tok}})
		if err != nil {
			if r != nil {
				return nil, r.StatusCode
			}
			return nil, 0
		}
		return c, 101
	}
	codes := map[int]int{}
	var mu sync.Mutex
	var open []*websocket.Conn
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for range 2000 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, code := dial(viewer)
			mu.Lock()
			defer mu.Unlock()
			codes[code]++
			if c != nil {
				open = append(open, c)
			}
		}()
	}
	wg.Wait()
	t.Logf("2,000 websockets from one viewer token: %v", codes)
	assert.Equal(t, ui.WSPerToken, codes[101])
	assert.Equal(t, 2000-ui.WSPerToken, codes[429])
	start := time.Now()
	c, code := dial(testAdminToken)
	require.Equal(t, 101, code)
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	_, frame, err := c.ReadMessage()
	require.NoError(t, err, "the operator's board has no snapshot within 1 s")
	t.Logf("operator's snapshot after %s (%d bytes)", time.Since(start).Round(time.Millisecond), len(frame))
	c.Close()
	for _, c := range open {
		c.Close()
	}

	var full, seen engine.View
	getJSON(t, p.url("/api/state"), &full)
	_, raw := getRaw(t, p.url("/api/state"), viewer)
	require.NoError(t, json.Unmarshal(raw, &seen))
	for _, r := range full.Responders {
		assert.NotContains(t, string(raw), `"`+r.Phone+`"`)
		assert.NotContains(t, string(raw), `"`+r.Name+`"`)
	}
	assert.Empty(t, seen.Unaccounted)

	// 100 clients sending a body a byte every second are cut at the read timeout.
	var closed atomic.Int32
	var slowest atomic.Int64
	begin := time.Now()
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", p.httpAddr)
			if err != nil {
				return
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST /api/incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 1000\r\n\r\n", testAdminToken)
			go func() {
				for range 60 {
					if _, err := conn.Write([]byte("{")); err != nil {
						return
					}
					time.Sleep(time.Second)
				}
			}()
			_ = conn.SetReadDeadline(time.Now().Add(40 * time.Second))
			_, _ = io.Copy(io.Discard, conn)
			if d := time.Since(begin); d < 40*time.Second {
				closed.Add(1)
				for old := slowest.Load(); int64(d) > old && !slowest.CompareAndSwap(old, int64(d)); old = slowest.Load() {
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d of 100 slow bodies closed, the last after %s (read timeout %s)", closed.Load(),
		time.Duration(slowest.Load()).Round(100*time.Millisecond), ui.DefaultTimeouts.Read)
	assert.Equal(t, int32(100), closed.Load())
	assert.Less(t, time.Duration(slowest.Load()), ui.DefaultTimeouts.Read+3*time.Second)
}

// getRaw GETs url with a bearer token and returns the status and body.
func getRaw(tb testing.TB, url, token string) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(tb, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}
