package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/internal/seasonlog"
	"github.com/floodcmd/floodcmd/internal/testproc"
	"github.com/floodcmd/floodcmd/natsjs"
)

// startEventsEnv lists the log sizes BenchmarkStart runs (comma-separated);
// make bench runs the quick 100,000 only.
const startEventsEnv = "FLOODCMD_BENCH_START_EVENTS"

// startLogVersion names the cached fills: change it when the mix changes.
const startLogVersion = "v1"

// BenchmarkStart times `floodcmd serve` from exec to /readyz 200 (a full
// replay of the town's log, no snapshot) against a plain ordered consumer
// reading the same stream in the same run, on a log of a season's realistic
// mix (internal/seasonlog). The engine runs as a child process: its peak RSS is its
// own VmHWM (/proc/<pid>/status) read the moment it is ready, embedded NATS
// server included, as an operator would see it. Goals (issue 17): start ÷ raw
// ≤ 1.5, peak RSS ≤ 100 MB at 1,000,000 events and ≤ 1.2 × that at 5,000,000.
func BenchmarkStart(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("BenchmarkStart reads peak RSS and CPU time from /proc: Linux only")
	}
	for _, n := range startSizes(b) {
		for _, mode := range startNATSModes(b) {
			b.Run(fmt.Sprintf("events=%d,nats=%s", n, mode), func(b *testing.B) { benchmarkStart(b, n, mode) })
		}
	}
}

// benchmarkStart is one size in one NATS mode (see startNATSEnv).
func benchmarkStart(b *testing.B, n int, mode string) {
	filled := filledLog(b, n)
	var raw rawRead
	var st, snap serveStart
	for range b.N {
		work := b.TempDir()
		copyDir(b, filled, work)
		raw = readRaw(b, work, mode)
		require.Equal(b, n, raw.events, "the raw read saw every event")
		var nats *externalNATS
		if mode == "external" {
			nats = startExternalNATS(b, work)
		}
		st = startToReady(b, work, true, nats)
		if st.snapshotWritten {
			snap = startToReady(b, work, false, nats) // the same log, from the snapshot the first start wrote
		}
		nats.stop()
	}
	if snap.total > 0 {
		b.ReportMetric(snap.total.Seconds(), "snapshot_start_s")
		b.ReportMetric(float64(snap.peakRSS)/(1<<20), "snapshot_peak_rss_MiB")
		b.Logf("%d events with a snapshot: start → ready %.2f s (snapshot at sequence %s, %s events folded after it), CPU %.2f s, peak RSS %.1f MiB (%s)",
			n, snap.total.Seconds(), snap.snapshotSeq, snap.tail, snap.cpu.Seconds(), float64(snap.peakRSS)/(1<<20), natsModeSays[mode])
	} else {
		b.Logf("%d events: no fold snapshot written after the start, no start from one measured", n)
	}
	ratio := st.total.Seconds() / raw.total.Seconds()
	b.ReportMetric(float64(n), "events")
	b.ReportMetric(raw.total.Seconds(), "raw_s")
	b.ReportMetric(st.total.Seconds(), "start_s")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(st.fold.Seconds()/raw.read.Seconds(), "fold_ratio")
	b.ReportMetric(st.cpu.Seconds()/raw.cpu.Seconds(), "cpu_ratio")
	b.ReportMetric(float64(st.peakRSS)/(1<<20), "peak_rss_MiB")
	b.ReportMetric(float64(raw.peakRSS)/(1<<20), "raw_peak_rss_MiB")
	b.ReportMetric(float64(st.stateBytes), "state_bytes")
	b.Logf("%d events: start → ready %.2f s (replay %.2f s), raw ordered read %.2f s (of which server start %.2f s): "+
		"ratio %.2f (replay ÷ read %.2f); CPU %.2f s ÷ %.2f s = %.2f; peak RSS %.1f MiB at ready (VmHWM of the floodcmd process, %s; "+
		"the raw read's process %.1f MiB); "+
		"/api/state %d bytes", n, st.total.Seconds(), st.fold.Seconds(), raw.total.Seconds(), (raw.total - raw.read).Seconds(),
		ratio, st.fold.Seconds()/raw.read.Seconds(), st.cpu.Seconds(), raw.cpu.Seconds(), st.cpu.Seconds()/raw.cpu.Seconds(), float64(st.peakRSS)/(1<<20), natsModeSays[mode], float64(raw.peakRSS)/(1<<20), st.stateBytes)
}

