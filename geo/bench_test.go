package geo_test

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/scenario"
)

var duhuOnce struct {
	sync.Once
	s         *geo.Scenario
	g         *geo.Graph
	responder []orb.Point
}

func duhu(b *testing.B) (*geo.Scenario, *geo.Graph, []orb.Point) {
	b.Helper()
	duhuOnce.Do(func() {
		fsys, err := scenario.Open("duhu")
		if err != nil {
			panic(err)
		}
		s, err := geo.LoadScenario(fsys)
		if err != nil {
			panic(err)
		}
		duhuOnce.s = s
		duhuOnce.g, _ = geo.NewGraph(s.Roads, 1)
		f, err := fsys.Open("roster.csv")
		if err != nil {
			panic(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			panic(err)
		}
		for _, r := range rows[1:] {
			lon, _ := strconv.ParseFloat(r[8], 64)
			lat, _ := strconv.ParseFloat(r[9], 64)
			duhuOnce.responder = append(duhuOnce.responder, orb.Point{lon, lat})
		}
	})
	return duhuOnce.s, duhuOnce.g, duhuOnce.responder
}

func BenchmarkLocateDuhu(b *testing.B) {
	s, _, _ := duhu(b)
	loc := geo.NewLocator(s)
	bound := s.Town.Area.Bound()
	rng := rand.New(rand.NewPCG(1, 1))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = orb.Point{bound.Min[0] + rng.Float64()*(bound.Max[0]-bound.Min[0]), bound.Min[1] + rng.Float64()*(bound.Max[1]-bound.Min[1])}
	}
	hits := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, ok := loc.Locate(pts[i%len(pts)]); ok {
			hits++
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(hits)/float64(b.N), "inside_share")
	// Baseline: every grid polygon tested in turn, the same points, the same answers.
	n := max(b.N, 1000)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		p := pts[i%len(pts)]
		want := ""
		for _, g := range s.Grids {
			if planar.MultiPolygonContains(g.Area, p) {
				want = g.ID
				break
			}
		}
		if _, got, _ := loc.Locate(p); got != want && want != "" {
			b.Fatalf("point %v: index says %q, scan says %q", p, got, want)
		}
	}
	scan := float64(time.Since(t0).Nanoseconds()) / float64(n)
	b.ReportMetric(scan, "scan_ns/op")
	b.ReportMetric(scan/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "x_vs_scan")
}

func BenchmarkRouteDuhu(b *testing.B) {
	s, g, _ := duhu(b)
	var pts []orb.Point
	for _, v := range s.Villages {
		pts = append(pts, v.Center)
	}
	for _, sh := range s.Shelters {
		pts = append(pts, sh.Point)
	}
	benchRoute(b, g, func(i int) (orb.Point, orb.Point) { return pts[i%len(pts)], pts[(i*7+3)%len(pts)] })
}

// benchRoute times Route (A*) and, as the baseline, a plain Dijkstra search
// from the same start until the same end is settled, on the same pairs.
func benchRoute(b *testing.B, g *geo.Graph, pair func(i int) (orb.Point, orb.Point)) {
	var astar, plain time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		from, to := pair(i)
		t0 := time.Now()
		r, err := g.Route(from, to)
		astar += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		t1 := time.Now()
		want := g.TravelTimes(from, []orb.Point{to})[0]
		plain += time.Since(t1)
		if math.Abs(want-r.Seconds) > 1e-6*math.Max(1, want) {
			b.Fatalf("A* %v s, Dijkstra %v s", r.Seconds, want)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(plain)/float64(astar), "x_vs_plain")
	b.ReportMetric(float64(plain.Microseconds())/float64(b.N), "plain_us/op")
}

