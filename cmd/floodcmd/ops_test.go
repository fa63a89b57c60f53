package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

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