// startNATSEnv says which NATS the floodcmd under test uses: "embedded" (the
// default: its own, in its process, as a single-machine town runs it),
// "external" (a server in the benchmark's process, which serve joins with
// --nats-url as it joins a town's cluster: its peak RSS is then the fold's
// process alone), or "both".
const startNATSEnv = "FLOODCMD_BENCH_START_NATS"

var natsModeSays = map[string]string{"embedded": "embedded NATS included", "external": "NATS in another process (--nats-url)"}

func startNATSModes(b *testing.B) []string {
	switch v := os.Getenv(startNATSEnv); v {
	case "", "embedded":
		return []string{"embedded"}
	case "external":
		return []string{"external"}
	case "both":
		return []string{"embedded", "external"}
	default:
		b.Fatalf("%s=%q: embedded, external or both", startNATSEnv, v)
		return nil
	}
}

// externalNATS is the filled log's server run by the benchmark, for a serve
// that joins it with --nats-url and the town's credentials.
type externalNATS struct {
	url, creds, data string
	stopFn           func()
}

func startExternalNATS(b *testing.B, dir string) *externalNATS {
	auth, err := natsjs.LoadAuthority(dir)
	require.NoError(b, err)
	ns, err := natsjs.StartEmbedded(natsjs.EmbeddedConfig{Listen: "127.0.0.1:0", StoreDir: dir, SyncAlways: true, Auth: auth})
	require.NoError(b, err)
	user, err := auth.Issue(natsjs.NatsTown, "duhu", 0, time.Now())
	require.NoError(b, err)
	raw, err := user.Creds()
	require.NoError(b, err)
	creds := filepath.Join(b.TempDir(), "town.creds")
	require.NoError(b, os.WriteFile(creds, raw, 0o600))
	return &externalNATS{url: ns.ClientURL(), creds: creds, data: b.TempDir(), stopFn: func() { shutdownEmbedded(ns) }}
}

func (x *externalNATS) stop() {
	if x != nil {
		x.stopFn()
	}
}

func startSizes(b *testing.B) []int {
	v := os.Getenv(startEventsEnv)
	if v == "" {
		return []int{100_000}
	}
	var out []int
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		require.NoError(b, err, "%s=%q: comma-separated event counts", startEventsEnv, v)
		out = append(out, n)
	}
	return out
}

// filledLog returns a data directory whose town log (duhu) holds n events of
// seasonlog, made once and kept in $TMPDIR (the 1,000,000 fill takes a
// minute); every run works on a copy, because serve appends to it once ready.
func filledLog(b *testing.B, n int) string {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("floodcmd-start-%s-%d", startLogVersion, n))
	if _, err := os.Stat(filepath.Join(dir, "filled")); err == nil {
		return dir
	}
	require.NoError(b, os.RemoveAll(dir))
	tmp := dir + ".tmp"
	require.NoError(b, os.RemoveAll(tmp))
	start := time.Now()
	fillLog(b, tmp, n)
	require.NoError(b, os.WriteFile(filepath.Join(tmp, "filled"), nil, 0o644))
	require.NoError(b, os.Rename(tmp, dir))
	b.Logf("filled %s with %d events in %.1f s", dir, n, time.Since(start).Seconds())
	return dir
}