// benchTravelTimesTo times one reverse search from an incident to all
// responders, and as a baseline one forward search per responder (each
// stopping at the incident), and reports the ratio.
func benchTravelTimesTo(b *testing.B, g *geo.Graph, incident []orb.Point, responders []orb.Point) {
	var one, plain time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		inc := incident[i%len(incident)]
		t0 := time.Now()
		got := g.TravelTimesTo(inc, responders)
		one += time.Since(t0)
		b.StopTimer()
		t1 := time.Now()
		for j, r := range responders {
			want := g.TravelTimes(r, []orb.Point{inc})[0]
			if math.Abs(want-got[j]) > 1e-6*math.Max(1, want) && !(math.IsInf(want, 1) && math.IsInf(got[j], 1)) {
				b.Fatalf("responder %d: one search %v, separate search %v", j, got[j], want)
			}
		}
		plain += time.Since(t1)
		b.StartTimer()
	}
	b.ReportMetric(float64(plain)/float64(one), "x_vs_plain")
	b.ReportMetric(float64(plain.Microseconds())/1000/float64(b.N), "plain_ms/op")
}

func BenchmarkTravelTimesToDuhu150(b *testing.B) {
	s, g, responders := duhu(b)
	responders = append(responders[:149:149], s.Shelters[0].Point)[:150]
	var incidents []orb.Point
	for _, gr := range s.Grids {
		incidents = append(incidents, gr.Center)
	}
	benchTravelTimesTo(b, g, incidents, responders)
}

// Province scale: a 500 × 500 lattice with 200 m spacing (100 km square,
// 250,000 nodes, 998,000 directed edges), one road per row and column, every
// tenth one a 60 km/h trunk, the rest 30 km/h.
var province struct {
	sync.Once
	g    *geo.Graph
	rep  geo.GraphReport
	at   func(i, j int) orb.Point
	took time.Duration
}

func provinceGraph(b *testing.B) (*geo.Graph, func(i, j int) orb.Point) {
	b.Helper()
	province.Do(func() {
		const n, spacing = 500, 200.0
		const r = 6371008.8 * math.Pi / 180
		province.at = func(i, j int) orb.Point {
			return orb.Point{112.0 + float64(j)*spacing/(r*math.Cos(22.5*math.Pi/180)), 22.0 + float64(i)*spacing/r}
		}
		roads := make([]geo.Road, 0, 2*n)
		for k := 0; k < n; k++ {
			speed := 30.0
			if k%10 == 0 {
				speed = 60
			}
			row := make(orb.LineString, n)
			col := make(orb.LineString, n)
			for m := 0; m < n; m++ {
				row[m] = province.at(k, m)
				col[m] = province.at(m, k)
			}
			roads = append(roads,
				geo.Road{ID: fmt.Sprintf("row-%d", k), SpeedKmh: speed, Line: row},
				geo.Road{ID: fmt.Sprintf("col-%d", k), SpeedKmh: speed, Line: col})
		}
		t0 := time.Now()
		province.g, province.rep = geo.NewGraph(roads, 1)
		province.took = time.Since(t0)
	})
	return province.g, province.at
}

func BenchmarkProvinceBuild(b *testing.B) {
	provinceGraph(b)
	b.ReportMetric(float64(province.rep.Nodes), "nodes")
	b.ReportMetric(float64(province.rep.Edges), "edges")
	b.ReportMetric(float64(province.took.Milliseconds()), "build_ms")
}

func BenchmarkRouteProvince(b *testing.B) {
	g, at := provinceGraph(b)
	rng := rand.New(rand.NewPCG(3, 3))
	benchRoute(b, g, func(int) (orb.Point, orb.Point) {
		return at(100+rng.IntN(300), 100+rng.IntN(300)), at(100+rng.IntN(300), 100+rng.IntN(300))
	})
}

func BenchmarkCloseRoadProvince(b *testing.B) {
	g, _ := provinceGraph(b)
	g = g.Clone()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("row-%d", i%500)
		if err := g.CloseRoad(id); err != nil {
			b.Fatal(err)
		}
		if err := g.OpenRoad(id); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTravelTimesToProvince150(b *testing.B) {
	g, at := provinceGraph(b)
	rng := rand.New(rand.NewPCG(4, 4))
	// responders within ±15 km (75 cells) of the middle, incidents near it
	responders := make([]orb.Point, 150)
	for i := range responders {
		responders[i] = at(250-75+rng.IntN(150), 250-75+rng.IntN(150))
	}
	incidents := []orb.Point{at(250, 250), at(240, 262), at(263, 231)}
	benchTravelTimesTo(b, g, incidents, responders)
}
