package osm

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/geo"
)

// The county: 0.5° × 0.45° (about 51 × 50 km) at 22 N, roads on a jittered
// 250 m lattice (secondary every 10 km, tertiary every 2 km, residential and
// tracks between, a quarter of the minor links missing), 2.9 million
// buildings of 4 nodes (most of a real extract's nodes are buildings), 300
// schools, 300 villages, 20 rivers. The PBF is ≥ 50 MB, like a Chinese
// county's extract, and cached in the temp dir between runs.
const (
	countyLon0, countyLat0 = 113.0, 22.0
	countyW, countyH       = 0.5, 0.45
	countyStep             = 250.0 // metres between lattice crossings
	countyBuildings        = 2_900_000
	countyFile             = "floodcmd-county-v2.osm.pbf"
)

var countyOutline = orb.MultiPolygon{orb.Bound{Min: orb.Point{countyLon0, countyLat0}, Max: orb.Point{countyLon0 + countyW, countyLat0 + countyH}}.ToPolygon()}

func edgeHash(i, j, dir int) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/%d", i, j, dir)
	return h.Sum64()
}

func countyPBF(b *testing.B) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), countyFile)
	if st, err := os.Stat(path); err == nil && st.Size() >= 50<<20 {
		return path
	}
	t0 := time.Now()
	if err := writeCounty(path + ".part"); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(path+".part", path); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(path)
	b.Logf("generated %s: %.1f MB in %.1f s", path, float64(st.Size())/1e6, time.Since(t0).Seconds())
	return path
}

