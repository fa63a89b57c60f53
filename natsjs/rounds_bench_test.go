package natsjs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
)

// BenchmarkDecisionBurst: a burst of 2,000 incidents, decisions appended per
// second (rounds as atomic batches) against one-by-one synchronous publishes of
// the same number of messages on the same server, measured in the same run.
func BenchmarkDecisionBurst(b *testing.B) {
	const n = 2000
	for it := 0; it < b.N; it++ {
		l := newTestLog(b, "duhu")
		_, err := l.js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "RAW", Subjects: []string{"raw.>"}, Storage: jetstream.FileStorage})
		require.NoError(b, err)
		e := l.startEngine(b, duhuDomain(b))
		bodies := make([][]byte, n)
		for i := range bodies {
			g := duhuTown.Scenario.Grids[i%len(duhuTown.Scenario.Grids)]
			bodies[i] = fmt.Appendf(nil, `{"specversion":"1.0","id":"burst-%d-%%d","source":"bench","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":%v,"lon":%v,"people":3,"severity":2}}`, i, g.Center.Lat(), g.Center.Lon())
		}
		start := time.Now()
		publishBurst(b, l.js, "flood.duhu.incident", bodies, it)
		// The burst is over when the log has not grown for 3 s and all is folded.
		var last uint64
		grew := time.Now()
		for time.Since(grew) < 3*time.Second {
			time.Sleep(5 * time.Millisecond)
			info, err := l.stream.Info(context.Background())
			require.NoError(b, err)
			if info.State.LastSeq != last || e.AppliedSeq() != info.State.LastSeq {
				last, grew = info.State.LastSeq, time.Now()
			}
		}
		// Appending: from the first decision stored to the last (the burst's
		// inputs themselves take a while to arrive; the engine cannot outrun them).
		first, lastAt, decisions := decisionSpan(b, l)
		elapsed := lastAt.Sub(first)
		b.ReportMetric(grew.Sub(start).Seconds(), "burst_to_last_decision_s")
		if decisions == 0 {
			e.Read(func(s *engine.State) { b.Fatalf("no decision: %v", s.View().Counts) })
		}

		start = time.Now()
		for i := range decisions {
			_, err := l.js.Publish(context.Background(), "raw.one", fmt.Appendf(nil, "decision %d", i))
			require.NoError(b, err)
		}
		sync := float64(decisions) / time.Since(start).Seconds()
		rate := float64(decisions) / elapsed.Seconds()
		b.ReportMetric(float64(decisions), "decisions")
		b.ReportMetric(rate, "decisions/s")
		b.ReportMetric(sync, "sync_publish/s")
		b.ReportMetric(rate/sync, "ratio")
	}
}

// BenchmarkIncidentToAssignment: incidents at 100 a second, the time from each
// publish to its assignment on the responder's subject (read from the log, as
// a phone should), alone and during a flood of 2,000 rain readings a second.
func BenchmarkIncidentToAssignment(b *testing.B) {
	for _, flood := range []int{0, 2000} {
		b.Run(fmt.Sprintf("readings=%d/s", flood), func(b *testing.B) {
			for it := 0; it < b.N; it++ {
				p50, p99, n := incidentLatency(b, 200, 100, flood)
				b.ReportMetric(float64(n), "assigned")
				b.ReportMetric(p50.Seconds()*1000, "p50_ms")
				b.ReportMetric(p99.Seconds()*1000, "p99_ms")
			}
		})
	}
}

