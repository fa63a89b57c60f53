// Package testproc is for end-to-end tests that run the real floodcmd binary:
// the tests kill it with SIGKILL, which an in-process run cannot survive.
package testproc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds the floodcmd binary once per test process and returns its path;
// with FLOODCMD_TEST_RACE set it is built with the race detector.
func Binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "floodcmd-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "floodcmd")
		args := []string{"build", "-o", binPath}
		if os.Getenv("FLOODCMD_TEST_RACE") != "" {
			args = append(args, "-race") // the binary under test reports its own data races
		}
		out, err := exec.Command("go", append(args, "github.com/floodcmd/floodcmd/cmd/floodcmd")...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(tb, buildErr)
	return binPath
}

// FreeAddr returns a loopback address whose port is free right now.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer l.Close()
	return l.Addr().String()
}
