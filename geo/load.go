package geo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// NeighboursFile is the file whose "town" features are neighbouring towns
// rather than the scenario's own town.
const NeighboursFile = "neighbours.geojson"

// LoadScenario reads every *.geojson file at the root of fsys, validates all
// features and returns the scenario. Features are dispatched by
// properties.kind, so one file per kind and one file for everything both work.
// On any problem it returns nil and a *Problems listing all of them. It never
// panics on any input.
func LoadScenario(fsys fs.FS) (*Scenario, error) {
	ld := &loader{
		s:    &Scenario{raw: map[string][]json.RawMessage{}},
		ids:  map[string]map[string]string{},
		prob: &Problems{},
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		ld.prob.add(".", "", "cannot list scenario folder: %v", err)
		return nil, ld.prob
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(strings.ToLower(e.Name()), ".geojson") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		ld.prob.add(".", "", "no .geojson files in the scenario folder")
		return nil, ld.prob
	}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			ld.prob.add(name, "", "cannot read: %v", err)
			continue
		}
		ld.file(name, data)
	}
	ld.finish()
	if len(ld.prob.List) > 0 {
		return nil, ld.prob
	}
	return ld.s, nil
}

type loader struct {
	s     *Scenario
	ids   map[string]map[string]string // kind → id → file
	prob  *Problems
	towns []townAt
	refs  []ref
}

type townAt struct {
	file, id string
}

// ref is a village reference checked once every file is read.
type ref struct {
	file, id, village string
	required          bool
}

func (ld *loader) file(name string, data []byte) {
	var top struct {
		Type     string          `json:"type"`
		Features json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		ld.prob.add(name, "", "not valid GeoJSON: %v", err)
		return
	}
	if top.Type != "FeatureCollection" {
		ld.prob.add(name, "", "type is %q, want \"FeatureCollection\"", top.Type)
		return
	}
	var feats []json.RawMessage
	if err := json.Unmarshal(top.Features, &feats); err != nil || top.Features == nil {
		ld.prob.add(name, "", "\"features\" must be an array")
		return
	}
	neighbours := strings.EqualFold(path.Base(name), NeighboursFile)
	for i, raw := range feats {
		ld.feature(name, i, raw, neighbours)
	}
}

