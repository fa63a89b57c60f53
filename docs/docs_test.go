// Package docs holds the project's documentation; its test keeps the examples honest.
package docs

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/events"
)

var pubLine = regexp.MustCompile(`^nats (?:--creds (\S+) )?pub (\S+) (?:-H Nats-Msg-Id:(\S+) )?'(.*)'$`)

// example is one `nats pub` line of EVENTS.md.
type example struct {
	line, creds, subject, msgID, body string
}

// examples reads EVENTS.md's `nats pub` examples in the document's order.
func examples(t *testing.T) []example {
	raw, err := os.ReadFile("EVENTS.md")
	require.NoError(t, err)
	var out []example
	for _, line := range strings.Split(string(raw), "\n") {
		if m := pubLine.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			out = append(out, example{line: line, creds: m[1], subject: m[2], msgID: m[3], body: m[4]})
		}
	}
	return out
}

// TestEventsExamplesAreValid checks every `nats pub` example in EVENTS.md with the
// engine's own validator: the good ones pass, the one shown as bad is refused.
func TestEventsExamplesAreValid(t *testing.T) {
	var n int
	for _, ex := range examples(t) {
		n++
		subject, msgID, body, line := ex.subject, ex.msgID, ex.body, ex.line
		in, err := events.Validate("duhu", subject, []byte(body))
		if strings.Contains(body, `"id":"bad-`) {
			assert.Error(t, err, "example meant to be refused: %s", body)
			continue
		}
		if assert.NoError(t, err, "example: %s", line) && msgID != "" {
			assert.Equal(t, in.Event.ID, msgID, "Nats-Msg-Id is the event id")
		}
	}
	assert.GreaterOrEqual(t, n, 12, "examples found")
}
