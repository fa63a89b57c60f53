package warning

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestThresholdEdges(t *testing.T) {
	end := t0.Add(6 * time.Hour)
	cases := []struct {
		name  string
		mm    float64
		hours int
		want  string
	}{
		{"3h 49.9", 49.9, 3, None},
		{"3h 50", 50, 3, Orange},
		{"3h 50.1", 50.1, 3, Orange},
		{"3h 99.9", 99.9, 3, Orange},
		{"3h 100", 100, 3, Red},
		{"3h 100.1", 100.1, 3, Red},
		{"6h 49.9", 49.9, 6, None},
		{"6h 50", 50, 6, Yellow},
		{"6h 50.1", 50.1, 6, Yellow},
		{"12h 49.9", 49.9, 12, None},
		{"12h 50", 50, 12, Blue},
		{"12h 50.1", 50.1, 12, Blue},
		{"1h 50 is orange (inside 3h)", 50, 1, Orange},
		{"24h 50 is nothing", 50, 24, None},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newW(t, DefaultConfig())
			// n readings of mm/n: float noise (e.g. 18×2.777…) must not decide.
			rainEven(t, w, "g1", tc.mm, tc.hours*6, end)
			cs := w.Evaluate(end)
			c := find(cs, ChangeIssued, ScopeGauge, "g1")
			if tc.want == None {
				assert.Nil(t, c)
				return
			}
			require.NotNil(t, c)
			assert.Equal(t, tc.want, c.Level)
			assert.Equal(t, end, c.Time, "event time, not wall clock")
			require.NotEmpty(t, c.Evidence)
		})
	}
}

func TestGuangdongHasNoBlue(t *testing.T) {
	w := newW(t, GuangdongConfig())
	end := t0.Add(12 * time.Hour)
	rainEven(t, w, "g1", 50, 72, end)
	assert.Nil(t, find(w.Evaluate(end), ChangeIssued, ScopeGauge, "g1"))
}

func TestAccumulationLateDuplicateOutOfOrderGaps(t *testing.T) {
	w := newW(t, DefaultConfig())
	end := t0.Add(3 * time.Hour)
	// In order, every 10 minutes for 3 h, 1 mm each, but 14:00 missing (a gap).
	var readings []time.Time
	for i := 1; i <= 18; i++ {
		at := t0.Add(time.Duration(i) * 10 * time.Minute)
		if at.Equal(t0.Add(2 * time.Hour)) {
			continue
		}
		readings = append(readings, at)
	}
	for _, at := range readings {
		require.NoError(t, w.Rain("g1", 1, 10, at))
	}
	assert.Equal(t, 17.0, w.Accumulations("g1", end)[3], "a gap is a gap")
	// Duplicate of the last reading, then a correction: replaces, never adds.
	require.NoError(t, w.Rain("g1", 1, 10, end))
	assert.Equal(t, 17.0, w.Accumulations("g1", end)[3])
	require.NoError(t, w.Rain("g1", 3, 10, end))
	assert.Equal(t, 19.0, w.Accumulations("g1", end)[3])
	// The late 14:00 reading lands in its place.
	require.NoError(t, w.Rain("g1", 1, 10, t0.Add(2*time.Hour)))
	assert.Equal(t, 20.0, w.Accumulations("g1", end)[3])
	assert.Equal(t, 8.0, w.Accumulations("g1", end)[1], "14:10…15:00: five of 1 mm and the corrected 3 mm")

	// Same readings in another order, with duplicates: same accumulations.
	w2 := newW(t, DefaultConfig())
	all := append(readings, t0.Add(2*time.Hour))
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for _, at := range all {
		require.NoError(t, w2.Rain("g1", 1, 10, at))
		require.NoError(t, w2.Rain("g1", 1, 10, at))
	}
	require.NoError(t, w2.Rain("g1", 3, 10, end))
	assert.Equal(t, w.Accumulations("g1", end), w2.Accumulations("g1", end))
}

func TestAccumulationProratesPartialOverlap(t *testing.T) {
	w := newW(t, DefaultConfig())
	end := t0.Add(2 * time.Hour)
	require.NoError(t, w.Rain("g1", 60, 60, end)) // (13:00, 14:00]
	// 1 h ending 13:30 overlaps the reading for 30 of its 60 minutes.
	assert.Equal(t, 30.0, w.Accumulations("g1", end.Add(-30*time.Minute))[1])
	assert.Equal(t, 60.0, w.Accumulations("g1", end)[1])
	assert.Equal(t, 15.0, w.Accumulations("g1", end.Add(45*time.Minute))[1])
	assert.Nil(t, w.Accumulations("res", end), "not a rain gauge")
}

