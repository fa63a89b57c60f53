package natsjs

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/events"
)

// Every refused input still lands on flood.<town>.rejected with its reason in
// words and in parts, and now with the kind of refusal as a code.
func TestRejectionNoticesCarryACode(t *testing.T) {
	l := newTestLog(t, "duhu")
	rejected := make(chan *nats.Msg, 16)
	sub, err := l.nc.ChanSubscribe(events.RejectedSubject("duhu"), rejected)
	require.NoError(t, err)
	defer sub.Unsubscribe()
	e := l.startEngine(t, duhuDomain(t))

	l.publishRaw(t, "flood.duhu.incident", []byte(`{"specversion":"1.0","id":"bad-lat","source":"test","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":222,"lon":112.9}}`))
	l.publishRaw(t, "flood.duhu.command", []byte(`{"specversion":"1.0","id":"resolve-ghost","source":"test","type":"flood.command.resolve","time":"2022-05-12T23:00:00+08:00","data":{"operator":"test","incident":"no-such-incident"}}`))
	l.publishRaw(t, "flood.duhu.incident", incidentJSON("i-1", 22.08, 112.9))
	l.publishRaw(t, "flood.duhu.incident", incidentJSON("i-1", 22.08, 112.9)) // the same id again

	cases := map[string]struct {
		code   errcode.Code
		field  string
		reason string
	}{
		"bad-lat":       {errcode.Invalid, "data.lat", "latitude"},
		"resolve-ghost": {errcode.NotFound, "", `not found: unknown incident "no-such-incident"`},
		"i-1":           {errcode.Conflict, "id", "duplicate"},
	}
	got := map[string]events.Rejected{}
	for len(got) < len(cases) {
		select {
		case m := <-rejected:
			var ev events.Event
			require.NoError(t, json.Unmarshal(m.Data, &ev))
			var r events.Rejected
			require.NoError(t, ev.DecodeData(&r))
			got[r.EventID] = r
		case <-time.After(10 * time.Second):
			t.Fatalf("rejections so far: %v", got)
		}
	}
	for id, want := range cases {
		r := got[id]
		assert.Equal(t, want.code, r.Code, "%s: %s", id, r.Reason)
		assert.Equal(t, want.field, r.Field, id)
		assert.Contains(t, r.Reason, want.reason, id)
		assert.Positive(t, r.Seq, "%s: the refused message's place in the log", id)
		// The raw notice names the code as the contract's JSON does.
		raw, err := json.Marshal(r)
		require.NoError(t, err)
		assert.Contains(t, string(raw), `"code":"`+string(want.code)+`"`)
	}
	l.waitApplied(t, e)
}
