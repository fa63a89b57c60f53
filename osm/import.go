package osm

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	osmlib "github.com/paulmach/osm"

	"github.com/floodcmd/floodcmd/geo"
)

var nan = math.NaN()

// DefaultSectionMeters is the length road ways are cut into: closures and
// depths apply to a whole section, so a kilometre keeps a closure local.
const DefaultSectionMeters = 1000

// DefaultVillageLevels are the boundary=administrative admin_level values
// tried, in order, for villages: in China 10 is the administrative village
// (行政村) and 9 the community; the first level that has boundaries inside the
// town is used.
var DefaultVillageLevels = []int{10, 9}

// Options says what to import.
type Options struct {
	Town          string           // slug of the town, the scenario's town id
	Name, NameEn  string           // the town's names; from the boundary file when empty
	Outline       orb.MultiPolygon // the town's outline: everything is cut at it
	Illustrative  bool             // the outline is a box, not the town's real boundary
	VillageLevels []int            // admin_level values for villages, DefaultVillageLevels when nil
	Paths         bool             // also import footways, paths, steps, cycleways
	SectionMeters float64          // DefaultSectionMeters when 0
}

// Result is the imported scenario as GeoJSON features, one list per file,
// plus the report of what was kept and dropped.
type Result struct {
	Files  map[string][]Feature // "roads.geojson" → features
	Report Report
}

// Import reads src and converts it into scenario features. It never panics on
// any input; an unreadable file is an error, an odd feature is dropped and counted.
func Import(ctx context.Context, src Source, opt Options) (*Result, error) {
	if len(opt.Outline) == 0 {
		return nil, errors.New("no town outline (give a boundary or a bbox)")
	}
	if opt.SectionMeters <= 0 {
		opt.SectionMeters = DefaultSectionMeters
	}
	if opt.VillageLevels == nil {
		opt.VillageLevels = DefaultVillageLevels
	}
	im := &importer{opt: opt, src: src, inside: newContainer(opt.Outline),
		rep: Report{Excluded: map[string]int{}, RoadsByClass: map[string]int{}, AdminDropped: map[string]int{}}}
	if err := im.read(ctx); err != nil {
		return nil, err
	}
	res := &Result{Files: map[string][]Feature{}}
	res.Files["town.geojson"] = []Feature{im.town()}
	res.Files["roads.geojson"] = im.roads()
	res.Files["rivers.geojson"] = im.rivers()
	villages, grids := im.villages()
	res.Files["villages.geojson"] = villages
	res.Files["grids.geojson"] = grids
	res.Files["shelters.geojson"] = im.shelters(villages)
	im.rep.missing()
	res.Report = im.rep
	return res, nil
}

type importer struct {
	opt    Options
	src    Source
	inside *container
	rep    Report

	adminWays map[int64]bool // member ways of admin boundaries at wanted levels
	admins    []*osmlib.Relation
	highways  []keptWay
	waterways []keptWay
	areas     []keptWay // closed ways that are candidate shelters
	members   map[int64][]int64
	pois      []poi // candidate shelters and place points (nodes)
	nodes     *nodeTable
}

type keptWay struct {
	id    int64
	nodes []int64
	tags  map[string]string
}

type poi struct {
	id       int64
	lon, lat float64
	tags     map[string]string
}

