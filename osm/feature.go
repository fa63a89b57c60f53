package osm

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/paulmach/orb"
)

// Feature is one GeoJSON feature of the scenario, with the property schema
// geo.LoadScenario reads (see scenario/duhu) plus osm_id and osm_type.
type Feature struct {
	Properties map[string]any
	Geometry   orb.Geometry
}

// MarshalJSON writes a GeoJSON Feature.
func (f Feature) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type       string         `json:"type"`
		Properties map[string]any `json:"properties"`
		Geometry   any            `json:"geometry"`
	}{"Feature", f.Properties, struct {
		Type        string       `json:"type"`
		Coordinates orb.Geometry `json:"coordinates"`
	}{f.Geometry.GeoJSONType(), f.Geometry}})
}

// Write puts every file of the result into dir (created when missing), one
// feature per line as scenario/duhu does, so a diff of two imports reads well.
func (r *Result) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(r.Files))
	for n := range r.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := writeCollection(filepath.Join(dir, name), r.Files[name]); err != nil {
			return err
		}
	}
	return nil
}

func writeCollection(path string, feats []Feature) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, `{"type":"FeatureCollection","features":[`)
	for i, ft := range feats {
		b, err := json.Marshal(ft)
		if err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", path, err)
		}
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
		w.Write(b)
	}
	fmt.Fprint(w, "\n]}\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// roundGeom rounds coordinates to OSM's 1e-7 degrees (about a centimetre) so
// files stay small and a node shared by two ways prints the same both times.
func roundGeom(g orb.Geometry) orb.Geometry {
	pt := func(p orb.Point) orb.Point { return orb.Point{round7(p[0]), round7(p[1])} }
	line := func(ls []orb.Point) []orb.Point {
		out := make([]orb.Point, len(ls))
		for i, p := range ls {
			out[i] = pt(p)
		}
		return out
	}
	switch g := g.(type) {
	case orb.Point:
		return pt(g)
	case orb.LineString:
		return orb.LineString(line(g))
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = orb.Ring(line(r))
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = roundGeom(p).(orb.Polygon)
		}
		return out
	}
	return g
}
