package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/floodcmd/floodcmd/store/storetest"
)

// stormTraffic is a storm's traffic as the projector sees it: mostly gauge
// readings, then reports, responders' statuses, operators' commands.
func stormTraffic(town string, n int) ([]string, [][]byte) {
	subjects, bodies := make([]string, n), make([][]byte, n)
	for i := range n {
		at := time.Date(2022, 5, 12, 22, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format(time.RFC3339)
		head := fmt.Sprintf(`{"specversion":"1.0","id":"b-%d","source":"bench","time":%q,`, i, at)
		switch k := i % 20; {
		case k < 13:
			subjects[i], bodies[i] = "flood."+town+".rain", fmt.Appendf(nil, `%s"type":"flood.rain.observed","data":{"gauge":"g%d","mm":%.1f,"minutes":5}}`, head, i%6, float64(i%40)/4)
		case k < 16:
			subjects[i], bodies[i] = "flood."+town+".level", fmt.Appendf(nil, `%s"type":"flood.level.observed","data":{"gauge":"res%d","meters":%.2f}}`, head, i%2, 20+float64(i%100)/100)
		case k < 18:
			subjects[i], bodies[i] = "flood."+town+".incident", fmt.Appendf(nil, `%s"type":"flood.incident.reported","data":{"kind":"flooding","lat":22.05,"lon":112.9,"people":3}}`, head)
		case k < 19:
			subjects[i], bodies[i] = fmt.Sprintf("flood.%s.responder.r%d", town, i%50), fmt.Appendf(nil, `%s"type":"flood.responder.status","data":{"status":"available","lat":22.05,"lon":112.9}}`, head)
		default:
			subjects[i], bodies[i] = "flood."+town+".command", fmt.Appendf(nil, `%s"type":"flood.command.close_road","data":{"operator":"op","road":"r%d"}}`, head, i%30)
		}
	}
	return subjects, bodies
}

// BenchmarkProjector projects a storm row by row (one transaction per event)
// and batched (up to 1000 per transaction), in one run, and reports both rates
// and their ratio. The goal is ≥ 10,000 events/s batched. Each mode projects
// into a fresh schema; PostgreSQL commits with fsync (as make test starts it).
func BenchmarkProjector(b *testing.B) {
	base := storetest.DBURL(b)
	const rowByRowN, batchedN = 2000, 40000
	small, large := newTestLog(b, "bench-one"), newTestLog(b, "bench-batch")
	subj, body := stormTraffic("bench-one", rowByRowN)
	small.publishAll(b, subj, body)
	subj, body = stormTraffic("bench-batch", batchedN)
	large.publishAll(b, subj, body)

	rate := func(l *testLog, n, batch int) float64 {
		st := storeAt(b, storetest.FreshSchema(b, base))
		start := time.Now()
		p := startProjector(b, st, Config{Town: l.town, Stream: l.stream, BatchSize: batch, BatchWait: 20 * time.Millisecond})
		waitProjected(b, p.Projector, uint64(n), 50*time.Second)
		elapsed := time.Since(start)
		p.Stop()
		return float64(n) / elapsed.Seconds()
	}
	var one, many float64
	b.ResetTimer()
	for range b.N {
		one = rate(small, rowByRowN, 1)
		many = rate(large, batchedN, 1000)
	}
	b.ReportMetric(one, "rowbyrow_events/s")
	b.ReportMetric(many, "batched_events/s")
	b.ReportMetric(many/one, "speedup")
}
