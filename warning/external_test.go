package warning

import (
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/cap"
)

func bureauAlert(id, msgType, refs, severity string, sent, expires time.Time, area cap.Area) cap.Alert {
	a := cap.Alert{Identifier: id, Sender: "bureau@example.cn", Sent: cap.FormatTime(sent), Status: "Actual",
		MsgType: msgType, Scope: "Public", References: refs}
	if msgType != "Cancel" {
		a.Info = []cap.Info{{Category: []string{"Met"}, Event: "暴雨", Urgency: "Immediate", Severity: severity,
			Certainty: "Likely", Expires: cap.FormatTime(expires), Area: []cap.Area{area}}}
	}
	return a
}

// wetLow is a triangle around wet-low's interior point only.
var wetLow = cap.Area{AreaDesc: "x", Polygon: []string{cap.FormatPolygon(orb.Ring{{112.901, 22.004}, {112.904, 22.004}, {112.9025, 22.007}})}}

func TestExternalAlertCoversGrids(t *testing.T) {
	w := newW(t, DefaultConfig())
	sent := t0.Add(time.Hour)
	a := bureauAlert("b-1", "Alert", "", "Severe", sent, sent.Add(6*time.Hour), wetLow)
	_, err := w.ExternalAlert(a, false)
	require.NoError(t, err)
	cs := step(t, w, sent)
	g := find(cs, ChangeIssued, ScopeGrid, "wet-low")
	require.NotNil(t, g)
	assert.Equal(t, Orange, g.Level)
	assert.Equal(t, SourceCAP, g.Source)
	assert.Equal(t, "cap:bureau@example.cn,b-1", g.Evidence[0].Rule)
	assert.Nil(t, find(cs, ChangeIssued, ScopeGrid, "wet-high"))
	v := find(cs, ChangeIssued, ScopeVillage, "wet")
	require.NotNil(t, v)
	assert.Equal(t, Orange, v.Level)
	assert.Equal(t, SourceCAP, v.Source)

	// A circle touching a vertex of dry-g (112.92, 22.00) covers it.
	circle := cap.FormatCircle(cap.Circle{Center: orb.Point{112.919, 22.0}, RadiusKm: 0.2})
	b := bureauAlert("b-2", "Alert", "", "Extreme", sent, time.Time{}, cap.Area{AreaDesc: "y", Circle: []string{circle}})
	b.Info[0].Expires = ""
	_, err = w.ExternalAlert(b, false)
	require.NoError(t, err)
	cs = step(t, w, sent)
	assert.Equal(t, Red, find(cs, ChangeIssued, ScopeGrid, "dry-g").Level)

	// Expiry of b-1 (by now), then cancellation of b-2.
	cs = step(t, w, sent.Add(6*time.Hour))
	c := find(cs, ChangeCleared, ScopeGrid, "wet-low")
	require.NotNil(t, c)
	assert.True(t, sent.Add(6*time.Hour).Equal(c.Time), "%v", c.Time)
	cancel := bureauAlert("b-3", "Cancel", "bureau@example.cn,b-2,"+cap.FormatTime(sent), "", sent.Add(7*time.Hour), time.Time{}, cap.Area{})
	_, err = w.ExternalAlert(cancel, false)
	require.NoError(t, err)
	cs = step(t, w, sent.Add(7*time.Hour))
	assert.NotNil(t, find(cs, ChangeCleared, ScopeGrid, "dry-g"))
	assert.NotNil(t, find(cs, ChangeCleared, ScopeVillage, "dry"))

	_, err = w.ExternalAlert(cap.Alert{Identifier: "bad id"}, false)
	assert.ErrorIs(t, err, ErrInvalid)
}

