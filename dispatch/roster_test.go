package dispatch

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const rosterHead = "id,name,name_en,tier,village,team,capabilities,phone,lon,lat,reserve\n"

func TestReadRosterCSV(t *testing.T) {
	good := rosterHead +
		"t1,陈一,Chen Yi,town,,镇应急分队,rescue_boat|medical,13800000001,112.90,22.08,false\n" +
		"v1,李二,Li Er,village,南村,南村分队,evacuation,13800000002,112.91,22.07,\n" +
		"r1,王三,Wang San,town,,民兵,patrol,13800000003,112.89,22.09,true\n"
	rs, err := ReadRosterCSV(strings.NewReader("\ufeff" + good))
	require.NoError(t, err)
	require.Len(t, rs, 3)
	require.Equal(t, []Capability{CapRescueBoat, CapMedical}, rs[0].Capabilities)
	require.Equal(t, "南村", rs[1].Village)
	require.True(t, rs[2].Reserve)
	require.InDelta(t, 22.08, rs[0].Home.Lat(), 1e-9)

	bad := map[string]struct {
		row  string
		col  string
		rule string
	}{
		"bad tier":           {"x1,N,N,county,,t,patrol,1,112.9,22.0,false", "tier", "must be"},
		"empty id":           {",N,N,town,,t,patrol,1,112.9,22.0,false", "id", "must not be empty"},
		"duplicate id":       {"t1,N,N,town,,t,patrol,1,112.9,22.0,false", "id", "duplicate of row 2"},
		"bad lon":            {"x2,N,N,town,,t,patrol,1,212.9,22.0,false", "lon", "[-180, 180]"},
		"bad lat":            {"x3,N,N,town,,t,patrol,1,112.9,north,false", "lat", "[-90, 90]"},
		"column count":       {"x4,N,N,town,,t,patrol,1,112.9,22.0", "", "has 10 columns, want 11"},
		"village needs name": {"x5,N,N,village,,t,patrol,1,112.9,22.0,false", "village", "needs a village"},
		"empty capability":   {"x6,N,N,town,,t,patrol||medical,1,112.9,22.0,false", "capabilities", "none empty"},
		"bad reserve":        {"x7,N,N,town,,t,patrol,1,112.9,22.0,maybe", "reserve", "true/false"},
	}
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			rs, err := ReadRosterCSV(strings.NewReader(good + tc.row + "\n"))
			require.Nil(t, rs, "nothing partial")
			var re *RowError
			require.ErrorAs(t, err, &re)
			require.Equal(t, 5, re.Row)
			require.Equal(t, tc.col, re.Field)
			require.Contains(t, re.Error(), tc.rule)
		})
	}

	t.Run("every bad row reported at once", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(good)
		for _, tc := range bad {
			b.WriteString(tc.row + "\n")
		}
		_, err := ReadRosterCSV(strings.NewReader(b.String()))
		require.Error(t, err)
		joined, ok := err.(interface{ Unwrap() []error })
		require.True(t, ok)
		require.Len(t, joined.Unwrap(), len(bad))
		for _, e := range joined.Unwrap() {
			var re *RowError
			require.True(t, errors.As(e, &re))
		}
	})

	t.Run("wrong header", func(t *testing.T) {
		_, err := ReadRosterCSV(strings.NewReader("id,name\nx,y\n"))
		require.ErrorContains(t, err, "header must be")
	})
}

func TestTriage(t *testing.T) {
	rules := DefaultTriageRules()
	require.NoError(t, rules.Validate())
	cases := map[string]struct {
		inc  Incident
		want Triage
	}{
		"trapped 13 people": {Incident{Kind: KindTrapped, People: 13},
			Triage{1, []Need{{CapRescueBoat, 3}, {CapMedical, 1}}, "trapped-people"}},
		"trapped unknown": {Incident{Kind: KindTrapped},
			Triage{1, []Need{{CapRescueBoat, 1}, {CapMedical, 1}}, "trapped"}},
		"blocked channel": {Incident{Kind: KindBlockedChannel},
			Triage{3, []Need{{CapDrainage, 2}, {CapMachinery, 1}}, "blocked-channel"}},
		"evacuation 150 (Yangning)": {Incident{Kind: KindEvacuation, People: 150},
			Triage{2, []Need{{CapEvacuation, 5}}, "evacuation"}},
		"evacuation 31": {Incident{Kind: KindEvacuation, People: 31},
			Triage{2, []Need{{CapEvacuation, 2}}, "evacuation"}},
		"road flooded": {Incident{Kind: KindRoadFlooded},
			Triage{4, []Need{{CapPatrol, 1}}, "road-flooded"}},
		"severity raises": {Incident{Kind: KindRoadFlooded, Severity: 2},
			Triage{2, []Need{{CapPatrol, 1}}, "road-flooded"}},
		"severity never lowers": {Incident{Kind: KindDikeBreach, Severity: 4},
			Triage{1, []Need{{CapMachinery, 2}, {CapPatrol, 2}}, "dike-breach"}},
		"unknown kind is other": {Incident{Kind: "tornado"},
			Triage{4, []Need{{CapPatrol, 1}}, "other"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.want, rules.Apply(tc.inc))
		})
	}
	t.Run("no catch-all is invalid", func(t *testing.T) {
		r := TriageRules{Rules: []TriageRule{{Name: "x", Kinds: []string{KindTrapped}, Priority: 1}}}
		require.Error(t, r.Validate())
	})
}