func writeCounty(path string) error {
	p, err := createPBF(path)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2026, 12))
	ky := 6371008.8 * math.Pi / 180
	kx := ky * math.Cos((countyLat0+countyH/2)*math.Pi/180)
	dlon, dlat := countyStep/kx, countyStep/ky
	nx, ny := int(countyW/dlon), int(countyH/dlat)
	const per = 10 // segments per lattice edge: a node every 25 m
	cross := func(i, j int) int64 { return 1 + int64(j*(nx+1)+i) }
	baseH := int64((nx+1)*(ny+1)) + 10
	baseV := baseH + int64((nx+1)*(ny+1)*per)
	hNode := func(i, j, m int) int64 { return baseH + int64((j*(nx+1)+i)*per+m) }
	vNode := func(i, j, m int) int64 { return baseV + int64((j*(nx+1)+i)*per+m) }
	pos := make([]orb.Point, (nx+1)*(ny+1))
	jit := func(m float64) float64 { return (rng.Float64()*2 - 1) * m }
	for j := 0; j <= ny; j++ {
		for i := 0; i <= nx; i++ {
			pos[j*(nx+1)+i] = orb.Point{countyLon0 + float64(i)*dlon + jit(30)/kx, countyLat0 + float64(j)*dlat + jit(30)/ky}
			pos[j*(nx+1)+i][0] = math.Min(math.Max(pos[j*(nx+1)+i][0], countyLon0), countyLon0+countyW)
			pos[j*(nx+1)+i][1] = math.Min(math.Max(pos[j*(nx+1)+i][1], countyLat0), countyLat0+countyH)
		}
	}
	node := func(id int64, pt orb.Point, tags map[string]string) error {
		return p.node(fnode{id: id, lon: pt[0], lat: pt[1], tags: tags})
	}
	for j := 0; j <= ny; j++ {
		for i := 0; i <= nx; i++ {
			a := pos[j*(nx+1)+i]
			if err := node(cross(i, j), a, nil); err != nil {
				return err
			}
			for dir, next := range [][2]int{{i + 1, j}, {i, j + 1}} {
				if next[0] > nx || next[1] > ny {
					continue
				}
				c := pos[next[1]*(nx+1)+next[0]]
				for m := 1; m < per; m++ {
					f := float64(m) / per
					pt := orb.Point{a[0] + f*(c[0]-a[0]) + jit(4)/kx, a[1] + f*(c[1]-a[1]) + jit(4)/ky}
					id := hNode(i, j, m)
					if dir == 1 {
						id = vNode(i, j, m)
					}
					if err := node(id, pt, nil); err != nil {
						return err
					}
				}
			}
		}
	}
	baseB := baseV + int64((nx+1)*(ny+1)*per) + 10
	for k := 0; k < countyBuildings; k++ {
		c := orb.Point{countyLon0 + rng.Float64()*countyW, countyLat0 + rng.Float64()*countyH}
		w, h := (6+rng.Float64()*10)/kx, (6+rng.Float64()*10)/ky
		for n, pt := range []orb.Point{c, {c[0] + w, c[1]}, {c[0] + w, c[1] + h}, {c[0], c[1] + h}} {
			if err := node(baseB+int64(4*k+n), pt, nil); err != nil {
				return err
			}
		}
	}
	baseP := baseB + int64(4*countyBuildings) + 10
	for k := 0; k < 300; k++ {
		c := orb.Point{countyLon0 + rng.Float64()*countyW, countyLat0 + rng.Float64()*countyH}
		if err := node(baseP+int64(k), c, map[string]string{"place": "village", "name": fmt.Sprintf("%d村", k)}); err != nil {
			return err
		}
		c = orb.Point{countyLon0 + rng.Float64()*countyW, countyLat0 + rng.Float64()*countyH}
		if err := node(baseP+1000+int64(k), c, map[string]string{"amenity": "school", "name": fmt.Sprintf("第%d小学", k)}); err != nil {
			return err
		}
	}
	baseR := baseP + 2000
	for r := 0; r < 20; r++ {
		y := countyLat0 + rng.Float64()*countyH
		for k := 0; k <= 500; k++ {
			pt := orb.Point{countyLon0 + countyW*float64(k)/500, y + 0.01*math.Sin(float64(k)/20+float64(r))}
			if err := node(baseR+int64(r*1000+k), pt, nil); err != nil {
				return err
			}
		}
	}
	// ways: one per lattice edge, as OSM splits ways at junctions
	wid := int64(1)
	for j := 0; j <= ny; j++ {
		for i := 0; i <= nx; i++ {
			for dir, next := range [][2]int{{i + 1, j}, {i, j + 1}} {
				if next[0] > nx || next[1] > ny {
					continue
				}
				line := j
				if dir == 1 {
					line = i
				}
				h := edgeHash(i, j, dir)
				tags := map[string]string{"highway": "residential"}
				switch {
				case line%40 == 0:
					tags = map[string]string{"highway": "secondary", "maxspeed": "60", "name": fmt.Sprintf("S%d", line)}
				case line%8 == 0:
					tags = map[string]string{"highway": "tertiary", "name": fmt.Sprintf("X%d", line)}
				case h%4 == 0:
					continue // a missing minor link
				case h%10 == 1:
					tags["highway"] = "track"
				case h%20 == 2:
					tags["oneway"] = "yes"
				case h%100 == 3:
					tags["oneway"] = "-1"
				}
				if h%50 == 7 {
					tags["bridge"] = "yes"
				}
				nodes := []int64{cross(i, j)}
				for m := 1; m < per; m++ {
					if dir == 0 {
						nodes = append(nodes, hNode(i, j, m))
					} else {
						nodes = append(nodes, vNode(i, j, m))
					}
				}
				nodes = append(nodes, cross(next[0], next[1]))
				if err := p.way(fway{id: wid, nodes: nodes, tags: tags}); err != nil {
					return err
				}
				wid++
			}
		}
	}
	building := map[string]string{"building": "yes"}
	for k := 0; k < countyBuildings; k++ {
		n := baseB + int64(4*k)
		if err := p.way(fway{id: 10_000_000 + int64(k), nodes: []int64{n, n + 1, n + 2, n + 3, n}, tags: building}); err != nil {
			return err
		}
	}
	for r := 0; r < 20; r++ {
		nodes := make([]int64, 0, 501)
		for k := 0; k <= 500; k++ {
			nodes = append(nodes, baseR+int64(r*1000+k))
		}
		if err := p.way(fway{id: 20_000_000 + int64(r), nodes: nodes, tags: map[string]string{"waterway": "river", "name": fmt.Sprintf("%d江", r)}}); err != nil {
			return err
		}
	}
	return p.close()
}

func maxRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

// BenchmarkImportCounty imports the generated county (run with -benchtime=1x;
// a first run also generates the file, so run it twice for a clean peak).
func BenchmarkImportCounty(b *testing.B) {
	path := countyPBF(b)
	st, _ := os.Stat(path)
	rssBefore := maxRSSMiB()
	b.ResetTimer()
	var res *Result
	for i := 0; i < b.N; i++ {
		var err error
		res, err = Import(context.Background(), Source{Path: path}, Options{Town: "county", Outline: countyOutline, Illustrative: true})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	rep := res.Report
	b.ReportMetric(float64(st.Size())/1e6, "pbf_MB")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/import")
	b.ReportMetric(maxRSSMiB(), "peak_rss_MiB")
	b.ReportMetric(float64(rep.RoadSections), "sections")
	b.Logf("county: %.1f MB PBF; %d sections from %d ways, %.0f km; dropped %d pieces; %d shelters, %d villages; peak RSS %.0f MiB (before the import %.0f MiB)",
		float64(st.Size())/1e6, rep.RoadSections, rep.RoadWays, rep.RoadKm, rep.DisconnectedPieces, rep.Shelters, rep.Villages, maxRSSMiB(), rssBefore)
}

var countyGraph struct {
	once sync.Once
	g    *geo.Graph
	rep  geo.GraphReport
	pts  []orb.Point
}

// roadsOf turns imported road features into geo roads, as LoadScenario would.
func roadsOf(feats []Feature) []geo.Road {
	roads := make([]geo.Road, 0, len(feats))
	for _, f := range feats {
		p := f.Properties
		r := geo.Road{ID: p["id"].(string), Class: p["class"].(string), SpeedKmh: p["speed_kmh"].(float64), Line: f.Geometry.(orb.LineString)}
		r.Oneway, _ = p["oneway"].(bool)
		roads = append(roads, r)
	}
	return roads
}

// BenchmarkRouteCounty routes on the imported county graph with A* (Route)
// beside a plain Dijkstra (TravelTimes to the one target), as geo's
// benchmarks do for Duhu and the province, on the same pairs.
func BenchmarkRouteCounty(b *testing.B) {
	countyGraph.once.Do(func() {
		res, err := Import(context.Background(), Source{Path: countyPBF(b)}, Options{Town: "county", Outline: countyOutline, Illustrative: true})
		if err != nil {
			b.Fatal(err)
		}
		roads := roadsOf(res.Files["roads.geojson"])
		countyGraph.g, countyGraph.rep = geo.NewGraph(roads, 5)
		for _, r := range roads {
			countyGraph.pts = append(countyGraph.pts, r.Line[0])
		}
	})
	g, pts := countyGraph.g, countyGraph.pts
	rng := rand.New(rand.NewPCG(7, 7))
	pairs := make([][2]orb.Point, 256)
	for i := range pairs {
		pairs[i] = [2]orb.Point{pts[rng.IntN(len(pts))], pts[rng.IntN(len(pts))]}
	}
	var astar, plain time.Duration
	done := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pr := pairs[i%len(pairs)]
		t0 := time.Now()
		r, err := g.Route(pr[0], pr[1])
		astar += time.Since(t0)
		b.StopTimer()
		t1 := time.Now()
		want := g.TravelTimes(pr[0], []orb.Point{pr[1]})[0]
		plain += time.Since(t1)
		if err == nil && math.Abs(want-r.Seconds) > 1e-6*math.Max(1, want) {
			b.Fatalf("A* %v s, Dijkstra %v s", r.Seconds, want)
		}
		if err == nil {
			done++
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(countyGraph.rep.Nodes), "nodes")
	b.ReportMetric(float64(plain)/float64(astar), "x_vs_plain")
	b.ReportMetric(float64(plain.Microseconds())/float64(b.N), "plain_us/op")
	b.ReportMetric(float64(done)/float64(b.N), "routed_share")
}
