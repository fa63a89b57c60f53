package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/floodcmd/floodcmd/store"
	"github.com/floodcmd/floodcmd/store/storetest"
	"github.com/nats-io/nats-server/v2/server"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/internal/testproc"
)

// A second floodcmd on the same --data is refused with the holder's pid, and
// the first runs on unharmed; after the first is killed (-9), a restart on the
// same data takes the town back at once, without waiting for its lease to expire.
func TestSameDataDirTwice(t *testing.T) {
	data := t.TempDir()
	first := startServe(t, data, nil)
	first.waitReady(t)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, testproc.Binary(t), "serve", "--http", testproc.FreeAddr(t),
		"--nats-listen", testproc.FreeAddr(t), "--data", data)
	second.Env = append(os.Environ(), "FLOODCMD_ADMIN_TOKEN="+testAdminToken)
	out, err := second.CombinedOutput()
	require.Error(t, err, "the second process must not run; output:\n%s", out)
	assert.Contains(t, string(out), fmt.Sprintf("used by another floodcmd (pid %d)", first.cmd.Process.Pid))

	// The first is unharmed: still ready, still taking reports.
	time.Sleep(time.Second)
	code, body := request(t, "POST", first.url("/api/events?subject=flood.duhu.incident"), string(incident("after-second", 1)))
	assert.Equal(t, 202, code, "%s", body)
	first.waitReady(t)
	assert.NotContains(t, first.out.String(), "lost the town's lease")

	first.kill()
	start := time.Now()
	again := startServe(t, data, nil)
	again.waitReady(t)
	took := time.Since(start)
	t.Logf("restart after kill -9 ready in %s", took.Round(time.Millisecond))
	assert.Less(t, took, 10*time.Second, "the lease of a crashed predecessor on the same data is taken back at once")
	assert.Contains(t, again.out.String(), "taking back the town's lease")
}

// readyz is what /readyz answers.
type readyz struct {
	Status      string `json:"status"`
	Message     string `json:"message"`
	StorageFull bool   `json:"storage_full"`
	Reasons     []struct {
		Check   string `json:"check"`
		Message string `json:"message"`
	} `json:"reasons"`
}

func (p *proc) readyz(tb testing.TB) (int, readyz) {
	tb.Helper()
	var r readyz
	code := getJSON(tb, p.url("/readyz"), &r)
	return code, r
}

// checks lists the names of the failing checks of /readyz.
func (r readyz) checks() []string {
	var out []string
	for _, c := range r.Reasons {
		out = append(out, c.Check)
	}
	return out
}

// After the town's stream is deleted, /readyz is not ready and names the
// stream, and a report gets a clear 503, not a 500.
func TestStreamDeletedNotReady(t *testing.T) {
	// No credential floodcmd issues may delete a stream: only whoever runs the
	// servers can. So the town runs on an open NATS of the test's own, as on a
	// misconfigured cluster, and the log is deleted there.
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir()})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(ns.Shutdown)
	p := startServe(t, t.TempDir(), nil, "--nats-url", ns.ClientURL(), "--nats-listen", "-")
	p.waitReady(t)
	nc, err := nats.Connect(ns.ClientURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	require.NoError(t, js.DeleteStream(context.Background(), "FLOOD_DUHU"))

	code, r := p.readyz(t)
	assert.Equal(t, 503, code)
	assert.Contains(t, r.checks(), "stream", "%+v", r)
	assert.Contains(t, r.Message, "FLOOD_DUHU does not exist")

	start := time.Now()
	code, body := request(t, "POST", p.url("/api/incidents"), `{"kind":"flooding","lat":22.062,"lon":112.912,"people":2}`)
	assert.Equal(t, 503, code, "%s", body)
	assert.Less(t, time.Since(start), 5*time.Second, "answered at once")
	assert.Contains(t, string(body), "not answering")
	t.Logf("POST /api/incidents with the stream gone, after %s: %d %s", time.Since(start).Round(time.Millisecond), code, body)
}

// smallDisk mounts a tmpfs of size MiB for the test (root only) and returns its path.
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small filesystem needs root")
	}
	dir := filepath.Join(t.TempDir(), "disk")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes zeros into path until the filesystem has no room left.
func fill(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	block := make([]byte, 64<<10)
	var n int64
	for {
		w, err := f.Write(block)
		n += int64(w)
		if err != nil {
			return n
		}
	}
}

