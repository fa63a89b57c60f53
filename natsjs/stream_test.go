package natsjs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/events"
)

func embeddedJS(t *testing.T) jetstream.JetStream {
	t.Helper()
	ns, err := StartEmbedded(EmbeddedConfig{Listen: "-", StoreDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(ns.Shutdown)
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return js
}

// Two towns whose slugs map to one stream name: the second is refused with
// the conflict named, and the first's stream keeps its subjects.
func TestEnsureStreamNeverRewritesAnotherTowns(t *testing.T) {
	js := embeddedJS(t)
	ctx := context.Background()
	_, err := EnsureStream(ctx, js, "x_1", 1)
	require.NoError(t, err)
	_, err = EnsureStream(ctx, js, "x-1", 1)
	require.ErrorIs(t, err, ErrConflict)
	assert.Contains(t, err.Error(), "FLOOD_X_1")
	assert.Contains(t, err.Error(), "flood.x_1.>")
	s, err := js.Stream(ctx, "FLOOD_X_1")
	require.NoError(t, err)
	assert.Equal(t, events.TownSubjects("x_1"), s.CachedInfo().Config.Subjects, "left as it was")

	// The town's own stream, started again, is found and kept.
	_, err = EnsureStream(ctx, js, "x_1", 1)
	require.NoError(t, err)

	assert.Equal(t, "FLOOD_DUHU", StreamName("duhu"))
	require.Error(t, StreamNameClash([]string{"duhu", "x-1", "x_1"}))
	require.NoError(t, StreamNameClash([]string{"duhu", "chixi", "duhu"}))
}

// Await retries what is not yet available, with back-off, up to its limit;
// a conflict is not retried.
func TestAwait(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := 0
	v, err := Await(context.Background(), log, 10*time.Second, "thing", func(context.Context) (int, error) {
		if n++; n < 3 {
			return 0, context.DeadlineExceeded
		}
		return 42, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 42, v)
	assert.Equal(t, 3, n)

	n = 0
	_, err = Await(context.Background(), log, 10*time.Second, "thing", func(context.Context) (int, error) {
		n++
		return 0, ErrConflict
	})
	assert.ErrorIs(t, err, ErrConflict)
	assert.Equal(t, 1, n, "a conflict is final")

	start := time.Now()
	_, err = Await(context.Background(), log, time.Second, "the town's stream", func(context.Context) (int, error) {
		return 0, errors.New("nats: JetStream system temporarily unavailable")
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no JetStream meta leader yet")
	assert.Contains(t, err.Error(), "--start-timeout")
	assert.Less(t, time.Since(start), 3*time.Second)
}
