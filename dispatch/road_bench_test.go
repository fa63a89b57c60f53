package dispatch_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/scenario"
)

// roadSearches counts routing searches on the town's road graph.
type roadSearches struct {
	g *geo.Graph
	n int
}

func (r *roadSearches) TravelTimesTo(to orb.Point, from []orb.Point) []float64 {
	r.n++
	return r.g.TravelTimesTo(to, from)
}

// BenchmarkRoadLatency: Decide on Duhu's real roads and roster, as
// natsjs.BenchmarkIncidentToAssignment feeds it (flooding at the grids'
// centres, 100 a second, the incident 19 before resolved every 20th, nobody
// saying en route, so every assignment of the last RebalanceWithin is one a
// re-plan may move): the time per Decide and the road searches with the
// re-plan before departure and the divert off (gains 0, the default before
// 2 December) and on (the default), alternating three times in the same run
// so that the shared machine's load falls on both alike; ratio_* is on ÷
// off; no_divert is the re-plan on and the divert off, for the divert's own
// searches. On
// roads a search costs what a straight line does not, which is what the
// re-plan's extra candidate lists pay for.
func BenchmarkRoadLatency(b *testing.B) {
	fsys, err := scenario.Open("duhu")
	if err != nil {
		b.Fatal(err)
	}
	town, err := engine.LoadTown(fsys, "duhu")
	if err != nil {
		b.Fatal(err)
	}
	graph, _ := geo.NewGraph(town.Scenario.Roads, engine.SnapToleranceMeters)
	type figures struct {
		lat      []time.Duration
		searches int
		moves    int
		diverts  int
	}
	run := func(gain, divert float64, f *figures) {
		cfg := dispatch.DefaultConfig()
		cfg.RebalanceGainS, cfg.DivertGainS = gain, divert
		d, err := dispatch.New(cfg, town.Roster)
		if err != nil {
			b.Fatal(err)
		}
		tt := &roadSearches{g: graph}
		now := time.Date(2022, 5, 12, 15, 0, 0, 0, time.UTC)
		for i := 0; i < 400; i++ {
			now = now.Add(10 * time.Millisecond)
			g := town.Scenario.Grids[i%len(town.Scenario.Grids)]
			if err := d.ReportIncident(dispatch.Incident{ID: fmt.Sprintf("lat-%d", i), Kind: dispatch.KindFlooding, At: g.Center,
				Village: g.Village, People: 1, Severity: 3, ReportedAt: now}); err != nil {
				b.Fatal(err)
			}
			if i%20 == 19 {
				_ = d.Resolve(fmt.Sprintf("lat-%d", i-19), "bench", "done", now)
			}
			start := time.Now()
			decs := d.Decide(now, tt)
			f.lat = append(f.lat, time.Since(start))
			for _, dec := range decs {
				if err := d.Apply(dec); err != nil {
					b.Fatal(err)
				}
				if dec.Type == dispatch.DecisionAssignmentCancelled && dec.ReasonCode == dispatch.CodeRebalance {
					f.moves++
				}
				if dec.Type == dispatch.DecisionAssignmentCancelled && dec.ReasonCode == dispatch.CodeDivert {
					f.diverts++
				}
			}
		}
		f.searches += tt.n
	}
	summary := func(f *figures) (mean, p99 time.Duration) {
		sort.Slice(f.lat, func(i, j int) bool { return f.lat[i] < f.lat[j] })
		var sum time.Duration
		for _, l := range f.lat {
			sum += l
		}
		return sum / time.Duration(len(f.lat)), f.lat[len(f.lat)*99/100]
	}
	for it := 0; it < b.N; it++ {
		var off, on, noDivert figures
		for rep := 0; rep < 3; rep++ {
			run(0, 0, &off)
			run(60, 60, &on)
			run(60, 0, &noDivert)
		}
		offMean, offP99 := summary(&off)
		onMean, onP99 := summary(&on)
		b.ReportMetric(float64(offMean.Microseconds()), "off_µs/decide")
		b.ReportMetric(float64(onMean.Microseconds()), "on_µs/decide")
		b.ReportMetric(float64(offP99.Microseconds()), "off_p99_µs")
		b.ReportMetric(float64(onP99.Microseconds()), "on_p99_µs")
		b.ReportMetric(float64(onMean)/float64(offMean), "ratio_mean")
		b.ReportMetric(float64(onP99)/float64(offP99), "ratio_p99")
		b.ReportMetric(float64(off.searches)/float64(len(off.lat)), "off_searches/decide")
		b.ReportMetric(float64(on.searches)/float64(len(on.lat)), "on_searches/decide")
		b.ReportMetric(float64(on.moves)/3, "on_rebalance_moves")
		b.ReportMetric(float64(noDivert.searches)/float64(len(noDivert.lat)), "no_divert_searches/decide")
		ndMean, ndP99 := summary(&noDivert)
		b.ReportMetric(float64(ndMean.Microseconds()), "no_divert_µs/decide")
		b.ReportMetric(float64(ndP99.Microseconds()), "no_divert_p99_µs")
		b.ReportMetric(float64(on.diverts)/3, "on_diverts")
	}
}