// The disk of --data fills up during a burst of gauge readings: publishers are
// refused at once with the reason, HTTP inputs get 507, /readyz is not ready
// saying why; once space is freed, inputs are taken again within 10 s by
// themselves, and every event acknowledged before, during and after is in the log.
func TestDiskFullDuringBurst(t *testing.T) {
	data := smallDisk(t, 24)
	p := startServe(t, data, nil)
	p.waitReady(t)
	nc, err := testConnect(t, p.natsURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)

	var mu sync.Mutex
	var acked []string
	var lastErr error
	var refusedAt, acceptedAt time.Time
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := fmt.Sprintf("burst-%d", i)
			msg := nats.NewMsg("flood.duhu.rain")
			msg.Header.Set("Nats-Msg-Id", id)
			msg.Data = fmt.Appendf(nil, `{"specversion":"1.0","id":%q,"source":"gauge/rain-nancun","type":"flood.rain.observed","time":"2022-05-12T23:%02d:00+08:00","data":{"gauge":"rain-nancun","mm":%.1f,"minutes":5}}`,
				id, i%60, float64(i%40)/4)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := js.PublishMsg(ctx, msg, jetstream.WithRetryAttempts(0))
			cancel()
			mu.Lock()
			if err == nil {
				acked = append(acked, id)
				acceptedAt = time.Now()
			} else {
				lastErr, refusedAt = err, time.Now()
			}
			mu.Unlock()
			if err != nil {
				time.Sleep(50 * time.Millisecond)
			}
		}
	}()
	ackedNow := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	require.Eventually(t, func() bool { return ackedNow() >= 200 }, 30*time.Second, 50*time.Millisecond)

	filler := filepath.Join(data, "filler")
	filled := time.Now()
	t.Logf("filled the disk with %d MiB after %d acknowledged events", fill(t, filler)>>20, ackedNow())

	// Refused within seconds, with the reason.
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return refusedAt.After(filled) }, 15*time.Second, 50*time.Millisecond,
		"publishers never refused; output:\n%s", p.out.String())
	mu.Lock()
	t.Logf("first refusal %s after the disk filled: %v", refusedAt.Sub(filled).Round(time.Millisecond), lastErr)
	mu.Unlock()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return lastErr != nil && strings.Contains(lastErr.Error(), "full")
	}, 10*time.Second, 50*time.Millisecond, "the refusal names the full disk: %v", lastErr)
	mu.Lock()
	t.Logf("a NATS publisher is told: %v", lastErr)
	mu.Unlock()
	code, r := p.readyz(t)
	assert.Equal(t, 503, code)
	assert.True(t, r.StorageFull, "%+v", r)
	assert.Contains(t, r.checks(), "storage")
	start := time.Now()
	code, body := request(t, "POST", p.url("/api/events?subject=flood.duhu.incident"), string(incident("while-full", 1)))
	assert.Equal(t, 507, code, "%s", body)
	assert.Contains(t, string(body), "full")
	assert.Less(t, time.Since(start), time.Second, "refused at once")
	t.Logf("HTTP while full: %d %s; /readyz: %s", code, body, r.Message)
	assert.Equal(t, 200, getJSON(t, p.url("/healthz"), nil), "alive all the while")

	// Space returns: taken again within 10 s, by itself.
	require.NoError(t, os.Remove(filler))
	freed := time.Now()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return acceptedAt.After(freed) }, 10*time.Second, 50*time.Millisecond,
		"nothing accepted within 10 s of space returning; output:\n%s", p.out.String())
	mu.Lock()
	t.Logf("accepted again %s after space returned", acceptedAt.Sub(freed).Round(time.Millisecond))
	mu.Unlock()
	p.waitReady(t)
	before := ackedNow()
	require.Eventually(t, func() bool { return ackedNow() >= before+100 }, 20*time.Second, 50*time.Millisecond)
	close(stop)
	<-done

	// Nothing acknowledged is lost: every id is in the stream.
	// JetStream was restarted in-process: until its consumers answer again a
	// read may find no responders, so the whole log is read again until it reads.
	var inLog map[string]bool
	var readErr error
	require.Eventually(t, func() bool {
		inLog = map[string]bool{}
		stream, err := js.Stream(context.Background(), "FLOOD_DUHU")
		if readErr = err; err != nil {
			return false
		}
		cons, err := stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{})
		if readErr = err; err != nil {
			return false
		}
		info, err := stream.Info(context.Background())
		if readErr = err; err != nil {
			return false
		}
		for seq := uint64(0); seq < info.State.LastSeq-info.State.FirstSeq+1; seq++ {
			m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
			if readErr = err; err != nil {
				return false
			}
			inLog[m.Headers().Get("Nats-Msg-Id")] = true
		}
		return true
	}, 60*time.Second, 500*time.Millisecond, "the log reads back after JetStream's restart: %v", readErr)
	lost := 0
	for _, id := range acked {
		if !inLog[id] {
			lost++
		}
	}
	t.Logf("%d events acknowledged, %d in the log, %d lost", len(acked), len(inLog), lost)
	assert.Zero(t, lost)
	// The engine folds on after JetStream's restart.
	require.Eventually(t, func() bool {
		var r struct {
			Lag map[string]int64 `json:"lag"`
		}
		getJSON(t, p.url("/readyz"), &r)
		return r.Lag["engine"] == 0
	}, 20*time.Second, 100*time.Millisecond, "the engine stopped folding after the restart")
	assert.Equal(t, 200, getJSON(t, p.url("/healthz"), nil))
}