func incidentLatency(b *testing.B, incidents, perSecond, readingsPerSecond int) (p50, p99 time.Duration, assigned int) {
	l := newTestLog(b, "duhu")
	l.startEngine(b, duhuDomain(b))
	sent := make([]time.Time, incidents)
	var mu sync.Mutex
	var lat []time.Duration
	seen := map[string]bool{}
	// Assignments as a phone reads them: from the log, so a refused round is never seen.
	cons, err := l.stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.OutSubject("duhu", "assignment", ">")}, DeliverPolicy: jetstream.DeliverNewPolicy})
	require.NoError(b, err)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		ev, err := events.DecodeEnvelope(m.Data())
		if err != nil || ev.Type != events.TypeAssignmentCreated {
			return
		}
		var d struct{ Incident string }
		if ev.DecodeData(&d) != nil || !strings.HasPrefix(d.Incident, "lat-") {
			return
		}
		var i int
		fmt.Sscanf(d.Incident, "lat-%d", &i)
		mu.Lock()
		defer mu.Unlock()
		if !seen[d.Incident] && i < len(sent) {
			seen[d.Incident] = true
			lat = append(lat, time.Since(sent[i]))
		}
	})
	require.NoError(b, err)
	defer cc.Stop()

	stop := make(chan struct{})
	var readings atomic.Int64
	var wg sync.WaitGroup
	if readingsPerSecond > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				for range readingsPerSecond / 100 {
					r := readings.Add(1)
					msg := nats.NewMsg("flood.duhu.rain")
					msg.Data = fmt.Appendf(nil, `{"specversion":"1.0","id":"flood-%d","source":"bench","type":"flood.rain.observed","time":"2022-05-12T23:00:00+08:00","data":{"gauge":"%s","mm":0.5,"minutes":5}}`, r, rainGauges[r%int64(len(rainGauges))])
					_, _ = l.js.PublishMsgAsync(msg)
				}
			}
		}()
		time.Sleep(500 * time.Millisecond) // the flood is on before the first incident
	}
	pace := time.NewTicker(time.Second / time.Duration(perSecond))
	for i := range incidents {
		<-pace.C
		g := duhuTown.Scenario.Grids[i%len(duhuTown.Scenario.Grids)]
		body := fmt.Appendf(nil, `{"specversion":"1.0","id":"lat-%d","source":"bench","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":%v,"lon":%v,"people":1,"severity":3}}`, i, g.Center.Lat(), g.Center.Lon())
		mu.Lock()
		sent[i] = time.Now()
		mu.Unlock()
		_, err := l.js.PublishAsync("flood.duhu.incident", body)
		require.NoError(b, err)
		if i%20 == 19 {
			// Resolve earlier incidents as the town would, so responders come free.
			cmd := fmt.Appendf(nil, `{"specversion":"1.0","id":"res-%d","source":"bench","type":"flood.command.resolve","time":"2022-05-12T23:00:00+08:00","data":{"incident":"lat-%d","operator":"bench","reason":"done"}}`, i, i-19)
			_, _ = l.js.PublishAsync("flood.duhu.command", cmd)
		}
	}
	pace.Stop()
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	if len(lat) == 0 {
		b.Fatal("no assignment seen")
	}
	return lat[len(lat)/2], lat[len(lat)*99/100], len(lat)
}

// BenchmarkIncidentAfterRejectionFlood: 20,000 invalid events, then one real
// incident: the time from its publish to its assignment in the log, and from
// its publish to the last of the 20,000 rejection notices (which ride behind
// decisions, at most noticesPerRound a round).
func BenchmarkIncidentAfterRejectionFlood(b *testing.B) {
	const invalid = 20000
	for it := 0; it < b.N; it++ {
		l := newTestLog(b, "duhu")
		e := l.startEngine(b, duhuDomain(b))
		for i := range invalid {
			msg := nats.NewMsg("flood.duhu.incident")
			msg.Data = fmt.Appendf(nil, `{"specversion":"1.0","id":"bad-%d","source":"bench","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flood","lat":22.06,"lon":112.91}}`, i)
			_, err := l.js.PublishMsgAsync(msg, jetstream.WithStallWait(30*time.Second))
			require.NoError(b, err)
		}
		<-l.js.PublishAsyncComplete()
		// The real report arrives while the notices are still owed.
		cons, err := l.stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{events.OutSubject("duhu", "assignment", ">")}, DeliverPolicy: jetstream.DeliverNewPolicy})
		require.NoError(b, err)
		got := make(chan time.Time, 1)
		cc, err := cons.Consume(func(m jetstream.Msg) {
			select {
			case got <- time.Now():
			default:
			}
		})
		require.NoError(b, err)
		start := time.Now()
		_, err = l.js.Publish(context.Background(), "flood.duhu.incident", []byte(`{"specversion":"1.0","id":"real-1","source":"bench","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"trapped","lat":22.062,"lon":112.912,"people":3}}`))
		require.NoError(b, err)
		var assigned time.Duration
		select {
		case at := <-got:
			assigned = at.Sub(start)
		case <-time.After(30 * time.Second):
			b.Fatal("no assignment in 30 s")
		}
		cc.Stop()
		var owedAtAssignment int
		e.Read(func(s *engine.State) { owedAtAssignment = len(s.Owed()) })
		require.Eventually(b, func() bool {
			var owed int
			e.Read(func(s *engine.State) { owed = len(s.Owed()) })
			return owed == 0
		}, 60*time.Second, 10*time.Millisecond)
		b.ReportMetric(float64(assigned.Milliseconds()), "incident_to_assignment_ms")
		b.ReportMetric(float64(owedAtAssignment), "notices_still_owed")
		b.ReportMetric(time.Since(start).Seconds(), "all_notices_s")
	}
}

// decisionSpan reads the town's decisions: the store times of the first and
// the last, and how many there are.
func decisionSpan(tb testing.TB, l *testLog) (first, last time.Time, n int) {
	tb.Helper()
	want := l.count(tb, events.OutFilter("duhu"))
	c, err := l.stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.OutFilter("duhu")}})
	require.NoError(tb, err)
	for n < want {
		batch, err := c.Fetch(min(500, want-n), jetstream.FetchMaxWait(2*time.Second))
		require.NoError(tb, err)
		for m := range batch.Messages() {
			meta, err := m.Metadata()
			require.NoError(tb, err)
			if n == 0 {
				first = meta.Timestamp
			}
			last = meta.Timestamp
			n++
		}
	}
	return first, last, n
}
