package natsjs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// BenchmarkPublishToApplied measures events/s from an outside client's async
// publish to the engine having folded them, beside raw JetStream async publish
// (acks only, nobody consuming) in the same run, on the same embedded server
// with fsync on every write. Goal: ratio ≥ 0.5.
func BenchmarkPublishToApplied(b *testing.B) {
	const n = 10000
	l := newTestLog(b, "duhu")
	_, err := l.js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "RAW", Subjects: []string{"raw.>"}, Storage: jetstream.FileStorage})
	require.NoError(b, err)
	e := l.startEngine(b, duhuDomain(b))
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = fmt.Appendf(nil, `{"specversion":"1.0","id":"b-%d-%%d","source":"bench","type":"flood.rain.observed","time":"2022-05-12T23:00:00+08:00","data":{"gauge":"%s","mm":%.1f,"minutes":5}}`, i, rainGauges[i%len(rainGauges)], float64(i%30)/2)
	}
	var rawRate, engRate float64
	for it := 0; it < b.N; it++ {
		start := time.Now()
		publishBurst(b, l.js, "raw.rain", bodies, it)
		rawRate = n / time.Since(start).Seconds()

		start = time.Now()
		publishBurst(b, l.js, "flood.duhu.rain", bodies, it)
		info, err := l.stream.Info(context.Background())
		require.NoError(b, err)
		for e.AppliedSeq() < info.State.LastSeq {
			time.Sleep(200 * time.Microsecond)
		}
		engRate = n / time.Since(start).Seconds()
	}
	b.ReportMetric(rawRate, "raw_js_msg/s")
	b.ReportMetric(engRate, "applied_events/s")
	b.ReportMetric(engRate/rawRate, "ratio")
}

var rainGauges = []string{"rain-nankeng", "rain-duhuxu", "rain-nancun", "rain-longhe", "rain-dagang", "rain-yuanmei", "rain-shencun", "rain-beifeng"}

func publishBurst(tb testing.TB, js jetstream.JetStream, subject string, bodies [][]byte, round int) {
	tb.Helper()
	for _, body := range bodies {
		msg := nats.NewMsg(subject)
		msg.Data = []byte(fmt.Sprintf(string(body), round))
		_, err := js.PublishMsgAsync(msg, jetstream.WithStallWait(30*time.Second))
		require.NoError(tb, err)
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(60 * time.Second):
		tb.Fatal("publishes not acknowledged within 60 s")
	}
}
