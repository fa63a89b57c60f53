package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/internal/testproc"
)

// inProcess is a town's server run inside the test.
type inProcess struct {
	*townServer
	out    *testproc.LogBuffer
	cancel context.CancelFunc
	done   chan error
}

// startInProcess builds a server on dataDir as `floodcmd serve` would (no NATS
// port, a free HTTP one), runs it and waits for /readyz.
func startInProcess(t *testing.T, dataDir string) *inProcess {
	t.Helper()
	env := func(k string) string {
		if k == "FLOODCMD_ADMIN_TOKEN" {
			return testAdminToken
		}
		return ""
	}
	out := &testproc.LogBuffer{}
	cfg, err := parseServe([]string{"--http", "127.0.0.1:0", "--nats-listen", "-", "--data", dataDir}, env, out)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := newServer(ctx, cfg, out)
	if err != nil {
		cancel()
		t.Fatalf("newServer: %v\n%s", err, out)
	}
	p := &inProcess{townServer: s, out: out, cancel: cancel, done: make(chan error, 1)}
	go func() { p.done <- s.Run(ctx) }()
	t.Cleanup(func() { p.stop(t) })
	require.Eventually(t, func() bool {
		resp, err := http.Get(p.url("/readyz"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 20*time.Millisecond, "not ready; log:\n%s", out)
	return p
}

func (p *inProcess) url(path string) string { return "http://" + p.Addr().String() + path }

// stop ends Run and Close; both must answer nil, once.
func (p *inProcess) stop(t *testing.T) {
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	select {
	case err := <-p.done:
		assert.NoError(t, err, "Run after its context ended; log:\n%s", p.out)
	case <-time.After(20 * time.Second):
		t.Errorf("Run did not return 20 s after its context ended; log:\n%s", p.out)
	}
	assert.NoError(t, p.Close())
	assert.NoError(t, p.Close(), "a second Close")
}

// assignedTo lists the responders /api/state shows assigned to incident.
func (p *inProcess) assignedTo(t *testing.T, incident string) []string {
	var st struct {
		Assignments []struct {
			Incident  string `json:"incident"`
			Responder string `json:"responder"`
		} `json:"assignments"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, p.url("/api/state"), &st))
	var out []string
	for _, a := range st.Assignments {
		if a.Incident == incident {
			out = append(out, a.Responder)
		}
	}
	return out
}

// TestServeInProcess runs `floodcmd serve` inside the test: an incident
// reported over HTTP is assigned; a second server on the same data directory
// is refused at start and gives back what it took; Run returns nil when its
// context ends and Close frees the directory, so a new server takes it and
// replays the log to the same assignment.
func TestServeInProcess(t *testing.T) {
	data := t.TempDir()
	first := startInProcess(t, data)
	code, body := request(t, "POST", first.url("/api/incidents"), `{"kind":"trapped","lat":22.062,"lon":112.912,"people":3}`)
	require.Equal(t, http.StatusAccepted, code, "%s", body)
	var ans struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(body, &ans))
	var crew []string
	require.Eventually(t, func() bool {
		crew = first.assignedTo(t, ans.ID)
		return len(crew) > 0
	}, 10*time.Second, 20*time.Millisecond, "incident %s never assigned; log:\n%s", ans.ID, first.out)

	cfg, err := parseServe([]string{"--http", "127.0.0.1:0", "--nats-listen", "-", "--data", data}, func(string) string { return "" }, &bytes.Buffer{})
	require.NoError(t, err)
	_, err = newServer(context.Background(), cfg, &bytes.Buffer{})
	require.ErrorIs(t, err, errDataLocked, "a second server on a data directory in use")

	first.stop(t)
	second := startInProcess(t, data)
	assert.ElementsMatch(t, crew, second.assignedTo(t, ans.ID), "the replay gives the same crew")
}
