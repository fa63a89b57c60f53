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
	key := []byte("0123456789abcdef0123456789abcdef")
	var g DecisionGate
	assert.True(t, g.Admit(nil, subject, decision("d-0")), "a fold without a key checks nothing")

	assert.True(t, g.Admit(key, subject, decision("legacy-1")), "a log from before sealing folds")
	sealed := SealDecision(key, subject, decision("d-1"))
	require.NotEmpty(t, sealed.Seal)
	// Through the wire and back, as the fold reads it.
	raw, err := sealed.Encode()
	require.NoError(t, err)
	back, err := DecodeEnvelope(raw)
	require.NoError(t, err)
	assert.True(t, g.Admit(key, subject, back), "the engine's own decision")

	assert.False(t, g.Admit(key, subject, decision("forged-1")), "unsealed, after sealing began")
	other := SealDecision([]byte("another key, another town's......"), subject, decision("forged-2"))
	assert.False(t, g.Admit(key, subject, other), "sealed with another key")
	var elsewhere DecisionGate
	assert.True(t, elsewhere.Admit([]byte("another key, another town's......"), subject, other),
		"a fold with that other key admits it: the key is the fold's, not the process's")
	altered := back
	altered.Data = []byte(strings.Replace(string(back.Data), "i-1", "i-2", 1))
	assert.False(t, g.Admit(key, subject, altered), "data changed after sealing")
	assert.False(t, g.Admit(key, OutSubject(town, "zz"), back), "moved to another subject")
	addr, err := ParseSubject(subject)
	require.NoError(t, err)
	assert.True(t, g.AdmitAt(key, addr, back))
}