// TestExternalIdentityStatusCategory: CAP's identity is sender, identifier and
// sent; status and category decide whether an alert acts.
func TestExternalIdentityStatusCategory(t *testing.T) {
	sent := t0.Add(time.Hour)
	acts := func(t *testing.T, w *Warnings, a cap.Alert, drill bool) bool {
		t.Helper()
		rec, err := w.ExternalAlert(a, drill)
		require.NoError(t, err)
		cs := step(t, w, sent)
		issued := find(cs, ChangeIssued, ScopeGrid, "wet-low") != nil
		assert.Equal(t, rec.Acts, issued, "%+v", rec)
		return issued
	}
	for name, tc := range map[string]struct {
		status, category string
		drill, want      bool
	}{
		"Actual Met acts":                            {"Actual", "Met", false, true},
		"Exercise outside a drill":                   {"Exercise", "Met", false, false},
		"Exercise in a drill acts":                   {"Exercise", "Met", true, true},
		"Test never acts":                            {"Test", "Met", true, false},
		"System never acts":                          {"System", "Met", false, false},
		"Draft never acts":                           {"Draft", "Met", false, false},
		"Geo acts":                                   {"Actual", "Geo", false, true},
		"Infra acts":                                 {"Actual", "Infra", false, true},
		"Health is recorded only":                    {"Actual", "Health", false, false},
		"Security is recorded only":                  {"Actual", "Security", false, false},
		"Transport is recorded only":                 {"Actual", "Transport", false, false},
		"CBRNE is recorded only":                     {"Actual", "CBRNE", false, false},
		"Fire is recorded only":                      {"Actual", "Fire", false, false},
		"Other is recorded only":                     {"Actual", "Other", false, false},
		"Env acts":                                   {"Actual", "Env", false, true},
		"Safety acts (default config)":               {"Actual", "Safety", false, true},
		"Rescue (AMBER) is recorded only by default": {"Actual", "Rescue", false, false},
	} {
		t.Run(name, func(t *testing.T) {
			w := newW(t, DefaultConfig())
			a := bureauAlert("b-1", "Alert", "", "Severe", sent, sent.Add(6*time.Hour), wetLow)
			a.Status, a.Info[0].Category = tc.status, []string{tc.category}
			assert.Equal(t, tc.want, acts(t, w, a, tc.drill))
			assert.Len(t, w.ReceivedAlerts(), 1, "recorded whether it acts or not")
		})
	}
	t.Run("configured categories", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.CAPCategories = []string{"Met"}
		w := newW(t, cfg)
		a := bureauAlert("b-1", "Alert", "", "Severe", sent, sent.Add(6*time.Hour), wetLow)
		a.Info[0].Category = []string{"Rescue"}
		assert.False(t, acts(t, w, a, false))
		cfg.CAPCategories = []string{"Weather"}
		_, err := New(cfg, testScenario())
		assert.ErrorContains(t, err, "not a CAP 1.2 category")
	})
	t.Run("two senders, one identifier", func(t *testing.T) {
		w := newW(t, DefaultConfig())
		a := bureauAlert("same", "Alert", "", "Moderate", sent, sent.Add(6*time.Hour), wetLow)
		_, err := w.ExternalAlert(a, false)
		require.NoError(t, err)
		b := a
		b.Sender = "other@example.cn"
		b.Info = []cap.Info{a.Info[0]}
		b.Info[0].Severity = "Extreme"
		_, err = w.ExternalAlert(b, false)
		require.NoError(t, err, "another sender's alert is another alert")
		assert.Equal(t, Red, find(step(t, w, sent), ChangeIssued, ScopeGrid, "wet-low").Level)
		_, err = w.ExternalAlert(a, false)
		assert.ErrorIs(t, err, ErrConflict, "the same sender, identifier and sent is a duplicate")
		c := a
		c.Sent = cap.FormatTime(sent.Add(time.Minute))
		_, err = w.ExternalAlert(c, false)
		assert.NoError(t, err, "the same identifier sent later is a new message")
	})
	t.Run("Unknown severity is refused", func(t *testing.T) {
		w := newW(t, DefaultConfig())
		a := bureauAlert("b-1", "Alert", "", "Unknown", sent, sent.Add(6*time.Hour), wetLow)
		_, err := w.ExternalAlert(a, false)
		assert.ErrorContains(t, err, "severity Unknown")
		assert.ErrorContains(t, CheckExternal(a), "severity Unknown")
	})
}

