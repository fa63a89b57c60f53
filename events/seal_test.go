package events

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecisionSeal: the fold's gate admits the engine's sealed decisions and
// refuses a forged one — unsealed after sealing began, sealed with another
// key, or a sealed decision altered or moved to another subject.
func TestDecisionSeal(t *testing.T) {
	const town = "sealtown"
	at := time.Date(2022, 5, 12, 23, 0, 0, 0, time.UTC)
	decision := func(id string) Event {
		ev, err := New(id, "floodcmd/"+town, "flood.incident.resolved", at, map[string]string{"incident": "i-1"})
		require.NoError(t, err)
		return ev
	}
	subject := OutSubject(town, "incident", "i-1")
	var g DecisionGate
	assert.True(t, g.Admit(town, subject, decision("d-0")), "no key in this process: nothing to check")

	UseDecisionKey(town, []byte("0123456789abcdef0123456789abcdef"))
	assert.True(t, g.Admit(town, subject, decision("legacy-1")), "a log from before sealing folds")
	sealed := SealDecision(town, subject, decision("d-1"))
	require.NotEmpty(t, sealed.Seal)
	// Through the wire and back, as the fold reads it.
	raw, err := sealed.Encode()
	require.NoError(t, err)
	back, err := DecodeEnvelope(raw)
	require.NoError(t, err)
	assert.True(t, g.Admit(town, subject, back), "the engine's own decision")

	assert.False(t, g.Admit(town, subject, decision("forged-1")), "unsealed, after sealing began")
	other := decision("forged-2")
	UseDecisionKey("elsewhere", []byte("another key, another town's......"))
	other = SealDecision("elsewhere", subject, other)
	assert.False(t, g.Admit(town, subject, other), "sealed with another key")
	altered := back
	altered.Data = []byte(strings.Replace(string(back.Data), "i-1", "i-2", 1))
	assert.False(t, g.Admit(town, subject, altered), "data changed after sealing")
	assert.False(t, g.Admit(town, OutSubject(town, "zz"), back), "moved to another subject")
	addr, err := ParseSubject(subject)
	require.NoError(t, err)
	assert.True(t, g.AdmitAt(town, addr, back))
}