// read is the three passes: relations, ways, then the nodes those use.
func (im *importer) read(ctx context.Context) error {
	levels := map[string]bool{}
	for _, l := range im.opt.VillageLevels {
		levels[strconv.Itoa(l)] = true
	}
	im.adminWays = map[int64]bool{}
	err := im.src.scan(ctx, pass{relations: true}, func(o osmlib.Object) {
		r := o.(*osmlib.Relation)
		if r.Tags.Find("boundary") != "administrative" || !levels[r.Tags.Find("admin_level")] {
			return
		}
		rel := &osmlib.Relation{ID: r.ID, Tags: r.Tags, Members: slices.Clone(r.Members)}
		im.admins = append(im.admins, rel)
		for _, m := range rel.Members {
			if m.Type == osmlib.TypeWay {
				im.adminWays[m.Ref] = true
			}
		}
	})
	if err != nil {
		return err
	}
	var need []int64
	im.members = map[int64][]int64{}
	err = im.src.scan(ctx, pass{ways: true, filterWay: im.wantWay}, func(o osmlib.Object) {
		w := o.(*osmlib.Way)
		ids := make([]int64, len(w.Nodes))
		for i, n := range w.Nodes {
			ids[i] = int64(n.ID)
		}
		need = append(need, ids...)
		kw := keptWay{id: int64(w.ID), nodes: ids, tags: tagMap(w.Tags, keptKeys)}
		if im.adminWays[kw.id] {
			im.members[kw.id] = ids
		}
		im.classify(kw)
	})
	if err != nil {
		return err
	}
	im.nodes = newNodeTable(need)
	return im.src.scan(ctx, pass{nodes: true, filterNode: im.wantNode}, func(o osmlib.Object) {
		n := o.(*osmlib.Node)
		im.nodes.set(int64(n.ID), n.Lon, n.Lat)
		if len(n.Tags) > 0 {
			tags := tagMap(n.Tags, keptKeys)
			k, _, _ := shelterKind(mapTag(tags))
			if (k != "" || placeKinds[tags["place"]]) && validLonLat(n.Lon, n.Lat) {
				im.pois = append(im.pois, poi{id: int64(n.ID), lon: round7(n.Lon), lat: round7(n.Lat), tags: tags})
			}
		}
	})
}

// wantWay keeps highways, waterways, candidate shelter areas and admin
// boundary members; it runs inside the PBF decoders, so it only reads.
func (im *importer) wantWay(w *osmlib.Way) bool {
	if im.adminWays[int64(w.ID)] {
		return true
	}
	if hw := w.Tags.Find("highway"); hw != "" {
		return true // classified (and counted) in classify
	}
	if riverKinds[w.Tags.Find("waterway")] != "" {
		return true
	}
	k, _, _ := shelterKind(w.Tags.Find)
	return k != "" && len(w.Nodes) >= 4 && w.Nodes[0].ID == w.Nodes[len(w.Nodes)-1].ID
}

// classify files a kept way under roads, rivers or shelter areas, counting
// the highways it leaves out and why.
func (im *importer) classify(w keptWay) {
	if hw := w.tags["highway"]; hw != "" {
		rc, known := roadClasses[hw]
		switch why := excludedHighway(w.tags); {
		case why != "":
			im.rep.Excluded[why]++
		case !known:
			im.rep.Excluded["highway="+hw+" (not a road for vehicles)"]++
		case rc.path && !im.opt.Paths:
			im.rep.Excluded["highway="+hw+" (footpaths need --paths)"]++
		case len(w.nodes) < 2:
			im.rep.Excluded["fewer than 2 nodes"]++
		default:
			im.highways = append(im.highways, w)
		}
	}
	if riverKinds[w.tags["waterway"]] != "" && len(w.nodes) >= 2 {
		im.waterways = append(im.waterways, w)
	}
	if k, _, _ := shelterKind(mapTag(w.tags)); k != "" && len(w.nodes) >= 4 && w.nodes[0] == w.nodes[len(w.nodes)-1] {
		im.areas = append(im.areas, w)
	}
}

// wantNode keeps nodes used by kept ways and tagged candidate shelters and places.
func (im *importer) wantNode(n *osmlib.Node) bool {
	if im.nodes.index(int64(n.ID)) >= 0 {
		return true
	}
	if len(n.Tags) == 0 {
		return false
	}
	if placeKinds[n.Tags.Find("place")] {
		return true
	}
	k, _, _ := shelterKind(n.Tags.Find)
	return k != ""
}

// point returns a node's position, false when the extract lacks the node.
func (im *importer) point(id int64) (orb.Point, bool) {
	i := im.nodes.index(id)
	if i < 0 || math.IsNaN(im.nodes.lon[i]) {
		return orb.Point{}, false
	}
	return orb.Point{im.nodes.lon[i], im.nodes.lat[i]}, true
}

func (im *importer) town() Feature {
	name, nameEn := im.opt.Name, im.opt.NameEn
	if name == "" {
		name = im.opt.Town
	}
	if nameEn == "" {
		nameEn = im.opt.Town
	}
	props := map[string]any{"id": im.opt.Town, "kind": geo.KindTown, "name": name, "name_en": nameEn}
	if im.opt.Illustrative {
		props["illustrative"] = true
	}
	return Feature{Properties: props, Geometry: roundGeom(im.opt.Outline)}
}

func round7(x float64) float64 { return math.Round(x*1e7) / 1e7 }

func mapTag(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
