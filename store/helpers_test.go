package store

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/natsjs"
	"github.com/floodcmd/floodcmd/store/storetest"
)

// testStore opens a migrated store on a fresh schema.
func testStore(tb testing.TB) *Store {
	tb.Helper()
	return storeAt(tb, storetest.URL(tb))
}

func storeAt(tb testing.TB, u string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), u)
	require.NoError(tb, err)
	tb.Cleanup(s.Close)
	require.NoError(tb, s.Migrate(context.Background()))
	return s
}

// testLog is a town's log on an embedded JetStream in a temp dir.
type testLog struct {
	js     jetstream.JetStream
	stream jetstream.Stream
	town   string
}

func newTestLog(tb testing.TB, town string) *testLog {
	tb.Helper()
	ns, err := natsjs.StartEmbedded(natsjs.EmbeddedConfig{Listen: "127.0.0.1:0", StoreDir: tb.TempDir()})
	require.NoError(tb, err)
	tb.Cleanup(ns.Shutdown)
	nc, err := nats.Connect(ns.ClientURL())
	require.NoError(tb, err)
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(1024))
	require.NoError(tb, err)
	s, err := natsjs.EnsureStream(context.Background(), js, town, 1)
	require.NoError(tb, err)
	return &testLog{js: js, stream: s, town: town}
}

// publish appends raw on subject and returns its sequence.
func (l *testLog) publish(tb testing.TB, subject string, raw []byte) uint64 {
	tb.Helper()
	ack, err := l.js.Publish(context.Background(), subject, raw)
	require.NoError(tb, err)
	return ack.Sequence
}

// publishAll appends many messages asynchronously and waits for every ack.
func (l *testLog) publishAll(tb testing.TB, subjects []string, bodies [][]byte) {
	tb.Helper()
	futures := make([]jetstream.PubAckFuture, len(bodies))
	for i := range bodies {
		f, err := l.js.PublishAsync(subjects[i], bodies[i])
		require.NoError(tb, err)
		futures[i] = f
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			tb.Fatalf("publish: %v", err)
		case <-time.After(30 * time.Second):
			tb.Fatal("no ack within 30 s")
		}
	}
}

func (l *testLog) lastSeq(tb testing.TB) uint64 {
	tb.Helper()
	info, err := l.stream.Info(context.Background())
	require.NoError(tb, err)
	return info.State.LastSeq
}

// runningProjector is a projector under test.
type runningProjector struct {
	*Projector
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func (r *runningProjector) Stop() { r.once.Do(func() { r.cancel(); <-r.done }) }

func startProjector(tb testing.TB, s *Store, cfg Config) *runningProjector {
	tb.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningProjector{Projector: NewProjector(s, cfg), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- r.Run(ctx) }()
	tb.Cleanup(r.Stop)
	return r
}

// waitProjected waits until the projector has committed seq.
func waitProjected(tb testing.TB, p *Projector, seq uint64, within time.Duration) {
	tb.Helper()
	require.Eventually(tb, func() bool { return p.Projected() >= seq }, within, 10*time.Millisecond,
		"projected %d of %d; last error: %v", p.Projected(), seq, p.Err())
}

// count runs a SELECT count(*) style query returning one integer.
func count(tb testing.TB, s *Store, sql string, args ...any) int {
	tb.Helper()
	var n int
	require.NoError(tb, s.pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}
