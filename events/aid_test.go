package events

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateAid(t *testing.T) {
	cases := []struct {
		name, subject, typ, data string
		field                    string // "" = valid
	}{
		{"request", "flood.aid.duhu.request", TypeAidRequested,
			`{"request":"chixi-aid-1","from":"chixi","needs":[{"capability":"evacuation","count":10}],"lat":21.97,"lon":112.95,"incident":"cx-1","wanted_from":"2022-05-12T23:30:00+08:00","until":"2022-05-13T23:30:00+08:00"}`, ""},
		{"request without needs", "flood.aid.duhu.request", TypeAidRequested, `{"request":"r-1","from":"chixi","lat":21.97,"lon":112.95}`, "data.needs"},
		{"request count 0", "flood.aid.duhu.request", TypeAidRequested, `{"request":"r-1","from":"chixi","needs":[{"capability":"evacuation","count":0}],"lat":21.97,"lon":112.95}`, "data.needs.count"},
		{"request until before from", "flood.aid.duhu.request", TypeAidRequested, `{"request":"r-1","from":"chixi","needs":[{"capability":"evacuation","count":1}],"lat":21.97,"lon":112.95,"wanted_from":"2022-05-13T00:00:00Z","until":"2022-05-12T00:00:00Z"}`, "data.until"},
		{"no from", "flood.aid.duhu.release", TypeAidReleased, `{"request":"r-1"}`, "data.from"},
		{"sender in the subject", "flood.aid.duhu.response.chixi", TypeAidResponded, `{"request":"r-1","from":"chixi","answer":"partial","count":3}`, ""},
		{"sent in another town's name", "flood.aid.duhu.response.shanghai", TypeAidResponded, `{"request":"r-1","from":"chixi","answer":"partial","count":3}`, "data.from"},
		{"response", "flood.aid.duhu.response", TypeAidResponded, `{"request":"r-1","from":"chixi","answer":"partial","count":3}`, ""},
		{"bad answer", "flood.aid.duhu.response", TypeAidResponded, `{"request":"r-1","from":"chixi","answer":"maybe"}`, "data.answer"},
		{"commit", "flood.aid.duhu.commit", TypeAidCommitted, `{"request":"r-1","from":"chixi","responders":[{"id":"t-1","name":"x","tier":"town","capabilities":["evacuation"],"home_town":"chixi","lat":21.9,"lon":112.9}]}`, ""},
		{"empty commit", "flood.aid.duhu.commit", TypeAidCommitted, `{"request":"r-1","from":"chixi","responders":[]}`, "data.responders"},
		{"status", "flood.aid.duhu.status", TypeAidStatus, `{"request":"r-1","from":"chixi","responder":"t-1","status":"on_scene","responder_lat":21.9,"responder_lon":112.9}`, ""},
		{"wrong type for kind", "flood.aid.duhu.commit", TypeAidReleased, `{"request":"r-1","from":"chixi"}`, "type"},
		{"unknown kind", "flood.aid.duhu.gift", TypeAidReleased, `{"request":"r-1","from":"chixi"}`, "subject"},
		{"approve", "flood.duhu.command", "flood.command.approve_aid", `{"request":"chixi-aid-1","count":8,"operator":"陈"}`, ""},
		{"approve without count", "flood.duhu.command", "flood.command.approve_aid", `{"request":"chixi-aid-1","operator":"陈"}`, "data.count"},
		{"release", "flood.duhu.command", "flood.command.release_aid", `{"request":"duhu-aid-1","operator":"陈"}`, ""},
		{"request_aid", "flood.duhu.command", "flood.command.request_aid", `{"incident":"i-1","capability":"rescue_boat","count":2,"operator":"陈"}`, ""},
		{"request_aid count alone", "flood.duhu.command", "flood.command.request_aid", `{"incident":"i-1","count":2,"operator":"陈"}`, "data.capability"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := Validate("duhu", tc.subject, envelope(tc.typ, tc.data))
			if tc.field == "" {
				require.NoError(t, err)
				assert.NotNil(t, in.Data)
				return
			}
			inv, ok := AsInvalid(err)
			require.True(t, ok, "want an *Invalid, got %v", err)
			assert.Equal(t, tc.field, inv.Field, "%v", err)
		})
	}
	_, err := Validate("chixi", "flood.aid.duhu.request", envelope(TypeAidRequested, `{}`))
	assert.ErrorContains(t, err, "addressed to town", "a town folds only its own inbox")
}
