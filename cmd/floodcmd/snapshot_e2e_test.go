package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/natsjs"
	"github.com/floodcmd/floodcmd/scenario"
)

// snapshotTraffic is a storm's mix: gauge readings, reports, some invalid.
func snapshotTraffic(from, n int) ([]string, [][]byte) {
	subjects, msgs := make([]string, n), make([][]byte, n)
	gauges := []string{"rain-nankeng", "rain-duhuxu", "rain-nancun", "rain-longhe", "rain-dagang", "rain-yuanmei"}
	for k := range n {
		i := from + k
		switch {
		case i%500 == 499:
			subjects[k], msgs[k] = "flood.duhu.incident", fmt.Appendf(nil, `{"specversion":"1.0","id":"snap-bad-%d","source":"x","type":"flood.incident.reported","time":"nope","data":{}}`, i)
		case i%40 == 0:
			subjects[k], msgs[k] = "flood.duhu.incident", incident(fmt.Sprintf("snap-inc-%05d", i), i)
		default:
			subjects[k], msgs[k] = "flood.duhu.rain", fmt.Appendf(nil, `{"specversion":"1.0","id":"snap-rain-%d","source":"gauge","type":"flood.rain.observed","time":"2022-05-12T%02d:%02d:00+08:00","data":{"gauge":%q,"mm":%.1f,"minutes":5}}`,
				i, 12+i/3600%10, i/60%60, gauges[i%len(gauges)], float64(i%40)/4)
		}
	}
	return subjects, msgs
}

type startBody struct {
	Status string           `json:"status"`
	Start  natsjs.StartInfo `json:"start"`
	Lag    map[string]int64 `json:"lag"`
	Extra  map[string]any   `json:"-"`
}

func readyBody(tb testing.TB, p *proc) startBody {
	tb.Helper()
	var b startBody
	resp, err := http.Get(p.url("/readyz"))
	require.NoError(tb, err)
	defer resp.Body.Close()
	require.NoError(tb, json.NewDecoder(resp.Body).Decode(&b))
	return b
}

// snapshotsOf opens the town's snapshot bucket as the test's admin.
func snapshotsOf(tb testing.TB, p *proc) *natsjs.SnapshotStore {
	tb.Helper()
	nc, err := testConnect(tb, p.natsURL())
	require.NoError(tb, err)
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(tb, err)
	kv, err := js.KeyValue(context.Background(), natsjs.TownBucket("duhu"))
	require.NoError(tb, err)
	return natsjs.NewSnapshotStore(kv)
}

// sameAsReplay checks that the process's state is what a full replay of its
// own log makes, up to the same sequence.
func sameAsReplay(tb testing.TB, p *proc) uint64 {
	tb.Helper()
	var live map[string]any
	require.Equal(tb, 200, getJSON(tb, p.url("/api/state"), &live))
	seq := uint64(live["seq"].(float64))
	fsys, err := scenario.Open("duhu")
	require.NoError(tb, err)
	town, err := engine.LoadTown(fsys, "duhu")
	require.NoError(tb, err)
	_, err = engine.AddNeighbourRoads(town, scenario.Open)
	require.NoError(tb, err)
	d, err := engine.NewDomain(town, dispatch.DefaultConfig())
	require.NoError(tb, err)
	nc, err := testConnect(tb, p.natsURL())
	require.NoError(tb, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(tb, err)
	// Check seals with this floodcmd's own decision key, as its fold does.
	kv, err := js.KeyValue(context.Background(), natsjs.TownBucket("duhu"))
	require.NoError(tb, err)
	key, err := kv.Get(context.Background(), events.SealKeyName)
	require.NoError(tb, err)
	d.SetDecisionKey(key.Value())
	st := engine.NewState("duhu", d)
	stream, err := js.Stream(context.Background(), natsjs.StreamName("duhu"))
	require.NoError(tb, err)
	c, err := stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{})
	require.NoError(tb, err)
	for st.Seq < seq {
		m, err := c.Next(jetstream.FetchMaxWait(5 * time.Second))
		require.NoError(tb, err)
		meta, err := m.Metadata()
		require.NoError(tb, err)
		st.Apply(meta.Sequence.Stream, m.Subject(), m.Data())
	}
	raw, err := json.Marshal(st.View())
	require.NoError(tb, err)
	var replayed map[string]any
	require.NoError(tb, json.Unmarshal(raw, &replayed))
	require.Equal(tb, replayed, live, "state at sequence %d differs from a full replay of the log", seq)
	return seq
}

