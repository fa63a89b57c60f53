package main

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/internal/testproc"
	"github.com/floodcmd/floodcmd/store"
	"github.com/floodcmd/floodcmd/store/storetest"
)

// TestResolvedWorkLeavesTheBoardForTheHistory: with --retention 30m, an incident
// resolved more than 30 minutes ago (log time) is gone from /api/state, and
// /api/history still has it, with its assignments and their statuses; a viewer
// may not read the history, and a bad limit is a 400 that says why.
func TestResolvedWorkLeavesTheBoardForTheHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: floodcmd with PostgreSQL")
	}
	db := storetest.URL(t)
	data := t.TempDir()
	p := startServe(t, data, nil, "--db", db, "--retention", "30m")
	p.waitReady(t)
	nc, err := testConnect(t, p.natsURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	at := func(min int) string {
		return time.Date(2022, 5, 12, 23, 0, 0, 0, engine.TownZone).Add(time.Duration(min) * time.Minute).Format(time.RFC3339)
	}
	pub := func(subject, id, typ, when, data string) {
		t.Helper()
		_, err := js.Publish(t.Context(), subject, fmt.Appendf(nil, `{"specversion":"1.0","id":%q,"source":"test","type":%q,"time":%q,"data":%s}`, id, typ, when, data), jetstream.WithMsgID(id))
		require.NoError(t, err)
	}
	pub("flood.duhu.incident", "hist-1", "flood.incident.reported", at(0), `{"kind":"trapped","lat":22.062,"lon":112.912,"people":3,"note":"阳宁村"}`)
	var v engine.View
	require.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v)
		return len(v.Assignments) > 0
	}, 10*time.Second, 50*time.Millisecond, "hist-1 was not dispatched")
	first := v.Assignments[0]
	pub("flood.duhu.responder."+first.Responder, "hist-st-1", "flood.responder.status", at(2), fmt.Sprintf(`{"status":"accepted","assignment":%q}`, first.ID))
	pub("flood.duhu.command", "hist-resolve", "flood.command.resolve", at(40), `{"incident":"hist-1","operator":"值班员 王"}`)
	pub("flood.duhu.rain", "hist-rain-1", "flood.rain.observed", at(60), `{"gauge":"rain-nancun","mm":1,"minutes":10}`)
	require.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v)
		return v.Counts["applied"] == 4 && v.Counters.ResolvedIncidents == 1
	}, 10*time.Second, 50*time.Millisecond)
	assert.Len(t, v.Incidents, 1, "resolved 20 minutes ago: still on the board")

	pub("flood.duhu.rain", "hist-rain-2", "flood.rain.observed", at(75), `{"gauge":"rain-nancun","mm":1,"minutes":10}`)
	require.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v)
		return v.Counts["applied"] == 5
	}, 10*time.Second, 50*time.Millisecond)
	assert.Empty(t, v.Incidents, "resolved 35 minutes ago: gone from the live view")
	assert.Empty(t, v.Assignments, "and its assignments with it")
	assert.Equal(t, 1, v.Counters.ResolvedIncidents, "still counted")

	var h store.History
	require.Eventually(t, func() bool {
		h = store.History{}
		return getJSON(t, p.url("/api/history?from=2022-05-12&to=2022-05-13"), &h) == 200 && len(h.Incidents) == 1 && h.Incidents[0].ResolvedAt != nil && len(h.Incidents[0].Assignments) > 0 &&
			len(h.Incidents[0].Assignments[0].Statuses) > 0
	}, 15*time.Second, 100*time.Millisecond, "the history lists hist-1 resolved, with its assignments")
	inc := h.Incidents[0]
	assert.Equal(t, "hist-1", inc.ID)
	assert.Equal(t, "值班员 王", inc.ResolvedBy)
	assert.WithinDuration(t, time.Date(2022, 5, 12, 23, 0, 0, 0, engine.TownZone), inc.ReportedAt, 0)
	assert.Equal(t, first.ID, inc.Assignments[0].ID)
	assert.Equal(t, first.Responder, inc.Assignments[0].Responder)
	var statuses []string
	for _, s := range inc.Assignments[0].Statuses {
		statuses = append(statuses, s.Status)
	}
	assert.Contains(t, statuses, "accepted")

	var none store.History
	require.Equal(t, 200, getJSON(t, p.url("/api/history?from=2022-05-14&to=2022-05-15"), &none))
	assert.Empty(t, none.Incidents, "another day has nothing")
	var bad struct{ Message string }
	assert.Equal(t, 400, getJSON(t, p.url("/api/history?limit=0"), &bad))
	assert.Contains(t, bad.Message, "limit")
	out, err := exec.Command(testproc.Binary(t), "token", "--role", "viewer", "--data", data).Output()
	require.NoError(t, err)
	viewer := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	assert.Equal(t, 403, getJSON(t, p.url("/api/history"), nil, "Authorization", "Bearer "+viewer), "the viewer does not read notes and places")
}
