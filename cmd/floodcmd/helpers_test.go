package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/internal/testproc"
	"github.com/floodcmd/floodcmd/natsjs"
)

// proc is a floodcmd process under test.
type proc struct {
	cmd      *exec.Cmd
	httpAddr string
	natsAddr string
	out      *bytes.Buffer
}

func (p *proc) url(path string) string { return "http://" + p.httpAddr + path }
func (p *proc) natsURL() string        { return "nats://" + p.natsAddr }

// testNATS remembers, per NATS URL of a floodcmd under test, the keys of its
// NATS (from its data directory) and a credentials file with every right but
// erasing a log: the test's own tools, as if they were every outside client.
var testNATS sync.Map // url → *testAuth

type testAuth struct {
	auth  *natsjs.Authority
	creds string
}

// registerNATS loads the keys of the floodcmd whose data is dataDir.
func registerNATS(tb testing.TB, url, dataDir string) *testAuth {
	tb.Helper()
	auth, err := natsjs.LoadAuthority(dataDir)
	require.NoError(tb, err)
	admin, err := auth.IssueAdmin("test")
	require.NoError(tb, err)
	file, err := admin.Creds()
	require.NoError(tb, err)
	path := filepath.Join(tb.TempDir(), "admin.creds")
	require.NoError(tb, os.WriteFile(path, file, 0o600))
	ta := &testAuth{auth: auth, creds: path}
	testNATS.Store(url, ta)
	tb.Cleanup(func() { testNATS.Delete(url) })
	return ta
}

// testConnect connects a test's client to url, with the admin credentials of
// a floodcmd under test when url is one (an external test cluster is open).
func testConnect(tb testing.TB, url string, opts ...nats.Option) (*nats.Conn, error) {
	tb.Helper()
	first, _, _ := strings.Cut(url, ",")
	if ta, ok := testNATS.Load(first); ok {
		opts = append(opts, nats.UserCredentials(ta.(*testAuth).creds))
	}
	return nats.Connect(url, opts...)
}

// credsFor writes credentials of role for town, issued by the floodcmd whose NATS is url.
func credsFor(tb testing.TB, url, role, town string) string {
	tb.Helper()
	ta, ok := testNATS.Load(url)
	require.True(tb, ok, "no floodcmd under test serves NATS at %s", url)
	u, err := ta.(*testAuth).auth.Issue(role, town, 0, time.Now())
	require.NoError(tb, err)
	file, err := u.Creds()
	require.NoError(tb, err)
	path := filepath.Join(tb.TempDir(), role+"-"+town+".creds")
	require.NoError(tb, os.WriteFile(path, file, 0o600))
	return path
}

// creds is the admin credentials file of the process's NATS, for the nats CLI.
func (p *proc) creds() string {
	ta, ok := testNATS.Load(p.natsURL())
	if !ok {
		return "/dev/null"
	}
	return ta.(*testAuth).creds
}

// joinArgs adds --nats-creds for a floodcmd that joins another one's NATS
// (--nats-url pointing at a floodcmd under test): a town credential for its town.
func joinArgs(tb testing.TB, args []string) []string {
	url, town := "", "duhu"
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--nats-url":
			url = args[i+1]
		case "--town":
			town = args[i+1]
		case "--nats-creds":
			return args
		}
	}
	if _, ok := testNATS.Load(url); !ok {
		return args
	}
	return append(args, "--nats-creds", credsFor(tb, url, natsjs.NatsTown, town))
}

// startServe starts `floodcmd serve` with its data in dataDir and waits for /healthz.
func startServe(tb testing.TB, dataDir string, env []string, args ...string) *proc {
	tb.Helper()
	p := &proc{httpAddr: testproc.FreeAddr(tb), natsAddr: testproc.FreeAddr(tb), out: &bytes.Buffer{}}
	args = joinArgs(tb, args)
	all := append([]string{"serve", "--http", p.httpAddr, "--nats-listen", p.natsAddr, "--data", dataDir}, args...)
	p.cmd = exec.Command(testproc.Binary(tb), all...)
	// Every route needs a token: tests use testAdminToken unless env names another.
	p.cmd.Env = append(append(os.Environ(), "FLOODCMD_ADMIN_TOKEN="+testAdminToken), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	require.NoError(tb, p.cmd.Start())
	tb.Cleanup(func() { keepLog(tb, p) }) // runs after the kill below: cleanups run last first
	tb.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.url("/healthz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if !slices.Contains(args, "--nats-url") {
					registerNATS(tb, p.natsURL(), dataDir)
				}
				return p
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("floodcmd did not answer /healthz within 30 s; output:\n%s", p.out.String())
	return nil
}

// keepLog fails the test if floodcmd reported a data race, and saves the output
// of a floodcmd that served a failed test under artifacts/e2e/, to be read after the run.
func keepLog(tb testing.TB, p *proc) {
	if strings.Contains(p.out.String(), "WARNING: DATA RACE") {
		tb.Errorf("floodcmd reported a data race (built with FLOODCMD_TEST_RACE)")
	}
	if !tb.Failed() {
		return
	}
	dir := filepath.Join("..", "..", "artifacts", "e2e")
	name := strings.NewReplacer("/", "_", " ", "_").Replace(tb.Name())
	file := filepath.Join(dir, fmt.Sprintf("%s-%s.log", name, strings.ReplaceAll(p.httpAddr, ":", "_")))
	if os.MkdirAll(dir, 0o755) == nil && os.WriteFile(file, p.out.Bytes(), 0o644) == nil {
		tb.Logf("floodcmd output kept in %s", file)
	}
}

// subscribe connects to the process's NATS as an outside client and listens on
// subject; the connection closes when the test ends.
func (p *proc) subscribe(tb testing.TB, subject string, buffer int) (*nats.Conn, chan *nats.Msg) {
	tb.Helper()
	nc, err := testConnect(tb, p.natsURL())
	require.NoError(tb, err)
	tb.Cleanup(nc.Close)
	ch := make(chan *nats.Msg, buffer)
	_, err = nc.ChanSubscribe(subject, ch)
	require.NoError(tb, err)
	require.NoError(tb, nc.Flush())
	return nc, ch
}

// nextRejection waits for a notice on a flood.<town>.rejected subscription.
func nextRejection(tb testing.TB, ch <-chan *nats.Msg) events.Rejected {
	tb.Helper()
	select {
	case m := <-ch:
		var ev events.Event
		require.NoError(tb, json.Unmarshal(m.Data, &ev))
		require.Equal(tb, events.TypeEventRejected, ev.Type)
		var r events.Rejected
		require.NoError(tb, ev.DecodeData(&r))
		return r
	case <-time.After(5 * time.Second):
		tb.Fatal("no notice on the rejected subject within 5 s")
		return events.Rejected{}
	}
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