// freshCluster starts n routed NATS servers with JetStream and returns their
// client URLs at once, without waiting for a meta leader: what floodcmd meets
// when the whole province starts together.
func freshCluster(t *testing.T, n int) []string {
	t.Helper()
	routes := make([]string, n)
	for i := range routes {
		routes[i] = "nats://" + testproc.FreeAddr(t)
	}
	urls := make([]string, n)
	for i := range urls {
		host, port := splitHostPort(t, strings.TrimPrefix(routes[i], "nats://"))
		client := testproc.FreeAddr(t)
		chost, cport := splitHostPort(t, client)
		ns, err := server.NewServer(&server.Options{ServerName: fmt.Sprintf("n%d", i+1), Host: chost, Port: cport,
			JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
			Cluster: server.ClusterOpts{Name: "fresh", Host: host, Port: port},
			Routes:  server.RoutesFromStr(strings.Join(routes, ","))})
		require.NoError(t, err)
		go ns.Start()
		t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		urls[i] = "nats://" + client
	}
	return urls
}

// townScenario copies the duhu scenario as town slug.
func townScenario(t *testing.T, slug string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), slug)
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "scenario", "duhu"))))
	town := filepath.Join(dir, "town.geojson")
	raw, err := os.ReadFile(town)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(town, []byte(strings.Replace(string(raw), `"id":"duhu"`, fmt.Sprintf(`"id":%q`, slug), 1)), 0o644))
	return dir
}

// launch starts `floodcmd serve` without waiting for it.
func launch(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{httpAddr: testproc.FreeAddr(t), natsAddr: "-", out: &bytes.Buffer{}}
	p.cmd = exec.Command(testproc.Binary(t), append([]string{"serve", "--http", p.httpAddr, "--data", t.TempDir()}, args...)...)
	p.cmd.Env = append(os.Environ(), "FLOODCMD_ADMIN_TOKEN="+testAdminToken)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	require.NoError(t, p.cmd.Start())
	t.Cleanup(func() { keepLog(t, p) })
	t.Cleanup(p.kill)
	return p
}

// Four towns started at the same moment as a fresh 3-node cluster all come
// up: each waits, saying for what, until JetStream has a meta leader and its
// stream and the lease bucket are placed.
func TestManyTownsOnAFreshCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: a NATS cluster and four floodcmd processes")
	}
	towns := []string{"t1", "t2", "t3", "t4"}
	dirs := map[string]string{}
	for _, town := range towns {
		dirs[town] = townScenario(t, town)
	}
	testproc.Binary(t) // built before the cluster starts, so the towns meet it fresh
	urls := freshCluster(t, 3)
	start := time.Now()
	t.Logf("cluster started at %s", start.UTC().Format("15:04:05.000"))
	procs := map[string]*proc{}
	for _, town := range towns {
		procs[town] = launch(t, "--town", town, "--scenario", dirs[town], "--nats-url", strings.Join(urls, ","), "--replicas", "3")
	}
	for _, town := range towns {
		p := procs[town]
		require.Eventually(t, func() bool {
			if p.cmd.ProcessState != nil {
				return false
			}
			resp, err := http.Get(p.url("/readyz"))
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		}, 90*time.Second, 100*time.Millisecond, "town %s never ready; output:\n%s", town, p.out.String())
		t.Logf("town %s ready %s after the cluster started", town, time.Since(start).Round(time.Millisecond))
	}
	waited := 0
	for _, p := range procs {
		if strings.Contains(p.out.String(), "msg=waiting") {
			waited++
		}
	}
	t.Logf("%d of %d towns logged what they waited for", waited, len(towns))
}

