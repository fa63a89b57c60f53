package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
)

// fakeView is a View source the test changes at will.
type fakeView struct {
	mu    sync.Mutex
	seq   uint64
	items map[string]map[string]any // collection → id → item
	extra map[string]any
}

func newFakeView() *fakeView {
	return &fakeView{items: map[string]map[string]any{"incidents": {}, "rejections": {}}, extra: map[string]any{"town": "duhu"}}
}

func (f *fakeView) view() (uint64, any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := map[string]any{"seq": f.seq}
	for k, x := range f.extra {
		v[k] = x
	}
	for c, items := range f.items {
		list := []any{}
		for _, it := range sortedKeys(items) {
			list = append(list, items[it])
		}
		v[c] = list
	}
	b, _ := json.Marshal(v) // a copy, as View() is
	var out any
	_ = json.Unmarshal(b, &out)
	return f.seq, out
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

// change applies one "event": bumps seq and upserts or removes an incident.
func (f *fakeView) change(h *Hub, id string, remove bool) {
	f.mu.Lock()
	f.seq++
	if remove {
		delete(f.items["incidents"], id)
	} else {
		f.items["incidents"][id] = map[string]any{"id": id, "priority": int(f.seq % 4), "status": fmt.Sprint("s", f.seq)}
	}
	// As the engine does: the signal is given under the same lock as the change.
	h.Applied(f.seq, "flood.duhu.incident", engine.Applied, "flood.incident.reported")
	f.mu.Unlock()
}

func startHub(t testing.TB, f *fakeView, cfg HubConfig) *Hub {
	t.Helper()
	cfg.View = f.view
	h := NewHub(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// board is what a browser keeps: the state rebuilt from frames, as ws.js does.
type board struct {
	seq    uint64
	state  map[string]any
	ids    map[string]string
	frames int
	snaps  int
}

func (b *board) apply(t testing.TB, raw []byte) {
	t.Helper()
	var fr struct {
		Type        string                      `json:"type"`
		Seq         uint64                      `json:"seq"`
		From        uint64                      `json:"from"`
		To          uint64                      `json:"to"`
		State       map[string]any              `json:"state"`
		Collections map[string]string           `json:"collections"`
		Set         map[string]any              `json:"set"`
		Unset       []string                    `json:"unset"`
		Upsert      map[string][]map[string]any `json:"upsert"`
		Remove      map[string][]string         `json:"remove"`
		Timeline    []TimelineEntry             `json:"timeline"`
	}
	require.NoError(t, json.Unmarshal(raw, &fr))
	b.frames++
	if b.ids == nil {
		b.ids = map[string]string{}
	}
	for k, v := range fr.Collections {
		b.ids[k] = v
	}
	switch fr.Type {
	case "snapshot":
		b.snaps++
		b.seq, b.state = fr.Seq, fr.State
		return
	case "delta":
		require.Equal(t, b.seq, fr.From, "a delta must start where the board is: nothing lost or repeated")
		require.Greater(t, fr.To, fr.From)
	default:
		t.Fatalf("unknown frame %s", raw)
	}
	for k, v := range fr.Set {
		b.state[k] = v
	}
	for _, k := range fr.Unset {
		delete(b.state, k)
	}
	for c, items := range fr.Upsert {
		key := b.ids[c]
		list, _ := b.state[c].([]any)
	next:
		for _, it := range items {
			for i, old := range list {
				if fmt.Sprint(old.(map[string]any)[key]) == fmt.Sprint(it[key]) {
					list[i] = it
					continue next
				}
			}
			list = append(list, it)
		}
		b.state[c] = list
	}
	for c, ids := range fr.Remove {
		key := b.ids[c]
		list, _ := b.state[c].([]any)
		kept := list[:0]
		for _, old := range list {
			gone := false
			for _, id := range ids {
				gone = gone || fmt.Sprint(old.(map[string]any)[key]) == id
			}
			if !gone {
				kept = append(kept, old)
			}
		}
		b.state[c] = kept
	}
	b.seq = fr.To
	b.state["seq"] = float64(fr.To)
}

// same checks that the board holds the truth (collections compared as sets).
func (b *board) same(t testing.TB, f *fakeView) {
	t.Helper()
	seq, v := f.view()
	truth := v.(map[string]any)
	require.Equal(t, seq, b.seq)
	for k, tv := range truth {
		if list, ok := tv.([]any); ok {
			got, _ := b.state[k].([]any)
			assert.ElementsMatch(t, list, got, "collection %s", k)
			continue
		}
		assert.Equal(t, tv, b.state[k], "value %s", k)
	}
}

func recvFrame(t testing.TB, c *wsClient, within time.Duration) ([]byte, bool) {
	t.Helper()
	select {
	case f, ok := <-c.send:
		return f, ok
	case <-time.After(within):
		return nil, true
	}
}

// drain applies frames until the board reaches seq.
func drain(t testing.TB, b *board, c *wsClient, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for b.seq < seq {
		require.True(t, time.Now().Before(deadline), "board stuck at %d, want %d", b.seq, seq)
		f, ok := recvFrame(t, c, 100*time.Millisecond)
		require.True(t, ok, "client dropped")
		if f != nil {
			b.apply(t, f)
		}
	}
}

var op = Principal{Role: RoleOperator, Subject: "admin"}

func TestHubSnapshotThenDeltas(t *testing.T) {
	f := newFakeView()
	f.change(nil2(t), "i-1", false)
	h := startHub(t, f, HubConfig{Interval: 10 * time.Millisecond})
	c := &wsClient{p: op, send: make(chan []byte, 64)}
	require.NoError(t, h.Subscribe(context.Background(), c, nil))
	first, _ := recvFrame(t, c, time.Second)
	require.NotNil(t, first)
	assert.Contains(t, string(first), `"type":"snapshot"`)
	b := &board{}
	b.apply(t, first)
	b.same(t, f)

	f.change(h, "i-2", false)
	f.change(h, "i-1", false)
	drain(t, b, c, 3)
	b.same(t, f)
	f.change(h, "i-1", true)
	drain(t, b, c, 4)
	b.same(t, f)
	assert.Len(t, b.state["incidents"], 1)
}

// nil2 is a hub nobody listens to, for changes made before the hub under test starts.
func nil2(t testing.TB) *Hub { return NewHub(HubConfig{View: func() (uint64, any) { return 0, nil }}) }

func TestHubDeltaShape(t *testing.T) {
	f := newFakeView()
	h := startHub(t, f, HubConfig{Interval: 10 * time.Millisecond})
	c := &wsClient{p: op, send: make(chan []byte, 64)}
	require.NoError(t, h.Subscribe(context.Background(), c, nil))
	_, _ = recvFrame(t, c, time.Second)
	f.change(h, "i-9", false)
	raw, _ := recvFrame(t, c, time.Second)
	var fr map[string]any
	require.NoError(t, json.Unmarshal(raw, &fr))
	assert.Equal(t, "delta", fr["type"])
	assert.EqualValues(t, 0, fr["from"])
	assert.EqualValues(t, 1, fr["to"])
	up := fr["upsert"].(map[string]any)["incidents"].([]any)
	assert.Equal(t, "i-9", up[0].(map[string]any)["id"])
	tl := fr["timeline"].([]any)
	require.Len(t, tl, 1)
	assert.Equal(t, map[string]any{"seq": 1.0, "subject": "flood.duhu.incident", "type": "flood.incident.reported",
		"outcome": "applied", "summary": "incident.reported"}, tl[0])
}

func TestHubResumeSinceNothingLostOrRepeated(t *testing.T) {
	f := newFakeView()
	h := startHub(t, f, HubConfig{Interval: 5 * time.Millisecond})
	c := &wsClient{p: op, send: make(chan []byte, 256)}
	require.NoError(t, h.Subscribe(context.Background(), c, nil))
	b := &board{}
	f0, _ := recvFrame(t, c, time.Second)
	b.apply(t, f0)
	for i := range 20 {
		f.change(h, fmt.Sprint("i-", i%7), i%5 == 4)
		time.Sleep(2 * time.Millisecond)
	}
	drain(t, b, c, 20)
	h.Leave(c) // the connection drops
	for i := 20; i < 60; i++ {
		f.change(h, fmt.Sprint("i-", i%7), i%5 == 4)
		time.Sleep(2 * time.Millisecond)
	}
	// Reconnect with since: deltas only, starting exactly at the board's seq.
	c2 := &wsClient{p: op, send: make(chan []byte, 256)}
	since := b.seq
	require.NoError(t, h.Subscribe(context.Background(), c2, &since))
	first, _ := recvFrame(t, c2, time.Second)
	require.NotNil(t, first)
	assert.Contains(t, string(first), `"type":"delta"`, "resume sends deltas, not a snapshot")
	b.apply(t, first)
	drain(t, b, c2, 60)
	b.same(t, f)
	assert.Equal(t, 1, b.snaps, "one snapshot at the start, none on resume")

	// A since older than the ring gets a fresh snapshot.
	h2 := startHub(t, f, HubConfig{Interval: 5 * time.Millisecond, Ring: 2})
	c3 := &wsClient{p: op, send: make(chan []byte, 256)}
	require.NoError(t, h2.Subscribe(context.Background(), c3, nil))
	_, _ = recvFrame(t, c3, time.Second)
	for i := range 10 {
		f.change(h2, fmt.Sprint("j-", i), false)
		time.Sleep(8 * time.Millisecond)
	}
	old := uint64(1)
	c4 := &wsClient{p: op, send: make(chan []byte, 256)}
	require.NoError(t, h2.Subscribe(context.Background(), c4, &old))
	fr, _ := recvFrame(t, c4, time.Second)
	assert.Contains(t, string(fr), `"type":"snapshot"`)
}

func TestHubSlowClientDroppedOthersUnaffected(t *testing.T) {
	f := newFakeView()
	h := startHub(t, f, HubConfig{Interval: 2 * time.Millisecond, SendBuffer: 4})
	slow := &wsClient{p: op, send: make(chan []byte, 4)}
	fast := &wsClient{p: op, send: make(chan []byte, 64)}
	require.NoError(t, h.Subscribe(context.Background(), slow, nil))
	require.NoError(t, h.Subscribe(context.Background(), fast, nil))
	b := &board{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for fr := range fast.send {
			b.apply(t, fr)
			if b.seq >= 100 {
				return
			}
		}
	}()
	for i := range 100 {
		f.change(h, fmt.Sprint("i-", i), false)
		time.Sleep(500 * time.Microsecond)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the fast client did not get every change")
	}
	b.same(t, f)
	// The slow one never read: its outbox filled and the hub closed it.
	n := 0
	for range slow.send {
		n++
	}
	assert.LessOrEqual(t, n, 4, "the slow client got at most its buffer, then was closed")
}

func TestHubCoalescesBursts(t *testing.T) {
	f := newFakeView()
	h := startHub(t, f, HubConfig{}) // 250 ms
	c := &wsClient{p: op, send: make(chan []byte, 1024)}
	require.NoError(t, h.Subscribe(context.Background(), c, nil))
	b := &board{}
	f0, _ := recvFrame(t, c, time.Second)
	b.apply(t, f0)
	start := time.Now()
	for i := range 1000 { // 1,000 events in one second
		f.change(h, fmt.Sprint("i-", i%50), false)
		time.Sleep(time.Until(start.Add(time.Duration(i+1) * time.Millisecond)))
	}
	elapsed := time.Since(start)
	drain(t, b, c, 1000)
	b.same(t, f)
	deltas := b.frames - 1
	limit := int(elapsed/(250*time.Millisecond)) + 2
	t.Logf("1000 events in %v → %d delta frames", elapsed.Round(time.Millisecond), deltas)
	assert.LessOrEqual(t, deltas, limit, "at most one frame per 250 ms")
}

func TestDiffGeneric(t *testing.T) {
	a, err := parseDoc([]byte(`{"seq":1,"town":"duhu","x":{"a":1},"things":[{"id":"a","v":1},{"id":"b","v":2}],"rej":[{"seq":3,"r":"x"}],"plain":[1,2]}`))
	require.NoError(t, err)
	b, err := parseDoc([]byte(`{"seq":2,"town":"duhu","x":{"a":2},"things":[{"id":"b","v":3},{"id":"c","v":1}],"rej":[{"seq":3,"r":"x"},{"seq":4,"r":"y"}],"plain":[1,2,3],"newcoll":[{"id":"n"}]}`))
	require.NoError(t, err)
	ch := diff(a, b)
	out, _ := json.Marshal(ch)
	assert.JSONEq(t, `{"set":{"x":{"a":2},"plain":[1,2,3],"newcoll":[{"id":"n"}]},
		"upsert":{"things":[{"id":"b","v":3},{"id":"c","v":1}],"rej":[{"seq":4,"r":"y"}]},
		"remove":{"things":["a"]},"collections":{"newcoll":"id"}}`, string(out))
	assert.JSONEq(t, `{"seq":2,"town":"duhu","x":{"a":2},"things":[{"id":"b","v":3},{"id":"c","v":1}],"rej":[{"seq":3,"r":"x"},{"seq":4,"r":"y"}],"plain":[1,2,3],"newcoll":[{"id":"n"}]}`,
		string(b.state(2)))
}