func TestRejectsBadReadings(t *testing.T) {
	w := newW(t, DefaultConfig())
	assert.ErrorIs(t, w.Rain("nope", 1, 10, t0), ErrNotFound)
	assert.ErrorIs(t, w.Rain("res", 1, 10, t0), ErrInvalid)
	assert.ErrorIs(t, w.Rain("g1", -1, 10, t0), ErrInvalid)
	assert.ErrorIs(t, w.Rain("g1", 1, 0, t0), ErrInvalid)
	assert.ErrorIs(t, w.Level("g1", 30, t0), ErrInvalid)
	assert.ErrorIs(t, w.Apply(Change{Type: "warning.bogus"}), ErrInvalid)
	assert.ErrorIs(t, w.Apply(Change{Type: ChangeIssued, Scope: ScopeGauge, ID: "g1", Level: "purple"}), ErrInvalid)
	assert.ErrorIs(t, w.Apply(Change{Type: ChangeIssued, Scope: ScopeVillage, ID: "nowhere", Level: Red}), ErrNotFound)
}

func TestHysteresisNoFlapping(t *testing.T) {
	w := newW(t, DefaultConfig())
	at := t0
	levels := []string{}
	record := func(cs []Change) {
		for _, c := range cs {
			if c.Scope == ScopeGauge && c.ID == "g1" && c.Kind == KindRain {
				levels = append(levels, c.Type+":"+c.Level)
			}
		}
	}
	// 3 h of 50 mm (orange), then rain that keeps the 3 h total between 40 and 50.
	for i := 0; i < 18; i++ {
		at = at.Add(10 * time.Minute)
		require.NoError(t, w.Rain("g1", 50.0/18, 10, at))
		record(step(t, w, at))
	}
	// 50 mm in the first 3 h meets blue, yellow and orange at once: one change, to the highest.
	require.Equal(t, []string{"warning.issued:orange"}, levels)
	for i := 0; i < 36; i++ { // 6 more hours alternating 2.2 and 2.9 mm: 3 h totals ≈ 45 — below 50, above 40
		at = at.Add(10 * time.Minute)
		mm := 2.2
		if i%2 == 1 {
			mm = 2.9
		}
		require.NoError(t, w.Rain("g1", mm, 10, at))
		record(step(t, w, at))
	}
	assert.Equal(t, []string{"warning.issued:orange"}, levels, "no flapping")
	// Rain stops: lowered step by step once below 40 and held an hour, then cleared.
	for i := 0; i < 18*6; i++ {
		at = at.Add(10 * time.Minute)
		require.NoError(t, w.Rain("g1", 0, 10, at))
		record(step(t, w, at))
	}
	assert.Equal(t, "warning.cleared:", levels[len(levels)-1])
	assert.Contains(t, levels, "warning.lowered:yellow")
	for i := 1; i < len(levels); i++ {
		assert.NotEqual(t, "warning.issued", levels[i][:14], "never raised again: %v", levels)
	}
}

func TestMinHold(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MinHold = 4 * time.Hour
	w := newW(t, cfg)
	end := t0.Add(time.Hour)
	require.NoError(t, w.Rain("g1", 100, 60, end)) // red at once
	require.Equal(t, Red, find(step(t, w, end), ChangeIssued, ScopeGauge, "g1").Level)
	// Dry hours: by end+3h the 3 h total is 0, but the level has held only 3 h.
	for h := 1; h <= 3; h++ {
		require.NoError(t, w.Rain("g1", 0, 60, end.Add(time.Duration(h)*time.Hour)))
		assert.Nil(t, find(step(t, w, end.Add(time.Duration(h)*time.Hour)), ChangeLowered, ScopeGauge, "g1"), "hour %d", h)
	}
	require.NoError(t, w.Rain("g1", 0, 60, end.Add(4*time.Hour)))
	lowered := find(step(t, w, end.Add(4*time.Hour)), ChangeLowered, ScopeGauge, "g1")
	require.NotNil(t, lowered)
	// Orange and red need 3 h totals; yellow's 6 h total (100 mm) still holds.
	assert.Equal(t, Yellow, lowered.Level)
	assert.Equal(t, Red, lowered.Previous)
}

