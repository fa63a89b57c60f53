package osm

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/planar"
	osmlib "github.com/paulmach/osm"

	"github.com/floodcmd/floodcmd/geo"
)

// villages builds villages, and one grid per village covering it, from
// administrative boundaries at the first wanted level that has any inside the
// town; else from place=* points partitioned within the outline (marked
// illustrative); else one village for the whole town.
func (im *importer) villages() (villages, grids []Feature) {
	for _, level := range im.opt.VillageLevels {
		villages = im.adminVillages(strconv.Itoa(level))
		if len(villages) > 0 {
			im.rep.VillagesFrom = fmt.Sprintf("boundary=administrative, admin_level=%d", level)
			break
		}
	}
	if len(villages) == 0 {
		villages = im.placeVillages()
		if len(villages) > 0 {
			im.rep.VillagesFrom = "place=* points, partitioned within the outline (illustrative)"
		}
	}
	if len(villages) == 0 {
		villages = []Feature{{Properties: map[string]any{
			"id": im.opt.Town + "-all", "kind": geo.KindVillage, "name": "全镇", "name_en": "whole town",
			"population": 0, "households": 0, "illustrative": true,
		}, Geometry: roundGeom(im.opt.Outline)}}
		im.rep.VillagesFrom = "none mapped: one village for the whole town (illustrative)"
	}
	for _, v := range villages {
		vp := v.Properties
		id := vp["id"].(string)
		grids = append(grids, Feature{Properties: map[string]any{
			"id": id + "-g", "kind": geo.KindGrid, "village": id,
			"name": vp["name"].(string) + "（全村）", "name_en": vp["name_en"].(string) + " (whole village)",
			"population": vp["population"], "households": 0, "illustrative": true,
		}, Geometry: v.Geometry})
	}
	im.rep.Villages, im.rep.Grids = len(villages), len(grids)
	return villages, grids
}

func (im *importer) adminVillages(level string) []Feature {
	var out []Feature
	for _, r := range im.admins {
		if r.Tags.Find("admin_level") != level {
			continue
		}
		mp, why := im.assemble(r)
		if why != "" {
			im.rep.AdminDropped[why]++
			continue
		}
		if im.opt.Illustrative { // a box outline: cut the villages at it
			mp = clip.MultiPolygon(im.opt.Outline.Bound(), mp)
			if len(mp) == 0 {
				im.rep.AdminDropped["outside the town"]++
				continue
			}
		}
		if !im.inside.contains(interior(mp)) {
			im.rep.AdminDropped["outside the town"]++
			continue
		}
		tags := tagMap(r.Tags, keptKeys)
		name, nameEn := names(tags, fmt.Sprintf("无名村 %d", r.ID), fmt.Sprintf("unnamed village %d", r.ID))
		out = append(out, Feature{Properties: map[string]any{
			"id": fmt.Sprintf("r%d", r.ID), "kind": geo.KindVillage, "name": name, "name_en": nameEn,
			"population": population(tags["population"]), "households": 0,
			"osm_id": int64(r.ID), "osm_type": "relation", "admin_level": level,
		}, Geometry: roundGeom(mp)})
	}
	return out
}

// assemble joins a boundary relation's outer (and inner) member ways into rings.
func (im *importer) assemble(r *osmlib.Relation) (orb.MultiPolygon, string) {
	var outer, inner [][]int64
	for _, m := range r.Members {
		if m.Type != osmlib.TypeWay {
			continue
		}
		nodes, ok := im.members[m.Ref]
		if !ok {
			return nil, "boundary ways missing from the extract"
		}
		if m.Role == "inner" {
			inner = append(inner, nodes)
		} else if m.Role == "outer" || m.Role == "" {
			outer = append(outer, nodes)
		}
	}
	outRings, ok := joinRings(outer)
	if !ok || len(outRings) == 0 {
		return nil, "boundary does not close into rings"
	}
	inRings, _ := joinRings(inner)
	var mp orb.MultiPolygon
	for _, ids := range outRings {
		ring, ok := im.ring(ids)
		if !ok {
			return nil, "boundary nodes missing from the extract"
		}
		mp = append(mp, orb.Polygon{ring})
	}
	for _, ids := range inRings {
		ring, ok := im.ring(ids)
		if !ok {
			continue
		}
		for i := range mp {
			if planar.RingContains(mp[i][0], ring[0]) {
				mp[i] = append(mp[i], ring)
				break
			}
		}
	}
	return mp, ""
}

