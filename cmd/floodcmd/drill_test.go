package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
)

// TestDrillWithSimulatedResponders: a replayed drill with --simulate runs from
// report to resolution by itself — assignments accepted, worked and done through
// the same status events phones send — and everything it sent is marked drill.
func TestDrillWithSimulatedResponders(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	drill := filepath.Join(t.TempDir(), "drill.jsonl")
	require.NoError(t, os.WriteFile(drill, []byte(`{"specversion":"1.0","id":"d-1","source":"grid/nancun","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","subject":"flood.duhu.incident","data":{"kind":"flooding","lat":22.062,"lon":112.912,"people":20}}
{"specversion":"1.0","id":"d-2","source":"grid/longhe","type":"flood.incident.reported","time":"2022-05-12T23:05:00+08:00","subject":"flood.duhu.incident","data":{"kind":"dangerous_house","lat":22.10,"lon":112.93,"people":3}}
`), 0o644))
	p := startServe(t, t.TempDir(), nil, "--replay", drill, "--speed", "600", "--simulate")
	p.waitReady(t)
	var v engine.View
	require.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v)
		return v.Counters.Incidents == 2 && v.Counters.ResolvedIncidents == 2
	}, 30*time.Second, 100*time.Millisecond, "both drill incidents resolved by simulated responders: %+v", v.Counters)
	assert.Positive(t, v.Counters.DoneAssignments)
	for _, a := range v.Assignments {
		assert.Equal(t, "done", a.Status)
		var seen []string
		for _, h := range a.History {
			seen = append(seen, h.Status)
		}
		assert.Subset(t, seen, []string{"accepted", "en_route", "on_scene", "done"}, "assignment %s went through every step", a.ID)
	}
	assert.Equal(t, v.Counts["applied"], v.Drill.Events, "every input of this run is a drill event")
	assert.Contains(t, p.out.String(), "drill simulator on")
}
