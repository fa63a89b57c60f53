package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/osm"
)

const importUsage = `Usage:
  floodcmd import osm --pbf FILE.osm.pbf (--boundary town.geojson | --bbox minlon,minlat,maxlon,maxlat) --town SLUG --out DIR
  floodcmd import roster --xlsx FILE [--out DIR/roster.csv]
  floodcmd import households --xlsx FILE --scenario DIR [--out DIR/households.csv]
`

// importCmd turns a town's own data into a scenario folder: OpenStreetMap
// roads and places, and the roster and household registry spreadsheets.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, importUsage)
		return errors.New("import what? (osm, roster or households)")
	}
	switch args[0] {
	case "osm":
		return importOSM(ctx, args[1:], getenv, stdout)
	case "roster":
		return importRoster(args[1:], getenv, stdout)
	case "households":
		return importHouseholds(args[1:], getenv, stdout)
	}
	fmt.Fprint(stdout, importUsage)
	return fmt.Errorf("unknown import %q (want osm, roster or households)", args[0])
}

func importOSM(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import osm", flag.ContinueOnError)
	fs.SetOutput(stdout)
	pbf := fs.String("pbf", "", "OpenStreetMap extract, .osm.pbf")
	xml := fs.String("osm", "", "OpenStreetMap extract as XML, .osm (or .osm.bz2, .osm.gz)")
	boundary := fs.String("boundary", "", "GeoJSON file with the town's outline (Polygon or MultiPolygon)")
	bbox := fs.String("bbox", "", "the town as a box instead: minlon,minlat,maxlon,maxlat")
	town := fs.String("town", "", "the town's slug, e.g. duhu (lower-case letters, digits, - or _)")
	name := fs.String("name", "", "the town's Chinese name (default: the boundary's name property, else the slug)")
	nameEn := fs.String("name-en", "", "the town's English name (default: the boundary's name_en property, else the slug)")
	out := fs.String("out", "", "scenario folder to write (created if missing)")
	levels := fs.String("village-levels", "10,9", "admin_level values tried, in order, for villages")
	paths := fs.Bool("paths", false, "also import footways, paths, steps and cycleways")
	section := fs.Float64("section-m", osm.DefaultSectionMeters, "length roads are cut into, metres")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	src := *pbf
	if src == "" {
		src = *xml
	}
	switch {
	case src == "":
		return errors.New("import osm: give the extract with --pbf FILE.osm.pbf (or --osm FILE.osm)")
	case *town == "":
		return errors.New("import osm: give the town's slug with --town")
	case *out == "":
		return errors.New("import osm: give the scenario folder to write with --out")
	case (*boundary == "") == (*bbox == ""):
		return errors.New("import osm: give the town's outline with either --boundary FILE.geojson or --bbox minlon,minlat,maxlon,maxlat")
	}
	opt := osm.Options{Town: *town, Name: *name, NameEn: *nameEn, Paths: *paths, SectionMeters: *section}
	for _, l := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || n < 1 || n > 12 {
			return fmt.Errorf("import osm: --village-levels %q: %q is not an admin_level (1..12)", *levels, l)
		}
		opt.VillageLevels = append(opt.VillageLevels, n)
	}
	if *bbox != "" {
		b, err := parseBBox(*bbox)
		if err != nil {
			return fmt.Errorf("import osm: --bbox: %w", err)
		}
		opt.Outline, opt.Illustrative = orb.MultiPolygon{b.ToPolygon()}, true
	} else {
		mp, props, err := readOutline(*boundary)
		if err != nil {
			return fmt.Errorf("import osm: --boundary: %w", err)
		}
		opt.Outline = mp
		if opt.Name == "" {
			opt.Name, _ = props["name"].(string)
		}
		if opt.NameEn == "" {
			opt.NameEn, _ = props["name_en"].(string)
		}
	}
	res, err := osm.Import(ctx, osm.Source{Path: src}, opt)
	if err != nil {
		return fmt.Errorf("import osm: %w", err)
	}
	aside, err := writeImport(res, *out)
	if err != nil {
		return fmt.Errorf("import osm: %w", err)
	}
	// A fresh roster file (header only) lets serve start; an existing one is the
	// town's own work and is never overwritten by a re-import of the map.
	rosterPath := filepath.Join(*out, engine.RosterFile)
	if _, err := os.Stat(rosterPath); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(rosterPath, []byte(strings.Join(dispatch.RosterHeader, ",")+"\n"), 0o644); err != nil {
			return fmt.Errorf("import osm: %w", err)
		}
	}
	fmt.Fprintf(stdout, "imported %s into %s\n", src, *out)
	if len(aside) > 0 {
		fmt.Fprintf(stdout, "kept the town's own %s; the fresh import of them is in %s to compare\n",
			strings.Join(aside, ", "), filepath.Join(*out, importAside))
	}
	res.Report.Print(stdout)
	fmt.Fprintf(stdout, "\nfloodcmd check --scenario %s:\n", *out)
	return check([]string{"--scenario", *out}, func(string) string { return "" }, stdout)
}

// handEdited are the files a town fills in after the first import (capacities,
// populations, its own village lines): a re-import, to pick up new roads,
// never overwrites them but puts its version in importAside.
var handEdited = map[string]bool{"town.geojson": true, "villages.geojson": true, "grids.geojson": true, "shelters.geojson": true}

const importAside = "osm-latest" // a folder: LoadScenario reads only the scenario's top level

func writeImport(res *osm.Result, dir string) (aside []string, err error) {
	fresh := &osm.Result{Files: map[string][]osm.Feature{}}
	later := &osm.Result{Files: map[string][]osm.Feature{}}
	for name, feats := range res.Files {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil && handEdited[name] {
			later.Files[name] = feats
			aside = append(aside, name)
			continue
		}
		fresh.Files[name] = feats
	}
	sort.Strings(aside)
	if err := fresh.Write(dir); err != nil {
		return nil, err
	}
	if len(aside) > 0 {
		return aside, later.Write(filepath.Join(dir, importAside))
	}
	return nil, nil
}

func parseBBox(s string) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, fmt.Errorf("%q: want minlon,minlat,maxlon,maxlat", s)
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return orb.Bound{}, fmt.Errorf("%q: %q is not a number", s, p)
		}
		v[i] = f
	}
	b := orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	if v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 || v[0] >= v[2] || v[1] >= v[3] {
		return orb.Bound{}, fmt.Errorf("%q: want minlon < maxlon and minlat < maxlat within -180..180, -90..90 (lon first)", s)
	}
	return b, nil
}

// readOutline reads a town outline: a FeatureCollection (its first polygon
// feature), a Feature or a bare geometry, Polygon or MultiPolygon.
func readOutline(path string) (orb.MultiPolygon, map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, nil, fmt.Errorf("%s: not GeoJSON: %v", path, err)
	}
	var feats []*geojson.Feature
	switch probe.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", path, err)
		}
		feats = fc.Features
	case "Feature":
		f, err := geojson.UnmarshalFeature(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", path, err)
		}
		feats = []*geojson.Feature{f}
	default:
		g, err := geojson.UnmarshalGeometry(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", path, err)
		}
		feats = []*geojson.Feature{{Geometry: g.Geometry()}}
	}
	for _, f := range feats {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			return orb.MultiPolygon{g}, f.Properties, nil
		case orb.MultiPolygon:
			return g, f.Properties, nil
		}
	}
	return nil, nil, fmt.Errorf("%s: no Polygon or MultiPolygon", path)
}