// townConn starts the embedded NATS of a floodcmd data directory (its own
// keys, as serve does) and connects as the town's engine.
//
// overTCP connects over loopback TCP, as serve joins a NATS of its own
// (--nats-url); otherwise in process, as serve reaches its embedded one.
func townConn(b *testing.B, dir string, syncAlways, overTCP bool) (*nats.Conn, jetstream.JetStream, func()) {
	auth, err := natsjs.LoadAuthority(dir)
	require.NoError(b, err)
	user, err := auth.Issue(natsjs.NatsEngine, "duhu", 0, time.Now())
	require.NoError(b, err)
	listen, url, via := "-", "", []nats.Option{}
	if overTCP {
		listen = "127.0.0.1:0"
	}
	ns, err := natsjs.StartEmbedded(natsjs.EmbeddedConfig{Listen: listen, StoreDir: dir, SyncAlways: syncAlways, Auth: auth})
	require.NoError(b, err)
	if overTCP {
		url = ns.ClientURL()
	} else {
		via = append(via, nats.InProcessServer(ns))
	}
	nc, err := nats.Connect(url, append(via, nats.UserJWTAndSeed(user.JWT, user.Seed),
		nats.CustomInboxPrefix(natsjs.InboxPrefix("duhu")))...)
	require.NoError(b, err)
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	require.NoError(b, err)
	return nc, js, func() { nc.Close(); shutdownEmbedded(ns) }
}

