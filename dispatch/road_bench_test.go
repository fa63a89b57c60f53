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
// re-plan may move): the time per Decide and the road searches, with the
// re-plan before departure off (the default) and on, in the same run. On
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
	for _, gain := range []float64{0, 60} {
		b.Run(fmt.Sprintf("rebalance_gain_s=%v", gain), func(b *testing.B) {
			cfg := dispatch.DefaultConfig()
			cfg.RebalanceGainS = gain
			const incidents = 400
			var lat []time.Duration
			tt := &roadSearches{g: graph}
			moves := 0
			for it := 0; it < b.N; it++ {
				d, err := dispatch.New(cfg, town.Roster)
				if err != nil {
					b.Fatal(err)
				}
				lat, tt.n, moves = lat[:0], 0, 0
				now := time.Date(2022, 5, 12, 15, 0, 0, 0, time.UTC)
				for i := 0; i < incidents; i++ {
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
					lat = append(lat, time.Since(start))
					for _, dec := range decs {
						if err := d.Apply(dec); err != nil {
							b.Fatal(err)
						}
						if dec.Type == dispatch.DecisionAssignmentCancelled && dec.ReasonCode == dispatch.CodeRebalance {
							moves++
						}
					}
				}
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			var sum time.Duration
			for _, l := range lat {
				sum += l
			}
			b.ReportMetric(float64(sum.Microseconds())/float64(len(lat)), "µs/decide")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99_µs")
			b.ReportMetric(float64(tt.n)/float64(len(lat)), "searches/decide")
			b.ReportMetric(float64(moves), "rebalance_moves")
		})
	}
}