func (im *importer) ring(ids []int64) (orb.Ring, bool) {
	ls := make(orb.Ring, 0, len(ids))
	for _, id := range ids {
		p, ok := im.point(id)
		if !ok {
			return nil, false
		}
		ls = append(ls, p)
	}
	if len(ls) < 4 || planar.Area(ls) == 0 {
		return nil, false
	}
	return ls, true
}

// joinRings links ways end to end into closed rings; ok is false when some
// way cannot be closed.
func joinRings(ways [][]int64) ([][]int64, bool) {
	used := make([]bool, len(ways))
	var rings [][]int64
	for i := range ways {
		if used[i] || len(ways[i]) < 2 {
			continue
		}
		used[i] = true
		ring := slices.Clone(ways[i])
		for ring[0] != ring[len(ring)-1] {
			end, grown := ring[len(ring)-1], false
			for j := range ways {
				w := ways[j]
				if used[j] || len(w) < 2 {
					continue
				}
				switch end {
				case w[0]:
					ring = append(ring, w[1:]...)
				case w[len(w)-1]:
					rev := slices.Clone(w)
					slices.Reverse(rev)
					ring = append(ring, rev[1:]...)
				default:
					continue
				}
				used[j], grown = true, true
				break
			}
			if !grown {
				return rings, false
			}
		}
		rings = append(rings, ring)
	}
	return rings, true
}

// placeVillages partitions the outline among the place=* points inside it:
// each point gets the part of the town nearer to it than to any other
// (a Voronoi cell), marked illustrative because real village lines differ.
func (im *importer) placeVillages() []Feature {
	var seeds []poi
	seen := map[orb.Point]bool{}
	for _, p := range im.pois {
		pt := orb.Point{p.lon, p.lat}
		if placeKinds[p.tags["place"]] && im.inside.contains(pt) && !seen[pt] {
			seen[pt] = true
			seeds = append(seeds, p)
		}
	}
	sort.Slice(seeds, func(i, j int) bool { return seeds[i].id < seeds[j].id })
	if len(seeds) == 0 {
		return nil
	}
	c := interior(im.opt.Outline)
	kx := math.Cos(c[1] * math.Pi / 180)
	proj := func(p orb.Point) orb.Point { return orb.Point{p[0] * kx, p[1]} }
	unproj := func(p orb.Point) orb.Point { return orb.Point{p[0] / kx, p[1]} }
	pts := make([]orb.Point, len(seeds))
	for i, s := range seeds {
		pts[i] = proj(orb.Point{s.lon, s.lat})
	}
	var out []Feature
	for i, s := range seeds {
		var mp orb.MultiPolygon
		for _, poly := range im.opt.Outline {
			cell := make([]orb.Point, 0, len(poly[0]))
			for _, p := range poly[0][:len(poly[0])-1] {
				cell = append(cell, proj(p))
			}
			cell = voronoiCell(cell, pts, i)
			if len(cell) < 3 {
				continue
			}
			ring := make(orb.Ring, 0, len(cell)+1)
			for _, p := range cell {
				ring = append(ring, unproj(p))
			}
			ring = append(ring, ring[0])
			if planar.Area(ring) > 0 {
				mp = append(mp, orb.Polygon{ring})
			}
		}
		if len(mp) == 0 {
			continue
		}
		name, nameEn := names(s.tags, "无名村", "unnamed place")
		out = append(out, Feature{Properties: map[string]any{
			"id": fmt.Sprintf("n%d", s.id), "kind": geo.KindVillage, "name": name, "name_en": nameEn,
			"population": population(s.tags["population"]), "households": 0, "illustrative": true,
			"osm_id": s.id, "osm_type": "node", "place": s.tags["place"],
		}, Geometry: roundGeom(mp)})
	}
	return out
}

