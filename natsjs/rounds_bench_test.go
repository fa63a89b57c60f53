package natsjs

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"github.com/synadia-io/orbit.go/jetstreamext"

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
//
// The time splits in two, both reported: publish → the incident stored (the
// server's ingest: JetStream's queue ahead of it, fsync) and stored → the
// assignment read (the engine's part: fold, decide, append, read back). The
// flood's own ingest is measured in the same run: when the server stores
// fewer readings a second than offered, its queue (up to the publisher's
// window of async publishes) sits ahead of every incident and every round,
// and publish → assignment measures that queue, not the engine.
func BenchmarkIncidentToAssignment(b *testing.B) {
	for _, flood := range []int{0, 2000} {
		b.Run(fmt.Sprintf("readings=%d/s", flood), func(b *testing.B) {
			for it := 0; it < b.N; it++ {
				r := incidentLatency(b, 200, 100, flood)
				b.ReportMetric(float64(r.assigned), "assigned")
				b.ReportMetric(ms(r.total[len(r.total)/2]), "p50_ms")
				b.ReportMetric(ms(r.total[len(r.total)*99/100]), "p99_ms")
				b.ReportMetric(ms(r.engine[len(r.engine)/2]), "engine_p50_ms")
				b.ReportMetric(ms(r.engine[len(r.engine)*99/100]), "engine_p99_ms")
				b.ReportMetric(ms(r.ingest[len(r.ingest)*99/100]), "ingest_p99_ms")
				b.ReportMetric(float64(r.stale), "stale_rounds")
				b.ReportMetric(float64(r.rounds), "rounds")
				if flood > 0 {
					b.ReportMetric(r.floodStored, "flood_stored/s")
				}
			}
		})
	}
}

func ms(d time.Duration) float64 { return d.Seconds() * 1000 }

// latencies is what one incidentLatency run measured; the durations are sorted.
type latencies struct {
	total, engine, ingest []time.Duration // publish → assignment, stored → assignment, publish → stored
	assigned              int
	stale, rounds         int     // rounds refused as stale, and all rounds
	floodStored           float64 // readings in the log when the flood stopped, a second of it
}

