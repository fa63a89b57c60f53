// Command gen writes the built-in scenario folders (scenario/duhu and
// scenario/chixi) deterministically: the same program always writes the same
// bytes. Run it from the repository root: go run ./scenario/gen
//
// Geometry is illustrative: a convex town outline of the right area around
// the estimated centre, villages as a Voronoi partition of hand-placed seeds,
// and a jittered road lattice. Names and facts come from DUHU.md; see
// scenario/duhu/README.md for what is real.
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/geo"
)

// ---- km frame centred on Duhu (x east, y north) ----

const lon0, lat0 = 112.90, 22.08

var kmLat = 6371.0088 * math.Pi / 180
var kmLon = kmLat * math.Cos(lat0*math.Pi/180)

type pt struct{ X, Y float64 }

func (p pt) add(q pt) pt         { return pt{p.X + q.X, p.Y + q.Y} }
func (p pt) sub(q pt) pt         { return pt{p.X - q.X, p.Y - q.Y} }
func (p pt) mul(k float64) pt    { return pt{p.X * k, p.Y * k} }
func (p pt) dist(q pt) float64   { return math.Hypot(p.X-q.X, p.Y-q.Y) }
func (p pt) dot(q pt) float64    { return p.X*q.X + p.Y*q.Y }
func round6(v float64) float64   { return math.Round(v*1e6) / 1e6 }
func round1(v float64) float64   { return math.Round(v*10) / 10 }
func ll(p pt) [2]float64         { return [2]float64{round6(lon0 + p.X/kmLon), round6(lat0 + p.Y/kmLat)} }
func llPoint(p pt) orb.Point     { a := ll(p); return orb.Point{a[0], a[1]} }
func cross(a, b pt) float64      { return a.X*b.Y - a.Y*b.X }
func lerp(a, b pt, t float64) pt { return a.add(b.sub(a).mul(t)) }

type poly []pt // convex, counter-clockwise, not closed

func (p poly) area() float64 {
	a := 0.0
	for i := range p {
		a += cross(p[i], p[(i+1)%len(p)])
	}
	return a / 2
}

func (p poly) centroid() pt {
	var c pt
	a := 0.0
	for i := range p {
		q, r := p[i], p[(i+1)%len(p)]
		w := cross(q, r)
		a += w
		c = c.add(q.add(r).mul(w))
	}
	return c.mul(1 / (3 * a))
}

func (p poly) contains(q pt) bool {
	for i := range p {
		if cross(p[(i+1)%len(p)].sub(p[i]), q.sub(p[i])) < 0 {
			return false
		}
	}
	return true
}

func (p poly) convex() bool {
	for i := range p {
		a, b, c := p[i], p[(i+1)%len(p)], p[(i+2)%len(p)]
		if cross(b.sub(a), c.sub(b)) <= 0 {
			return false
		}
	}
	return true
}

// clip keeps the part of p where (q-m)·n <= 0 (Sutherland–Hodgman, one plane).
func (p poly) clip(m, n pt) poly {
	var out poly
	in := func(q pt) bool { return q.sub(m).dot(n) <= 0 }
	for i := range p {
		a, b := p[i], p[(i+1)%len(p)]
		ia, ib := in(a), in(b)
		if ia {
			out = append(out, a)
		}
		if ia != ib {
			da, db := a.sub(m).dot(n), b.sub(m).dot(n)
			out = append(out, lerp(a, b, da/(da-db)))
		}
	}
	return out
}

// voronoi returns the cell of seeds[i] inside region.
func voronoi(region poly, seeds []pt, i int) poly {
	c := region
	for j, s := range seeds {
		if j != i {
			c = c.clip(seeds[i].add(s).mul(0.5), s.sub(seeds[i]))
		}
	}
	return c
}

func (p poly) ring() [][][2]float64 {
	r := make([][2]float64, 0, len(p)+1)
	for _, q := range p {
		r = append(r, ll(q))
	}
	r = append(r, r[0])
	return [][][2]float64{r}
}

