package osm

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/geo"
)

// townFixture is a small town, 3 km square at 113.00–113.03 E, 22.00–22.03 N,
// with one case of each tag the importer reads.
func townFixture() *fixture {
	f := &fixture{}
	node := func(id int64, lon, lat float64, tags map[string]string) {
		f.nodes = append(f.nodes, fnode{id: id, lon: lon, lat: lat, tags: tags})
	}
	way := func(id int64, tags map[string]string, nodes ...int64) {
		f.ways = append(f.ways, fway{id: id, nodes: nodes, tags: tags})
	}
	var main []int64
	for i := int64(0); i <= 30; i++ { // main street, 3.1 km east–west at 22.015
		node(1+i, 113.0+float64(i)*0.001, 22.015, nil)
		main = append(main, 1+i)
	}
	way(100, map[string]string{"highway": "primary", "name": "主街", "name:en": "Main Street", "maxspeed": "50"}, main...)
	// one-way north–south street crossing main street at its node 16 (113.015)
	node(201, 113.015, 22.011, nil)
	node(202, 113.015, 22.013, nil)
	node(203, 113.015, 22.017, nil)
	node(204, 113.015, 22.019, nil)
	way(101, map[string]string{"highway": "residential", "oneway": "yes"}, 201, 202, 16, 203, 204)
	// oneway=-1 from node 301 (north) down to the main street's east end (node 31)
	node(301, 113.029, 22.018, nil)
	node(302, 113.029, 22.021, nil)
	way(102, map[string]string{"highway": "tertiary", "oneway": "-1", "name": "东巷"}, 31, 301, 302)
	// a bridge south from node 5
	node(401, 113.004, 22.012, nil)
	node(402, 113.004, 22.009, nil)
	way(103, map[string]string{"highway": "secondary", "bridge": "yes", "name": "潭江大桥", "maxspeed": "30 mph"}, 5, 401, 402)
	// a track touching nothing: a disconnected piece
	node(501, 113.020, 22.025, nil)
	node(502, 113.022, 22.026, nil)
	way(104, map[string]string{"highway": "track"}, 501, 502)
	// a road leaving the town westwards: cut at the boundary
	node(601, 112.995, 22.015, nil)
	node(602, 112.990, 22.015, nil)
	way(105, map[string]string{"highway": "unclassified"}, 2, 601, 602)
	node(701, 113.001, 22.020, nil)
	way(106, map[string]string{"highway": "footway"}, 2, 701)
	way(107, map[string]string{"highway": "construction"}, 3, 701)
	// a roundabout on main street at node 21 (113.020)
	node(801, 113.0205, 22.0155, nil)
	node(802, 113.0200, 22.0160, nil)
	node(803, 113.0195, 22.0155, nil)
	way(108, map[string]string{"highway": "tertiary", "junction": "roundabout"}, 21, 801, 802, 803, 21)
	// waterways
	node(901, 113.000, 22.010, nil)
	node(902, 113.015, 22.008, nil)
	node(903, 113.035, 22.007, nil)
	way(200, map[string]string{"waterway": "river", "name": "潭江", "name:en": "Tanjiang"}, 901, 902, 903)
	node(911, 113.010, 22.020, nil)
	node(912, 113.012, 22.025, nil)
	way(201, map[string]string{"waterway": "ditch"}, 911, 912)
	// candidate shelters: a school node and a town hall outline
	node(1001, 113.006, 22.016, map[string]string{"amenity": "school", "name": "都斛中学"})
	node(1101, 113.024, 22.012, nil)
	node(1102, 113.025, 22.012, nil)
	node(1103, 113.025, 22.013, nil)
	node(1104, 113.024, 22.013, nil)
	way(202, map[string]string{"amenity": "townhall", "name": "镇政府", "building": "yes"}, 1101, 1102, 1103, 1104, 1101)
	// places: two inside, one outside
	node(1201, 113.022, 22.020, map[string]string{"place": "village", "name": "东村", "name:en": "Dongcun", "population": "1200"})
	node(1202, 113.008, 22.020, map[string]string{"place": "village", "name": "西村"})
	node(1203, 112.980, 22.020, map[string]string{"place": "hamlet", "name": "外村"})
	return f
}

var fixtureOutline = orb.MultiPolygon{orb.Bound{Min: orb.Point{113.0, 22.0}, Max: orb.Point{113.03, 22.03}}.ToPolygon()}

func importFixture(t *testing.T, f *fixture, ext string) (*Result, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "town"+ext)
	var err error
	if ext == ".osm.pbf" {
		err = f.writePBF(path)
	} else {
		err = f.writeXML(path)
	}
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(context.Background(), Source{Path: path},
		Options{Town: "testtown", Name: "测试镇", NameEn: "Test Town", Outline: fixtureOutline, Illustrative: true})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "scenario")
	if err := res.Write(out); err != nil {
		t.Fatal(err)
	}
	return res, out
}