// percentile is PostgreSQL's percentile_cont: linear between the sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := p * float64(len(sorted)-1)
	lo := int(pos)
	if lo+1 >= len(sorted) {
		return sorted[lo]
	}
	return sorted[lo] + (pos-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// The after-action report of a real drill (the 12 May storm replayed with
// simulated responders) tells the truth: its period is the storm's, dispatch
// times are seconds to minutes on the drill's clock, and its counts agree with
// the test's own reading of the town's log.
func TestDrillReportTellsTheTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: a 24-hour storm replayed with PostgreSQL")
	}
	db := storetest.URL(t)
	p := startServe(t, t.TempDir(), nil, "--db", db, "--replay", "storm-2022-05-12.jsonl", "--speed", "5000", "--simulate")
	p.waitReady(t)
	require.Eventually(t, func() bool { return strings.Contains(p.out.String(), "drill replay finished") }, 120*time.Second, 200*time.Millisecond)
	var ready struct {
		Lag map[string]int64 `json:"lag"`
	}
	require.Eventually(t, func() bool {
		var s struct {
			Counters struct {
				Open int `json:"open_incidents"`
			} `json:"counters"`
		}
		getJSON(t, p.url("/api/state"), &s)
		getJSON(t, p.url("/readyz"), &ready)
		return s.Counters.Open == 0 && ready.Lag["postgres"] == 0 && ready.Lag["engine"] == 0
	}, 120*time.Second, 200*time.Millisecond, "every drill incident resolved and projected")

	// The test's own reading of the log: the drill's clock is the time of the last drill input.
	nc, err := testConnect(t, p.natsURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	stream, err := js.Stream(context.Background(), "FLOOD_DUHU")
	require.NoError(t, err)
	cons, err := stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	info, err := stream.Info(context.Background())
	require.NoError(t, err)
	var first time.Time
	reported := map[string]time.Time{}
	assigned := map[string]bool{}
	var dispatch []float64
	assignments, other := 0, 0
	for range info.State.Msgs {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		require.NoError(t, err)
		var ev struct {
			Type  string          `json:"type"`
			ID    string          `json:"id"`
			Time  time.Time       `json:"time"`
			Drill bool            `json:"drill"`
			Data  json.RawMessage `json:"data"`
		}
		require.NoError(t, json.Unmarshal(m.Data(), &ev))
		decision := strings.HasPrefix(m.Subject(), "flood.duhu.out.") || m.Subject() == "flood.duhu.rejected"
		if !decision && ev.Drill && first.IsZero() {
			first = ev.Time
		}
		var d struct {
			Incident string `json:"incident"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		switch ev.Type {
		case "flood.incident.reported":
			if d.Incident == "" {
				d.Incident = ev.ID
			}
			reported[d.Incident] = ev.Time
		case "flood.assignment.created":
			if _, ok := reported[d.Incident]; !ok {
				other++ // an incident the engine opened itself: a warning's patrol
				continue
			}
			assignments++
			if !assigned[d.Incident] {
				assigned[d.Incident] = true
				// The decision's own stamp: the engine decides on the drill's clock.
				dispatch = append(dispatch, ev.Time.Sub(reported[d.Incident]).Seconds())
			}
		}
	}
	sort.Float64s(dispatch)

	var r store.Report
	require.Equal(t, 200, getJSON(t, p.url("/api/report"), &r))
	t.Logf("report %s — %s: %d incidents, %d assignments (+%d to patrols); dispatch p50 %.0f s p90 %.0f s (the log says %.0f s, %.0f s)",
		r.From, r.To, r.Incidents.Total, r.Incidents.Assignments, r.Incidents.OtherAssignments, r.Response[0].P50, r.Response[0].P90,
		percentile(dispatch, 0.5), percentile(dispatch, 0.9))
	assert.True(t, r.Drill)
	assert.Equal(t, first.UTC(), r.From, "the period starts with the storm")
	assert.Equal(t, 2022, r.To.Year(), "and ends in it, not on the wall clock")
	assert.Equal(t, len(reported), r.Incidents.Total)
	assert.Equal(t, len(reported), r.Incidents.Resolved)
	assert.Equal(t, len(assigned), r.Incidents.Assigned)
	assert.Equal(t, assignments, r.Incidents.Assignments)
	assert.Equal(t, other, r.Incidents.OtherAssignments)
	assert.Equal(t, "dispatch", r.Response[0].Phase)
	assert.Equal(t, len(dispatch), r.Response[0].N)
	assert.InDelta(t, percentile(dispatch, 0.5), r.Response[0].P50, 1e-3)
	assert.InDelta(t, percentile(dispatch, 0.9), r.Response[0].P90, 1e-3)
	assert.Less(t, r.Response[0].P90, 3600.0, "dispatch in seconds to minutes, not years")
	for _, ph := range r.Response[1:] {
		assert.Equal(t, "assignments", ph.Unit)
		assert.LessOrEqual(t, ph.N, assignments+other)
	}
	for _, k := range r.Incidents.ByKind {
		assert.NotEqual(t, k.Key, k.Name, "kinds named in Chinese")
	}
	assert.Equal(t, "都斛镇", r.TownName)
	code, page := request(t, "GET", p.url("/report"), "")
	assert.Equal(t, 200, code)
	assert.Contains(t, string(page), "都斛镇")
	assert.NotContains(t, string(page), "1970")
}
