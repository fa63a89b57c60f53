package engine

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/events"
)

func TestEngineFoldsRejectsAndDeduplicates(t *testing.T) {
	l := newTestLog(t, "duhu")
	rejected := make(chan *nats.Msg, 16)
	sub, err := l.nc.ChanSubscribe(events.RejectedSubject("duhu"), rejected)
	require.NoError(t, err)
	defer sub.Unsubscribe()

	e, _ := l.startEngine(t, NewDomain("duhu"))
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
	e.Read(func(s *State) {
		v := s.View()
		require.Len(t, v.Incidents, 1)
		assert.Equal(t, "i-1", v.Incidents[0].ID)
		assert.Equal(t, 1, v.Counts["applied"])
		assert.Equal(t, 1, v.Counts["rejected"])
		assert.Equal(t, 1, v.Counts["duplicate"])
		assert.Empty(t, s.Owed(), "every rejection notice was read back")
	})
}

func TestEngineReplaysToTheSameState(t *testing.T) {
	l := newTestLog(t, "duhu")
	first, _ := l.startEngine(t, NewDomain("duhu"))
	for i := range 50 {
		l.publishRaw(t, "flood.duhu.incident", incidentJSON("i-"+string(rune('a'+i%26))+string(rune('a'+i/26)), 22+float64(i)/1000, 112.9))
	}
	l.publishRaw(t, "flood.duhu.rain", []byte(`{"specversion":"1.0","id":"r-1","source":"g","type":"flood.rain.observed","time":"2022-05-12T23:00:00+08:00","data":{"gauge":"nankeng","mm":12.5,"minutes":60}}`))
	l.publishRaw(t, "flood.duhu.rain", []byte(`not json`))
	l.waitApplied(t, first)
	// Wait for the rejection notice, so both engines see the same log.
	require.Eventually(t, func() bool {
		var owed int
		first.Read(func(s *State) { owed = len(s.Owed()) })
		return owed == 0
	}, 5*time.Second, 5*time.Millisecond)
	l.waitApplied(t, first)

	second, _ := l.startEngine(t, NewDomain("duhu"))
	l.waitApplied(t, second)
	var a, b []byte
	first.Read(func(s *State) { a, _ = json.Marshal(s.View()) })
	second.Read(func(s *State) { b, _ = json.Marshal(s.View()) })
	assert.JSONEq(t, string(a), string(b))
	assert.Contains(t, string(b), `"nankeng"`)
}

func TestEngineIsReadyOnlyWhenCaughtUp(t *testing.T) {
	l := newTestLog(t, "duhu")
	for i := range 2000 {
		_, err := l.js.PublishAsync("flood.duhu.incident", incidentJSON("i-"+time.Duration(i).String(), 22.08, 112.9))
		require.NoError(t, err)
	}
	<-l.js.PublishAsyncComplete()
	e := New(Config{Town: "duhu", JS: l.js, Stream: l.stream, Domain: NewDomain("duhu")})
	assert.False(t, e.Ready())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = e.Run(ctx) }()
	require.Eventually(t, e.Ready, 10*time.Second, time.Millisecond)
	assert.GreaterOrEqual(t, e.AppliedSeq(), uint64(2000))
}
