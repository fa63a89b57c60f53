package natsjs

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/internal/testproc"
)

// TestReaderStartedOverResumesWhereItStopped: the watchdog's restart (as for a
// consumer lost with a restarted server) stops the log's reader; the next one
// starts after the last message passed on, so nothing is folded twice or missed.
func TestReaderStartedOverResumesWhereItStopped(t *testing.T) {
	l := newTestLog(t, "duhu")
	logs := &testproc.LogBuffer{}
	var folded []uint64 // OnApplied runs under the engine's write lock
	e := l.startEngineWith(t, Config{Domain: duhuDomain(t), Logger: slog.New(slog.NewTextHandler(logs, nil)),
		OnApplied: func(seq uint64, _ string, _ engine.Outcome, _ string) { folded = append(folded, seq) }})
	for i := range 5 {
		l.publishRaw(t, "flood.duhu.incident", incidentJSON(fmt.Sprintf("before-%d", i), 22.05+float64(i)/200, 112.88))
	}
	l.waitApplied(t, e)
	e.reader.restart()
	for i := range 5 {
		l.publishRaw(t, "flood.duhu.incident", incidentJSON(fmt.Sprintf("after-%d", i), 22.05+float64(i)/200, 112.9))
	}
	l.waitQuiet(t, e)
	e.Read(func(s *engine.State) {
		v := s.View()
		assert.Len(t, v.Incidents, 10, "every incident folded once")
		assert.Zero(t, v.Counts["duplicate"], "nothing read twice")
		assert.Zero(t, v.Counts["rejected"])
		for i, seq := range folded {
			if seq != uint64(i+1) {
				t.Fatalf("the %dth message folded is sequence %d: the reader repeated or skipped some (%v)", i+1, seq, folded)
			}
		}
		assert.EqualValues(t, s.Seq, len(folded), "every message of the log folded once")
	})
	assert.Equal(t, 1, strings.Count(logs.String(), "log reader stalled while the log grew; starting it over"), "%s", logs)
}