// TestExternalWaitsForEffectiveAndOnset: an alert that takes effect later acts from then.
func TestExternalWaitsForEffectiveAndOnset(t *testing.T) {
	sent := t0.Add(time.Hour)
	for name, set := range map[string]func(*cap.Info, string){
		"effective": func(in *cap.Info, s string) { in.Effective = s },
		"onset":     func(in *cap.Info, s string) { in.Onset = s },
	} {
		t.Run(name, func(t *testing.T) {
			w := newW(t, DefaultConfig())
			a := bureauAlert("b-1", "Alert", "", "Severe", sent, sent.Add(6*time.Hour), wetLow)
			set(&a.Info[0], cap.FormatTime(sent.Add(2*time.Hour)))
			_, err := w.ExternalAlert(a, false)
			require.NoError(t, err)
			assert.Nil(t, find(step(t, w, sent.Add(time.Hour)), ChangeIssued, ScopeGrid, "wet-low"), "not yet")
			g := find(step(t, w, sent.Add(2*time.Hour)), ChangeIssued, ScopeGrid, "wet-low")
			require.NotNil(t, g, "from then")
			assert.True(t, sent.Add(2*time.Hour).Equal(g.Time), "the warning starts at %v", g.Time)
		})
	}
}

// TestCAPLifecycle: one identifier per episode, an Update per level change
// referencing the message before, a Cancel when it clears, expires on every
// message, and the ended episode still answerable.
func TestCAPLifecycle(t *testing.T) {
	w, id, end := oneEpisode(t, 60) // 60 mm in 3 h: orange
	assert.Equal(t, "test-village-wet-rain-20220512T070000Z", id)
	rainEven(t, w, "g1", 60, 6, end.Add(time.Hour)) // 120 mm in 3 h: red
	step(t, w, end.Add(time.Hour))
	assert.Equal(t, []string{id}, w.CAPEpisodes(), "a level change keeps the identifier")
	// Dry for a day: the warning clears.
	for h := 2; h <= 30; h++ {
		require.NoError(t, w.Rain("g1", 0, 60, end.Add(time.Duration(h)*time.Hour)))
		require.NoError(t, w.Rain("g2", 0, 60, end.Add(time.Duration(h)*time.Hour)))
		step(t, w, end.Add(time.Duration(h)*time.Hour))
	}
	assert.Empty(t, w.Active())
	msgs := w.CAPMessages(id)
	var types []string
	for _, m := range msgs {
		types = append(types, m.MsgType)
	}
	require.Equal(t, "Alert", types[0])
	require.Equal(t, "Cancel", types[len(types)-1])
	for _, ty := range types[1 : len(types)-1] {
		assert.Equal(t, "Update", ty)
	}
	var prev cap.Alert
	for i := range msgs {
		a, err := w.CAPAlert(id, i, false, cst)
		require.NoError(t, err)
		assert.Equal(t, id, a.Identifier)
		assert.Equal(t, msgs[i].MsgType, a.MsgType)
		for _, in := range a.Info {
			exp, err := cap.ParseTime(in.Expires)
			require.NoError(t, err, "every message has expires")
			assert.True(t, exp.Equal(msgs[i].Sent.Add(CAPValidFor)))
		}
		if i > 0 {
			assert.Equal(t, prev.Sender+","+prev.Identifier+","+prev.Sent, a.References)
			ps, _ := cap.ParseTime(prev.Sent)
			s, _ := cap.ParseTime(a.Sent)
			assert.True(t, s.After(ps), "sent strictly increases")
		} else {
			assert.Empty(t, a.References)
		}
		prev = a
	}
	assert.Contains(t, prev.Info[0].Headline, "解除")
	assert.Equal(t, "AllClear", prev.Info[0].ResponseType[0])
	last, err := w.CAPAlert(id, -1, false, cst)
	require.NoError(t, err)
	assert.Equal(t, "Cancel", last.MsgType, "the cleared episode still answers with its Cancel")
}

