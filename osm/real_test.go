package osm

import (
	"bytes"
	"compress/bzip2"
	"container/heap"
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	osmlib "github.com/paulmach/osm"

	"github.com/floodcmd/floodcmd/geo"
)

// andorraBox holds all of the Andorra extract (its bounds are
// 1.412368,42.4276 … 1.787481,42.65717), so no road is cut and the
// independent graph below sees exactly the ways the import saw.
var andorraBox = orb.Bound{Min: orb.Point{1.30, 42.30}, Max: orb.Point{1.90, 42.80}}

var andorra struct {
	once sync.Once
	path string // the decompressed .osm
	dir  string // the imported scenario
	res  *Result
	err  error
}

// importAndorra decompresses the real extract once and imports it.
func importAndorra(t testing.TB) (string, string, *Result) {
	t.Helper()
	andorra.once.Do(func() {
		tmp, err := os.MkdirTemp("", "floodcmd-andorra-")
		if err != nil {
			andorra.err = err
			return
		}
		in, err := os.Open("testdata/andorra-latest.osm.bz2")
		if err != nil {
			andorra.err = err
			return
		}
		defer in.Close()
		andorra.path = filepath.Join(tmp, "andorra.osm")
		out, err := os.Create(andorra.path)
		if err != nil {
			andorra.err = err
			return
		}
		if _, err := io.Copy(out, bzip2.NewReader(in)); err != nil {
			andorra.err = err
			return
		}
		out.Close()
		andorra.res, andorra.err = Import(context.Background(), Source{Path: andorra.path}, Options{
			Town: "andorra", Name: "安道尔", NameEn: "Andorra", VillageLevels: []int{7},
			Outline: orb.MultiPolygon{andorraBox.ToPolygon()}, Illustrative: true})
		if andorra.err != nil {
			return
		}
		andorra.dir = filepath.Join(tmp, "scenario")
		andorra.err = andorra.res.Write(andorra.dir)
	})
	if andorra.err != nil {
		t.Fatal(andorra.err)
	}
	return andorra.path, andorra.dir, andorra.res
}

