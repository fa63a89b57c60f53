package events

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Where each decision goes: the registry keeps the subjects docs/EVENTS.md promises.
func TestDecisionSubjects(t *testing.T) {
	cases := []struct {
		name, typ string
		refs      Refs
		want      string
	}{
		{"assignment to the responder's phone", TypeAssignmentCreated, Refs{Responder: "t-001", Assignment: "a-1"}, "flood.duhu.out.assignment.t-001"},
		{"cancellation to the responder's phone", TypeAssignmentCancelled, Refs{Responder: "t-001"}, "flood.duhu.out.assignment.t-001"},
		{"resolution of an incident", TypeIncidentResolved, Refs{Incident: "i-1"}, "flood.duhu.out.incident"},
		{"aid needed", TypeAidNeeded, Refs{Incident: "i-1"}, "flood.duhu.out.aid_needed"},
		{"a household's shelter", TypeEvacAssigned, Refs{Household: "h-1"}, "flood.duhu.out.evac.h-1"},
		{"an escort run", TypeEvacEscortNeeded, Refs{Household: "h-1", Run: "r-1"}, "flood.duhu.out.evac.r-1"},
		{"a warning", TypeWarningIssued, Refs{Warning: "nancun"}, "flood.duhu.out.warning"},
		{"a silent gauge", TypeGaugeSilent, Refs{Warning: "rain-nankeng"}, "flood.duhu.out.warning"},
		{"a proposal", TypeActionProposed, Refs{}, "flood.duhu.out.proposal"},
		{"an aid request", TypeAidRequested, Refs{Request: "duhu-aid-1", Town: "chixi"}, "flood.duhu.out.aid.request"},
		{"a delivery marker", TypeAidDelivered, Refs{}, "flood.duhu.out.aid.delivered"},
		{"a round marker", TypeRoundDecided, Refs{}, "flood.duhu.out.round"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, ok := Decision(c.typ)
			require.True(t, ok)
			require.NotNil(t, spec.Subject)
			assert.Equal(t, c.want, spec.Subject("duhu", c.refs))
		})
	}
	v, ok := Decision(TypeDecisionVoided)
	require.True(t, ok)
	assert.Nil(t, v.Subject, "a void notice goes where the void decision went")
}

// An owner's kinds name exactly one contract type; several kinds may share one.
func TestDecisionKinds(t *testing.T) {
	seen := map[string]string{}
	for _, s := range Decisions() {
		for _, k := range s.Kinds {
			key := string(s.Owner) + "/" + k
			assert.Empty(t, seen[key], "%s is told as %s and %s", key, seen[key], s.Type)
			seen[key] = s.Type
			got, ok := DecisionOf(s.Owner, k)
			require.True(t, ok)
			assert.Equal(t, s.Type, got.Type)
		}
	}
	got, ok := DecisionOf(OwnerEvac, "evac.retimed")
	require.True(t, ok)
	assert.Equal(t, TypeEvacReassigned, got.Type, "same shelter, new eta_s: no new contract type")
	_, ok = DecisionOf(OwnerDispatch, "evac.assigned")
	assert.False(t, ok, "kinds are per owner")
	_, _, ok, err := DecodeDecision(Event{Type: "flood.later.thing"})
	assert.False(t, ok)
	assert.NoError(t, err)
}

// A decision on the wrong subject, or of a type nobody registered, is named.
func TestCheckDecision(t *testing.T) {
	ev, err := New("d-1", "floodcmd/duhu", TypeAidRequested, time.Date(2022, 5, 12, 23, 0, 0, 0, time.UTC), Aid{Request: "duhu-aid-1", From: "duhu", To: "chixi"})
	require.NoError(t, err)
	assert.NoError(t, CheckDecision("duhu", "flood.duhu.out.aid.request", ev))
	assert.ErrorContains(t, CheckDecision("duhu", "flood.duhu.out.aid.commit", ev), "the registry says flood.duhu.out.aid.request")
	ev.Type = "flood.aid.later"
	assert.ErrorContains(t, CheckDecision("duhu", "flood.duhu.out.aid.request", ev), "not a registered decision type")
}