type rawFeature struct {
	Type       string          `json:"type"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// props reads typed properties of one feature, recording problems.
type props struct {
	ld       *loader
	file, id string
	m        map[string]any
}

func (p *props) bad(format string, args ...any) {
	p.ld.prob.add(p.file, p.id, format, args...)
}

func (p *props) str(key string, required bool) string {
	v, ok := p.m[key]
	if !ok || v == nil {
		if required {
			p.bad("missing property %q", key)
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.bad("property %q must be a string", key)
		return ""
	}
	s = strings.TrimSpace(s)
	if s == "" && required {
		p.bad("property %q is empty", key)
	}
	return s
}

// code accepts a string or a whole number (spreadsheets turn codes into numbers).
func (p *props) code(key string) string {
	switch v := p.m[key].(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case float64:
		if v >= 0 && v == math.Trunc(v) && v < 1e18 {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	p.bad("property %q must be a string or a whole number", key)
	return ""
}

func (p *props) num(key string, required, nonNegative bool) (float64, bool) {
	v, ok := p.m[key]
	if !ok || v == nil {
		if required {
			p.bad("missing property %q", key)
		}
		return 0, false
	}
	f, ok := v.(float64)
	if !ok {
		p.bad("property %q must be a number", key)
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		p.bad("property %q must be finite", key)
		return 0, false
	}
	if nonNegative && f < 0 {
		p.bad("property %q is negative (%v)", key, f)
		return 0, false
	}
	return f, true
}

func (p *props) count(key string, required bool) int {
	f, ok := p.num(key, required, true)
	if !ok {
		return 0
	}
	if f != math.Trunc(f) || f > 1e12 {
		p.bad("property %q must be a whole number (got %v)", key, f)
		return 0
	}
	return int(f)
}

func (p *props) boolean(key string) bool {
	switch v := p.m[key].(type) {
	case nil:
		return false
	case bool:
		return v
	case float64: // shapefile/QGIS exports often write booleans as 0/1
		if v == 0 || v == 1 {
			return v == 1
		}
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	p.bad("property %q must be true or false", key)
	return false
}

func (p *props) oneOf(key string, allowed []string) string {
	s := p.str(key, true)
	if s != "" && !slices.Contains(allowed, s) {
		p.bad("property %q is %q, want one of %s", key, s, strings.Join(allowed, ", "))
		return ""
	}
	return s
}

func isSlug(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

var knownKinds = []string{KindTown, KindVillage, KindGrid, KindShelter, KindGauge, KindRoad, KindRiver, KindHazard}

func (ld *loader) feature(file string, idx int, raw json.RawMessage, inNeighbours bool) {
	label := fmt.Sprintf("#%d", idx)
	var f rawFeature
	if err := json.Unmarshal(raw, &f); err != nil {
		ld.prob.add(file, label, "feature is not a JSON object: %v", err)
		return
	}
	if f.Type != "Feature" {
		ld.prob.add(file, label, "type is %q, want \"Feature\"", f.Type)
		return
	}
	var m map[string]any
	if err := json.Unmarshal(f.Properties, &m); err != nil {
		ld.prob.add(file, label, "\"properties\" cannot be read: %v", err)
		return
	}
	if m == nil {
		ld.prob.add(file, label, "\"properties\" must be an object")
		return
	}
	p := &props{ld: ld, file: file, id: label, m: m}
	id := p.str("id", true)
	if id != "" {
		p.id = id
		if !isSlug(id) {
			p.bad("id %q is not a slug (lower-case letters, digits, '-' or '_')", id)
		}
	}
	kind := p.str("kind", true)
	if kind != "" && !slices.Contains(knownKinds, kind) {
		p.bad("unknown kind %q (want one of %s)", kind, strings.Join(knownKinds, ", "))
		kind = ""
	}
	name := p.str("name", true)
	nameEn := p.str("name_en", true)
	illustrative := p.boolean("illustrative")
	geom := ld.geometry(p, f.Geometry, kind)
	if kind == "" {
		return
	}
	rawKind := kind
	if kind == KindTown && inNeighbours {
		rawKind = KindNeighbour
	}
	if id != "" {
		byID := ld.ids[rawKind]
		if byID == nil {
			byID = map[string]string{}
			ld.ids[rawKind] = byID
		}
		if other, dup := byID[id]; dup {
			p.bad("duplicate %s id %q (first in %s)", kind, id, other)
		} else {
			byID[id] = file
		}
	}
	ld.s.raw[rawKind] = append(ld.s.raw[rawKind], compact(raw))
	village := func(required bool) string {
		v := p.str("village", required)
		if v != "" {
			ld.refs = append(ld.refs, ref{file: file, id: p.id, village: v, required: required})
		}
		return v
	}
	switch kind {
	case KindTown:
		t := Town{ID: id, Name: name, NameEn: nameEn, Code: p.code("code"),
			Population: p.count("population", false), Illustrative: illustrative}
		t.Area, _ = geom.(orb.MultiPolygon)
		t.Center = interiorPoint(t.Area)
		if c, ok := m["center"]; ok && c != nil {
			if pt, ok := ld.centerProp(p, c); ok {
				t.Center = pt
			}
		}
		if inNeighbours {
			ld.s.Neighbours = append(ld.s.Neighbours, t)
		} else {
			ld.towns = append(ld.towns, townAt{file: file, id: p.id})
			ld.s.Town = t
		}
	case KindVillage:
		v := Village{ID: id, Name: name, NameEn: nameEn, Population: p.count("population", true),
			Households: p.count("households", true), Illustrative: illustrative}
		v.Area, _ = geom.(orb.MultiPolygon)
		v.Center = interiorPoint(v.Area)
		ld.s.Villages = append(ld.s.Villages, v)
	case KindGrid:
		g := Grid{ID: id, Name: name, NameEn: nameEn, Village: village(true),
			Population: p.count("population", true), Households: p.count("households", true),
			Illustrative: illustrative}
		if share, ok := p.num("low_lying_share", false, true); ok {
			if share > 1 {
				p.bad("property \"low_lying_share\" is %v, want 0..1", share)
			}
			g.LowLyingShare = share
		}
		g.Area, _ = geom.(orb.MultiPolygon)
		g.Center = interiorPoint(g.Area)
		ld.s.Grids = append(ld.s.Grids, g)
	case KindShelter:
		// verify: true marks a candidate (e.g. imported from OpenStreetMap) whose
		// capacity nobody has counted yet: missing capacities are then a warning
		// (counted as 0) instead of an error, so the town can start with it.
		verify := p.boolean("verify")
		sh := Shelter{ID: id, Name: name, NameEn: nameEn, Kind: p.str("shelter_kind", true),
			Village: village(false), CapacityDay: p.count("capacity_day", !verify),
			CapacityNight: p.count("capacity_night", !verify), Verify: verify, Illustrative: illustrative}
		if verify {
			var unknown []string
			for _, k := range []string{"capacity_day", "capacity_night"} {
				if m[k] == nil {
					unknown = append(unknown, k)
				}
			}
			what := "inspect it and remove verify"
			if len(unknown) > 0 {
				what = "fill in " + strings.Join(unknown, " and ") + " (counted as 0 until then), then remove verify"
			}
			ld.s.Warnings = append(ld.s.Warnings, Problem{File: file, FeatureID: p.id, Reason: "candidate shelter " + name + " needs checking: " + what})
		}
		sh.Point, _ = geom.(orb.Point)
		ld.s.Shelters = append(ld.s.Shelters, sh)
	case KindGauge:
		g := Gauge{ID: id, Name: name, NameEn: nameEn,
			Kind:    p.oneOf("gauge_kind", []string{GaugeRain, GaugeReservoir, GaugeRiver}),
			Village: village(false), Illustrative: illustrative}
		level := g.Kind == GaugeReservoir || g.Kind == GaugeRiver
		g.WarningM, _ = p.num("warning_m", level, true)
		g.DangerM, _ = p.num("danger_m", level, true)
		if level && g.DangerM < g.WarningM {
			p.bad("danger_m (%v) is below warning_m (%v)", g.DangerM, g.WarningM)
		}
		g.Point, _ = geom.(orb.Point)
		ld.s.Gauges = append(ld.s.Gauges, g)
	case KindRoad:
		r := Road{ID: id, Name: name, NameEn: nameEn, Class: p.oneOf("class", RoadClasses),
			Oneway: p.boolean("oneway"), LowLying: p.boolean("low_lying"), Illustrative: illustrative}
		if sp, ok := p.num("speed_kmh", true, true); ok {
			if sp <= 0 || sp > 300 {
				p.bad("property \"speed_kmh\" is %v, want more than 0 and at most 300", sp)
			}
			r.SpeedKmh = sp
		}
		if e, ok := p.num("elevation_m", false, false); ok {
			r.ElevationM = &e
		}
		r.Line, _ = geom.(orb.LineString)
		if len(r.Line) >= 2 && lineMeters(r.Line) == 0 {
			p.bad("road has zero length")
		}
		ld.s.Roads = append(ld.s.Roads, r)
	case KindRiver:
		r := River{ID: id, Name: name, NameEn: nameEn, Kind: p.oneOf("river_kind", []string{"river", "channel"}),
			Village: village(false), Illustrative: illustrative}
		r.Line, _ = geom.(orb.LineString)
		ld.s.Rivers = append(ld.s.Rivers, r)
	case KindHazard:
		h := Hazard{ID: id, Name: name, NameEn: nameEn, Kind: p.oneOf("hazard_kind", HazardKinds),
			Village: village(false), Geometry: geom, Illustrative: illustrative}
		if mp, ok := geom.(orb.MultiPolygon); ok && len(mp) == 1 {
			h.Geometry = mp[0]
		}
		ld.s.Hazards = append(ld.s.Hazards, h)
	}
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

func (ld *loader) centerProp(p *props, c any) (orb.Point, bool) {
	arr, ok := c.([]any)
	if ok && len(arr) >= 2 {
		lon, ok1 := arr[0].(float64)
		lat, ok2 := arr[1].(float64)
		if ok1 && ok2 && validLonLat(lon, lat) {
			return orb.Point{lon, lat}, true
		}
	}
	p.bad("property \"center\" must be [lon, lat] within range")
	return orb.Point{}, false
}

func validLonLat(lon, lat float64) bool {
	return !math.IsNaN(lon) && !math.IsNaN(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// geometry parses and checks the geometry for a kind. Areas come back as
// orb.MultiPolygon, whatever the file said (Polygon or MultiPolygon), except
// that hazards may be any of Point, LineString or Polygon.
func (ld *loader) geometry(p *props, raw json.RawMessage, kind string) orb.Geometry {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if len(raw) == 0 || string(raw) == "null" {
		p.bad("missing geometry")
		return nil
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		p.bad("geometry is not an object: %v", err)
		return nil
	}
	var allowed []string
	switch kind {
	case KindTown, KindVillage, KindGrid:
		allowed = []string{"Polygon", "MultiPolygon"}
	case KindShelter, KindGauge:
		allowed = []string{"Point"}
	case KindRoad, KindRiver:
		allowed = []string{"LineString"}
	case KindHazard:
		allowed = []string{"Point", "LineString", "Polygon"}
	default:
		allowed = []string{"Point", "LineString", "Polygon", "MultiPolygon"}
	}
	if !slices.Contains(allowed, g.Type) {
		if kind != "" {
			p.bad("geometry type %q is wrong for kind %q (want %s)", g.Type, kind, strings.Join(allowed, " or "))
		} else {
			p.bad("geometry type %q not supported", g.Type)
		}
		return nil
	}
	bad := func(what string) orb.Geometry {
		p.bad("%s geometry: %s", g.Type, what)
		return nil
	}
	switch g.Type {
	case "Point":
		var c []float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return bad("coordinates must be [lon, lat]")
		}
		pt, why := position(c)
		if why != "" {
			return bad(why)
		}
		return pt
	case "LineString":
		var c [][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return bad("coordinates must be an array of [lon, lat]")
		}
		ls, why := positions(c)
		if why != "" {
			return bad(why)
		}
		if len(ls) < 2 {
			return bad(fmt.Sprintf("needs at least 2 points, has %d", len(ls)))
		}
		return ls
	case "Polygon":
		var c [][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return bad("coordinates must be an array of rings")
		}
		poly, why := polygon(c)
		if why != "" {
			return bad(why)
		}
		if kind == KindHazard {
			return poly
		}
		return orb.MultiPolygon{poly}
	case "MultiPolygon":
		var c [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return bad("coordinates must be an array of polygons")
		}
		if len(c) == 0 {
			return bad("has no polygons")
		}
		mp := make(orb.MultiPolygon, 0, len(c))
		for i, pc := range c {
			poly, why := polygon(pc)
			if why != "" {
				return bad(fmt.Sprintf("polygon %d: %s", i, why))
			}
			mp = append(mp, poly)
		}
		return mp
	}
	return nil
}

func position(c []float64) (orb.Point, string) {
	if len(c) < 2 {
		return orb.Point{}, "a position needs [lon, lat]"
	}
	lon, lat := c[0], c[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return orb.Point{}, "coordinate is not finite"
	}
	if !validLonLat(lon, lat) {
		return orb.Point{}, fmt.Sprintf("coordinate [%v, %v] is out of range (lon -180..180, lat -90..90; GeoJSON is lon, lat)", lon, lat)
	}
	return orb.Point{lon, lat}, ""
}

func positions(c [][]float64) (orb.LineString, string) {
	ls := make(orb.LineString, 0, len(c))
	for i, pc := range c {
		pt, why := position(pc)
		if why != "" {
			return nil, fmt.Sprintf("point %d: %s", i, why)
		}
		ls = append(ls, pt)
	}
	return ls, ""
}

// polygon checks rings, closing unclosed rings leniently; either winding is accepted.
func polygon(c [][][]float64) (orb.Polygon, string) {
	if len(c) == 0 {
		return nil, "polygon has no rings"
	}
	poly := make(orb.Polygon, 0, len(c))
	for i, rc := range c {
		ls, why := positions(rc)
		if why != "" {
			return nil, fmt.Sprintf("ring %d %s", i, why)
		}
		if len(ls) > 0 && ls[0] != ls[len(ls)-1] {
			ls = append(ls, ls[0])
		}
		if len(ls) < 4 {
			return nil, fmt.Sprintf("ring %d has %d points, a closed ring needs at least 4", i, len(ls))
		}
		ring := orb.Ring(ls)
		if planar.Area(ring) == 0 {
			return nil, fmt.Sprintf("ring %d has zero area", i)
		}
		poly = append(poly, ring)
	}
	return poly, ""
}

func (ld *loader) finish() {
	switch len(ld.towns) {
	case 0:
		ld.prob.add("", "", "no town feature (kind \"town\" outside %s)", NeighboursFile)
	case 1:
	default:
		for _, t := range ld.towns[1:] {
			ld.prob.add(t.file, t.id, "more than one town feature (first is %q in %s)", ld.towns[0].id, ld.towns[0].file)
		}
	}
	villages := ld.ids[KindVillage]
	for _, r := range ld.refs {
		if _, ok := villages[r.village]; !ok {
			ld.prob.add(r.file, r.id, "village %q does not exist", r.village)
		}
	}
	for _, n := range ld.s.Neighbours {
		if n.ID != "" && n.ID == ld.s.Town.ID {
			ld.prob.add(NeighboursFile, n.ID, "neighbour has the same id as the town")
		}
	}
}

// interiorPoint returns a point inside the largest polygon of mp: its centroid
// when that is inside, else the middle of the widest horizontal chord.
func interiorPoint(mp orb.MultiPolygon) orb.Point {
	if len(mp) == 0 {
		return orb.Point{}
	}
	best, bestArea := mp[0], -1.0
	for _, p := range mp {
		if a := planar.Area(p); a > bestArea {
			best, bestArea = p, a
		}
	}
	if len(best) == 0 || len(best[0]) == 0 {
		return orb.Point{}
	}
	c, _ := planar.CentroidArea(best)
	if planar.PolygonContains(best, c) {
		return c
	}
	b := best.Bound()
	for _, f := range []float64{0.5, 0.25, 0.75, 0.125, 0.375, 0.625, 0.875} {
		y := b.Min[1] + f*(b.Max[1]-b.Min[1])
		var xs []float64
		for _, r := range best {
			for i := 0; i+1 < len(r); i++ {
				a, e := r[i], r[i+1]
				if (a[1] <= y) != (e[1] <= y) {
					xs = append(xs, a[0]+(y-a[1])*(e[0]-a[0])/(e[1]-a[1]))
				}
			}
		}
		sort.Float64s(xs)
		var pt orb.Point
		width := 0.0
		for i := 0; i+1 < len(xs); i += 2 {
			if w := xs[i+1] - xs[i]; w > width {
				width, pt = w, orb.Point{(xs[i] + xs[i+1]) / 2, y}
			}
		}
		if width > 0 && planar.PolygonContains(best, pt) {
			return pt
		}
	}
	return best[0][0]
}