// TestSnapshotSurvivesKillDuringWrite: a real floodcmd writes fold snapshots
// while a storm's traffic comes in and is killed (-9) in the middle of one;
// the next start passes over the torn slot, starts from the previous
// snapshot, folds the tail, is ready, and holds exactly the full replay's state.
func TestSnapshotSurvivesKillDuringWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and kills the binary")
	}
	dir := t.TempDir()
	args := []string{"--snapshot-every", "300", "--snapshot-interval", "20ms"}
	p := startServe(t, dir, nil, args...)
	p.waitReady(t)
	ids := func(from int) func(int) string {
		return func(i int) string { return fmt.Sprintf("snap-%05d", from+i) }
	}
	sent := 0
	send := func(p *proc, n int) {
		subjects, msgs := snapshotTraffic(sent, n)
		publishAll(t, p.natsURL(), subjects, msgs, ids(sent), 0)
		sent += n
	}
	send(p, 2000)
	store := snapshotsOf(t, p)
	require.Eventually(t, func() bool {
		ms, err := store.Manifests(context.Background())
		return err == nil && len(ms) == 2
	}, 30*time.Second, 10*time.Millisecond, "both slots written")

	// Kill it while it writes: a write first deletes its slot's manifest, so
	// one manifest is what a write in progress looks like, and still after
	// the kill if the kill landed inside it.
	torn := false
	rng := rand.New(rand.NewPCG(1, 2))
	for attempt := 0; attempt < 12 && !torn; attempt++ {
		subjects, msgs := snapshotTraffic(sent, 1500)
		go fire(t, p.natsURL(), subjects, msgs, ids(sent)) // cut off by the kill; re-sent at the end
		sent += 1500
		time.Sleep(time.Duration(50+rng.IntN(150)) * time.Millisecond)
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
			if ms, err := store.Manifests(context.Background()); err == nil && len(ms) == 1 {
				break
			}
		}
		p.kill()
		p = startServe(t, dir, nil, args...) // the same NATS data: the bucket as the kill left it
		store = snapshotsOf(t, p)
		p.waitReady(t)
		b := readyBody(t, p)
		t.Logf("attempt %d: %d snapshot(s) found at start, started from %d (skipped: %q) loaded in %.3fs, tail %d, ready in %.3fs",
			attempt, b.Start.Found, b.Start.SnapshotSeq, b.Start.Skipped, b.Start.LoadSeconds, b.Start.TailEvents, b.Start.ReadySeconds)
		if b.Start.Found == 1 || b.Start.Skipped != "" {
			torn = true // the slot being written had lost its manifest, or its chunks their checksum
			assert.Positive(t, b.Start.SnapshotSeq, "the previous snapshot was used")
			resp, err := http.Get(p.url("/metrics"))
			require.NoError(t, err)
			metrics, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			assert.Contains(t, string(metrics), fmt.Sprintf(`floodcmd_snapshot_loaded_seq{town="duhu"} %d`, b.Start.SnapshotSeq))
			assert.Contains(t, string(metrics), `floodcmd_engine_start_seconds{town="duhu"}`)
		}
	}
	require.True(t, torn, "no kill landed inside a snapshot write in 12 tries")
	all := sent
	sent = 0
	send(p, all) // everything again, the same ids: what the kills cut off is in the log now, the rest dropped as repeats
	waitQuiet(t, p)
	sameAsReplay(t, p)
	assert.Contains(t, p.out.String(), "fold snapshot loaded")
}

