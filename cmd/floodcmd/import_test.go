package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/scenario"
)

// writeBook saves rows as an .xlsx the way a town clerk types it.
func writeBook(t *testing.T, path string, rows [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, f.SetSheetRow("Sheet1", cell, &r))
	}
	require.NoError(t, f.SaveAs(path))
}

// TestImportRealTownAndServe is the walkthrough of docs/NEW_TOWN.md on a real
// OpenStreetMap extract (Andorra, ODbL): import the map, check it, type the
// roster and the registry in Excel, import them, serve the town and route on it.
func TestImportRealTownAndServe(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "andorra")
	var out bytes.Buffer
	err := run(context.Background(), []string{"import", "osm", "--osm", "../../osm/testdata/andorra-latest.osm.bz2",
		"--bbox", "1.30,42.30,1.90,42.80", "--town", "andorra", "--name", "安道尔", "--name-en", "Andorra",
		"--village-levels", "7", "--out", dir}, os.Getenv, &out)
	require.NoError(t, err, out.String())
	for _, want := range []string{"roads: ", "dropped, not connected to the main network", "candidate shelters: ", "villages: 7, grids: 7",
		"still missing:", "安道尔 Andorra (andorra): OK", "1 connected piece(s)", "warning: shelters.geojson", "more like these",
		"warning: roster.csv: no responders"} {
		assert.Contains(t, out.String(), want)
	}

	fsys, err := scenario.Open(dir)
	require.NoError(t, err)
	sc, err := geo.LoadScenario(fsys)
	require.NoError(t, err)
	v, g := sc.Villages[0], sc.Grids[0]

	roster := filepath.Join(t.TempDir(), "花名册.xlsx")
	writeBook(t, roster, [][]any{
		{"安道尔应急队伍花名册"},
		{"姓名", "级别", "村", "队伍", "能力", "电话"},
		{"Joan Puig", "镇级", v.Name, "Bombers", "转移、冲锋舟", 37600000001},
		{"Maria Font", "村级", v.ID, "Creu Roja", "医疗", 37600000002},
	})
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"import", "roster", "--xlsx", roster, "--scenario", dir}, os.Getenv, &out), out.String())
	assert.Contains(t, out.String(), "2 rows written to "+filepath.Join(dir, "roster.csv"))

	registry := filepath.Join(t.TempDir(), "住户.xlsx")
	writeBook(t, registry, [][]any{
		{"户编号", "网格", "地址", "人口", "80岁以上", "卧床"},
		{"h1", g.Name, "Carrer Major 1", 3, 1, ""},
		{"h2", g.ID, "Carrer Major 2", 2, "", 1},
	})
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"import", "households", "--xlsx", registry, "--scenario", dir}, os.Getenv, &out), out.String())
	assert.Contains(t, out.String(), "2 rows written")

	// A bad sheet writes nothing and names each bad cell.
	bad := filepath.Join(t.TempDir(), "bad.xlsx")
	writeBook(t, bad, [][]any{{"姓名", "级别", "能力", "电话"}, {"Joan", "乡级", "转移", 1}, {"", "镇级", "", 2}})
	out.Reset()
	err = run(context.Background(), []string{"import", "roster", "--xlsx", bad, "--scenario", dir}, os.Getenv, &out)
	require.Error(t, err)
	assert.Contains(t, out.String(), `row 2, column B (级别), value "乡级": must be "town" or "village"`)
	assert.Contains(t, out.String(), `row 3, column A (姓名), value "": must not be empty`)
	assert.Contains(t, out.String(), `row 3, column C (能力)`)
	kept, err := os.ReadFile(filepath.Join(dir, "roster.csv"))
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(string(kept), "\n"), "the good roster is still there")

	// Re-importing the map (new roads) keeps the town's own shelters and villages.
	shelters := filepath.Join(dir, "shelters.geojson")
	edited := []byte(`{"type":"FeatureCollection","features":[]}`)
	require.NoError(t, os.WriteFile(shelters, edited, 0o644))
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"import", "osm", "--osm", "../../osm/testdata/andorra-latest.osm.bz2",
		"--bbox", "1.30,42.30,1.90,42.80", "--town", "andorra", "--village-levels", "7", "--out", dir}, os.Getenv, &out), out.String())
	assert.Contains(t, out.String(), "kept the town's own grids.geojson, shelters.geojson, town.geojson, villages.geojson")
	got, err := os.ReadFile(shelters)
	require.NoError(t, err)
	assert.Equal(t, edited, got)
	_, err = os.Stat(filepath.Join(dir, "osm-latest", "shelters.geojson"))
	require.NoError(t, err)

	out.Reset()
	require.NoError(t, run(context.Background(), []string{"check", "--scenario", dir}, os.Getenv, &out), out.String())
	assert.Contains(t, out.String(), "responders: 1 town-level, 1 village-level")
	assert.Contains(t, out.String(), "household registry: 2 households, 5 people")

	p := startServe(t, t.TempDir(), nil, "--town", "andorra", "--scenario", dir)
	p.waitReady(t)
	var r routeReply
	// Andorra la Vella to Encamp, about 8 km by the CG-2
	require.Equal(t, 200, getJSON(t, p.url("/api/route?from=42.5075,1.5218&to=42.5345,1.5805"), &r))
	assert.Greater(t, r.Meters, 5000.0)
	assert.Less(t, r.Meters, 15000.0)
	assert.NotEmpty(t, r.Roads)
	t.Logf("Andorra la Vella → Encamp: %.1f km, %.1f min over %d road sections", r.Meters/1000, r.Seconds/60, len(r.Roads))
}
