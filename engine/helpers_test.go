package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/events"
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
	ns, err := events.StartEmbedded(events.EmbeddedConfig{Listen: "127.0.0.1:0", StoreDir: tb.TempDir(), SyncAlways: true})
	require.NoError(tb, err)
	tb.Cleanup(ns.Shutdown)
	nc, err := nats.Connect(ns.ClientURL())
	require.NoError(tb, err)
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(tb, err)
	s, err := events.EnsureStream(context.Background(), js, town, 1)
	require.NoError(tb, err)
	return &testLog{nc: nc, js: js, stream: s, town: town}
}

// startEngine runs an engine on the log until the test ends and waits until it is ready.
func (l *testLog) startEngine(tb testing.TB, d *Domain) (*Engine, <-chan error) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e := New(Config{Town: l.town, JS: l.js, Stream: l.stream, Domain: d, Tick: 50 * time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	tb.Cleanup(func() { cancel(); <-done })
	require.Eventually(tb, e.Ready, 10*time.Second, 5*time.Millisecond)
	return e, done
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
func (l *testLog) waitApplied(tb testing.TB, e *Engine) {
	tb.Helper()
	require.Eventually(tb, func() bool {
		info, err := l.stream.Info(context.Background())
		return err == nil && e.AppliedSeq() == info.State.LastSeq
	}, 10*time.Second, 5*time.Millisecond)
}
