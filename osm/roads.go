package osm

import (
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/geo"
)

// run is a stretch of a way inside the outline: its nodes, and where it was
// cut, the point where it crosses the outline (head before, tail after).
type run struct {
	nodes      []int64
	head, tail *orb.Point
}

// runs cuts a way into the stretches whose nodes are inside the outline and
// present in the extract. cut says the outline cut the way; outside that
// nothing of it was inside; missing that the extract lacked some of its nodes.
func (im *importer) runs(w keptWay) (runs []run, cut, outside, missing bool) {
	var cur run
	var prev orb.Point
	prevIn, prevOK := false, false
	flush := func() {
		if len(cur.nodes) >= 2 || (len(cur.nodes) == 1 && (cur.head != nil || cur.tail != nil)) {
			runs = append(runs, cur)
		}
		cur = run{}
	}
	for _, id := range w.nodes {
		p, ok := im.point(id)
		if !ok {
			missing = true
		}
		in := ok && im.inside.contains(p)
		if ok && !in {
			cut = true
		}
		switch {
		case in && prevOK && !prevIn: // entering: start at the outline
			if x, found := im.inside.crossing(p, prev); found && x != p {
				cur.head = &x
			}
		case !in && ok && prevIn: // leaving: end at the outline
			if x, found := im.inside.crossing(prev, p); found && x != prev {
				cur.tail = &x
			}
		}
		if in {
			cur.nodes = append(cur.nodes, id)
		} else {
			flush()
		}
		prev, prevIn, prevOK = p, in, ok
	}
	flush()
	outside = len(runs) == 0
	return runs, cut && !outside, outside, missing
}

// line turns a run into a line, dropping repeated positions (two OSM nodes
// at one spot would make a zero-length segment).
func (im *importer) line(r run) orb.LineString {
	ls := make(orb.LineString, 0, len(r.nodes)+2)
	add := func(p orb.Point) {
		if len(ls) == 0 || ls[len(ls)-1] != p {
			ls = append(ls, p)
		}
	}
	if r.head != nil {
		add(orb.Point{round7(r.head[0]), round7(r.head[1])})
	}
	for _, id := range r.nodes {
		p, _ := im.point(id)
		add(p)
	}
	if r.tail != nil {
		add(orb.Point{round7(r.tail[0]), round7(r.tail[1])})
	}
	return ls
}

type piece struct {
	w   *keptWay
	run run
	dir Direction
}

// roads builds road sections from the kept highways: cut at the outline,
// only the largest connected network (by shared OSM nodes, exactly as the
// ways are drawn), each way cut into sections of about SectionMeters.
func (im *importer) roads() []Feature {
	var pieces []piece
	for i := range im.highways {
		w := &im.highways[i]
		rs, cut, outside, missing := im.runs(*w)
		im.rep.countCut(&im.rep.RoadsCut, &im.rep.RoadsOutside, &im.rep.RoadsMissingNodes, cut, outside, missing)
		rc := roadClasses[w.tags["highway"]]
		dir := ParseOneway(w.tags["oneway"], w.tags["junction"], rc.oneway)
		for _, r := range rs {
			if dir == Backward {
				r.nodes = slices.Clone(r.nodes)
				slices.Reverse(r.nodes)
				r.head, r.tail = r.tail, r.head
			}
			pieces = append(pieces, piece{w: w, run: r, dir: dir})
		}
	}
	keep := im.largestNetwork(pieces)
	var out []Feature
	next := map[int64]int{}
	kept := map[int64]bool{}
	for i, p := range pieces {
		if !keep[i] {
			continue
		}
		rc := roadClasses[p.w.tags["highway"]]
		speed, ok := ParseMaxspeed(p.w.tags["maxspeed"])
		if !ok {
			speed = rc.speedKmh
		}
		name, nameEn := names(p.w.tags, "无名"+rc.zh, "unnamed "+rc.en)
		line := im.line(p.run)
		if len(line) < 2 {
			im.rep.RoadsZeroLength++
			continue
		}
		kept[p.w.id] = true
		for _, sec := range sections(line, im.opt.SectionMeters) {
			next[p.w.id]++
			props := map[string]any{
				"id": fmt.Sprintf("w%d-%d", p.w.id, next[p.w.id]), "kind": geo.KindRoad,
				"name": name, "name_en": nameEn, "class": rc.class, "speed_kmh": math.Round(speed*10) / 10,
				"osm_id": p.w.id, "osm_type": "way", "highway": p.w.tags["highway"],
			}
			if p.dir != BothWays {
				props["oneway"] = true
			}
			if isBridge(p.w.tags["bridge"]) {
				props["bridge"] = true
				im.rep.BridgeSections++
			}
			out = append(out, Feature{Properties: props, Geometry: sec})
			im.rep.RoadKm += lineMeters(sec) / 1000
			im.rep.RoadsByClass[rc.class]++
		}
	}
	im.rep.RoadWays = len(kept)
	im.rep.RoadSections = len(out)
	return out
}

