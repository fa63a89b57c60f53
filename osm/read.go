package osm

import (
	"compress/bzip2"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	osmlib "github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"
)

// Source is an OSM extract on disk: .osm.pbf, or .osm / .osm.bz2 / .osm.gz XML.
// It is read several times (relations, then ways, then only the nodes those
// need), so memory holds the kept ways and their nodes, never the whole file.
type Source struct {
	Path string
}

func (s Source) isPBF() bool { return strings.HasSuffix(strings.ToLower(s.Path), ".pbf") }

// pass says what one read of the file wants: PBF skips the other element
// types at the protobuf level; XML has to parse them and they are dropped.
type pass struct {
	nodes, ways, relations bool
	filterNode             func(*osmlib.Node) bool
	filterWay              func(*osmlib.Way) bool
}

// scan reads the file once, calling each for every element the pass wants.
func (s Source) scan(ctx context.Context, p pass, each func(osmlib.Object)) error {
	f, err := os.Open(s.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	var sc osmlib.Scanner
	if s.isPBF() {
		ps := osmpbf.New(ctx, f, max(1, runtime.GOMAXPROCS(0)))
		ps.SkipNodes, ps.SkipWays, ps.SkipRelations = !p.nodes, !p.ways, !p.relations
		ps.FilterNode, ps.FilterWay = p.filterNode, p.filterWay
		sc = ps
	} else {
		var r io.Reader = f
		switch lower := strings.ToLower(s.Path); {
		case strings.HasSuffix(lower, ".bz2"):
			r = bzip2.NewReader(f)
		case strings.HasSuffix(lower, ".gz"):
			gz, err := gzip.NewReader(f)
			if err != nil {
				return fmt.Errorf("%s: %w", s.Path, err)
			}
			defer gz.Close()
			r = gz
		}
		sc = osmxml.New(ctx, r)
	}
	defer sc.Close()
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osmlib.Node:
			if p.nodes && (p.filterNode == nil || p.filterNode(o)) {
				each(o)
			}
		case *osmlib.Way:
			if p.ways && (p.filterWay == nil || p.filterWay(o)) {
				each(o)
			}
		case *osmlib.Relation:
			if p.relations {
				each(o)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", s.Path, err)
	}
	return nil
}

// nodeTable holds the coordinates of exactly the nodes the kept ways use:
// a sorted id list and, at the same index, the position (NaN until read).
type nodeTable struct {
	ids      []int64
	lon, lat []float64
}

func newNodeTable(ids []int64) *nodeTable {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	t := &nodeTable{ids: slices.Clip(ids), lon: make([]float64, len(ids)), lat: make([]float64, len(ids))}
	for i := range t.lon {
		t.lon[i], t.lat[i] = nan, nan
	}
	return t
}

// index returns the node's slot, or -1 when no kept way uses it.
func (t *nodeTable) index(id int64) int {
	i, ok := slices.BinarySearch(t.ids, id)
	if !ok {
		return -1
	}
	return i
}

// validLonLat rejects positions a broken file may carry (NaN, ±Inf, out of
// range): such a node counts as missing from the extract.
func validLonLat(lon, lat float64) bool {
	return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90 // false for NaN too
}

func (t *nodeTable) set(id int64, lon, lat float64) {
	if !validLonLat(lon, lat) {
		return
	}
	if i := t.index(id); i >= 0 {
		t.lon[i], t.lat[i] = round7(lon), round7(lat)
	}
}

// tagMap copies only the keys the importer reads, so kept ways stay small.
func tagMap(tags osmlib.Tags, keys []string) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		if slices.Contains(keys, t.Key) {
			m[t.Key] = t.Value
		}
	}
	return m
}

var keptKeys = []string{
	"highway", "name", "name:zh", "name:zh-Hans", "name:en", "int_name", "ref", "maxspeed",
	"oneway", "junction", "bridge", "area", "waterway", "amenity", "emergency", "leisure",
	"place", "population", "boundary", "admin_level", "type",
}
