package osm

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/floodcmd/floodcmd/geo"
)

// FuzzParseMaxspeed: any maxspeed value gives either no speed or a finite
// one in (0, 300] km/h, which geo accepts.
func FuzzParseMaxspeed(f *testing.F) {
	for _, s := range []string{"50", "30 mph", "10 knots", "CN:urban", "RU:rural", "walk", "none", "50;30", "1e400", "-5",
		"NaN", "inf", "0x10", "80 km/h", "DE:zone:30", ":", "", "  ", "120kn", "signals", "300.0000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kmh, ok := ParseMaxspeed(s)
		if ok && (math.IsNaN(kmh) || kmh <= 0 || kmh > 300) {
			t.Fatalf("ParseMaxspeed(%q) = %v, true", s, kmh)
		}
		if !ok && kmh != 0 {
			t.Fatalf("ParseMaxspeed(%q) = %v, false", s, kmh)
		}
	})
}

// FuzzParseOneway: every combination gives one of the three directions, and
// an explicit oneway=no always wins over a roundabout or a motorway.
func FuzzParseOneway(f *testing.F) {
	for _, s := range [][2]string{{"yes", ""}, {"-1", ""}, {"no", "roundabout"}, {"", "circular"}, {"reversible", ""}, {"YES ", ""}, {"1", "x"}} {
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, oneway, junction string, implied bool) {
		d := ParseOneway(oneway, junction, implied)
		if d != BothWays && d != Forward && d != Backward {
			t.Fatalf("direction %d", d)
		}
		if strings.EqualFold(strings.TrimSpace(oneway), "no") && d != BothWays {
			t.Fatalf("oneway=no gave %d", d)
		}
	})
}

// FuzzImportXML: arbitrary bytes as an .osm file never panic the importer,
// and whatever it imports loads in geo without a single problem.
func FuzzImportXML(f *testing.F) {
	dir := f.TempDir()
	if err := townFixture().writeXML(filepath.Join(dir, "seed.osm")); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(filepath.Join(dir, "seed.osm"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`<osm><node id="1" lat="22.01" lon="113.01"/><node id="2" lat="22.01" lon="113.01"/><way id="3"><nd ref="1"/><nd ref="2"/><nd ref="9"/><tag k="highway" v="primary"/><tag k="maxspeed" v="-1 mph"/></way></osm>`))
	f.Add([]byte(`<osm><relation id="1"><member type="way" ref="5" role="outer"/><tag k="boundary" v="administrative"/><tag k="admin_level" v="10"/></relation><way id="5"><nd ref="1"/><nd ref="1"/></way></osm>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.osm")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Import(context.Background(), Source{Path: path}, Options{Town: "fuzz", Outline: fixtureOutline, Illustrative: true})
		if err != nil {
			return
		}
		out := filepath.Join(t.TempDir(), "scenario")
		if err := res.Write(out); err != nil {
			t.Fatal(err)
		}
		if _, err := geo.LoadScenario(os.DirFS(out)); err != nil {
			t.Fatalf("the import does not load: %v", err)
		}
	})
}
