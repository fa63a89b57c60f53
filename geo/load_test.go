package geo_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/geo"
)

const townJSON = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"t","kind":"town","name":"镇","name_en":"T","code":440781107},
 "geometry":{"type":"Polygon","coordinates":[[[113,22],[113.1,22],[113.1,22.1],[113,22.1]]]}}]}`

const villagesJSON = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"id":"v1","kind":"village","name":"一村","name_en":"V1","population":100,"households":30},
  "geometry":{"type":"Polygon","coordinates":[[[113,22],[113.05,22],[113.05,22.1],[113,22.1],[113,22]]]}},
 {"type":"Feature","properties":{"id":"v2","kind":"village","name":"二村","name_en":"V2","population":100,"households":30},
  "geometry":{"type":"MultiPolygon","coordinates":[[[[113.1,22],[113.1,22.1],[113.05,22.1],[113.05,22]]]]}}]}`

func fc(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

func feat(props, geom string) string {
	return `{"type":"Feature","properties":{` + props + `},"geometry":` + geom + `}`
}

const pt0 = `{"type":"Point","coordinates":[113.01,22.01]}`
const line0 = `{"type":"LineString","coordinates":[[113.01,22.01],[113.02,22.02]]}`

func base(extra map[string]string) fstest.MapFS {
	m := fstest.MapFS{
		"town.geojson":     {Data: []byte(townJSON)},
		"villages.geojson": {Data: []byte(villagesJSON)},
	}
	for k, v := range extra {
		m[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return m
}

func TestLoadValid(t *testing.T) {
	s, err := geo.LoadScenario(base(map[string]string{
		"grids.geojson": fc(feat(`"id":"g1","kind":"grid","name":"格","name_en":"G","village":"v1","population":100,"households":30,"low_lying_share":0.5`,
			`{"type":"Polygon","coordinates":[[[113,22],[113,22.1],[113.05,22.1],[113.05,22]]]}`)), // clockwise, accepted
		"roads.geojson": fc(feat(`"id":"r-1","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15,"oneway":1,"low_lying":true,"elevation_m":-0.5`, line0)),
		"misc.geojson": fc(
			feat(`"id":"s1","kind":"shelter","name":"所","name_en":"S","shelter_kind":"school","capacity_day":10,"capacity_night":5,"village":"v1"`, pt0),
			feat(`"id":"h1","kind":"hazard","name":"险","name_en":"H","hazard_kind":"dike"`, line0),
			feat(`"id":"gg","kind":"gauge","name":"站","name_en":"Gg","gauge_kind":"river","warning_m":1,"danger_m":2`, pt0)),
		"neighbours.geojson": fc(feat(`"id":"n","kind":"town","name":"邻","name_en":"N"`,
			`{"type":"Polygon","coordinates":[[[114,22],[114.1,22],[114.1,22.1]]]}`)),
	}))
	require.NoError(t, err)
	assert.Equal(t, "440781107", s.Town.Code)
	assert.Len(t, s.Villages, 2)
	assert.True(t, s.Roads[0].Oneway)
	assert.Equal(t, -0.5, *s.Roads[0].ElevationM)
	assert.Equal(t, "n", s.Neighbours[0].ID)
	assert.IsType(t, orb.LineString{}, s.Hazards[0].Geometry)
	assert.Equal(t, 2.0, s.Gauges[0].DangerM)
	loc := geo.NewLocator(s)
	v, g, ok := loc.Locate(orb.Point{113.02, 22.05})
	assert.Equal(t, []any{"v1", "g1", true}, []any{v, g, ok})
	v, g, ok = loc.Locate(orb.Point{113.07, 22.05})
	assert.Equal(t, []any{"v2", "", true}, []any{v, g, ok})
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"geometry":{"type":"LineString"`)
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		data   string
		id     string
		reason string
	}{
		{"not json", "roads.geojson", `{"type":`, "", "not valid GeoJSON"},
		{"not a collection", "roads.geojson", `{"type":"Feature"}`, "", `want "FeatureCollection"`},
		{"features not array", "roads.geojson", `{"type":"FeatureCollection","features":{}}`, "", `"features" must be an array`},
		{"feature not object", "roads.geojson", fc(`42`), "#0", "not a JSON object"},
		{"missing id", "roads.geojson", fc(feat(`"kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15`, line0)), "#0", `missing property "id"`},
		{"bad slug", "roads.geojson", fc(feat(`"id":"Road 1","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15`, line0)), "Road 1", "not a slug"},
		{"missing name", "roads.geojson", fc(feat(`"id":"r","kind":"road","name_en":"R","class":"track","speed_kmh":15`, line0)), "r", `missing property "name"`},
		{"unknown kind", "roads.geojson", fc(feat(`"id":"r","kind":"bridge","name":"桥","name_en":"B"`, line0)), "r", `unknown kind "bridge"`},
		{"wrong geometry", "roads.geojson", fc(feat(`"id":"r","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15`, pt0)), "r", `geometry type "Point" is wrong for kind "road"`},
		{"missing geometry", "roads.geojson", fc(`{"type":"Feature","properties":{"id":"r","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15},"geometry":null}`), "r", "missing geometry"},
		{"lat lon swapped", "misc.geojson", fc(feat(`"id":"s","kind":"shelter","name":"所","name_en":"S","shelter_kind":"school","capacity_day":1,"capacity_night":1`, `{"type":"Point","coordinates":[22.0,113.0]}`)), "s", "out of range"},
		{"short ring", "grids.geojson", fc(feat(`"id":"g","kind":"grid","name":"格","name_en":"G","village":"v1","population":1,"households":1`, `{"type":"Polygon","coordinates":[[[113,22],[113.1,22]]]}`)), "g", "at least 4"},
		{"string coordinate", "roads.geojson", fc(feat(`"id":"r","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15`, `{"type":"LineString","coordinates":[["113",22],[113.1,22]]}`)), "r", "coordinates must be"},
		{"one-point line", "roads.geojson", fc(feat(`"id":"r","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15`, `{"type":"LineString","coordinates":[[113,22]]}`)), "r", "at least 2 points"},
		{"unknown village", "grids.geojson", fc(feat(`"id":"g","kind":"grid","name":"格","name_en":"G","village":"nowhere","population":1,"households":1`, `{"type":"Polygon","coordinates":[[[113,22],[113.1,22],[113.1,22.1]]]}`)), "g", `village "nowhere" does not exist`},
		{"negative population", "grids.geojson", fc(feat(`"id":"g","kind":"grid","name":"格","name_en":"G","village":"v1","population":-5,"households":1`, `{"type":"Polygon","coordinates":[[[113,22],[113.1,22],[113.1,22.1]]]}`)), "g", `"population" is negative`},
		{"fractional households", "grids.geojson", fc(feat(`"id":"g","kind":"grid","name":"格","name_en":"G","village":"v1","population":5,"households":1.5`, `{"type":"Polygon","coordinates":[[[113,22],[113.1,22],[113.1,22.1]]]}`)), "g", "whole number"},
		{"share above one", "grids.geojson", fc(feat(`"id":"g","kind":"grid","name":"格","name_en":"G","village":"v1","population":5,"households":1,"low_lying_share":1.5`, `{"type":"Polygon","coordinates":[[[113,22],[113.1,22],[113.1,22.1]]]}`)), "g", "want 0..1"},
		{"zero speed", "roads.geojson", fc(feat(`"id":"r","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":0`, line0)), "r", "more than 0"},
		{"speed as text", "roads.geojson", fc(feat(`"id":"r","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":"fast"`, line0)), "r", "must be a number"},
		{"unknown class", "roads.geojson", fc(feat(`"id":"r","kind":"road","name":"路","name_en":"R","class":"motorway","speed_kmh":100`, line0)), "r", `"class" is "motorway"`},
		{"bad oneway", "roads.geojson", fc(feat(`"id":"r","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15,"oneway":"maybe"`, line0)), "r", "true or false"},
		{"zero-length road", "roads.geojson", fc(feat(`"id":"r","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15`, `{"type":"LineString","coordinates":[[113,22],[113,22]]}`)), "r", "zero length"},
		{"duplicate id", "roads.geojson", fc(
			feat(`"id":"r","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15`, line0),
			feat(`"id":"r","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15`, line0)), "r", "duplicate road id"},
		{"level gauge without levels", "misc.geojson", fc(feat(`"id":"g","kind":"gauge","name":"站","name_en":"G","gauge_kind":"reservoir"`, pt0)), "g", `missing property "warning_m"`},
		{"danger below warning", "misc.geojson", fc(feat(`"id":"g","kind":"gauge","name":"站","name_en":"G","gauge_kind":"river","warning_m":3,"danger_m":2`, pt0)), "g", "below warning_m"},
		{"second town", "zz.geojson", fc(feat(`"id":"t2","kind":"town","name":"镇","name_en":"T"`, `{"type":"Polygon","coordinates":[[[113,22],[113.1,22],[113.1,22.1]]]}`)), "t2", "more than one town"},
		{"hazard kind", "misc.geojson", fc(feat(`"id":"h","kind":"hazard","name":"险","name_en":"H","hazard_kind":"volcano"`, pt0)), "h", `"hazard_kind" is "volcano"`},
		{"huge number", "misc.geojson", fc(feat(`"id":"s","kind":"shelter","name":"所","name_en":"S","shelter_kind":"school","capacity_day":1e999,"capacity_night":1`, pt0)), "#0", "cannot be read"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := geo.LoadScenario(base(map[string]string{tc.file: tc.data}))
			assert.Nil(t, s)
			var ps *geo.Problems
			require.True(t, errors.As(err, &ps), "want *geo.Problems, got %v", err)
			found := false
			for _, p := range ps.List {
				if p.File == tc.file && p.FeatureID == tc.id && strings.Contains(p.Reason, tc.reason) {
					found = true
				}
			}
			assert.True(t, found, "want %s/%s: %q in\n%v", tc.file, tc.id, tc.reason, err)
		})
	}
}

func TestLoadReportsAllProblemsTogether(t *testing.T) {
	_, err := geo.LoadScenario(fstest.MapFS{
		"villages.geojson": {Data: []byte(villagesJSON)},
		"roads.geojson": {Data: []byte(fc(
			feat(`"id":"r1","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":-1`, line0),
			feat(`"id":"r2","kind":"road","name":"","name_en":"R","class":"track","speed_kmh":15`, pt0),
			feat(`"id":"r3","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15`, `{"type":"LineString","coordinates":[[113,22],[200,22]]}`),
		))},
		"broken.geojson": {Data: []byte(`nope`)},
	})
	var ps *geo.Problems
	require.ErrorAs(t, err, &ps)
	t.Log(err)
	assert.GreaterOrEqual(t, len(ps.List), 6)
	msg := err.Error()
	for _, want := range []string{"broken.geojson: not valid GeoJSON", "r1: property \"speed_kmh\" is negative",
		"r2: property \"name\" is empty", "r2: geometry type \"Point\"", "r3: LineString geometry: point 1", "no town feature"} {
		assert.Contains(t, msg, want)
	}
	assert.Len(t, strings.Split(msg, "\n"), len(ps.List)+1) // a header, then one line per problem
}

func TestLoadEmptyFolder(t *testing.T) {
	_, err := geo.LoadScenario(fstest.MapFS{"README.md": {Data: []byte("hi")}})
	assert.ErrorContains(t, err, "no .geojson files")
}
