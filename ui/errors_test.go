package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/warning"
)

// The one table from code to HTTP status, as docs/EVENTS.md promises it.
func TestEveryCodeHasItsHTTPStatus(t *testing.T) {
	want := map[errcode.Code]int{
		errcode.Invalid: 400, errcode.NotFound: 404, errcode.Conflict: 409, errcode.Unauthorised: 401,
		errcode.Forbidden: 403, errcode.TooLarge: 413, errcode.TooMany: 429, errcode.Unreachable: 422,
		errcode.Unavailable: 503, errcode.StorageFull: 507, errcode.Internal: 500,
	}
	for _, c := range errcode.Codes {
		assert.Equal(t, want[c], statusOf(c), "%s", c)
	}
	assert.Len(t, httpStatus, len(errcode.Codes), "one status per code, none left over")
	assert.Equal(t, 500, statusOf("no-such-code"))
}

// What an operator reads for each kind of error writeError is given.
func TestErrorAnswers(t *testing.T) {
	detail := events.Invalidf("data.lat", "222", "latitude is -90…90 (decimal degrees)")
	cases := []struct {
		name    string
		err     error
		status  int
		kind    string
		message string
		detail  *events.Invalid
	}{
		{"an event refused in parts", invalid("event refused: "+detail.Error(), detail), 400, "invalid",
			`event refused: data.lat="222": latitude is -90…90 (decimal degrees)`, detail},
		{"a domain's refusal, wrapped", fmt.Errorf("cap alert: %w", fmt.Errorf("%w: no episode %q", warning.ErrNotFound, "x")), 404, "not found",
			`cap alert: not found: no episode "x"`, nil},
		{"a full disk", fmt.Errorf("append e-1: %w", AppendFailure(errors.New("nats: insufficient resources"))), 507, CheckStorage, "", nil},
		{"a stream that is gone", &NotReady{Check: CheckStream, Status: http.StatusServiceUnavailable, Message: "gone"}, 503, CheckStream, "gone", nil},
		{"a forbidden request", refusal(errcode.Forbidden, "this page belongs to responder t-001"), 403, "forbidden", "this page belongs to responder t-001", nil},
		{"a fault of ours", fmt.Errorf("encode view: %w", errors.New("boom")), 500, "internal", "internal error; the details are in the server log", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, internal := bodyOf(c.err)
			assert.Equal(t, c.status, status)
			assert.Equal(t, c.kind, body.Kind)
			assert.Equal(t, c.status, statusOf(body.Code), "the code and the status agree")
			assert.Equal(t, body.Code.Chinese(), body.Chinese)
			assert.NotEmpty(t, body.Chinese)
			if c.message != "" {
				assert.Equal(t, c.message, body.Message)
			} else {
				assert.NotEmpty(t, body.Message)
			}
			assert.Equal(t, c.detail, body.Detail)
			assert.Equal(t, c.status == 500, internal)
		})
	}
}

// Through the server: each refusal answers its code's status, the code, the
// Chinese words and the message; an event refused at the door is also noticed
// on flood.<town>.rejected with its code.
func TestRefusalsOverHTTP(t *testing.T) {
	s := newTestServer(t)
	viewer := s.token(t, RoleViewer, "")
	badLat := `{"specversion":"1.0","id":"bad-lat","source":"test","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":222,"lon":112.9}}`
	cases := []struct {
		name, method, path, token, body string
		status                          int
		code                            errcode.Code
		message                         string
	}{
		{"an invalid event", "POST", "/api/events?subject=flood.duhu.incident", "admin-secret", badLat, 400, errcode.Invalid, "latitude"},
		{"no such endpoint", "GET", "/api/no-such-thing", "admin-secret", "", 404, errcode.NotFound, "no such endpoint"},
		{"no token", "GET", "/api/state", "", "", 401, errcode.Unauthorised, ""},
		{"a viewer giving orders", "POST", "/api/commands/resolve", viewer, `{"incident":"x"}`, 403, errcode.Forbidden, "may not use"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := s.do(t, c.method, c.path, c.token, c.body)
			require.Equal(t, c.status, status, out)
			var body errorBody
			require.NoError(t, json.Unmarshal([]byte(out), &body), out)
			assert.Equal(t, c.code, body.Code)
			assert.Equal(t, c.code.Error(), body.Kind, "the error field keeps its words")
			assert.Equal(t, c.code.Chinese(), body.Chinese)
			assert.Contains(t, body.Message, c.message)
		})
	}
	var notice *events.Rejected
	s.eng.Read(func(*engine.State) {
		for _, ev := range s.eng.log {
			var r events.Rejected
			if ev.Type == events.TypeEventRejected && ev.DecodeData(&r) == nil && r.EventID == "bad-lat" {
				notice = &r
			}
		}
	})
	require.NotNil(t, notice, "the refusal is on flood.duhu.rejected too")
	assert.Equal(t, errcode.Invalid, notice.Code)
	assert.Equal(t, "data.lat", notice.Field)
}
