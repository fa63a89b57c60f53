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

var pubLine = regexp.MustCompile(`^nats (?:--creds \S+ )?pub (\S+) (?:-H Nats-Msg-Id:(\S+) )?'(.*)'$`)

// TestEventsExamplesAreValid checks every `nats pub` example in EVENTS.md with the
// engine's own validator: the good ones pass, the one shown as bad is refused.
func TestEventsExamplesAreValid(t *testing.T) {
	raw, err := os.ReadFile("EVENTS.md")
	require.NoError(t, err)
	var n int
	for _, line := range strings.Split(string(raw), "\n") {
		m := pubLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		n++
		subject, msgID, body := m[1], m[2], m[3]
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
