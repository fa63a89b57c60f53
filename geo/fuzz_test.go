package geo_test

import (
	"testing"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/geo"
)

// FuzzLoadFeatureCollection feeds arbitrary bytes as a scenario file next to a
// valid town and village file: loading must never panic, and whatever loads
// must be usable by the graph and the locator.
func FuzzLoadFeatureCollection(f *testing.F) {
	f.Add([]byte(fc(feat(`"id":"r-1","kind":"road","name":"路","name_en":"R","class":"track","speed_kmh":15,"oneway":true`, line0))))
	f.Add([]byte(fc(feat(`"id":"g","kind":"grid","name":"格","name_en":"G","village":"v1","population":1,"households":1`,
		`{"type":"MultiPolygon","coordinates":[[[[113,22],[113.1,22],[113.1,22.1]]]]}`))))
	f.Add([]byte(fc(feat(`"id":"h","kind":"hazard","name":"险","name_en":"H","hazard_kind":"dike"`,
		`{"type":"Polygon","coordinates":[[[113,22],[113.1,22],[113.1,22.1]],[]]}`))))
	f.Add([]byte(`{"type":"FeatureCollection","features":[null,{},[],{"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[1e308,-1e308]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"x","kind":"shelter","capacity_day":1e30},"geometry":{"type":"GeometryCollection","geometries":[]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := geo.LoadScenario(base(map[string]string{"fuzz.geojson": string(data)}))
		if err != nil {
			_ = err.Error()
			return
		}
		g, _ := geo.NewGraph(s.Roads, 5)
		_, _ = g.Route(orb.Point{113.01, 22.01}, orb.Point{113.02, 22.02})
		g.TravelTimesTo(orb.Point{113.01, 22.01}, []orb.Point{{113.02, 22.02}})
		loc := geo.NewLocator(s)
		loc.Locate(orb.Point{113.02, 22.05})
		for _, gr := range s.Grids {
			loc.Locate(gr.Center)
		}
		_ = s.FeatureCollection(geo.KindRoad)
	})
}
