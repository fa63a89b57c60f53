package natsjs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
)

// lateLog is the town's log with one round whose append "times out" — the
// engine is told the outcome is unknown — while the server commits it later,
// after the engine has re-read the log past the failure. Every append after
// that one waits until the late commit has been made, as a server that
// processes one request before the next would.
type lateLog struct {
	engine.Log
	armed     atomic.Bool
	committed chan struct{}
	once      sync.Once
	lateErr   error
}

var errLateTimeout = errors.New("nats: timeout (the round is committed later)")

func (l *lateLog) Append(ctx context.Context, round []engine.Entry) (uint64, error) {
	if l.armed.CompareAndSwap(true, false) {
		go func() {
			// After the engine's resync has read the log's end (a few
			// milliseconds here). Should a loaded machine be slower, the round
			// lands while still pending: ours all the same, and the test passes
			// without the late path (with that path taken out, it fails here).
			time.Sleep(300 * time.Millisecond)
			_, l.lateErr = l.Log.Append(context.Background(), round)
			close(l.committed)
		}()
		return 0, errLateTimeout
	}
	select {
	case <-l.committed:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return l.Log.Append(ctx, round)
}

// A round whose append timed out but which the server committed after the
// engine re-read the log is still the engine's own: it must not stop as if
// another engine had written decisions, nor decide the incident twice.
func TestRoundCommittedAfterItsTimeoutIsOurs(t *testing.T) {
	l := newTestLog(t, "duhu")
	ll := &lateLog{committed: make(chan struct{})}
	r := l.startEngineOn(t, Config{Domain: duhuDomain(t)}, func(log engine.Log) engine.Log { ll.Log = log; return ll })

	ll.armed.Store(true)
	l.publishRaw(t, "flood.duhu.incident", incidentJSON("i-late", 22.08, 112.9))
	select {
	case <-ll.committed:
	case <-time.After(10 * time.Second):
		t.Fatal("the timed-out round was never tried")
	}
	require.NoError(t, ll.lateErr, "the late commit is taken: nothing else was appended before it")

	// The engine reads its late round back, refuses its own stale retry,
	// and carries on deciding: a second incident is assigned too.
	l.publishRaw(t, "flood.duhu.incident", incidentJSON("i-after", 22.07, 112.91))
	require.Eventually(t, func() bool {
		got := map[string]int{}
		r.Read(func(s *engine.State) {
			for _, a := range s.View().Assignments {
				got[a.Incident]++
			}
		})
		return got["i-late"] > 0 && got["i-after"] > 0
	}, 10*time.Second, 10*time.Millisecond, "both incidents assigned")
	select {
	case err := <-r.done:
		t.Fatalf("the engine stopped: %v", err)
	default:
	}
	l.waitApplied(t, r)
	r.Read(func(s *engine.State) {
		v := s.View()
		require.Zero(t, s.Voided(), "no decision void")
		per := map[string]int{}
		for _, a := range v.Assignments {
			per[a.Incident+"/"+a.Responder]++
		}
		for k, n := range per {
			require.Equal(t, 1, n, "responder assigned once to an incident: %s", k)
		}
	})
}
