package natsjs

import (
	"context"
	"fmt"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/scenario"
)

// testLog is a town's log on an embedded JetStream in a temp dir.
type testLog struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	town   string
}

func newTestLog(tb testing.TB, town string) *testLog {
	tb.Helper()
	ns, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0", StoreDir: tb.TempDir(), SyncAlways: true})
	require.NoError(tb, err)
	tb.Cleanup(ns.Shutdown)
	nc, err := nats.Connect(ns.ClientURL())
	require.NoError(tb, err)
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(tb, err)
	s, err := EnsureStream(context.Background(), js, town, 1)
	require.NoError(tb, err)
	return &testLog{nc: nc, js: js, stream: s, town: town}
}

var (
	duhuOnce sync.Once
	duhuTown *engine.Town
	duhuErr  error
)

// duhuDomain returns a fresh domain over the built-in Duhu scenario (loaded once).
func duhuDomain(tb testing.TB) *engine.Domain {
	tb.Helper()
	duhuOnce.Do(func() {
		var fsys fs.FS
		fsys, duhuErr = scenario.Open("duhu")
		if duhuErr == nil {
			duhuTown, duhuErr = engine.LoadTown(fsys, "duhu")
		}
	})
	require.NoError(tb, duhuErr)
	d, err := engine.NewDomain(duhuTown, dispatch.DefaultConfig())
	require.NoError(tb, err)
	return d
}

// running is an engine under test.
type running struct {
	*Engine
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// Stop cancels the engine and returns what Run returned.
func (r *running) Stop() error {
	r.once.Do(func() { r.cancel(); r.err = <-r.done })
	return r.err
}

// Wait waits for the engine to stop by itself (fenced, failed) and returns Run's error.
func (r *running) Wait(tb testing.TB, timeout time.Duration) error {
	tb.Helper()
	select {
	case r.err = <-r.done:
		r.once.Do(r.cancel)
		return r.err
	case <-time.After(timeout):
		tb.Fatalf("engine still running after %s", timeout)
		return nil
	}
}

// startEngine runs an engine on the log and waits until it is ready; the test's
// cleanup stops it.
func (l *testLog) startEngine(tb testing.TB, d *engine.Domain) *running {
	tb.Helper()
	return l.startEngineWith(tb, Config{Domain: d})
}

func (l *testLog) startEngineWith(tb testing.TB, cfg Config) *running {
	tb.Helper()
	return l.startEngineOn(tb, cfg, nil)
}

// startEngineOn is startEngineWith with the engine's log wrapped by wrap
// (nil: as it is), for a test that makes the log misbehave.
func (l *testLog) startEngineOn(tb testing.TB, cfg Config, wrap func(engine.Log) engine.Log) *running {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Town, cfg.JS, cfg.Stream = l.town, l.js, l.stream
	if cfg.Tick == 0 {
		cfg.Tick = 50 * time.Millisecond
	}
	r := &running{Engine: New(cfg), cancel: cancel, done: make(chan error, 1)}
	if wrap != nil {
		r.log = wrap(r.log)
	}
	go func() { r.done <- r.Run(ctx) }()
	tb.Cleanup(func() { _ = r.Stop() })
	require.Eventually(tb, r.Ready, 10*time.Second, 5*time.Millisecond)
	return r
}

// publish sends raw bytes on subject over core NATS, as `nats pub` does.
func (l *testLog) publishRaw(tb testing.TB, subject string, raw []byte) {
	tb.Helper()
	_, err := l.js.Publish(context.Background(), subject, raw)
	require.NoError(tb, err)
}

func incidentJSON(id string, lat, lon float64) []byte {
	return fmt.Appendf(nil, `{"specversion":"1.0","id":%q,"source":"test","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":%v,"lon":%v,"people":2}}`, id, lat, lon)
}

// waitApplied waits until the engine has folded everything in the log.
func (l *testLog) waitApplied(tb testing.TB, e interface{ AppliedSeq() uint64 }) {
	tb.Helper()
	require.Eventually(tb, func() bool {
		info, err := l.stream.Info(context.Background())
		return err == nil && e.AppliedSeq() == info.State.LastSeq
	}, 10*time.Second, 5*time.Millisecond)
}

// waitQuiet waits until the engine has folded everything and the log has not
// grown for several ticks: the engine has nothing more to decide.
func (l *testLog) waitQuiet(tb testing.TB, e interface{ AppliedSeq() uint64 }) {
	tb.Helper()
	var last uint64
	require.Eventually(tb, func() bool {
		l.waitApplied(tb, e)
		time.Sleep(200 * time.Millisecond)
		info, err := l.stream.Info(context.Background())
		if err != nil {
			return false
		}
		quiet := info.State.LastSeq == last && e.AppliedSeq() == last
		last = info.State.LastSeq
		return quiet
	}, 10*time.Second, time.Millisecond)
}

// count returns how many messages of the log match filter.
func (l *testLog) count(tb testing.TB, filter string) int {
	tb.Helper()
	c, err := l.stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	require.NoError(tb, err)
	info, err := c.Info(context.Background())
	require.NoError(tb, err)
	return int(info.NumPending)
}