// fillLog writes n events to duhu's stream in dir on a server without fsync
// per message (the fill only; serve reads it with SyncAlways as always), by
// async publishes. No Nats-Msg-Id: in a season the dedup window holds ten
// minutes of ids, not the whole log, and the restart should not pay for it.
func fillLog(b *testing.B, dir string, n int) {
	require.NoError(b, os.MkdirAll(dir, 0o750))
	_, js, stop := townConn(b, dir, false, false)
	defer stop()
	ctx := context.Background()
	_, err := natsjs.EnsureStream(ctx, js, "duhu", 1)
	require.NoError(b, err)
	mix := seasonlog.New()
	for i := range n {
		subject, body := mix.Next(i)
		if _, err := js.PublishAsync(subject, body, jetstream.WithStallWait(time.Minute)); err != nil {
			b.Fatalf("publish %d of %d: %v", i+1, n, err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(5 * time.Minute):
		b.Fatal("the fill was not acknowledged within 5 minutes")
	}
	s, err := js.Stream(ctx, natsjs.StreamName("duhu"))
	require.NoError(b, err)
	info, err := s.Info(ctx)
	require.NoError(b, err)
	require.Equal(b, uint64(n), info.State.Msgs, "every event of the fill is in the log")
}

// copyDir copies a data directory (the cached fill) to a run's own.
func copyDir(b *testing.B, from, to string) {
	out, err := exec.Command("cp", "-a", from+"/.", to).CombinedOutput()
	require.NoError(b, err, "cp: %s", out)
	require.NoError(b, os.Remove(filepath.Join(to, "filled")))
}

// rawRead is the baseline: the embedded server started on the data directory
// as serve starts it (SyncAlways), then an ordered consumer reading the whole
// stream with the engine's pull options, touching every message's bytes.
type rawRead struct {
	events int
	total  time.Duration // server start + read
	read   time.Duration // the read alone
	cpu    time.Duration // CPU time of this process over total (the server runs in it, as in serve)
	// peakRSS is this process's VmHWM over the read, reset before it
	// (/proc/self/clear_refs): what the server and a plain reader need.
	peakRSS int64
}

// readRaw reads the whole log in dir once, timed (rawRead).
//
// It reads over the connection serve reads over in that mode (see townConn):
// against a NATS of its own, loopback TCP costs both ends system calls that
// the in-process pipe of the embedded mode does not, and the comparison is
// of the fold, not of the transport.
func readRaw(b *testing.B, dir, mode string) rawRead {
	runtime.GC()
	debug.FreeOSMemory()
	require.NoError(b, os.WriteFile("/proc/self/clear_refs", []byte("5"), 0), "reset the peak RSS")
	cpu0 := selfCPU(b)
	start := time.Now()
	_, js, stop := townConn(b, dir, true, mode == "external")
	defer stop()
	ctx := context.Background()
	s, err := js.Stream(ctx, natsjs.StreamName("duhu"))
	require.NoError(b, err)
	last := s.CachedInfo().State.LastSeq
	readStart := time.Now()
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	require.NoError(b, err)
	it, err := cons.Messages(jetstream.PullMaxMessages(1024), jetstream.PullExpiry(5*time.Second), jetstream.PullHeartbeat(time.Second))
	require.NoError(b, err)
	defer it.Stop()
	var r rawRead
	var bytesRead int
	for {
		m, err := it.Next()
		require.NoError(b, err)
		meta, err := m.Metadata()
		require.NoError(b, err)
		bytesRead += len(m.Data())
		r.events++
		if meta.Sequence.Stream >= last {
			break
		}
	}
	r.read, r.total = time.Since(readStart), time.Since(start)
	r.cpu = selfCPU(b) - cpu0
	r.peakRSS = vmHWM(b, os.Getpid())
	require.Positive(b, bytesRead)
	return r
}

// serveStart is one `floodcmd serve` start on a filled log.
type serveStart struct {
	total time.Duration // exec → /readyz 200
	fold  time.Duration // "engine replaying log" → "engine caught up" in its log
	cpu   time.Duration // CPU time of the process at ready (utime + stime)
	// snapshotSeq and tail are what the engine's "engine ready" line says it
	// loaded and folded after it (floodcmd with fold snapshots); "" without.
	snapshotSeq, tail string
	// snapshotWritten: a fold snapshot was written after the start (thenSnapshot).
	snapshotWritten bool
	peakRSS         int64 // VmHWM at ready, bytes
	stateBytes      int   // GET /api/state at ready
}

func startToReady(b *testing.B, dir string, thenSnapshot bool, ext *externalNATS) serveStart {
	if os.Getenv(startInProcessEnv) != "" {
		return startServeInProcess(b, dir, ext)
	}
	addr := testproc.FreeAddr(b)
	out := &testproc.LogBuffer{}
	bin := os.Getenv(startBinaryEnv)
	if bin == "" {
		bin = testproc.Binary(b)
	}
	cmd := exec.Command(bin, append([]string{"serve"}, serveArgs(addr, dir, ext)...)...)
	cmd.Env = append(os.Environ(), "FLOODCMD_ADMIN_TOKEN="+testAdminToken)
	if extra := os.Getenv(startChildEnv); extra != "" {
		cmd.Env = append(cmd.Env, strings.Fields(extra)...)
	}
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	require.NoError(b, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		exited <- nil
	}()
	st := serveStart{total: waitReady(b, addr, start, exited, out)}
	st.peakRSS = vmHWM(b, cmd.Process.Pid)
	st.cpu = childCPU(b, cmd.Process.Pid)
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/api/state", nil)
	require.NoError(b, err)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(b, err)
	require.Equal(b, http.StatusOK, resp.StatusCode, "%s", body)
	st.stateBytes = len(body)
	st.fold, _ = logGap(b, out.String(), "engine replaying log", "engine caught up")
	st.snapshotSeq, st.tail = logAttr(out.String(), "engine ready", "snapshot_seq"), logAttr(out.String(), "engine ready", "tail")
	if thenSnapshot && strings.Contains(out.String(), "snapshot") {
		// Let it write a fold snapshot (a floodcmd without them never does),
		// then stop it politely, so the next start can load it.
		until := time.Now().Add(startSnapshotWait)
		for time.Now().Before(until) && !strings.Contains(out.String(), `msg="fold snapshot written"`) {
			time.Sleep(100 * time.Millisecond)
		}
		st.snapshotWritten = strings.Contains(out.String(), `msg="fold snapshot written"`)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			exited <- err
		case <-time.After(30 * time.Second):
			b.Fatalf("floodcmd did not stop within 30 s of SIGTERM; output:\n%s", out.String())
		}
	}
	return st
}

// readyPoll is how often /readyz is asked: each answer asks the server for the
// stream's state, so polling faster would load the start it measures.
const readyPoll = 25 * time.Millisecond

// startSnapshotWait bounds the wait, after a full replay, for a fold snapshot.
const startSnapshotWait = time.Minute

// logAttr is the value of attribute key on the first log line with message msg, "" if none.
func logAttr(log, msg, key string) string {
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, `msg="`+msg+`"`) {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, key+"="); ok {
				return v
			}
		}
	}
	return ""
}

// selfCPU is this process's CPU time so far.
func selfCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childCPU is a running process's CPU time so far (/proc/<pid>/stat utime and
// stime, in USER_HZ ticks: 100 a second on Linux).
func childCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(b, err)
	_, rest, ok := strings.Cut(string(raw), ") ") // the command name may hold spaces
	require.True(b, ok)
	f := strings.Fields(rest) // f[0] is field 3 (state): utime is field 14, stime 15
	utime, err := strconv.ParseInt(f[11], 10, 64)
	require.NoError(b, err)
	stime, err := strconv.ParseInt(f[12], 10, 64)
	require.NoError(b, err)
	return time.Duration(utime+stime) * (time.Second / 100)
}