func TestCAPRetention(t *testing.T) {
	l := newCAPLedger()
	w := &Warnings{cap: l, sc: testScenario()}
	at := t0
	for i := range 3 {
		c := Change{Type: ChangeIssued, Kind: KindRain, Scope: ScopeVillage, ID: "wet", Level: Yellow, Time: at}
		w.capRecord(c)
		c.Type, c.Time = ChangeCleared, at.Add(time.Hour)
		w.capRecord(c)
		at = at.Add(time.Duration(i+1) * 24 * time.Hour)
	}
	// Ended at t0+1h, t0+25h, t0+73h: the first is older than 48 h before the last.
	assert.Len(t, w.CAPEpisodes(), 2)
}

func TestExternalAlertKeepsItsEventName(t *testing.T) {
	w := newW(t, DefaultConfig())
	sent := t0.Add(time.Hour)
	a := bureauAlert("KSTO1055887203", "Alert", "", "Severe", sent, sent.Add(6*time.Hour), wetLow)
	a.Info[0].Event, a.Info[0].Language = "SEVERE THUNDERSTORM", "en-US"
	_, err := w.ExternalAlert(a, false)
	require.NoError(t, err)
	step(t, w, sent)
	found := false
	for _, id := range w.CAPEpisodes() {
		out, err := w.CAPAlert(id, -1, false, cst)
		require.NoError(t, err)
		if out.Info[0].Parameter[0].Value == Orange {
			found = true
			assert.Equal(t, "SEVERE THUNDERSTORM", out.Info[0].Event, id)
			assert.Equal(t, "SEVERE THUNDERSTORM", out.Info[1].Event, id)
			assert.NotContains(t, out.Info[1].Headline, "Rainstorm")
		}
	}
	assert.True(t, found)
}

// oneEpisode: mm in 3 h at g1 (ending at the returned time) makes village wet's one CAP episode.
func oneEpisode(t *testing.T, mm float64) (*Warnings, string, time.Time) {
	t.Helper()
	w := newW(t, DefaultConfig())
	end := t0.Add(3 * time.Hour)
	rainEven(t, w, "g1", mm, 18, end)
	step(t, w, end)
	ids := w.CAPEpisodes()
	require.Len(t, ids, 1, "the village's rain signal only: gauges are their village's")
	return w, ids[0], end
}

func TestCAPAlertOfAWarning(t *testing.T) {
	w, id, end := oneEpisode(t, 120)
	a, err := w.CAPAlert(id, -1, true, cst)
	require.NoError(t, err)
	assert.Equal(t, "Exercise", a.Status)
	assert.Equal(t, "floodcmd@test", a.Sender)
	assert.Equal(t, "2022-05-12T15:00:00+08:00", a.Sent)
	assert.Equal(t, "Extreme", a.Info[0].Severity)
	assert.Equal(t, "暴雨红色预警", a.Info[0].Event)
	assert.Equal(t, "22,112.9 22,112.91 22.01,112.91 22.01,112.9 22,112.9", a.Info[0].Area[0].Polygon[0])
	// Read back by another town's warnings (in a drill, as it is an Exercise), it keeps its level.
	w2 := newW(t, DefaultConfig())
	_, err = w2.ExternalAlert(a, true)
	require.NoError(t, err)
	cs := w2.Evaluate(end)
	assert.Equal(t, Red, find(cs, ChangeIssued, ScopeGrid, "wet-low").Level)
}

// TestCAPRenewal: a warning that holds at one level for days is renewed by an
// Update before its message expires.
func TestCAPRenewal(t *testing.T) {
	w, id, end := oneEpisode(t, 60)
	ids := []string{id}
	require.NoError(t, w.Level("res", 30, end.Add(11*time.Hour)))
	assert.Len(t, w.CAPMessages(ids[0]), 1, "not yet half-way")
	require.NoError(t, w.Level("res", 30, end.Add(12*time.Hour)))
	msgs := w.CAPMessages(ids[0])
	require.Len(t, msgs, 2)
	assert.Equal(t, "Update", msgs[1].MsgType)
	assert.Equal(t, msgs[0].Level, msgs[1].Level)
	assert.True(t, msgs[1].Replaces.Equal(msgs[0].Sent))
}