func TestVillageRuleMaxAndNearest(t *testing.T) {
	w := newW(t, DefaultConfig())
	end := t0.Add(3 * time.Hour)
	rainEven(t, w, "g1", 60, 18, end) // orange
	rainEven(t, w, "g2", 30, 18, end) // 30/3h: nothing
	cs := step(t, w, end)
	assert.Equal(t, Orange, find(cs, ChangeIssued, ScopeVillage, "wet").Level, "highest of its gauges")
	assert.Nil(t, find(cs, ChangeIssued, ScopeVillage, "dry"), "dry follows g2, its nearest gauge")
	rainEven(t, w, "g2", 120, 18, end)
	cs = step(t, w, end)
	assert.Equal(t, Red, find(cs, ChangeIssued, ScopeVillage, "wet").Level)
	dry := find(cs, ChangeIssued, ScopeVillage, "dry")
	require.NotNil(t, dry)
	assert.Equal(t, Red, dry.Level)
	assert.Equal(t, "g2", dry.Evidence[0].Gauge)
	v := w.View()
	assert.Equal(t, []string{"g2"}, v.Villages[0].Gauges, "dry")
	assert.Equal(t, []string{"g1", "g2"}, v.Villages[1].Gauges, "wet")
}

func TestGaugeSilent(t *testing.T) {
	w := newW(t, DefaultConfig())
	end := t0.Add(6 * time.Hour)
	rainEven(t, w, "g1", 60, 36, end) // yellow (60/6h), village wet yellow
	step(t, w, end)
	assert.Nil(t, find(w.Evaluate(end.Add(29*time.Minute)), ChangeSilent, ScopeGauge, "g1"))
	cs := step(t, w, end.Add(30*time.Minute))
	s := find(cs, ChangeSilent, ScopeGauge, "g1")
	require.NotNil(t, s)
	assert.Equal(t, end.Add(30*time.Minute), s.Time)
	assert.Nil(t, find(w.Evaluate(end.Add(time.Hour)), ChangeSilent, ScopeGauge, "g1"), "said once")
	assert.True(t, w.View().Gauges[0].Silent)
	// A late reading older than the last one does not end the silence; a new one does.
	require.NoError(t, w.Rain("g1", 1, 10, end.Add(-time.Hour)))
	assert.Nil(t, find(w.Evaluate(end.Add(time.Hour)), ChangeCleared, ScopeGauge, "g1"))
	require.NoError(t, w.Rain("g1", 1, 10, end.Add(time.Hour)))
	cs = step(t, w, end.Add(time.Hour))
	c := find(cs, ChangeCleared, ScopeGauge, "g1")
	require.NotNil(t, c)
	assert.Equal(t, KindSilent, c.Kind)
	// A gauge in a village below yellow is never "silent".
	w2 := newW(t, DefaultConfig())
	require.NoError(t, w2.Rain("g1", 5, 10, end))
	step(t, w2, end)
	assert.Nil(t, find(w2.Evaluate(end.Add(5*time.Hour)), ChangeSilent, ScopeGauge, "g1"))
}

func TestActionProposals(t *testing.T) {
	w := newW(t, DefaultConfig())
	end := t0.Add(3 * time.Hour)
	rainEven(t, w, "g1", 110, 18, end)
	cs := step(t, w, end)
	var props []*Proposal
	for _, c := range cs {
		if c.Type == ChangeProposed {
			props = append(props, c.Proposal)
		}
	}
	// wet: evacuate + preposition for wet-low only; dry (follows g2, dry) nothing.
	require.Len(t, props, 2, "%+v", cs)
	assert.Equal(t, ActionEvacuate, props[0].Action)
	assert.Equal(t, []string{"wet-low"}, props[0].Grids)
	assert.Equal(t, 80, props[0].People)
	assert.Equal(t, StatusPending, props[0].Status)
	assert.False(t, props[0].Auto)
	assert.Equal(t, ActionPreposition, props[1].Action)
	// Not proposed again while the village stays red.
	require.NoError(t, w.Rain("g1", 5, 10, end.Add(10*time.Minute)))
	assert.Nil(t, find(step(t, w, end.Add(10*time.Minute)), ChangeProposed, ScopeVillage, "wet"))
	// Operator decisions.
	require.NoError(t, w.Approve(props[0].ID, "op-li", end.Add(11*time.Minute)))
	assert.ErrorIs(t, w.Approve(props[0].ID, "op-li", end.Add(12*time.Minute)), ErrConflict)
	assert.ErrorIs(t, w.Dismiss("nope", "op-li", end), ErrNotFound)
	require.NoError(t, w.Dismiss(props[1].ID, "op-li", end.Add(12*time.Minute)))
	ps := w.View().Proposals
	require.Len(t, ps, 2)
	assert.Equal(t, StatusApproved, ps[0].Status)
	assert.Equal(t, "op-li", ps[0].Operator)
	assert.Equal(t, StatusDismissed, ps[1].Status)

	// The reservoir: above warning_m → an automatic patrol at the dam.
	require.NoError(t, w.Level("res", 32.1, end))
	cs = step(t, w, end)
	issued := find(cs, ChangeIssued, ScopeGauge, "res")
	require.NotNil(t, issued)
	assert.Equal(t, Orange, issued.Level)
	p := find(cs, ChangeProposed, ScopeGauge, "res")
	require.NotNil(t, p)
	assert.Equal(t, ActionPatrol, p.Proposal.Action)
	assert.True(t, p.Proposal.Auto)
	assert.Equal(t, StatusApproved, p.Proposal.Status)
	assert.InDelta(t, 22.009, p.Proposal.Lat, 1e-9, "at the dam")
	require.NoError(t, w.Level("res", 34.6, end.Add(10*time.Minute)))
	cs = step(t, w, end.Add(10*time.Minute))
	assert.Equal(t, Red, find(cs, ChangeIssued, ScopeGauge, "res").Level)
	assert.Nil(t, find(cs, ChangeProposed, ScopeGauge, "res"), "one patrol per crossing")
}