// serveArgs are serve's flags for the benchmark: its own embedded NATS on
// dir, or the NATS of another process with ext.
func serveArgs(addr, dir string, ext *externalNATS) []string {
	if ext != nil {
		return []string{"--http", addr, "--nats-url", ext.url, "--nats-creds", ext.creds, "--data", ext.data, "--scenario", "duhu"}
	}
	return []string{"--http", addr, "--nats-listen", "-", "--data", dir, "--scenario", "duhu"}
}

// waitReady polls addr's /readyz until it answers 200 and returns the time
// since start; serve stopping first (its error on stopped, put back for the
// caller's clean-up) or ten minutes without it fail the benchmark.
func waitReady(b *testing.B, addr string, start time.Time, stopped chan error, out *testproc.LogBuffer) time.Duration {
	deadline := time.After(10 * time.Minute)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start)
			}
		}
		select {
		case err := <-stopped:
			stopped <- err
			b.Fatalf("floodcmd stopped before it was ready (%v); output:\n%s", err, out.String())
		case <-deadline:
			b.Fatalf("floodcmd not ready within 10 minutes; output:\n%s", out.String())
		case <-time.After(readyPoll):
		}
	}
}

// startBinaryEnv names another floodcmd binary to start instead of this
// tree's, e.g. one built from an older commit, for a before/after in one run.
const startBinaryEnv = "FLOODCMD_BENCH_START_BINARY"

// startChildEnv adds variables to the environment of the floodcmd under test
// only, e.g. "GOGC=50" or "GOMEMLIMIT=80MiB", to measure the runtime's knobs.
const startChildEnv = "FLOODCMD_BENCH_START_CHILD_ENV"

// startInProcessEnv runs serve inside the benchmark instead of as a child, so
// that -cpuprofile and -memprofile see it (peak RSS then means nothing); with
// FLOODCMD_BENCH_START_HEAP=FILE a heap profile is written at ready, after a GC.
const startInProcessEnv = "FLOODCMD_BENCH_START_INPROCESS"

func startServeInProcess(b *testing.B, dir string, ext *externalNATS) serveStart {
	addr := testproc.FreeAddr(b)
	ctx, cancel := context.WithCancel(context.Background())
	out := &testproc.LogBuffer{}
	done := make(chan error, 1)
	env := func(k string) string {
		if k == "FLOODCMD_ADMIN_TOKEN" {
			return testAdminToken
		}
		return ""
	}
	start := time.Now()
	go func() { done <- serve(ctx, serveArgs(addr, dir, ext), env, out) }()
	defer func() { cancel(); <-done }()
	st := serveStart{total: waitReady(b, addr, start, done, out)}
	if file := os.Getenv("FLOODCMD_BENCH_START_HEAP"); file != "" {
		runtime.GC()
		f, err := os.Create(file)
		require.NoError(b, err)
		require.NoError(b, pprof.WriteHeapProfile(f))
		require.NoError(b, f.Close())
	}
	st.fold, _ = logGap(b, out.String(), "engine replaying log", "engine caught up")
	return st
}

// vmHWM reads a process's peak resident set size.
func vmHWM(b *testing.B, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(b, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(b, err)
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}

// logGap is the time between the first log lines with messages from and to,
// and whether both were there.
func logGap(b *testing.B, log, from, to string) (time.Duration, bool) {
	at := func(msg string) (time.Time, bool) {
		for _, line := range strings.Split(log, "\n") {
			if !strings.Contains(line, `msg="`+msg+`"`) {
				continue
			}
			stamp, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
			t, err := time.Parse(time.RFC3339Nano, stamp)
			require.NoError(b, err, "%s", line)
			return t, true
		}
		return time.Time{}, false
	}
	t0, ok0 := at(from)
	t1, ok1 := at(to)
	return t1.Sub(t0), ok0 && ok1
}
