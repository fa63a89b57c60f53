package natsjs

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/internal/testproc"
)

// TestAbsentNeighbourNeverHoldsTheTownsDispatch: Duhu's aid neighbours are not
// running, and a plain subscriber listens on flood.aid.> (so a publish to a
// neighbour's inbox is heard but never acknowledged: each one waits out its
// time-out). The town still assigns its own responders at once, and warns once
// per neighbour, not once per message or retry.
func TestAbsentNeighbourNeverHoldsTheTownsDispatch(t *testing.T) {
	l := newTestLog(t, "duhu")
	heard := make(chan string, 64)
	sub, err := l.nc.Subscribe("flood.aid.>", func(m *nats.Msg) {
		select {
		case heard <- m.Subject:
		default:
		}
	})
	require.NoError(t, err)
	defer sub.Unsubscribe()
	logs := &testproc.LogBuffer{}
	e := l.startEngineWith(t, Config{Domain: duhuDomain(t), Logger: slog.New(slog.NewTextHandler(logs, nil))})

	// 9,000 people to move: far more than Duhu's evacuation teams, so it asks chixi.
	l.publishRaw(t, "flood.duhu.incident", []byte(`{"specversion":"1.0","id":"big-1","source":"test","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"evacuation","lat":22.062,"lon":112.912,"people":9000,"incident":"big-1"}}`))
	select {
	case s := <-heard:
		assert.Equal(t, "flood.aid.chixi.request.duhu", s)
	case <-time.After(10 * time.Second):
		t.Fatal("no aid request was forwarded")
	}

	// Now three ordinary incidents, during rain: each must be assigned within a
	// second, although every forward to chixi waits its full time-out.
	for i := range 3 {
		id := fmt.Sprintf("small-%d", i)
		start := time.Now()
		l.publishRaw(t, "flood.duhu.incident", incidentJSON(id, 22.05+float64(i)/200, 112.88+float64(i)/300))
		l.publishRaw(t, "flood.duhu.rain", fmt.Appendf(nil, `{"specversion":"1.0","id":"rain-%d","source":"g","type":"flood.rain.observed","time":"2022-05-12T23:00:00+08:00","data":{"gauge":"rain-nankeng","mm":30,"minutes":60}}`, i))
		require.Eventually(t, func() bool {
			n := 0
			e.Read(func(s *engine.State) {
				for _, a := range s.View().Assignments {
					if a.Incident == id {
						n++
					}
				}
			})
			return n > 0
		}, time.Second, 5*time.Millisecond, "incident %s not assigned within a second; log:\n%s", id, logs)
		t.Logf("%s assigned after %s", id, time.Since(start).Round(time.Millisecond))
	}
	var outbox int
	e.Read(func(s *engine.State) { outbox = len(s.AidOutbox()) })
	assert.Positive(t, outbox, "the request is still waiting in the outbox, not lost")
	time.Sleep(4 * time.Second) // a few back-off rounds
	assert.Equal(t, 1, strings.Count(logs.String(), "neighbour's inbox not reachable"), "one warning per neighbour:\n%s", logs)
	assert.NotContains(t, logs.String(), "log reader stalled")
}