func TestProposalRearmsAfterLowering(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MinHold = 0
	cfg.Actions[0].Auto = true
	w := newW(t, cfg)
	at := t0.Add(time.Hour)
	require.NoError(t, w.Rain("g1", 100, 60, at))
	first := find(step(t, w, at), ChangeProposed, ScopeVillage, "wet")
	require.NotNil(t, first)
	assert.Equal(t, StatusApproved, first.Proposal.Status)
	at = at.Add(3 * time.Hour)
	require.NoError(t, w.Rain("g1", 0, 180, at))
	step(t, w, at)
	assert.Equal(t, Yellow, w.activeLevel(ScopeVillage, "wet", KindRain), "below red: the rule re-arms")
	at = at.Add(time.Hour)
	require.NoError(t, w.Rain("g1", 100, 60, at))
	second := find(step(t, w, at), ChangeProposed, ScopeVillage, "wet")
	require.NotNil(t, second)
	assert.NotEqual(t, first.Proposal.ID, second.Proposal.ID)
}

func TestDeterministicInAnyArrivalOrder(t *testing.T) {
	type reading struct {
		gauge string
		mm    float64
		at    time.Time
	}
	rng := rand.New(rand.NewPCG(7, 11))
	var rs []reading
	for i := 1; i <= 6*8; i++ {
		for _, g := range []string{"g1", "g2"} {
			rs = append(rs, reading{g, float64(rng.IntN(120)) / 10, t0.Add(time.Duration(i) * 10 * time.Minute)})
		}
	}
	now := t0.Add(9 * time.Hour)
	var want []byte
	for trial := 0; trial < 20; trial++ {
		w := newW(t, DefaultConfig())
		perm := append([]reading(nil), rs...)
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for _, r := range perm {
			require.NoError(t, w.Rain(r.gauge, r.mm, 10, r.at))
		}
		require.NoError(t, w.Level("res", 33, now))
		got, err := json.Marshal(w.Evaluate(now))
		require.NoError(t, err)
		if want == nil {
			want = got
			continue
		}
		require.JSONEq(t, string(want), string(got), "trial %d", trial)
	}
}

func TestConfigJSON(t *testing.T) {
	b, err := json.Marshal(GuangdongConfig())
	require.NoError(t, err)
	assert.Contains(t, string(b), `"min_hold":"1h0m0s"`)
	c, err := ParseConfig(b)
	require.NoError(t, err)
	assert.Equal(t, GuangdongConfig(), c)
	_, err = ParseConfig([]byte(`{"rain":[{"level":"purple","hours":5,"mm":-1}],"hysteresis":1.5,"village_rule":"mean",
		"actions":[{"id":"x","when":{"level":"red","gauge_kind":"lake"},"propose":["evacuate"]}]}`))
	require.Error(t, err)
	for _, want := range []string{"purple", "hours 5", "mm must be", "hysteresis", "village_rule", "gauge_kind", "cannot be proposed"} {
		assert.Contains(t, err.Error(), want)
	}
}
