package scenario_test

import (
	"bufio"
	"bytes"
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/warning"
)

type stormInput struct {
	in   events.Input
	line int
}

func stormInputs(t *testing.T, fsys fs.FS) []stormInput {
	t.Helper()
	raw, err := fs.ReadFile(fsys, "storm-2022-05-12.jsonl")
	require.NoError(t, err)
	var out []stormInput
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var prev time.Time
	ids := map[string]bool{}
	for n := 1; sc.Scan(); n++ {
		ev, err := events.DecodeEnvelope(sc.Bytes())
		require.NoError(t, err, "line %d", n)
		in, err := events.Validate("duhu", ev.Subject, sc.Bytes())
		require.NoError(t, err, "line %d", n)
		require.True(t, in.Event.Drill, "line %d is a drill", n)
		require.False(t, in.Event.Time.Before(prev), "line %d is out of time order", n)
		_, off := in.Event.Time.Zone()
		require.Equal(t, 8*3600, off, "line %d: +08:00", n)
		require.False(t, ids[ev.ID], "duplicate id %s", ev.ID)
		ids[ev.ID] = true
		prev = in.Event.Time
		out = append(out, stormInput{in, n})
	}
	require.NoError(t, sc.Err())
	return out
}

func TestStormReplayIsValidAndTellsTheArticle(t *testing.T) {
	s, fsys := load(t, "duhu")
	inputs := stormInputs(t, fsys)
	loc := geo.NewLocator(s)
	start := time.Date(2022, 5, 12, 12, 0, 0, 0, time.FixedZone("", 8*3600))
	rainCount := map[string]int{}
	incidents := map[string]int{} // kind@grid → count
	var chixi bool
	for _, si := range inputs {
		switch d := si.in.Data.(type) {
		case *events.RainObserved:
			g, ok := s.Gauge(d.Gauge)
			require.True(t, ok, d.Gauge)
			require.Equal(t, geo.GaugeRain, g.Kind)
			rainCount[d.Gauge]++
			assert.False(t, si.in.Event.Time.After(start.Add(24*time.Hour)))
			assert.True(t, si.in.Event.Time.After(start))
		case *events.IncidentReported:
			_, grid, ok := loc.Locate([2]float64{d.Lon, d.Lat})
			require.True(t, ok, si.in.Event.ID)
			incidents[d.Kind+"@"+grid]++
			if d.Kind == "other" {
				chixi = bytes.Contains([]byte(d.Note), []byte("赤溪"))
			}
		}
	}
	for _, g := range s.Gauges {
		if g.Kind == geo.GaugeRain {
			assert.Equal(t, 144, rainCount[g.ID], "every 10 minutes for 24 h at %s", g.ID)
		}
	}
	assert.Equal(t, 3, incidents["blocked_channel@dagang-hetang"], "three blockage points at the Dagang lotus pond")
	assert.Equal(t, 1, incidents["flooding@nancun-yangning"])
	assert.Equal(t, 1, incidents["evacuation@nancun-yangning"])
	assert.Equal(t, 1, incidents["flooding@longhe-songshan"])
	assert.Equal(t, 1, incidents["flooding@longhe-hening"])
	assert.Equal(t, 1, incidents["dangerous_house@longhe-songshan"])
	assert.Equal(t, 1, incidents["dangerous_house@longhe-hening"])
	assert.True(t, chixi, "Chixi asks for help")
}

// TestStormRaisesOrangeThenRedAtNankeng feeds the replay through the town's
// warning configuration the way the engine does (fold, evaluate, apply).
func TestStormRaisesOrangeThenRedAtNankeng(t *testing.T) {
	s, fsys := load(t, "duhu")
	raw, err := fs.ReadFile(fsys, "warning.json")
	require.NoError(t, err)
	cfg, err := warning.ParseConfig(raw)
	require.NoError(t, err)
	w, err := warning.New(cfg, s)
	require.NoError(t, err)
	var nankeng []warning.Change
	var reservoir, patrol, evacuate bool
	for _, si := range stormInputs(t, fsys) {
		at := si.in.Event.Time
		switch d := si.in.Data.(type) {
		case *events.RainObserved:
			require.NoError(t, w.Rain(d.Gauge, d.MM, d.Minutes, at))
		case *events.LevelObserved:
			require.NoError(t, w.Level(d.Gauge, d.Meters, at))
		default:
			continue
		}
		for _, c := range w.Evaluate(at) {
			require.NoError(t, w.Apply(c))
			switch {
			case c.Scope == warning.ScopeGauge && c.ID == "rain-nankeng" && c.Kind == warning.KindRain:
				nankeng = append(nankeng, c)
			case c.Scope == warning.ScopeGauge && c.ID == "nankeng-reservoir" && c.Type == warning.ChangeIssued:
				reservoir = true
			case c.Type == warning.ChangeProposed && c.Proposal.Action == warning.ActionPatrol:
				patrol = true
			case c.Type == warning.ChangeProposed && c.Proposal.Action == warning.ActionEvacuate:
				evacuate = true
				t.Logf("%s evacuate %s %v (%d people, %s)", c.Time.Format(time.RFC3339), c.Proposal.Village, c.Proposal.Grids, c.Proposal.People, c.Proposal.Status)
			}
		}
	}
	acc := w.Accumulations("rain-nankeng", time.Date(2022, 5, 13, 12, 0, 0, 0, time.FixedZone("", 8*3600)))
	assert.Equal(t, 338.4, acc[24], "the article's 24 h total")
	var orange, red time.Time
	for _, c := range nankeng {
		t.Logf("%s %s %s %v", c.Time.Format(time.RFC3339), c.Type, c.Level, c.Evidence)
		if c.Type == warning.ChangeIssued && c.Level == warning.Orange && orange.IsZero() {
			orange = c.Time
		}
		if c.Type == warning.ChangeIssued && c.Level == warning.Red && red.IsZero() {
			red = c.Time
		}
	}
	night0 := time.Date(2022, 5, 12, 18, 0, 0, 0, time.FixedZone("", 8*3600))
	night1 := night0.Add(12 * time.Hour)
	require.False(t, orange.IsZero(), "orange raised")
	require.False(t, red.IsZero(), "red raised")
	assert.True(t, orange.Before(red), "orange then red")
	assert.True(t, orange.After(night0) && red.Before(night1), "during the night of 12–13 May: orange %v red %v", orange, red)
	assert.True(t, red.After(night0.Add(6*time.Hour)), "red early on the 13th")
	assert.True(t, reservoir, "the reservoir passes its warning level")
	assert.True(t, patrol, "a dam patrol is proposed")
	assert.True(t, evacuate, "an evacuation of low-lying grids is proposed")
	for _, g := range w.View().Gauges {
		if g.ID == "rain-nankeng" {
			assert.Equal(t, "", g.Level, "cleared by noon on the 13th")
		}
	}
	var villages []string
	for _, a := range w.Active() {
		villages = append(villages, a.Key())
	}
	t.Logf("active at noon on the 13th: %v", villages)
}