// voronoiCell clips region by the half-planes nearer seeds[i] than each other
// seed, nearest first, stopping once no farther seed can reach the cell.
func voronoiCell(region []orb.Point, seeds []orb.Point, i int) []orb.Point {
	me := seeds[i]
	order := make([]int, 0, len(seeds))
	for j := range seeds {
		if j != i {
			order = append(order, j)
		}
	}
	d := func(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }
	sort.Slice(order, func(a, b int) bool { return d(seeds[order[a]], me) < d(seeds[order[b]], me) })
	cell := region
	for _, j := range order {
		reach := 0.0
		for _, p := range cell {
			reach = math.Max(reach, d(p, me))
		}
		if d(seeds[j], me) > 2*reach {
			break
		}
		mid := orb.Point{(me[0] + seeds[j][0]) / 2, (me[1] + seeds[j][1]) / 2}
		n := orb.Point{seeds[j][0] - me[0], seeds[j][1] - me[1]}
		cell = clipHalfPlane(cell, mid, n)
		if len(cell) < 3 {
			return nil
		}
	}
	return cell
}

// clipHalfPlane keeps the part of polygon p where (q-m)·n ≤ 0 (Sutherland–Hodgman).
func clipHalfPlane(p []orb.Point, m, n orb.Point) []orb.Point {
	side := func(q orb.Point) float64 { return (q[0]-m[0])*n[0] + (q[1]-m[1])*n[1] }
	out := make([]orb.Point, 0, len(p)+2)
	for i := range p {
		a, b := p[i], p[(i+1)%len(p)]
		da, db := side(a), side(b)
		if da <= 0 {
			out = append(out, a)
		}
		if (da <= 0) != (db <= 0) {
			t := da / (da - db)
			out = append(out, orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])})
		}
	}
	return out
}

// shelters lists candidate shelters: schools, community centres, town halls,
// assembly points and sports halls inside the town, mapped as points or as
// building outlines (their centre). Capacities are unknown: each is marked
// verify: true for the town to inspect and fill in.
func (im *importer) shelters(villages []Feature) []Feature {
	var out []Feature
	add := func(typ string, id int64, pt orb.Point, tags map[string]string) {
		if !im.inside.contains(pt) {
			return
		}
		kind, zh, en := shelterKind(mapTag(tags))
		name, nameEn := names(tags, "无名"+zh, "unnamed "+en)
		props := map[string]any{
			"id": fmt.Sprintf("%s%d", typ[:1], id), "kind": geo.KindShelter, "name": name, "name_en": nameEn,
			"shelter_kind": kind, "verify": true, "osm_id": id, "osm_type": typ,
		}
		for _, v := range villages {
			if mp, ok := v.Geometry.(orb.MultiPolygon); ok && planar.MultiPolygonContains(mp, pt) {
				props["village"] = v.Properties["id"]
				break
			}
		}
		out = append(out, Feature{Properties: props, Geometry: roundGeom(pt)})
		im.rep.SheltersByKind[kind]++
	}
	im.rep.SheltersByKind = map[string]int{}
	for _, p := range im.pois {
		if k, _, _ := shelterKind(mapTag(p.tags)); k != "" {
			add("node", p.id, orb.Point{p.lon, p.lat}, p.tags)
		}
	}
	for _, w := range im.areas {
		ring, ok := im.ring(w.nodes)
		if !ok {
			continue
		}
		c, _ := planar.CentroidArea(ring)
		if !planar.RingContains(ring, c) {
			c = ring[0]
		}
		add("way", w.id, c, w.tags)
	}
	im.rep.Shelters = len(out)
	return out
}

// interior is a point inside the largest polygon (its centroid, or a vertex
// when the centroid falls outside a concave shape).
func interior(mp orb.MultiPolygon) orb.Point {
	best, bestA := -1, -1.0
	for i, p := range mp {
		if a := planar.Area(p); a > bestA {
			best, bestA = i, a
		}
	}
	if best < 0 || len(mp[best]) == 0 || len(mp[best][0]) == 0 {
		return orb.Point{}
	}
	c, _ := planar.CentroidArea(mp[best])
	if planar.PolygonContains(mp[best], c) {
		return c
	}
	return mp[best][0][0]
}

// population reads population=* ("12000", "12,000"); 0 when absent or odd.
func population(v string) int {
	v = strings.ReplaceAll(strings.TrimSpace(v), ",", "")
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1e9 {
		return 0
	}
	return n
}
