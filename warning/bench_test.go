package warning

import (
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/geo"
)

// benchScenario is a province-sized district: villages × perVillage rain gauges.
func benchScenario(villages, perVillage int) *geo.Scenario {
	sc := &geo.Scenario{Town: geo.Town{ID: "bench"}}
	for v := 0; v < villages; v++ {
		lon, lat := 110+float64(v%100)*0.02, 21+float64(v/100)*0.02
		vid := fmt.Sprintf("v%04d", v)
		sc.Villages = append(sc.Villages, geo.Village{ID: vid, Center: orb.Point{lon + 0.01, lat + 0.01}, Area: square(lon, lat, 0.02)})
		sc.Grids = append(sc.Grids, geo.Grid{ID: vid + "-g", Village: vid, Population: 1000, LowLyingShare: 0.7,
			Center: orb.Point{lon + 0.01, lat + 0.01}, Area: square(lon, lat, 0.02)})
		for g := 0; g < perVillage; g++ {
			sc.Gauges = append(sc.Gauges, geo.Gauge{ID: fmt.Sprintf("%s-r%03d", vid, g), Kind: geo.GaugeRain, Village: vid,
				Point: orb.Point{lon + 0.0001*float64(g), lat + 0.005}})
		}
	}
	return sc
}

// BenchmarkStorm10kGauges: 10,000 rain gauges report every 10 minutes for a
// day of storm (1.44 million readings); after each 10-minute round the
// warnings are evaluated and the changes applied, as the engine does.
// Reports readings/s through accumulation and evaluation together.
func BenchmarkStorm10kGauges(b *testing.B) {
	sc := benchScenario(100, 100)
	ids := make([]string, len(sc.Gauges))
	for i, g := range sc.Gauges {
		ids[i] = g.ID
	}
	const rounds = 144
	b.ReportAllocs()
	b.ResetTimer()
	var changes int
	var evalTime time.Duration
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		w, err := New(DefaultConfig(), sc)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for r := 1; r <= rounds; r++ {
			end := t0.Add(time.Duration(r) * 10 * time.Minute)
			peak := 1 - float64((r-90)*(r-90))/8100 // a storm peaking at round 90
			for i, id := range ids {
				mm := max(0, peak*float64(6+i%7))
				if err := w.Rain(id, mm, 10, end); err != nil {
					b.Fatal(err)
				}
			}
			start := time.Now()
			for _, c := range w.Evaluate(end) {
				if err := w.Apply(c); err != nil {
					b.Fatal(err)
				}
				changes++
			}
			evalTime += time.Since(start)
		}
	}
	readings := float64(b.N) * rounds * float64(len(ids))
	b.ReportMetric(readings/b.Elapsed().Seconds(), "readings/s")
	b.ReportMetric(float64(evalTime.Microseconds())/float64(b.N*rounds)/1000, "ms/evaluate")
	b.ReportMetric(float64(changes)/float64(b.N), "changes/storm")
}