// fire publishes without waiting for acknowledgements, a message a
// millisecond, as gauges trickle in (a kill cuts it off).
func fire(tb testing.TB, url string, subjects []string, msgs [][]byte, id func(int) string) {
	nc, err := testConnect(tb, url)
	if err != nil {
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	for i, b := range msgs {
		m := nats.NewMsg(subjects[i])
		m.Data = b
		if _, err := js.PublishMsgAsync(m, jetstream.WithMsgID(id(i))); err != nil {
			return
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(10 * time.Second):
	}
}

// waitQuiet waits until the engine has folded the whole log and the log has
// stopped growing (nothing more decided) for half a second.
func waitQuiet(tb testing.TB, p *proc) {
	tb.Helper()
	last, still := -1.0, 0
	require.Eventually(tb, func() bool {
		var b struct {
			AppliedSeq float64          `json:"applied_seq"`
			Lag        map[string]int64 `json:"lag"`
		}
		resp, err := http.Get(p.url("/readyz"))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if json.NewDecoder(resp.Body).Decode(&b) != nil || b.Lag["engine"] != 0 {
			still = 0
			return false
		}
		if b.AppliedSeq == last {
			still++
		} else {
			last, still = b.AppliedSeq, 0
		}
		return still >= 10
	}, 60*time.Second, 50*time.Millisecond, "the engine never settled")
}

// servedWithSnapshot starts floodcmd on dir writing a snapshot every `every`
// messages, publishes n messages of a storm's traffic (ids prefix-i), and
// waits until a snapshot beyond sequence after is in the town's bucket.
func servedWithSnapshot(t *testing.T, dir string, every, n int, prefix string, after uint64) (*proc, *natsjs.SnapshotStore) {
	t.Helper()
	p := startServe(t, dir, nil, "--snapshot-every", strconv.Itoa(every))
	p.waitReady(t)
	subjects, msgs := snapshotTraffic(0, n)
	publishAll(t, p.natsURL(), subjects, msgs, func(i int) string { return fmt.Sprintf("%s-%d", prefix, i) }, 0)
	store := snapshotsOf(t, p)
	require.Eventually(t, func() bool {
		ms, err := store.Manifests(context.Background())
		return err == nil && len(ms) > 0 && ms[0].Seq > after
	}, 30*time.Second, 10*time.Millisecond, "no snapshot beyond sequence %d", after)
	return p, store
}

// TestSnapshotOfAnotherBuildReplaysInFull: a snapshot written by another
// build is passed over with a line saying so; the state is the full replay's.
func TestSnapshotOfAnotherBuildReplaysInFull(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	dir := t.TempDir()
	p, store := servedWithSnapshot(t, dir, 100, 600, "v", 300)
	waitQuiet(t, p)
	p.stop(t)

	// Rewrite the snapshots as if another build had written them, with a
	// floodcmd that writes none running the NATS: the header names another
	// build (the build is checked before the checksum).
	p = startServe(t, dir, nil, "--snapshots=false")
	p.waitReady(t)
	store = snapshotsOf(t, p)
	ms, err := store.Manifests(context.Background())
	require.NoError(t, err)
	var raw []byte
	buf := make([]byte, 1<<20)
	r := store.Open(context.Background(), ms[0])
	for {
		n, err := r.Read(buf)
		raw = append(raw, buf[:n]...)
		if err != nil {
			break
		}
	}
	h, _, err := engine.ReadSnapshotHeader(strings.NewReader(string(raw)))
	require.NoError(t, err)
	other := strings.Replace(string(raw), fmt.Sprintf(`"code":%q`, h.Code), `"code":"floodcmd v0.0.1@other"`, 1)
	require.NotEqual(t, string(raw), other)
	for i := range 2 { // each write takes the slot not holding the newest: both slots
		_, err = store.Write(context.Background(), []byte(other), ms[0].Seq+uint64(i+1), ms[0].StreamCreated, time.Now())
		require.NoError(t, err)
	}
	p.stop(t)

	p = startServe(t, dir, nil)
	p.waitReady(t)
	waitQuiet(t, p)
	b := readyBody(t, p)
	assert.Zero(t, b.Start.SnapshotSeq)
	assert.Contains(t, b.Start.Skipped, "written by build")
	assert.Contains(t, p.out.String(), "fold snapshot not used")
	assert.Contains(t, p.out.String(), "replaying the log in full")
	sameAsReplay(t, p)
}

// TestSnapshotBucketIsTheEngines: the snapshot holds personal data; only the
// town's own floodcmd may read its bucket, no viewer, field, responder or
// operator credential.
func TestSnapshotBucketIsTheEngines(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	dir := t.TempDir()
	p, _ := servedWithSnapshot(t, dir, 10, 50, "perm", 0)

	ta, ok := testNATS.Load(p.natsURL())
	require.True(t, ok)
	bucket := natsjs.TownBucket("duhu")
	for _, role := range []string{natsjs.NatsViewer, natsjs.NatsField, natsjs.NatsResponder, natsjs.NatsOperator, natsjs.NatsGauge, natsjs.NatsTown} {
		t.Run(role, func(t *testing.T) {
			subject := ""
			if role == natsjs.NatsResponder {
				subject = "t-001"
			}
			u, err := ta.(*testAuth).auth.IssueFor(role, "duhu", subject, 0, time.Now())
			require.NoError(t, err)
			file, err := u.Creds()
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), role+".creds")
			require.NoError(t, os.WriteFile(path, file, 0o600))
			opts := []nats.Option{nats.UserCredentials(path)}
			if role == natsjs.NatsTown {
				opts = append(opts, nats.CustomInboxPrefix(natsjs.InboxPrefix("duhu")))
			}
			nc, err := nats.Connect(p.natsURL(), opts...)
			require.NoError(t, err)
			defer nc.Close()
			js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(time.Second))
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			var value []byte
			kv, err := js.KeyValue(ctx, bucket)
			if err == nil {
				var e jetstream.KeyValueEntry
				if e, err = kv.Get(ctx, natsjs.SnapshotKeys+"manifest.a"); err != nil {
					e, err = kv.Get(ctx, natsjs.SnapshotKeys+"manifest.b")
				}
				if err == nil {
					value = e.Value()
				}
			}
			// A direct get by hand, as a client that skips the library would.
			msg, derr := nc.Request("$JS.API.DIRECT.GET.KV_"+bucket+".$KV."+bucket+"."+natsjs.SnapshotKeys+"a.00000", nil, time.Second)
			if role == natsjs.NatsTown {
				require.NoError(t, err, "the town's own floodcmd reads its snapshots")
				assert.Contains(t, string(value), `"seq"`)
				return
			}
			assert.Error(t, err, "%s reads the snapshot bucket: %s", role, value)
			if derr == nil {
				assert.Empty(t, msg.Data, "%s got a snapshot chunk by direct get", role)
			}
		})
	}
}
