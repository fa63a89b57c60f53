package store

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// privateCluster starts a PostgreSQL of the test's own (scripts/test-postgres.sh),
// which it may stop and start without disturbing other tests, and returns its
// URL and a function running the script's pause/resume on it.
func privateCluster(tb testing.TB) (string, func(string)) {
	tb.Helper()
	script := "../scripts/test-postgres.sh"
	dir := fmt.Sprintf("/tmp/floodcmd-pg-outage-%d-%d", os.Getpid(), time.Now().UnixNano())
	cmd := exec.Command(script, "start", dir)
	cmd.Env = append(os.Environ(), "FLOODCMD_TEST_DB=") // a cluster of its own, not the shared one
	out, err := cmd.Output()
	if err != nil {
		msg := fmt.Sprintf("cannot start a private PostgreSQL (%v): %s", err, errText(err))
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	tb.Cleanup(func() { _ = exec.Command(script, "stop", dir).Run() })
	var url string
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "export FLOODCMD_TEST_DB="); ok {
			url = strings.Trim(v, "'")
		}
	}
	require.NotEmpty(tb, url, "script output: %s", out)
	return url, func(verb string) {
		out, err := exec.Command(script, verb, dir).CombinedOutput()
		require.NoError(tb, err, "%s: %s", verb, out)
	}
}

func errText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// PostgreSQL down for 30 s while the storm goes on: the projector retries,
// and once the database is back it catches up with no gap and no duplicate.
func TestProjectorSurvivesPostgresOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("stops PostgreSQL for 30 s")
	}
	start := time.Now()
	url, ctl := privateCluster(t)
	st := storeAt(t, url)
	l := newTestLog(t, "duhu")
	s := newStorm(t, l, seed(t))
	p := startProjector(t, st, Config{Town: "duhu", Stream: l.stream, BatchSize: 200, MaxBackoff: time.Second})
	for range 400 {
		s.step()
	}
	waitProjected(t, p.Projector, l.lastSeq(t), 10*time.Second)

	ctl("pause")
	before := p.Projected()
	for range 600 {
		s.step()
	}
	time.Sleep(30 * time.Second)
	require.Equal(t, before, p.Projected(), "nothing can be committed while PostgreSQL is down")
	require.Error(t, p.Err(), "the projector knows it is failing")
	ctl("resume")

	waitProjected(t, p.Projector, l.lastSeq(t), 20*time.Second)
	require.NoError(t, p.Err())
	gapless(t, st, l.lastSeq(t))
	s.check(t, st)
	t.Logf("outage test took %s", time.Since(start).Round(time.Second))
}