func byID(feats []Feature) map[string]Feature {
	m := map[string]Feature{}
	for _, f := range feats {
		m[f.Properties["id"].(string)] = f
	}
	return m
}

func TestImportFixture(t *testing.T) {
	res, dir := importFixture(t, townFixture(), ".osm")
	rep := res.Report
	if rep.RoadsCut != 1 || rep.RoadsOutside != 0 || rep.DisconnectedPieces != 1 || rep.DisconnectedNetworks != 1 {
		t.Errorf("cut %d, outside %d, disconnected %d in %d networks; want 1, 0, 1, 1", rep.RoadsCut, rep.RoadsOutside, rep.DisconnectedPieces, rep.DisconnectedNetworks)
	}
	if rep.Excluded["highway=footway (footpaths need --paths)"] != 1 || rep.Excluded["highway=construction"] != 1 {
		t.Errorf("excluded %v", rep.Excluded)
	}
	roads := byID(res.Files["roads.geojson"])
	for _, id := range []string{"w100-1", "w100-2", "w100-3", "w101-1", "w102-1", "w103-1", "w105-1", "w108-1"} {
		if _, ok := roads[id]; !ok {
			t.Errorf("road section %s missing (have %d sections)", id, len(roads))
		}
	}
	if _, ok := roads["w104-1"]; ok {
		t.Error("the disconnected track was kept")
	}
	if len(roads) != 8 {
		t.Errorf("%d road sections, want 8", len(roads))
	}
	// sections of about a kilometre, joined end to end
	var total float64
	for k := 1; k <= 3; k++ {
		l := roads["w100-"+string(rune('0'+k))].Geometry.(orb.LineString)
		m := lineMeters(l)
		total += m
		if m < 700 || m > 1400 {
			t.Errorf("section w100-%d is %.0f m, want about 1 km", k, m)
		}
	}
	if w := lineMeters(orb.LineString{{113.0, 22.015}, {113.03, 22.015}}); total < w-1 || total > w+1 {
		t.Errorf("main street sections add up to %.1f m, the street is %.1f m", total, w)
	}
	p := func(id, key string) any { return roads[id].Properties[key] }
	if p("w100-1", "speed_kmh") != 50.0 || p("w103-1", "speed_kmh") != 48.3 || p("w101-1", "speed_kmh") != roadClasses["residential"].speedKmh {
		t.Errorf("speeds %v %v %v", p("w100-1", "speed_kmh"), p("w103-1", "speed_kmh"), p("w101-1", "speed_kmh"))
	}
	if p("w101-1", "oneway") != true || p("w102-1", "oneway") != true || p("w108-1", "oneway") != true || p("w100-1", "oneway") != nil {
		t.Error("oneway wrong: want residential oneway=yes, oneway=-1 and the roundabout one-way, main street two-way")
	}
	if l := roads["w102-1"].Geometry.(orb.LineString); l[0] != (orb.Point{113.029, 22.021}) || l[len(l)-1] != (orb.Point{113.03, 22.015}) {
		t.Errorf("oneway=-1 road not reversed: %v", l)
	}
	if p("w103-1", "bridge") != true || p("w103-1", "class") != "secondary" || p("w103-1", "osm_id") != int64(103) {
		t.Errorf("bridge properties %v", roads["w103-1"].Properties)
	}
	if p("w101-1", "name") != "无名居民区道路" || p("w101-1", "name_en") != "unnamed residential street" {
		t.Errorf("unnamed road named %v / %v", p("w101-1", "name"), p("w101-1", "name_en"))
	}
	if l := roads["w105-1"].Geometry.(orb.LineString); len(l) != 2 || l[1] != (orb.Point{113.0, 22.015}) {
		t.Errorf("the road leaving westwards should end where it crosses the boundary: %v", l)
	}

	rivers := byID(res.Files["rivers.geojson"])
	if rivers["w200-1"].Properties["river_kind"] != "river" || rivers["w201-1"].Properties["river_kind"] != "channel" || len(rivers) != 2 {
		t.Errorf("rivers %v", rivers)
	}
	if l := rivers["w200-1"].Geometry.(orb.LineString); len(l) != 3 || l[2][0] != 113.03 {
		t.Errorf("the river should end where it crosses the town's east edge: %v", l)
	}
	shelters := byID(res.Files["shelters.geojson"])
	if len(shelters) != 2 || shelters["n1001"].Properties["shelter_kind"] != "school" || shelters["w202"].Properties["shelter_kind"] != "town_hall" {
		t.Fatalf("shelters %v", shelters)
	}
	for id, s := range shelters {
		if s.Properties["verify"] != true || s.Properties["capacity_day"] != nil {
			t.Errorf("shelter %s: %v", id, s.Properties)
		}
	}
	if shelters["n1001"].Properties["village"] != "n1202" || shelters["w202"].Properties["village"] != "n1201" {
		t.Errorf("shelters in villages %v, %v", shelters["n1001"].Properties["village"], shelters["w202"].Properties["village"])
	}
	villages := byID(res.Files["villages.geojson"])
	if len(villages) != 2 || villages["n1201"].Properties["population"] != 1200 || villages["n1201"].Properties["illustrative"] != true {
		t.Errorf("villages %v", villages)
	}

	// the folder loads as serve would, with warnings, and routes respect one-way streets
	sc, err := geo.LoadScenario(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Warnings) != 2 || !strings.Contains(sc.Warnings[0].Reason, "capacity_day and capacity_night") {
		t.Errorf("warnings %v", sc.Warnings)
	}
	var area float64
	for _, v := range sc.Villages {
		area += areaOf(v.Area)
	}
	if whole := areaOf(fixtureOutline); area < whole*0.999 || area > whole*1.001 {
		t.Errorf("villages cover %.6f of the town's %.6f", area, whole)
	}
	g, gr := geo.NewGraph(sc.Roads, 5)
	if gr.Components != 1 {
		t.Fatalf("graph in %d pieces", gr.Components)
	}
	south, north := orb.Point{113.015, 22.011}, orb.Point{113.015, 22.019}
	if _, err := g.Route(south, north); err != nil {
		t.Errorf("along the one-way street: %v", err)
	}
	if _, err := g.Route(north, south); !errors.Is(err, geo.ErrUnreachable) {
		t.Errorf("against the one-way street from its dead end: want unreachable, got %v", err)
	}
}

