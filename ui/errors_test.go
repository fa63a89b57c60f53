package ui

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

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
