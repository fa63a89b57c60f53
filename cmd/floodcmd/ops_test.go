package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/internal/testproc"
)

// A second floodcmd on the same --data is refused with the holder's pid, and
// the first runs on unharmed; after the first is killed (-9), a restart on the
// same data takes the town back at once, without waiting for its lease to expire.
func TestSameDataDirTwice(t *testing.T) {
	data := t.TempDir()
	first := startServe(t, data, nil)
	first.waitReady(t)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, testproc.Binary(t), "serve", "--http", testproc.FreeAddr(t),
		"--nats-listen", testproc.FreeAddr(t), "--data", data)
	second.Env = append(os.Environ(), "FLOODCMD_ADMIN_TOKEN="+testAdminToken)
	out, err := second.CombinedOutput()
	require.Error(t, err, "the second process must not run; output:\n%s", out)
	assert.Contains(t, string(out), fmt.Sprintf("used by another floodcmd (pid %d)", first.cmd.Process.Pid))

	// The first is unharmed: still ready, still taking reports.
	time.Sleep(time.Second)
	code, body := request(t, "POST", first.url("/api/events?subject=flood.duhu.incident"), string(incident("after-second", 1)))
	assert.Equal(t, 202, code, "%s", body)
	first.waitReady(t)
	assert.NotContains(t, first.out.String(), "lost the town's lease")

	first.kill()
	start := time.Now()
	again := startServe(t, data, nil)
	again.waitReady(t)
	took := time.Since(start)
	t.Logf("restart after kill -9 ready in %s", took.Round(time.Millisecond))
	assert.Less(t, took, 10*time.Second, "the lease of a crashed predecessor on the same data is taken back at once")
	assert.Contains(t, again.out.String(), "taking back the town's lease")
}

// readyz is what /readyz answers.
type readyz struct {
	Status      string `json:"status"`
	Message     string `json:"message"`
	StorageFull bool   `json:"storage_full"`
	Reasons     []struct {
		Check   string `json:"check"`
		Message string `json:"message"`
	} `json:"reasons"`
}

func (p *proc) readyz(tb testing.TB) (int, readyz) {
	tb.Helper()
	var r readyz
	code := getJSON(tb, p.url("/readyz"), &r)
	return code, r
}

// checks lists the names of the failing checks of /readyz.
func (r readyz) checks() []string {
	var out []string
	for _, c := range r.Reasons {
		out = append(out, c.Check)
	}
	return out
}

// After the town's stream is deleted, /readyz is not ready and names the
// stream, and a report gets a clear 503, not a 500.
func TestStreamDeletedNotReady(t *testing.T) {
	p := startServe(t, t.TempDir(), nil)
	p.waitReady(t)
	nc, err := nats.Connect(p.natsURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	require.NoError(t, js.DeleteStream(context.Background(), "FLOOD_DUHU"))

	code, r := p.readyz(t)
	assert.Equal(t, 503, code)
	assert.Contains(t, r.checks(), "stream", "%+v", r)
	assert.Contains(t, r.Message, "FLOOD_DUHU does not exist")

	start := time.Now()
	code, body := request(t, "POST", p.url("/api/incidents"), `{"kind":"flooding","lat":22.062,"lon":112.912,"people":2}`)
	assert.Equal(t, 503, code, "%s", body)
	assert.Less(t, time.Since(start), 5*time.Second, "answered at once")
	assert.Contains(t, string(body), "not answering")
	t.Logf("POST /api/incidents with the stream gone, after %s: %d %s", time.Since(start).Round(time.Millisecond), code, body)
}
