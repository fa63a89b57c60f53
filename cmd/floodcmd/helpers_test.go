package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// floodcmdBinary builds the real binary once per test run: the end-to-end tests
// kill it with SIGKILL, which an in-process run cannot survive.
func floodcmdBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "floodcmd-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "floodcmd")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(tb, buildErr)
	return binPath
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer l.Close()
	return l.Addr().String()
}

// proc is a floodcmd process under test.
type proc struct {
	cmd      *exec.Cmd
	httpAddr string
	natsAddr string
	out      *bytes.Buffer
}

func (p *proc) url(path string) string { return "http://" + p.httpAddr + path }
func (p *proc) natsURL() string        { return "nats://" + p.natsAddr }

// startServe starts `floodcmd serve` with its data in dataDir and waits for /healthz.
func startServe(tb testing.TB, dataDir string, env []string, args ...string) *proc {
	tb.Helper()
	p := &proc{httpAddr: freeAddr(tb), natsAddr: freeAddr(tb), out: &bytes.Buffer{}}
	all := append([]string{"serve", "--http", p.httpAddr, "--nats-listen", p.natsAddr, "--data", dataDir}, args...)
	p.cmd = exec.Command(floodcmdBinary(tb), all...)
	// Every route needs a token: tests use testAdminToken unless env names another.
	p.cmd.Env = append(append(os.Environ(), "FLOODCMD_ADMIN_TOKEN="+testAdminToken), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	require.NoError(tb, p.cmd.Start())
	tb.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.url("/healthz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("floodcmd did not answer /healthz within 30 s; output:\n%s", p.out.String())
	return nil
}

func (p *proc) kill() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

// stop asks politely (SIGTERM) and waits.
func (p *proc) stop(tb testing.TB) {
	tb.Helper()
	require.NoError(tb, p.cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(tb, err, "output:\n%s", p.out.String())
	case <-time.After(20 * time.Second):
		tb.Fatalf("floodcmd did not stop within 20 s of SIGTERM")
	}
}

func (p *proc) waitReady(tb testing.TB) {
	tb.Helper()
	require.Eventually(tb, func() bool {
		resp, err := http.Get(p.url("/readyz"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 20*time.Millisecond, "not ready; output:\n%s", p.out.String())
}

// testAdminToken is the operator token of a floodcmd started by startServe.
const testAdminToken = "test-admin-token"

// getJSON GETs url with header (name, value pairs; the test operator token if none).
func getJSON(tb testing.TB, url string, v any, header ...string) int {
	tb.Helper()
	if len(header) == 0 {
		header = []string{"Authorization", "Bearer " + testAdminToken}
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	require.NoError(tb, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	if v != nil {
		require.NoError(tb, json.NewDecoder(resp.Body).Decode(v))
	}
	return resp.StatusCode
}
