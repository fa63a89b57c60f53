package events

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envelope(typ, data string) []byte {
	return fmt.Appendf(nil, `{"specversion":"1.0","id":"e-1","source":"test","type":%q,"time":"2022-05-12T23:00:00+08:00","data":%s}`, typ, data)
}

func TestValidateAcceptsContractExamples(t *testing.T) {
	cases := []struct {
		name, subject string
		raw           []byte
	}{
		{"rain", "flood.duhu.rain", envelope(TypeRainObserved, `{"gauge":"nankeng","mm":0,"minutes":60}`)},
		{"level", "flood.duhu.level", envelope(TypeLevelObserved, `{"gauge":"nankeng-res","meters":12.5}`)},
		{"incident", "flood.duhu.incident", envelope(TypeIncidentReported, `{"kind":"trapped","lat":22.08,"lon":112.9,"people":4,"severity":1}`)},
		{"incident gcj02", "flood.duhu.incident", envelope(TypeIncidentReported, `{"kind":"flooding","lat":22.08,"lon":112.9,"crs":"gcj02"}`)},
		{"incident with added field", "flood.duhu.incident", envelope(TypeIncidentReported, `{"kind":"other","lat":22.08,"lon":112.9,"photo":"x.jpg"}`)},
		{"responder", "flood.duhu.responder.r-001", envelope(TypeResponderStatus, `{"status":"accepted","assignment":"a-1","lat":22.1,"lon":112.9}`)},
		{"checkin", "flood.duhu.shelter.s-nancun", envelope(TypeShelterCheckin, `{"people":3,"household":"h-1"}`)},
		{"close road", "flood.duhu.command", envelope("flood.command.close_road", `{"road":"r-0001","operator":"王"}`)},
		{"close at point", "flood.duhu.command", envelope("flood.command.close_road", `{"lat":22.08,"lon":112.9,"radius_m":50,"operator":"王"}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := Validate("duhu", tc.subject, tc.raw)
			require.NoError(t, err)
			assert.Equal(t, "e-1", in.Event.ID)
			assert.NotNil(t, in.Data)
		})
	}
}

func TestValidateRefusesWithPreciseReason(t *testing.T) {
	cases := []struct {
		name, subject string
		raw           string
		field, rule   string
	}{
		{"not json", "flood.duhu.incident", `{"specversion":`, "", "not a CloudEvents JSON object"},
		{"no id", "flood.duhu.incident", `{"specversion":"1.0","source":"s","type":"flood.incident.reported","time":"2022-05-12T23:00:00Z","data":{}}`, "id", "required"},
		{"bad specversion", "flood.duhu.incident", `{"specversion":"0.3","id":"x","source":"s","type":"t","time":"2022-05-12T23:00:00Z","data":{}}`, "specversion", "must be"},
		{"bad time", "flood.duhu.incident", `{"specversion":"1.0","id":"x","source":"s","type":"flood.incident.reported","time":"yesterday","data":{}}`, "time", "RFC 3339"},
		{"data not object", "flood.duhu.incident", `{"specversion":"1.0","id":"x","source":"s","type":"flood.incident.reported","time":"2022-05-12T23:00:00Z","data":[1]}`, "data", "JSON object"},
		{"wrong type for subject", "flood.duhu.rain", string(envelope(TypeIncidentReported, `{}`)), "type", "carries flood.rain.observed"},
		{"other town", "flood.chixi.rain", string(envelope(TypeRainObserved, `{"gauge":"g","mm":1,"minutes":5}`)), "subject", "not \"duhu\""},
		{"missing mm", "flood.duhu.rain", string(envelope(TypeRainObserved, `{"gauge":"g","minutes":5}`)), "data.mm", "required"},
		{"negative mm", "flood.duhu.rain", string(envelope(TypeRainObserved, `{"gauge":"g","mm":-1,"minutes":5}`)), "data.mm", "0…2000"},
		{"mm as string", "flood.duhu.rain", string(envelope(TypeRainObserved, `{"gauge":"g","mm":"5","minutes":5}`)), "data.mm", "number"},
		{"zero minutes", "flood.duhu.rain", string(envelope(TypeRainObserved, `{"gauge":"g","mm":1,"minutes":0}`)), "data.minutes", "1…1440"},
		{"gauge with dot", "flood.duhu.rain", string(envelope(TypeRainObserved, `{"gauge":"a.b","mm":1,"minutes":5}`)), "data.gauge", "an id"},
		{"unknown kind", "flood.duhu.incident", string(envelope(TypeIncidentReported, `{"kind":"flood","lat":22,"lon":112}`)), "data.kind", "one of flooding"},
		{"lat out of range", "flood.duhu.incident", string(envelope(TypeIncidentReported, `{"kind":"flooding","lat":122,"lon":112}`)), "data.lat", "-90…90"},
		{"null island", "flood.duhu.incident", string(envelope(TypeIncidentReported, `{"kind":"flooding","lat":0,"lon":0}`)), "data.lat", "missing"},
		{"severity 5", "flood.duhu.incident", string(envelope(TypeIncidentReported, `{"kind":"flooding","lat":22,"lon":112,"severity":5}`)), "data.severity", "1 (highest)"},
		{"unknown crs", "flood.duhu.incident", string(envelope(TypeIncidentReported, `{"kind":"flooding","lat":22,"lon":112,"crs":"bd09"}`)), "data.crs", "gcj02"},
		{"unknown status", "flood.duhu.responder.r1", string(envelope(TypeResponderStatus, `{"status":"busy"}`)), "data.status", "one of available"},
		{"lat without lon", "flood.duhu.responder.r1", string(envelope(TypeResponderStatus, `{"status":"en_route","lat":22}`)), "data.lat", "together"},
		{"responder subject without id", "flood.duhu.responder", string(envelope(TypeResponderStatus, `{"status":"done"}`)), "subject", "flood.<town>.responder.<id>"},
		{"checkin zero people", "flood.duhu.shelter.s1", string(envelope(TypeShelterCheckin, `{"people":0}`)), "data.people", "1…100000"},
		{"unknown verb", "flood.duhu.command", string(envelope("flood.command.launch", `{"operator":"x"}`)), "type", "verbs"},
		{"command without operator", "flood.duhu.command", string(envelope("flood.command.resolve", `{"incident":"i1"}`)), "data.operator", "required"},
		{"close road without road", "flood.duhu.command", string(envelope("flood.command.close_road", `{"operator":"x"}`)), "data.road", "road id"},
		{"depth without meters", "flood.duhu.command", string(envelope("flood.command.road_depth", `{"operator":"x","road":"r-1"}`)), "data.meters", "required"},
		{"output channel", "flood.duhu.out.assignment.r1", string(envelope(TypeAssignmentCreated, `{}`)), "subject", "not an input channel"},
		{"not a flood subject", "weather.duhu.rain", string(envelope(TypeRainObserved, `{}`)), "subject", "flood.<town>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Validate("duhu", tc.subject, []byte(tc.raw))
			require.Error(t, err)
			inv, ok := AsInvalid(err)
			require.True(t, ok, "error %v is not an *Invalid", err)
			assert.Equal(t, tc.field, inv.Field, "field of %v", err)
			assert.Contains(t, inv.Error(), tc.rule)
		})
	}
}

func TestSubjects(t *testing.T) {
	assert.Equal(t, "flood.duhu.out.assignment.r-1", AssignmentSubject("duhu", "r-1"))
	assert.Equal(t, []string{"flood.duhu.>", "flood.aid.duhu.>"}, TownSubjects("duhu"))
	a, err := ParseSubject("flood.aid.chixi.request")
	require.NoError(t, err)
	assert.Equal(t, Address{Town: "chixi", Channel: "aid", Key: "request"}, a)
	a, err = ParseSubject("flood.duhu.out.assignment.r-1")
	require.NoError(t, err)
	assert.False(t, a.IsInput())
}