func areaOf(mp orb.MultiPolygon) float64 {
	a := 0.0
	for _, p := range mp {
		for i, r := range p {
			s := 0.0
			for j := 0; j+1 < len(r); j++ {
				s += r[j][0]*r[j+1][1] - r[j+1][0]*r[j][1]
			}
			if i == 0 {
				a += abs(s) / 2
			} else {
				a -= abs(s) / 2
			}
		}
	}
	return a
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// The same extract as PBF (written by the test's own writer) imports to
// byte-identical files: the two readers agree.
func TestImportPBFMatchesXML(t *testing.T) {
	x, _ := importFixture(t, townFixture(), ".osm")
	p, _ := importFixture(t, townFixture(), ".osm.pbf")
	for name, feats := range x.Files {
		a, _ := json.Marshal(feats)
		b, _ := json.Marshal(p.Files[name])
		if string(a) != string(b) {
			t.Errorf("%s differs between XML and PBF:\n%s\n%s", name, a, b)
		}
	}
}

// Administrative boundaries, when mapped, become the villages.
func TestImportAdminVillages(t *testing.T) {
	f := townFixture()
	add := func(id int64, lon, lat float64) { f.nodes = append(f.nodes, fnode{id: id, lon: lon, lat: lat}) }
	add(2001, 113.0, 22.0)
	add(2002, 113.015, 22.0)
	add(2003, 113.015, 22.03)
	add(2004, 113.0, 22.03)
	add(2005, 113.03, 22.0)
	add(2006, 113.03, 22.03)
	// the border the two villages share is one way, as OSM maps it
	f.ways = append(f.ways, fway{id: 3001, nodes: []int64{2002, 2003}}, fway{id: 3002, nodes: []int64{2003, 2004, 2001, 2002}})
	f.ways = append(f.ways, fway{id: 3003, nodes: []int64{2002, 2005, 2006, 2003}})
	f.rels = append(f.rels,
		frel{id: 4001, tags: map[string]string{"type": "boundary", "boundary": "administrative", "admin_level": "10", "name": "西村村委会"},
			members: []fmember{{"way", 3001, "outer"}, {"way", 3002, "outer"}}},
		frel{id: 4002, tags: map[string]string{"type": "boundary", "boundary": "administrative", "admin_level": "10", "name": "东村村委会"},
			members: []fmember{{"way", 3003, "outer"}, {"way", 3001, "outer"}}},
		frel{id: 4003, tags: map[string]string{"type": "boundary", "boundary": "administrative", "admin_level": "10", "name": "缺边村"},
			members: []fmember{{"way", 3003, "outer"}}})
	for _, ext := range []string{".osm", ".osm.pbf"} {
		res, dir := importFixture(t, f, ext)
		v := byID(res.Files["villages.geojson"])
		if len(v) != 2 || v["r4001"].Properties["name"] != "西村村委会" || v["r4001"].Properties["illustrative"] != nil {
			t.Fatalf("%s: villages %v", ext, v)
		}
		if res.Report.AdminDropped["boundary does not close into rings"] != 1 {
			t.Errorf("%s: dropped %v", ext, res.Report.AdminDropped)
		}
		if _, err := geo.LoadScenario(os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
	}
}
