package natsjs

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/events"
)

// TestDecisionsFlowDuringReadingFlood: rain readings arrive without a pause
// (one publish after another, as fast as the server stores them) while
// incidents are reported. Every incident must get its assignment while the
// readings keep coming, and rounds refused because the log moved on must stay
// well below those appended: a reading makes no decision void, so a round
// refused for one and decided again is an append queued behind the same flood
// for nothing.
func TestDecisionsFlowDuringReadingFlood(t *testing.T) {
	const incidents = 40
	l := newTestLog(t, "duhu")
	reg := prometheus.NewRegistry()
	e := l.startEngineWith(t, Config{Domain: duhuDomain(t), Metrics: NewMetrics(reg, "duhu")})

	var mu sync.Mutex
	assigned := map[string]bool{}
	cons, err := l.stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.OutSubject("duhu", "assignment", ">")}})
	require.NoError(t, err)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		ev, err := events.DecodeEnvelope(m.Data())
		var d struct{ Incident string }
		if err == nil && ev.Type == events.TypeAssignmentCreated && ev.DecodeData(&d) == nil {
			mu.Lock()
			assigned[d.Incident] = true
			mu.Unlock()
		}
	})
	require.NoError(t, err)
	defer cc.Stop()
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(assigned)
	}

	ctx, stop := context.WithCancel(context.Background())
	var readings atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for r := 0; ctx.Err() == nil; r++ {
			body := fmt.Appendf(nil, `{"specversion":"1.0","id":"flood-%d","source":"test","type":"flood.rain.observed","time":"2022-05-12T23:00:00+08:00","data":{"gauge":"%s","mm":0.5,"minutes":5}}`, r, rainGauges[r%len(rainGauges)])
			if _, err := l.js.Publish(ctx, "flood.duhu.rain", body); err == nil {
				readings.Add(1)
			}
		}
	}()
	defer func() { stop(); <-done }()
	require.Eventually(t, func() bool { return readings.Load() >= 100 }, 30*time.Second, time.Millisecond, "the flood is on")

	for i := range incidents {
		g := duhuTown.Scenario.Grids[i%len(duhuTown.Scenario.Grids)]
		l.publishRaw(t, "flood.duhu.incident", incidentJSON(fmt.Sprintf("fl-%02d", i), g.Center.Lat(), g.Center.Lon()))
		time.Sleep(20 * time.Millisecond)
	}
	// Progress, not a stopwatch: fail only when no assignment came for 30 s.
	last, grew := count(), time.Now()
	for count() < incidents && time.Since(grew) < 30*time.Second {
		time.Sleep(10 * time.Millisecond)
		if n := count(); n != last {
			last, grew = n, time.Now()
		}
	}
	readingsAtEnd := readings.Load()
	stop()
	<-done

	mu.Lock()
	for i := range incidents {
		assert.True(t, assigned[fmt.Sprintf("fl-%02d", i)], "incident fl-%02d has its assignment", i)
	}
	mu.Unlock()
	rounds, void := roundCounts(t, reg)
	appended := rounds["strict"] + rounds["inputs"] + rounds["decisions"]
	t.Logf("%d readings, %d incidents assigned; rounds %v", readingsAtEnd, count(), rounds)
	assert.Greater(t, readingsAtEnd, int64(2*incidents), "the readings kept coming while the incidents were assigned")
	assert.Positive(t, appended)
	// Tried strict first every time, 26-27 rounds of 29-33 appended were refused; 12-15 of 40 since.
	assert.LessOrEqual(t, rounds["stale"], appended*2/3, "rounds refused as stale stay well below those appended")
	assert.Zero(t, rounds["decisions"], "no round needed the starvation fallback (fenced on decisions only)")
	assert.Zero(t, void, "no decision was void")
	assert.Zero(t, e.fencedRounds.Load())
}

// roundCounts reads the engine's metrics: rounds by outcome (strict, inputs,
// decisions, stale) and the void decisions folded.
func roundCounts(tb testing.TB, reg *prometheus.Registry) (rounds map[string]int, void int) {
	tb.Helper()
	rounds = map[string]int{}
	mf, err := reg.Gather()
	require.NoError(tb, err)
	for _, f := range mf {
		for _, m := range f.Metric {
			switch f.GetName() {
			case "floodcmd_decision_rounds_total":
				rounds[m.Label[0].GetValue()] += int(m.Counter.GetValue())
			case "floodcmd_decisions_void_total":
				void += int(m.Counter.GetValue())
			}
		}
	}
	return rounds, void
}