func TestRealExtractLoads(t *testing.T) {
	_, dir, res := importAndorra(t)
	sc, err := geo.LoadScenario(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	t.Logf("Andorra: %d road sections (%.0f km) from %d ways, %d rivers, %d shelters, %d villages (%s); dropped %d disconnected pieces (%.1f km)",
		rep.RoadSections, rep.RoadKm, rep.RoadWays, rep.Rivers, rep.Shelters, rep.Villages, rep.VillagesFrom, rep.DisconnectedPieces, rep.DisconnectedKm)
	// Andorra has about 750 km of drivable road and its 7 parishes
	// (admin_level 7) are mapped: anything far off means the import is wrong.
	if rep.RoadKm < 600 || rep.RoadKm > 900 || len(sc.Villages) != 7 || rep.RoadsCut != 0 || rep.DisconnectedKm > 0.1*rep.RoadKm {
		t.Errorf("implausible import: %.0f km of road, %d villages, %d ways cut, %.1f km dropped", rep.RoadKm, len(sc.Villages), rep.RoadsCut, rep.DisconnectedKm)
	}
	if _, gr := geo.NewGraph(sc.Roads, 5); gr.Components != 1 {
		t.Errorf("the imported network is in %d pieces", gr.Components)
	}
	for _, w := range sc.Warnings {
		if w.File != "shelters.geojson" {
			t.Errorf("unexpected warning %v", w)
		}
	}
	if len(sc.Warnings) != len(sc.Shelters) || len(sc.Shelters) == 0 {
		t.Errorf("%d warnings for %d candidate shelters", len(sc.Warnings), len(sc.Shelters))
	}
}

// refGraph is an independent road graph over the same OSM ways: one node per
// OSM node id, travel time by the great-circle length of each segment.
type refGraph struct {
	pt  map[int64]orb.Point
	adj map[int64][]refEdge
}

type refEdge struct {
	to   int64
	secs float64
}

// buildRef reads the drivable ways of the file with nodes inside box (the
// ways the import keeps) straight from OSM node ids, with no clipping,
// sectioning or snapping.
func buildRef(t testing.TB, src Source, box orb.Bound) *refGraph {
	t.Helper()
	g := &refGraph{pt: map[int64]orb.Point{}, adj: map[int64][]refEdge{}}
	var ways []*osmlib.Way
	err := src.scan(context.Background(), pass{nodes: true, ways: true}, func(o osmlib.Object) {
		switch o := o.(type) {
		case *osmlib.Node:
			if p := (orb.Point{o.Lon, o.Lat}); box.Contains(p) {
				g.pt[int64(o.ID)] = p
			}
		case *osmlib.Way:
			rc, ok := roadClasses[o.Tags.Find("highway")]
			if ok && !rc.path && excludedHighway(o.Tags.Map()) == "" {
				ways = append(ways, o)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ways {
		rc := roadClasses[w.Tags.Find("highway")]
		kmh, ok := ParseMaxspeed(w.Tags.Find("maxspeed"))
		if !ok {
			kmh = rc.speedKmh
		}
		dir := ParseOneway(w.Tags.Find("oneway"), w.Tags.Find("junction"), rc.oneway)
		for i := 1; i < len(w.Nodes); i++ {
			a, b := int64(w.Nodes[i-1].ID), int64(w.Nodes[i].ID)
			pa, okA := g.pt[a]
			pb, okB := g.pt[b]
			if !okA || !okB {
				continue
			}
			s := haversine(pa, pb) / (kmh / 3.6)
			if dir != Backward {
				g.adj[a] = append(g.adj[a], refEdge{b, s})
			}
			if dir != Forward {
				g.adj[b] = append(g.adj[b], refEdge{a, s})
			}
		}
	}
	return g
}

type refItem struct {
	n int64
	d float64
}
type refHeap []refItem

func (h refHeap) Len() int           { return len(h) }
func (h refHeap) Less(i, j int) bool { return h[i].d < h[j].d }
func (h refHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *refHeap) Push(x any)        { *h = append(*h, x.(refItem)) }
func (h *refHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// dijkstra is the textbook algorithm with container/heap: seconds from a to b.
func (g *refGraph) dijkstra(a, b int64) (float64, bool) {
	dist := map[int64]float64{a: 0}
	h := &refHeap{{a, 0}}
	for h.Len() > 0 {
		it := heap.Pop(h).(refItem)
		if it.d > dist[it.n] {
			continue
		}
		if it.n == b {
			return it.d, true
		}
		for _, e := range g.adj[it.n] {
			nd := it.d + e.secs
			if old, seen := dist[e.to]; !seen || nd < old {
				dist[e.to] = nd
				heap.Push(h, refItem{e.to, nd})
			}
		}
	}
	return 0, false
}

// Routes on the imported Andorra are never shorter than the straight line
// and take within 3% of the time an independent shortest path over the same
// OSM ways takes.
func TestRealExtractRoutesMatchIndependentDijkstra(t *testing.T) {
	path, dir, _ := importAndorra(t)
	compareRoutes(t, Source{Path: path}, andorraBox, dir)
}

func compareRoutes(t *testing.T, src Source, box orb.Bound, dir string) {
	sc, err := geo.LoadScenario(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	ref := buildRef(t, src, box)
	byPoint := map[orb.Point]int64{}
	for id, p := range ref.pt {
		byPoint[orb.Point{round7(p[0]), round7(p[1])}] = id
	}
	var vertices []orb.Point
	for _, r := range sc.Roads {
		vertices = append(vertices, r.Line...)
	}
	g, _ := geo.NewGraph(sc.Roads, 5) // engine.SnapToleranceMeters
	rng := rand.New(rand.NewPCG(16, 1))
	compared, unreachable, walked, worst := 0, 0, 0, 0.0
	for tries := 0; compared < 60 && tries < 400; tries++ {
		from, to := vertices[rng.IntN(len(vertices))], vertices[rng.IntN(len(vertices))]
		a, okA := byPoint[from]
		b, okB := byPoint[to]
		if !okA || !okB || a == b {
			continue // a vertex where a road crosses the box is not an OSM node
		}
		want, ok := ref.dijkstra(a, b)
		r, err := g.Route(from, to)
		if !ok {
			unreachable++ // one-way streets can make a pair unreachable by road
			continue
		}
		if err != nil {
			if errors.Is(err, geo.ErrUnreachable) {
				t.Errorf("route %v → %v: unreachable, the reference takes %.0f s", from, to, want)
			} else {
				t.Error(err)
			}
			continue
		}
		compared++
		if crow := haversine(from, to); r.Meters < crow*(1-1e-6) {
			t.Errorf("route %v → %v is %.1f m, shorter than the straight line %.1f m", from, to, r.Meters, crow)
		}
		diff := (r.Seconds - want) / want
		if len(r.Path) > 2 && (r.Path[1] != from || r.Path[len(r.Path)-2] != to) {
			// geo may walk (5 km/h) up to 300 m to a better entry node, e.g.
			// rather than drive round a block of one-way streets: the reference
			// only drives, so geo can only be faster here.
			walked++
			if diff > 0.03 {
				t.Errorf("route %v → %v walks part of the way yet takes %.1f s, the drive-only reference %.1f s", from, to, r.Seconds, want)
			}
			continue
		}
		worst = math.Max(worst, math.Abs(diff))
		if math.Abs(diff) > 0.03 {
			t.Errorf("route %v → %v: %.1f s, the reference %.1f s (%+.1f%%)", from, to, r.Seconds, want, 100*diff)
		}
	}
	t.Logf("compared %d routes (%d pairs unreachable by one-way streets in the reference, %d routes with a walk to a better entry point), worst difference of the driven ones %.2f%%", compared, unreachable, walked, 100*worst)
	if compared < 50 {
		t.Errorf("only %d routes compared", compared)
	}
}

// moduleDir is where the go command keeps a module's files: the Delaware
// extract ships in github.com/paulmach/osm's test data, which go.sum pins.
func moduleDir(t *testing.T, mod string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod).Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("go list -m %s: %v", mod, err)
	}
	return string(bytes.TrimSpace(out))
}

// A second real extract, as PBF: Delaware (2018, © OpenStreetMap
// contributors, ODbL), cut to the box around Dover with its city limits
// (admin_level 8) as villages.
func TestRealPBFDover(t *testing.T) {
	src := Source{Path: filepath.Join(moduleDir(t, "github.com/paulmach/osm"), "testdata", "delaware-latest.osm.pbf")}
	box := orb.Bound{Min: orb.Point{-75.60, 39.10}, Max: orb.Point{-75.45, 39.22}}
	res, err := Import(context.Background(), src, Options{Town: "dover", Name: "多佛", NameEn: "Dover",
		VillageLevels: []int{8}, Outline: orb.MultiPolygon{box.ToPolygon()}, Illustrative: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "dover")
	if err := res.Write(dir); err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	t.Logf("Dover: %d sections, %.0f km, %d cut at the box, %d pieces dropped, %d shelters, %d villages", rep.RoadSections, rep.RoadKm, rep.RoadsCut, rep.DisconnectedPieces, rep.Shelters, rep.Villages)
	if rep.RoadKm < 500 || rep.RoadKm > 1500 || rep.RoadsCut == 0 || rep.Villages == 0 {
		t.Errorf("implausible import of Dover: %.0f km, %d ways cut, %d villages", rep.RoadKm, rep.RoadsCut, rep.Villages)
	}
	compareRoutes(t, src, box, dir)
}
