package natsjs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/internal/testproc"
)

// feed publishes n inputs: incidents across the town and rain readings.
func (l *testLog) feed(tb testing.TB, from, n int) {
	tb.Helper()
	g := duhuTown.Scenario.Grids
	gauge := ""
	for _, x := range duhuTown.Scenario.Gauges {
		if x.Kind == "rain" && gauge == "" {
			gauge = x.ID
		}
	}
	for i := from; i < from+n; i++ {
		at := g[i%len(g)].Center
		l.publishRaw(tb, "flood.duhu.incident", incidentJSON(fmt.Sprintf("snap-inc-%d", i), at.Lat(), at.Lon()))
		l.publishRaw(tb, "flood.duhu.rain", fmt.Appendf(nil, `{"specversion":"1.0","id":"snap-rain-%d","source":"test","type":"flood.rain.observed","time":"2022-05-12T%02d:%02d:00+08:00","data":{"gauge":"%s","mm":%d,"minutes":10}}`,
			i, 10+i/60%12, i%60, gauge, i%30))
	}
}

// replayJSON folds the log up to seq into a fresh state: what a full replay makes of it.
func (l *testLog) replayJSON(tb testing.TB, seq uint64) []byte {
	tb.Helper()
	st := engine.NewState("duhu", duhuDomain(tb))
	for _, m := range l.messagesFrom(tb, 1) {
		if m.Sequence <= seq {
			st.Apply(m.Sequence, m.Subject, m.Data)
		}
	}
	b, err := json.Marshal(st.View())
	require.NoError(tb, err)
	return b
}

func liveJSON(tb testing.TB, r *running) ([]byte, uint64) {
	tb.Helper()
	var b []byte
	var seq uint64
	r.Read(func(st *engine.State) { seq = st.Seq; b, _ = json.Marshal(st.View()) })
	return b, seq
}

func snapStore(tb testing.TB, l *testLog) *SnapshotStore {
	tb.Helper()
	kv, err := l.js.CreateOrUpdateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: TownBucket(l.town)})
	require.NoError(tb, err)
	return NewSnapshotStore(kv)
}

func startInfo(r *running) StartInfo { return r.StartInfo().(StartInfo) }

// waitSnapshot waits until the engine has written a snapshot of at least seq.
func waitSnapshot(tb testing.TB, r *running, seq uint64) {
	tb.Helper()
	require.Eventually(tb, func() bool { return startInfo(r).LastWrittenSeq >= seq && !r.snaps.writing.Load() },
		20*time.Second, 10*time.Millisecond, "no snapshot of sequence %d written", seq)
}

// A restart loads the newest snapshot and folds only the tail: the state is
// the full replay's, and the engine decides on (no void, not fenced) with
// the fences it took from the log: a round that goes in while readings keep
// arriving is fenced on the last decision the log holds, which no message of
// the tail showed it.
func TestEngineStartsFromSnapshot(t *testing.T) {
	l := newTestLog(t, "duhu")
	store := snapStore(t, l)
	cfg := func(logs *testproc.LogBuffer) Config {
		c := Config{Domain: duhuDomain(t), Snapshots: SnapshotConfig{Store: store, Every: 40, Interval: 50 * time.Millisecond, Code: "test-build"}}
		if logs != nil {
			c.Logger = slog.New(slog.NewTextHandler(logs, nil))
		}
		return c
	}
	first := l.startEngineWith(t, cfg(nil))
	assert.Zero(t, startInfo(first).SnapshotSeq, "an empty bucket: a full replay")
	l.feed(t, 0, 40)
	l.waitQuiet(t, first)
	_, last := liveJSON(t, first)
	waitSnapshot(t, first, last)
	require.NoError(t, first.Stop())
	// The tail: inputs only, arrived while no engine ran.
	l.feed(t, 40, 3)

	// Readings keep coming while the engine starts: a strict round is
	// refused again and again, and only a round fenced on the voiding
	// subjects goes in.
	stop, flooded := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(flooded)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_, _ = l.js.Publish(context.Background(), "flood.duhu.level", fmt.Appendf(nil,
				`{"specversion":"1.0","id":"snap-level-%d","source":"test","type":"flood.level.observed","time":"2022-05-13T01:00:00+08:00","data":{"gauge":"%s","meters":1}}`, i, waterGauge()))
		}
	}()
	before := l.count(t, "flood.duhu.out.assignment.>")
	var logs testproc.LogBuffer
	second := l.startEngineWith(t, cfg(&logs))
	info := startInfo(second)
	require.Equal(t, last, info.SnapshotSeq, "started from the snapshot: %s", logs.String())
	assert.Positive(t, info.TailEvents)
	assert.Positive(t, info.ReadySeconds)
	assert.Contains(t, logs.String(), "fold snapshot loaded")
	assert.Eventually(t, func() bool { return l.count(t, "flood.duhu.out.assignment.>") > before }, 5*time.Second, 20*time.Millisecond,
		"the tail's incidents are assigned while the readings keep coming")
	close(stop)
	<-flooded
	l.waitQuiet(t, second)
	second.Read(func(st *engine.State) { assert.Zero(t, st.Voided()) })
	select {
	case err := <-second.done:
		t.Fatalf("the engine stopped: %v", err)
	default:
	}
	live, seq := liveJSON(t, second)
	assert.Equal(t, string(l.replayJSON(t, seq)), string(live), "snapshot + tail = full replay")
	assert.Zero(t, l.count(t, "flood.duhu.rejected"), "no input refused")
}