func incidentLatency(b *testing.B, incidents, perSecond, readingsPerSecond int) latencies {
	l := newTestLog(b, "duhu")
	reg := prometheus.NewRegistry()
	e := l.startEngineWith(b, Config{Domain: duhuDomain(b), Metrics: NewMetrics(reg, "duhu")})
	sent := make([]time.Time, incidents)
	stored := make([]time.Time, incidents)
	read := make([]time.Time, incidents)
	var mu sync.Mutex
	// Incidents as the server stored them (its timestamp), and assignments as a
	// phone reads them: from the log, so a refused round is never seen.
	incCons, err := l.stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"flood.duhu.incident"}, DeliverPolicy: jetstream.DeliverNewPolicy})
	require.NoError(b, err)
	ic, err := incCons.Consume(func(m jetstream.Msg) {
		var i int
		meta, err := m.Metadata()
		if _, serr := fmt.Sscanf(m.Headers().Get(HeaderMsgID), "lat-%d", &i); err != nil || serr != nil || i >= incidents {
			return
		}
		mu.Lock()
		stored[i] = meta.Timestamp
		mu.Unlock()
	})
	require.NoError(b, err)
	defer ic.Stop()
	cons, err := l.stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.OutSubject("duhu", "assignment", ">")}, DeliverPolicy: jetstream.DeliverNewPolicy})
	require.NoError(b, err)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		at := time.Now()
		ev, err := events.DecodeEnvelope(m.Data())
		if err != nil || ev.Type != events.TypeAssignmentCreated {
			return
		}
		var d struct{ Incident string }
		var i int
		if ev.DecodeData(&d) != nil {
			return
		}
		if _, err := fmt.Sscanf(d.Incident, "lat-%d", &i); err != nil || i >= incidents {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if read[i].IsZero() {
			read[i] = at
		}
	})
	require.NoError(b, err)
	defer cc.Stop()

	stop := make(chan struct{})
	var readings atomic.Int64
	var wg sync.WaitGroup
	floodStart := time.Now()
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
					_, _ = l.js.PublishMsgAsync(msg, jetstream.WithStallWait(time.Minute))
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
		msg := nats.NewMsg("flood.duhu.incident")
		msg.Data = body
		msg.Header.Set(HeaderMsgID, fmt.Sprintf("lat-%d", i))
		mu.Lock()
		sent[i] = time.Now()
		mu.Unlock()
		_, err := l.js.PublishMsgAsync(msg, jetstream.WithStallWait(time.Minute))
		require.NoError(b, err)
		if i%20 == 19 {
			// Resolve earlier incidents as the town would, so responders come free.
			cmd := fmt.Appendf(nil, `{"specversion":"1.0","id":"res-%d","source":"bench","type":"flood.command.resolve","time":"2022-05-12T23:00:00+08:00","data":{"incident":"lat-%d","operator":"bench","reason":"done"}}`, i, i-19)
			_, _ = l.js.PublishAsync("flood.duhu.command", cmd, jetstream.WithStallWait(time.Minute))
		}
	}
	pace.Stop()
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	var res latencies
	if readingsPerSecond > 0 {
		// Stored while the flood was on: a backlog stored after it does not count.
		res.floodStored = float64(l.count(b, "flood.duhu.rain")) / time.Since(floodStart).Seconds()
	}
	// Then until the engine has folded the whole log and no assignment came for
	// 2 s: an incident the server stored late is still timed, not dropped.
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, t := range read {
			if !t.IsZero() {
				n++
			}
		}
		return n
	}
	last, grew := count(), time.Now()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		info, err := l.stream.Info(context.Background())
		require.NoError(b, err)
		if n := count(); n != last || e.AppliedSeq() < info.State.LastSeq {
			last, grew = n, time.Now()
		}
		if time.Since(grew) >= 2*time.Second {
			break
		}
	}
	rounds, _ := roundCounts(b, reg)
	for outcome, n := range rounds {
		res.rounds += n
		if outcome == "stale" {
			res.stale += n
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range incidents {
		if read[i].IsZero() || stored[i].IsZero() {
			continue
		}
		res.total = append(res.total, read[i].Sub(sent[i]))
		res.engine = append(res.engine, read[i].Sub(stored[i]))
		res.ingest = append(res.ingest, stored[i].Sub(sent[i]))
	}
	res.assigned = len(res.total)
	if res.assigned == 0 {
		b.Fatalf("no assignment seen in %s: folded %d, %d rounds (%d stale)", time.Since(floodStart).Round(time.Millisecond), e.AppliedSeq(), res.rounds, res.stale)
	}
	slices.Sort(res.total)
	slices.Sort(res.engine)
	slices.Sort(res.ingest)
	return res
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

// BenchmarkAppendOne: a round of one decision, as most rounds at 100
// incidents a second are, appended by Log.Append (a plain publish under the
// round's expectation) against the same message as an atomic batch of one,
// alternating on the same server. Reported: the median of each and their ratio.
func BenchmarkAppendOne(b *testing.B) {
	const n = 100
	for it := 0; it < b.N; it++ {
		l := newTestLog(b, "duhu")
		log := &Log{JS: l.js, Stream: l.stream}
		var plain, batch []time.Duration
		for i := range n {
			last, err := log.LastSeq(context.Background())
			require.NoError(b, err)
			en := engine.Entry{Subject: events.OutSubject("duhu", "bench"), ID: fmt.Sprintf("one-%d-%d", it, i), Data: []byte(`{}`),
				Expect: engine.Expect{LastSeq: &last}}
			start := time.Now()
			_, err = log.Append(context.Background(), []engine.Entry{en})
			require.NoError(b, err)
			plain = append(plain, time.Since(start))

			m := nats.NewMsg(en.Subject)
			m.Data = en.Data
			m.Header.Set(HeaderMsgID, en.ID+"-batch")
			m.Header.Set(jetstream.ExpectedLastSeqHeader, fmt.Sprint(last+1))
			start = time.Now()
			_, err = jetstreamext.PublishMsgBatch(context.Background(), l.js, []*nats.Msg{m}, jetstreamext.BatchFlowControl{AckTimeout: appendTimeout})
			require.NoError(b, err)
			batch = append(batch, time.Since(start))
		}
		slices.Sort(plain)
		slices.Sort(batch)
		b.ReportMetric(ms(plain[n/2]), "plain_p50_ms")
		b.ReportMetric(ms(batch[n/2]), "batch_p50_ms")
		b.ReportMetric(float64(batch[n/2])/float64(plain[n/2]), "batch/plain")
	}
}
