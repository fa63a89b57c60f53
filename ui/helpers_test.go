package ui

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/scenario"
)

// memEngine is the engine without NATS: Publish folds at once, then lets the
// domain decide and folds its decisions too, as the real engine does.
type memEngine struct {
	mu  sync.RWMutex
	st  *engine.State
	seq uint64
	hub *Hub
	log []events.Event
}

var _ StateReader = (*memEngine)(nil)
var _ EventPublisher = (*memEngine)(nil)

func (m *memEngine) Read(f func(*engine.State)) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	f(m.st)
}
func (m *memEngine) Ready() bool { return true }
func (m *memEngine) AppliedSeq() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.seq
}

func (m *memEngine) Publish(ctx context.Context, subject string, ev events.Event, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ack := m.apply(subject, ev)
	for _, d := range m.st.Decide(time.Now(), false) {
		m.apply(d.Subject, d.Event)
	}
	return ack, nil
}

func (m *memEngine) apply(subject string, ev events.Event) *jetstream.PubAck {
	raw, _ := ev.Encode()
	m.log = append(m.log, ev)
	m.seq++
	out, typ := m.st.Apply(m.seq, subject, raw)
	if m.hub != nil {
		m.hub.Applied(m.seq, subject, out, typ)
	}
	return &jetstream.PubAck{Sequence: m.seq}
}

// testServer is the HTTP surface over the Duhu scenario, in process.
type testServer struct {
	*httptest.Server
	eng    *memEngine
	signer *Signer
	hub    *Hub
	// households is the town's registry, what personal-data tests look for.
	households []evac.Household
}

func newTestServer(tb testing.TB) *testServer {
	tb.Helper()
	fsys, err := scenario.Open("duhu")
	require.NoError(tb, err)
	town, err := engine.LoadTown(fsys, "duhu")
	require.NoError(tb, err)
	dom, err := engine.NewDomain(town, dispatch.DefaultConfig())
	require.NoError(tb, err)
	eng := &memEngine{st: engine.NewState("duhu", dom)}
	hub := NewHub(HubConfig{Interval: 20 * time.Millisecond, View: func() (seq uint64, v any) {
		eng.Read(func(st *engine.State) { seq, v = st.Seq, st.View() })
		return seq, v
	}})
	eng.hub = hub
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { hub.Run(ctx); close(done) }()
	signer := NewSigner([]byte("0123456789abcdef0123456789abcdef"), "admin-secret")
	srv := httptest.NewServer(NewServer(Deps{Town: "duhu", Engine: eng, Domain: dom, Publisher: eng, Tokens: signer, Hub: hub,
		Metrics: http.NotFoundHandler()}))
	tb.Cleanup(func() { srv.Close(); cancel(); <-done })
	return &testServer{Server: srv, eng: eng, signer: signer, hub: hub, households: town.Households}
}

func (s *testServer) token(tb testing.TB, role, subject string) string {
	tb.Helper()
	tok, err := s.signer.Sign(role, subject, time.Hour, time.Now())
	require.NoError(tb, err)
	return tok
}

// do sends a request with token (none if "") and returns the status and body.
func (s *testServer) do(tb testing.TB, method, path, token, body string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	require.NoError(tb, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// incident reports an incident through the HTTP door as an operator.
func (s *testServer) incident(tb testing.TB, lat, lon float64) string {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"kind": "trapped", "lat": lat, "lon": lon, "people": 2, "note": "tel 13912345678"})
	code, out := s.do(tb, "POST", "/api/incidents", "admin-secret", string(body))
	require.Equal(tb, http.StatusAccepted, code, out)
	var ans struct{ ID string }
	require.NoError(tb, json.Unmarshal([]byte(out), &ans))
	return ans.ID
}