func waterGauge() string {
	for _, g := range duhuTown.Scenario.Gauges {
		if g.Kind != "rain" {
			return g.ID
		}
	}
	return ""
}

// A snapshot that cannot be used is passed over with a line saying why, and
// the state is the full replay's all the same.
func TestEngineSnapshotPassedOver(t *testing.T) {
	l := newTestLog(t, "duhu")
	store := snapStore(t, l)
	first := l.startEngineWith(t, Config{Domain: duhuDomain(t), Snapshots: SnapshotConfig{Store: store, Every: 20, Code: "v1"}})
	l.feed(t, 0, 15)
	l.waitQuiet(t, first)
	waitSnapshot(t, first, 30)
	l.feed(t, 15, 15)
	l.waitQuiet(t, first)
	waitSnapshot(t, first, 60)
	require.NoError(t, first.Stop())
	ms, err := store.Manifests(context.Background())
	require.NoError(t, err)
	require.Len(t, ms, 2, "both slots hold a snapshot")
	require.Greater(t, ms[0].Seq, ms[1].Seq, "newest first")

	restart := func(code string) (*running, string) {
		var logs testproc.LogBuffer
		r := l.startEngineWith(t, Config{Domain: duhuDomain(t), Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			Snapshots: SnapshotConfig{Store: store, Every: 1 << 30, Code: code}})
		l.waitQuiet(t, r)
		live, seq := liveJSON(t, r)
		require.Equal(t, string(l.replayJSON(t, seq)), string(live))
		require.NoError(t, r.Stop())
		return r, logs.String()
	}
	t.Run("another build", func(t *testing.T) {
		r, logs := restart("v2")
		assert.Zero(t, startInfo(r).SnapshotSeq)
		assert.Contains(t, startInfo(r).Skipped, `written by build "v1", this is "v2"`)
		assert.Contains(t, logs, "fold snapshot not used")
		assert.Contains(t, logs, "replaying the log in full")
	})
	t.Run("newest corrupt: the previous one", func(t *testing.T) {
		_, err := store.kv.Put(context.Background(), chunkKey(ms[0].Slot, 0), []byte("torn write"))
		require.NoError(t, err)
		r, logs := restart("v1")
		assert.Equal(t, ms[1].Seq, startInfo(r).SnapshotSeq, "the older slot: %s", logs)
		assert.Contains(t, logs, "fold snapshot not used")
	})
	t.Run("both corrupt: a full replay", func(t *testing.T) {
		_, err := store.kv.Put(context.Background(), chunkKey(ms[1].Slot, 0), []byte("torn write"))
		require.NoError(t, err)
		r, _ := restart("v1")
		assert.Zero(t, startInfo(r).SnapshotSeq)
		assert.Contains(t, startInfo(r).Skipped, "snapshot not usable")
	})
	t.Run("ahead of the log", func(t *testing.T) {
		info, err := l.stream.Info(context.Background())
		require.NoError(t, err)
		_, err = store.Write(context.Background(), []byte("x"), info.State.LastSeq+100, info.Created, time.Now())
		require.NoError(t, err)
		r, logs := restart("v1")
		assert.Zero(t, startInfo(r).SnapshotSeq)
		assert.Contains(t, logs, "ahead of the log")
	})
	t.Run("log made again", func(t *testing.T) {
		info, err := l.stream.Info(context.Background())
		require.NoError(t, err)
		_, err = store.Write(context.Background(), []byte("x"), 3, info.Created.Add(-time.Hour), time.Now())
		require.NoError(t, err)
		_, logs := restart("v1")
		assert.Contains(t, logs, "the log was made again")
	})
}

// The store keeps the previous snapshot intact while it writes the next: a
// write cut short leaves the newest slot without a manifest.
func TestSnapshotStoreSlots(t *testing.T) {
	l := newTestLog(t, "duhu")
	store := snapStore(t, l)
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789"), SnapshotChunk/4) // 2.5 chunks
	m1, err := store.Write(ctx, big, 10, time.Time{}, time.Now())
	require.NoError(t, err)
	assert.Equal(t, 3, m1.Chunks)
	m2, err := store.Write(ctx, big[:100], 20, time.Time{}, time.Now())
	require.NoError(t, err)
	assert.NotEqual(t, m1.Slot, m2.Slot)
	read := func(m SnapshotManifest) []byte {
		var b bytes.Buffer
		_, err := b.ReadFrom(store.Open(ctx, m))
		require.NoError(t, err)
		return b.Bytes()
	}
	assert.Equal(t, big, read(m1))
	assert.Equal(t, big[:100], read(m2))

	// A write that dies after its first chunk (ctx cancelled): the slot it was
	// writing, the older one, has no manifest; the newest is untouched.
	cut, cancel := context.WithCancel(ctx)
	cancel()
	_, err = store.Write(cut, big, 30, time.Time{}, time.Now())
	require.Error(t, err)
	ms, err := store.Manifests(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	assert.Equal(t, uint64(20), ms[0].Seq)
	assert.Equal(t, big[:100], read(ms[0]))

	short := m1
	short.Bytes++
	_, err = new(bytes.Buffer).ReadFrom(store.Open(ctx, short))
	assert.Error(t, err, "fewer bytes than the manifest says")
}