func (p poly) scale(k float64) poly {
	out := make(poly, len(p))
	for i, q := range p {
		out[i] = q.mul(k)
	}
	return out
}

func distToLine(q pt, line []pt) float64 {
	best := math.Inf(1)
	for i := 1; i < len(line); i++ {
		a, b := line[i-1], line[i]
		d := b.sub(a)
		t := math.Max(0, math.Min(1, q.sub(a).dot(d)/d.dot(d)))
		best = math.Min(best, q.dist(a.add(d.mul(t))))
	}
	return best
}

// ---- GeoJSON output ----

type feature struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Geometry   geometry       `json:"geometry"`
}

type geometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

func props(id, kind, name, nameEn string, kv ...any) map[string]any {
	m := map[string]any{"id": id, "kind": kind, "name": name, "name_en": nameEn, "illustrative": true}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func pointF(p pt, pr map[string]any) feature {
	return feature{"Feature", pr, geometry{"Point", ll(p)}}
}

func lineF(line []pt, pr map[string]any) feature {
	c := make([][2]float64, len(line))
	for i, q := range line {
		c[i] = ll(q)
	}
	return feature{"Feature", pr, geometry{"LineString", c}}
}

func polyF(p poly, pr map[string]any) feature {
	return feature{"Feature", pr, geometry{"Polygon", p.ring()}}
}

func writeFC(dir, name string, feats []feature) {
	var b bytes.Buffer
	b.WriteString("{\"type\":\"FeatureCollection\",\"features\":[\n")
	for i, f := range feats {
		j, err := json.Marshal(f)
		if err != nil {
			log.Fatal(err)
		}
		b.Write(j)
		if i < len(feats)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

// ---- town model ----

type subDef struct {
	id, name, nameEn string
	off              pt
	real             bool
}

type villageDef struct {
	id, name, nameEn string
	seed             pt
	real             bool
	weight           float64 // population weight
	subs             []subDef
	cell             poly
}

type gridOut struct {
	id, name, nameEn, village string
	cell                      poly
	real                      bool
	pop, hh                   int
	low                       float64
}

type trunkDef struct {
	name, nameEn string
	way          [][2]int // lattice (row, col) waypoints, legs along rows or columns
	startAt      *pt      // first vertex instead of extending to the boundary
	extendStart  bool
	extendEnd    bool
}

type riverDef struct {
	id, name, nameEn, kind string
	line                   []pt
	real                   bool
}

type townCfg struct {
	id, name, nameEn, code string
	population, households int
	boundary               poly
	villages               []villageDef
	spacing                float64 // km
	dropV                  float64 // share of farm-track column segments left out
	trunks                 []trunkDef
	rivers                 []riverDef
	coastX                 float64 // east of this x roads are low-lying
	oneways                int
	seed                   uint64
	roadPrefix             string // road ids are roadPrefix + 4 digits
}

type node struct {
	p      pt
	inside bool
}

type roadOut struct {
	id, name, nameEn, class string
	speed                   float64
	line                    []pt
	oneway, low             bool
	elev                    float64
}

type town struct {
	cfg   townCfg
	rng   *rand.Rand
	grids []gridOut
	lat   map[[2]int]node
	roads []roadOut
	nodes []pt // lattice nodes used by roads, in a fixed order
	feats map[string][]feature
	ends  map[string]pt // named points other towns connect to
}

func (t *town) villageAt(q pt) *villageDef {
	for i := range t.cfg.villages {
		if t.cfg.villages[i].cell.contains(q) {
			return &t.cfg.villages[i]
		}
	}
	// on a border: the nearest seed
	best := &t.cfg.villages[0]
	for i := range t.cfg.villages {
		if q.dist(t.cfg.villages[i].seed) < q.dist(best.seed) {
			best = &t.cfg.villages[i]
		}
	}
	return best
}

func (t *town) build() {
	cfg := &t.cfg
	if !cfg.boundary.convex() {
		log.Fatalf("%s: boundary is not convex", cfg.id)
	}
	t.feats = map[string][]feature{}
	t.ends = map[string]pt{}
	seeds := make([]pt, len(cfg.villages))
	for i, v := range cfg.villages {
		if !cfg.boundary.contains(v.seed) {
			log.Fatalf("%s: seed %s outside", cfg.id, v.id)
		}
		seeds[i] = v.seed
	}
	for i := range cfg.villages {
		cfg.villages[i].cell = voronoi(cfg.boundary, seeds, i)
	}
	t.buildRoads()
	t.buildGrids()
}

func (t *town) lowShare(q pt) float64 {
	cfg := &t.cfg
	minX, maxX := math.Inf(1), math.Inf(-1)
	for _, b := range cfg.boundary {
		minX, maxX = math.Min(minX, b.X), math.Max(maxX, b.X)
	}
	s := 0.08 + 0.45*(q.X-minX)/(maxX-minX)
	d := math.Inf(1)
	for _, r := range cfg.rivers {
		d = math.Min(d, distToLine(q, r.line))
	}
	s += 0.35 * math.Exp(-d/1.2)
	return math.Round(math.Min(0.95, s)*100) / 100
}

func (t *town) buildGrids() {
	cfg := &t.cfg
	totalW := 0.0
	for _, v := range cfg.villages {
		totalW += v.weight
	}
	popLeft := cfg.population
	for vi, v := range cfg.villages {
		vpop := int(math.Round(float64(cfg.population) * v.weight / totalW))
		if vi == len(cfg.villages)-1 {
			vpop = popLeft
		}
		popLeft -= vpop
		subs := v.subs
		if len(subs) == 0 {
			subs = []subDef{{id: v.id + "-g", name: v.name + "网格", nameEn: v.nameEn + " grid", real: v.real}}
		}
		var sseeds []pt
		for _, s := range subs {
			sseeds = append(sseeds, v.seed.add(s.off))
		}
		area := v.cell.area()
		left := vpop
		for si, s := range subs {
			c := voronoi(v.cell, sseeds, si)
			if len(c) < 3 || c.area() < 0.05 {
				log.Fatalf("%s: grid %s is degenerate", cfg.id, s.id)
			}
			share := c.area() / area * (0.85 + 0.3*t.rng.Float64())
			p := int(math.Round(float64(vpop) * share))
			if si == len(subs)-1 || p > left {
				p = left
			}
			left -= p
			t.grids = append(t.grids, gridOut{id: s.id, name: s.name, nameEn: s.nameEn, village: v.id,
				cell: c, real: s.real, pop: p, low: t.lowShare(c.centroid())})
		}
	}
	// households ≈ population / 3.4, adjusted to the town total
	hhLeft := cfg.households
	for i := range t.grids {
		h := int(math.Round(float64(t.grids[i].pop) * float64(cfg.households) / float64(cfg.population)))
		if i == len(t.grids)-1 {
			h = hhLeft
		}
		hhLeft -= h
		t.grids[i].hh = h
	}
}

func (t *town) buildRoads() {
	cfg := &t.cfg
	s := cfg.spacing
	t.lat = map[[2]int]node{}
	c := cfg.boundary.centroid()
	_ = c
	n := int(30/s) + 2
	for i := -n; i <= n; i++ {
		for j := -n; j <= n; j++ {
			jit := pt{(t.rng.Float64() - 0.5) * 0.35 * s, (t.rng.Float64() - 0.5) * 0.35 * s}
			p := pt{float64(j) * s, float64(i) * s}.add(jit)
			t.lat[[2]int{i, j}] = node{p: p, inside: cfg.boundary.contains(p)}
		}
	}
	in := func(i, j int) bool { return t.lat[[2]int{i, j}].inside }
	used := map[[3]int]bool{} // (row, col, 0=H/1=V) segments taken by trunks
	seg := func(a, b [2]int) [3]int {
		if a[0] == b[0] {
			return [3]int{a[0], min(a[1], b[1]), 0}
		}
		return [3]int{min(a[0], b[0]), a[1], 1}
	}
	boundaryPoint := func(a, b pt) pt { // a inside, b outside
		lo, hi := 0.0, 1.0
		for range 60 {
			mid := (lo + hi) / 2
			if cfg.boundary.contains(lerp(a, b, mid)) {
				lo = mid
			} else {
				hi = mid
			}
		}
		return lerp(a, b, lo)
	}
	id := 0
	nextID := func() string { id++; return fmt.Sprintf("%s%04d", cfg.roadPrefix, id) }
	emit := func(class, name, nameEn string, speed float64, line []pt) {
		mid := line[len(line)/2]
		v := t.villageAt(mid)
		low := mid.X > cfg.coastX
		for _, r := range cfg.rivers {
			if distToLine(mid, r.line) < 0.2 {
				low = true
			}
		}
		elev := 0.8 + 0.2*(7-mid.X)
		if mid.X < -4 {
			elev += (-4 - mid.X) * 4
		}
		if low {
			elev = math.Min(elev, 1.1)
		}
		if name == "" {
			words := map[string][2]string{"secondary": {"乡道", "township road"}, "tertiary": {"村道", "village road"}, "track": {"机耕路", "farm track"}}[class]
			name, nameEn = v.name+words[0], v.nameEn+" "+words[1]
		}
		t.roads = append(t.roads, roadOut{id: nextID(), name: name, nameEn: nameEn, class: class, speed: speed,
			line: line, low: low, elev: round1(elev)})
	}
	// trunks first
	for _, tr := range cfg.trunks {
		var path [][2]int
		for k := 0; k+1 < len(tr.way); k++ {
			a, b := tr.way[k], tr.way[k+1]
			di, dj := sign(b[0]-a[0]), sign(b[1]-a[1])
			for q := a; q != b; q = [2]int{q[0] + di, q[1] + dj} {
				path = append(path, q)
			}
		}
		path = append(path, tr.way[len(tr.way)-1])
		extend := func(path [][2]int) ([][2]int, pt) { // extend path's end to the boundary
			last, prev := path[len(path)-1], path[len(path)-2]
			d := [2]int{last[0] - prev[0], last[1] - prev[1]}
			for {
				nx := [2]int{last[0] + d[0], last[1] + d[1]}
				if !in(nx[0], nx[1]) {
					return path, boundaryPoint(t.lat[last].p, t.lat[nx].p)
				}
				path = append(path, nx)
				last = nx
			}
		}
		var startPt, endPt *pt
		if tr.extendStart {
			slices.Reverse(path)
			var b pt
			path, b = extend(path)
			slices.Reverse(path)
			startPt = &b
		}
		if tr.extendEnd {
			var b pt
			path, b = extend(path)
			endPt = &b
		}
		if tr.startAt != nil {
			startPt = tr.startAt
		}
		var line []pt
		if startPt != nil {
			line = append(line, *startPt)
		}
		for k, q := range path {
			if !in(q[0], q[1]) {
				log.Fatalf("%s: trunk %s leaves the town at %v", cfg.id, tr.name, q)
			}
			line = append(line, t.lat[q].p)
			if k > 0 {
				used[seg(path[k-1], q)] = true
			}
		}
		if endPt != nil {
			line = append(line, *endPt)
			t.ends[tr.nameEn+" end"] = *endPt
		}
		if startPt != nil {
			t.ends[tr.nameEn+" start"] = *startPt
		}
		for k := 0; k < len(line)-1; k += 6 {
			emit("trunk", tr.name, tr.nameEn, 60, line[k:min(k+7, len(line))])
		}
	}
	classOf := func(k int) (string, float64) {
		switch {
		case k%6 == 0:
			return "secondary", 40
		case k%3 == 0:
			return "tertiary", 30
		}
		return "track", 15
	}
	flush := func(run [][2]int, k int) {
		class, speed := classOf(k)
		for a := 0; a < len(run)-1; a += 4 {
			var line []pt
			for _, q := range run[a:min(a+5, len(run))] {
				line = append(line, t.lat[q].p)
			}
			emit(class, "", "", speed, line)
		}
	}
	// rows
	for i := -n; i <= n; i++ {
		var run [][2]int
		for j := -n; j < n; j++ {
			a, b := [2]int{i, j}, [2]int{i, j + 1}
			if in(i, j) && in(i, j+1) && !used[seg(a, b)] {
				if len(run) == 0 {
					run = append(run, a)
				}
				run = append(run, b)
			} else if len(run) > 0 {
				flush(run, i)
				run = nil
			}
		}
		if len(run) > 0 {
			flush(run, i)
		}
	}
	// columns, some farm-track segments left out
	for j := -n; j <= n; j++ {
		var run [][2]int
		for i := -n; i < n; i++ {
			a, b := [2]int{i, j}, [2]int{i + 1, j}
			drop := j%3 != 0 && t.rng.Float64() < cfg.dropV
			if in(i, j) && in(i+1, j) && !used[seg(a, b)] && !drop {
				if len(run) == 0 {
					run = append(run, a)
				}
				run = append(run, b)
			} else if len(run) > 0 {
				flush(run, j)
				run = nil
			}
		}
		if len(run) > 0 {
			flush(run, j)
		}
	}
	// a few one-way farm tracks near the town seat (market streets)
	seat := cfg.villages[0].seed
	ones := 0
	for k := range t.roads {
		r := &t.roads[k]
		if ones < cfg.oneways && r.class == "track" && r.line[0].dist(seat) < 1.2 {
			r.oneway = true
			if ones%2 == 1 {
				slices.Reverse(r.line)
			}
			ones++
		}
	}
	for i := -n; i <= n; i++ {
		for j := -n; j <= n; j++ {
			if in(i, j) {
				t.nodes = append(t.nodes, t.lat[[2]int{i, j}].p)
			}
		}
	}
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// nearestNode is the lattice node closest to q (home positions on roads).
func (t *town) nearestNode(q pt) pt {
	best := t.nodes[0]
	for _, p := range t.nodes {
		if p.dist(q) < best.dist(q) {
			best = p
		}
	}
	return best
}

func (t *town) write(dir string, neighbours []feature, shelters, gauges, hazards []feature) {
	cfg := &t.cfg
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	writeFC(dir, "town.geojson", []feature{polyF(cfg.boundary, props(cfg.id, "town", cfg.name, cfg.nameEn,
		"code", cfg.code, "population", cfg.population))})
	var vf, gf []feature
	for _, v := range cfg.villages {
		pop, hh := 0, 0
		for _, g := range t.grids {
			if g.village == v.id {
				pop += g.pop
				hh += g.hh
			}
		}
		vf = append(vf, polyF(v.cell, props(v.id, "village", v.name, v.nameEn,
			"population", pop, "households", hh, "name_real", v.real)))
	}
	for _, g := range t.grids {
		gf = append(gf, polyF(g.cell, props(g.id, "grid", g.name, g.nameEn, "village", g.village,
			"population", g.pop, "households", g.hh, "low_lying_share", g.low, "name_real", g.real)))
	}
	var rf []feature
	for _, r := range t.roads {
		rf = append(rf, lineF(r.line, props(r.id, "road", r.name, r.nameEn, "class", r.class,
			"speed_kmh", r.speed, "oneway", r.oneway, "low_lying", r.low, "elevation_m", r.elev)))
	}
	var wf []feature
	for _, r := range cfg.rivers {
		wf = append(wf, lineF(r.line, props(r.id, "river", r.name, r.nameEn, "river_kind", r.kind,
			"village", t.villageAt(r.line[len(r.line)/2]).id, "name_real", r.real)))
	}
	writeFC(dir, "villages.geojson", vf)
	writeFC(dir, "grids.geojson", gf)
	writeFC(dir, "roads.geojson", rf)
	writeFC(dir, "rivers.geojson", wf)
	writeFC(dir, "shelters.geojson", shelters)
	writeFC(dir, "gauges.geojson", gauges)
	writeFC(dir, "hazards.geojson", hazards)
	writeFC(dir, "neighbours.geojson", neighbours)
}

func (t *town) gridByID(id string) gridOut {
	for _, g := range t.grids {
		if g.id == id {
			return g
		}
	}
	log.Fatalf("no grid %s", id)
	return gridOut{}
}

// ---- roster ----

var surnames = []rune("李黄陈伍余梅刘谭马甄朱邝雷关赵林吴周邓何")
var given = []rune("志伟国文建明华强杰海振荣德永家俊丽敏芳燕桂英秀玲锦汉达")

type roster struct {
	rng  *rand.Rand
	rows [][]string
	tel  int
}

func (r *roster) name() string {
	s := string(surnames[r.rng.IntN(len(surnames))])
	return s + string(given[r.rng.IntN(len(given))]) + string(given[r.rng.IntN(len(given))])
}

func (r *roster) add(id, nameEn, tier, village, team, caps string, home orb.Point, reserve bool) {
	r.tel++
	r.rows = append(r.rows, []string{id, r.name(), nameEn, tier, village, team, caps,
		fmt.Sprintf("1380000%04d", r.tel), strconv.FormatFloat(home[0], 'f', 6, 64),
		strconv.FormatFloat(home[1], 'f', 6, 64), strconv.FormatBool(reserve)})
}

func (r *roster) write(path string) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"id", "name", "name_en", "tier", "village", "team", "capabilities", "phone", "lon", "lat", "reserve"})
	_ = w.WriteAll(r.rows)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

// home picks a road node near q within radius km, nudged up to ~20 m off it.
func (t *town) home(rng *rand.Rand, q pt, radius float64, inVillage string) orb.Point {
	var cands []pt
	for _, p := range t.nodes {
		if p.dist(q) <= radius && (inVillage == "" || t.villageAt(p).id == inVillage) {
			cands = append(cands, p)
		}
	}
	p := t.nearestNode(q)
	if len(cands) > 0 {
		p = cands[rng.IntN(len(cands))]
	}
	return llPoint(p.add(pt{(rng.Float64() - 0.5) * 0.03, (rng.Float64() - 0.5) * 0.03}))
}

func main() {
	out := flag.String("out", "scenario", "folder that holds the scenario folders")
	flag.Parse()
	duhu := buildDuhu()
	chixi := buildChixi(duhu)
	writeDuhu(duhu, chixi, filepath.Join(*out, "duhu"))
	writeDuhuHouseholds(duhu, filepath.Join(*out, "duhu", "households.csv"))
	writeChixi(chixi, duhu, filepath.Join(*out, "chixi"))
	check(filepath.Join(*out, "duhu"), filepath.Join(*out, "chixi"))
	writeStorm(filepath.Join(*out, "duhu"))
}

// check loads what was written and insists on the properties tests rely on.
func check(dirs ...string) {
	var all []geo.Road
	for _, d := range dirs {
		s, err := geo.LoadScenario(os.DirFS(d))
		if err != nil {
			log.Fatalf("%s: %v", d, err)
		}
		g, rep := geo.NewGraph(s.Roads, 1)
		if rep.Components != 1 {
			log.Fatalf("%s: %v %+v", d, rep, rep.Islands)
		}
		for _, v := range s.Villages {
			for i, sec := range g.TravelTimes(v.Center, shelterPoints(s.Shelters)) {
				if math.IsInf(sec, 1) {
					log.Fatalf("%s: village %s cannot reach shelter %s", d, v.ID, s.Shelters[i].ID)
				}
			}
		}
		all = append(all, s.Roads...)
		fmt.Printf("%s: %d villages, %d grids, %d shelters, %d gauges, %d roads, %d rivers, %d hazards; graph %v\n",
			d, len(s.Villages), len(s.Grids), len(s.Shelters), len(s.Gauges), len(s.Roads), len(s.Rivers), len(s.Hazards), rep)
	}
	_, rep := geo.NewGraph(all, 1)
	fmt.Printf("all towns together: %v\n", rep)
	if rep.Components != 1 {
		log.Fatalf("towns are not connected: %+v", rep.Islands)
	}
}

func shelterPoints(sh []geo.Shelter) []orb.Point {
	out := make([]orb.Point, len(sh))
	for i, s := range sh {
		out[i] = s.Point
	}
	return out
}