// largestNetwork keeps the pieces of the connected component with the most
// road length and counts the rest as dropped: a road nobody can drive to from
// the town's network cannot carry a rescue, and floodcmd check refuses a
// network in pieces.
func (im *importer) largestNetwork(pieces []piece) map[int]bool {
	parent := make([]int32, len(im.nodes.ids))
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, p := range pieces {
		a := int32(im.nodes.index(p.run.nodes[0]))
		for _, id := range p.run.nodes[1:] {
			b := int32(im.nodes.index(id))
			if ra, rb := find(a), find(b); ra != rb {
				parent[ra] = rb
			}
			a = b
		}
	}
	length := map[int32]float64{}
	lens := make([]float64, len(pieces))
	for i, p := range pieces {
		lens[i] = lineMeters(im.line(p.run))
		length[find(int32(im.nodes.index(p.run.nodes[0])))] += lens[i]
	}
	best, bestLen := int32(-1), -1.0
	for root, l := range length {
		if l > bestLen || (l == bestLen && root < best) {
			best, bestLen = root, l
		}
	}
	keep := map[int]bool{}
	dropped := map[int32]bool{}
	for i, p := range pieces {
		if root := find(int32(im.nodes.index(p.run.nodes[0]))); root == best {
			keep[i] = true
		} else {
			dropped[root] = true
			im.rep.DisconnectedPieces++
			im.rep.DisconnectedKm += lens[i] / 1000
		}
	}
	im.rep.DisconnectedNetworks = len(dropped)
	return keep
}

// sections cuts a line into pieces of about target metres, at vertices, each
// with at least two points; the last piece absorbs the remainder.
func sections(line orb.LineString, target float64) []orb.LineString {
	cum := make([]float64, len(line))
	for i := 1; i < len(line); i++ {
		cum[i] = cum[i-1] + haversine(line[i-1], line[i])
	}
	total := cum[len(cum)-1]
	n := max(1, int(math.Round(total/target)))
	step := total / float64(n)
	cuts := []int{0}
	k := 1.0
	for i := 1; i < len(line)-1 && len(cuts) < n; i++ {
		if cum[i] < k*step {
			continue
		}
		j := i
		if prev := i - 1; prev > cuts[len(cuts)-1] && k*step-cum[prev] < cum[i]-k*step {
			j = prev
		}
		cuts = append(cuts, j)
		for k*step <= cum[j] {
			k++
		}
	}
	cuts = append(cuts, len(line)-1)
	out := make([]orb.LineString, 0, len(cuts)-1)
	for i := 1; i < len(cuts); i++ {
		out = append(out, slices.Clone(line[cuts[i-1]:cuts[i]+1]))
	}
	return out
}

// rivers builds rivers and channels from the kept waterways, cut at the outline.
func (im *importer) rivers() []Feature {
	var out []Feature
	for _, w := range im.waterways {
		rs, cut, outside, missing := im.runs(w)
		im.rep.countCut(&im.rep.RiversCut, &im.rep.RiversOutside, &im.rep.RiversMissingNodes, cut, outside, missing)
		ww := w.tags["waterway"]
		words := waterwayWords[ww]
		name, nameEn := names(w.tags, words[0], words[1])
		for k, r := range rs {
			line := im.line(r)
			if len(line) < 2 {
				continue
			}
			out = append(out, Feature{Properties: map[string]any{
				"id": fmt.Sprintf("w%d-%d", w.id, k+1), "kind": geo.KindRiver, "name": name, "name_en": nameEn,
				"river_kind": riverKinds[ww], "waterway": ww, "osm_id": w.id, "osm_type": "way",
			}, Geometry: line})
		}
	}
	im.rep.Rivers = len(out)
	return out
}
