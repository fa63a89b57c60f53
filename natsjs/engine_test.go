package natsjs

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
)

func TestEngineFoldsRejectsAndDeduplicates(t *testing.T) {
	l := newTestLog(t, "duhu")
	rejected := make(chan *nats.Msg, 16)
	sub, err := l.nc.ChanSubscribe(events.RejectedSubject("duhu"), rejected)
	require.NoError(t, err)
	defer sub.Unsubscribe()

	e := l.startEngine(t, duhuDomain(t))
	l.publishRaw(t, "flood.duhu.incident", incidentJSON("i-1", 22.08, 112.9))
	l.publishRaw(t, "flood.duhu.incident", []byte(`{"specversion":"1.0","id":"bad-1"`))
	// The same id again without Nats-Msg-Id, as a plain `nats pub` would send it.
	l.publishRaw(t, "flood.duhu.incident", incidentJSON("i-1", 22.08, 112.9))

	reasons := map[string]string{}
	for len(reasons) < 2 {
		select {
		case m := <-rejected:
			var ev events.Event
			require.NoError(t, json.Unmarshal(m.Data, &ev))
			assert.Equal(t, events.TypeEventRejected, ev.Type)
			var r events.Rejected
			require.NoError(t, ev.DecodeData(&r))
			reasons[r.EventID] = r.Reason
		case <-time.After(5 * time.Second):
			t.Fatalf("rejections so far: %v", reasons)
		}
	}
	assert.Contains(t, reasons[""], "not a CloudEvents JSON object")
	assert.Contains(t, reasons["i-1"], "duplicate")

	l.waitApplied(t, e)
	e.Read(func(s *engine.State) {
		v := s.View()
		require.Len(t, v.Incidents, 1)
		assert.Equal(t, "i-1", v.Incidents[0].ID)
		assert.Equal(t, 1, v.Counts["applied"])
		assert.Equal(t, 1, v.Counts["rejected"])
		assert.Equal(t, 1, v.Counts["duplicate"])
	})
	// A core subscriber may also see a round the log refused (it was decided
	// while an input arrived); the notices are in the log once owed is empty.
	require.Eventually(t, func() bool {
		var owed int
		e.Read(func(s *engine.State) { owed = len(s.Owed()) })
		return owed == 0
	}, 5*time.Second, 5*time.Millisecond, "every rejection notice was read back")
}

func TestEngineReplaysToTheSameState(t *testing.T) {
	l := newTestLog(t, "duhu")
	first := l.startEngine(t, duhuDomain(t))
	for i := range 50 {
		l.publishRaw(t, "flood.duhu.incident", incidentJSON(fmt.Sprintf("i-%02d", i), 22.05+float64(i)/1000, 112.88+float64(i%7)/500))
	}
	l.publishRaw(t, "flood.duhu.rain", []byte(`{"specversion":"1.0","id":"r-1","source":"g","type":"flood.rain.observed","time":"2022-05-12T23:00:00+08:00","data":{"gauge":"rain-nankeng","mm":12.5,"minutes":60}}`))
	l.publishRaw(t, "flood.duhu.rain", []byte(`not json`))
	l.waitApplied(t, first)
	// Wait for the rejection notice, so both engines see the same log.
	require.Eventually(t, func() bool {
		var owed int
		first.Read(func(s *engine.State) { owed = len(s.Owed()) })
		return owed == 0
	}, 5*time.Second, 5*time.Millisecond)
	// Decisions come in rounds (an assignment, then aid asked for what is left):
	// stop only when the log has stopped growing, so both engines see the same log.
	l.waitQuiet(t, first)
	require.NoError(t, first.Stop())

	second := l.startEngine(t, duhuDomain(t))
	l.waitApplied(t, second)
	var a, b []byte
	first.Read(func(s *engine.State) { a, _ = json.Marshal(s.View()) })
	second.Read(func(s *engine.State) { b, _ = json.Marshal(s.View()) })
	assert.JSONEq(t, string(a), string(b))
	assert.Contains(t, string(b), `"rain-nankeng"`)
	assert.Contains(t, string(b), `"assignments":[{`, "the replay carries the first engine's decisions")
}

func TestEngineIsReadyOnlyWhenCaughtUp(t *testing.T) {
	l := newTestLog(t, "duhu")
	for i := range 2000 {
		_, err := l.js.PublishAsync("flood.duhu.incident", incidentJSON("i-"+time.Duration(i).String(), 22.08, 112.9))
		require.NoError(t, err)
	}
	<-l.js.PublishAsyncComplete()
	e := New(Config{Town: "duhu", JS: l.js, Stream: l.stream, Domain: duhuDomain(t)})
	assert.False(t, e.Ready())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = e.Run(ctx) }()
	require.Eventually(t, e.Ready, 10*time.Second, time.Millisecond)
	assert.GreaterOrEqual(t, e.AppliedSeq(), uint64(2000))
}

// TestSecondEngineIsFenced makes two engines decide on the same state at once:
// the one that appends second is refused by the log, and stops with ErrFenced
// instead of interleaving its decisions with the other's.
func TestSecondEngineIsFenced(t *testing.T) {
	l := newTestLog(t, "duhu")
	first := l.startEngine(t, duhuDomain(t))
	gate := make(chan struct{})
	var second *running
	var secondReady atomic.Bool
	second = l.startEngineWith(t, Config{Domain: duhuDomain(t), Now: func() time.Time {
		// Hold the second engine at its decision until the first has appended its own.
		if secondReady.Load() && second.AppliedSeq() >= 1 {
			<-gate
		}
		return time.Now()
	}})
	secondReady.Store(true)

	l.publishRaw(t, "flood.duhu.incident", incidentJSON("i-fence", 22.08, 112.9))
	require.Eventually(t, func() bool {
		var n int
		first.Read(func(s *engine.State) { n = len(s.View().Assignments) })
		return n > 0
	}, 10*time.Second, 5*time.Millisecond, "the first engine assigns")
	close(gate)

	require.ErrorIs(t, second.Wait(t, 10*time.Second), ErrFenced)

	// The log holds the first engine's decisions only: one writer.
	l.waitApplied(t, first)
	var decided int
	first.Read(func(s *engine.State) { decided = s.View().Counts["decisions"] })
	assert.Equal(t, decided, l.count(t, events.OutFilter("duhu")), "every decision in the log is one the first engine made")
	assert.Empty(t, first.pending, "the first engine read back all its own decisions")
}
