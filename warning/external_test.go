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

func TestExternalAlertCoversGrids(t *testing.T) {
	w := newW(t, DefaultConfig())
	sent := t0.Add(time.Hour)
	// A triangle around wet-low's interior point only.
	tri := cap.FormatPolygon(orb.Ring{{112.901, 22.004}, {112.904, 22.004}, {112.9025, 22.007}})
	a := bureauAlert("b-1", "Alert", "", "Severe", sent, sent.Add(6*time.Hour), cap.Area{AreaDesc: "x", Polygon: []string{tri}})
	require.NoError(t, w.ExternalAlert(a))
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
	require.NoError(t, w.ExternalAlert(b))
	cs = step(t, w, sent)
	assert.Equal(t, Red, find(cs, ChangeIssued, ScopeGrid, "dry-g").Level)

	// Expiry of b-1 (by now), then cancellation of b-2.
	cs = step(t, w, sent.Add(6*time.Hour))
	c := find(cs, ChangeCleared, ScopeGrid, "wet-low")
	require.NotNil(t, c)
	assert.True(t, sent.Add(6*time.Hour).Equal(c.Time), "%v", c.Time)
	cancel := bureauAlert("b-3", "Cancel", "bureau@example.cn,b-2,"+cap.FormatTime(sent), "", sent.Add(7*time.Hour), time.Time{}, cap.Area{})
	require.NoError(t, w.ExternalAlert(cancel))
	cs = step(t, w, sent.Add(7*time.Hour))
	assert.NotNil(t, find(cs, ChangeCleared, ScopeGrid, "dry-g"))
	assert.NotNil(t, find(cs, ChangeCleared, ScopeVillage, "dry"))

	assert.ErrorIs(t, w.ExternalAlert(cap.Alert{Identifier: "bad id"}), ErrInvalid)
}

func TestCAPAlertOfAWarning(t *testing.T) {
	w := newW(t, DefaultConfig())
	end := t0.Add(3 * time.Hour)
	rainEven(t, w, "g1", 120, 18, end)
	step(t, w, end)
	var village Warning
	for _, a := range w.Active() {
		if a.Scope == ScopeVillage && a.ID == "wet" {
			village = a
		}
	}
	require.Equal(t, Red, village.Level)
	a, err := w.CAPAlert(village, true, cst)
	require.NoError(t, err)
	assert.Equal(t, "Exercise", a.Status)
	assert.Equal(t, "floodcmd@test", a.Sender)
	assert.Equal(t, "2022-05-12T15:00:00+08:00", a.Sent)
	assert.Equal(t, "Extreme", a.Info[0].Severity)
	assert.Equal(t, "暴雨红色预警", a.Info[0].Event)
	assert.Equal(t, "22,112.9 22,112.91 22.01,112.91 22.01,112.9 22,112.9", a.Info[0].Area[0].Polygon[0])
	// Read back by another town's warnings, it keeps its level.
	w2 := newW(t, DefaultConfig())
	require.NoError(t, w2.ExternalAlert(a))
	cs := w2.Evaluate(end)
	assert.Equal(t, Red, find(cs, ChangeIssued, ScopeGrid, "wet-low").Level)
}
