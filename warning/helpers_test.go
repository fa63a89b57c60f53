package warning

import (
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/geo"
)

var cst = time.FixedZone("CST", 8*3600)

// t0 is noon on 12 May 2022, town time.
var t0 = time.Date(2022, 5, 12, 12, 0, 0, 0, cst)

func square(lon, lat, d float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}}
}

// testScenario: village "wet" (gauges g1, g2; grids wet-low 0.8 and wet-high
// 0.2) at 112.90, village "dry" (no gauge, grid dry-g) at 112.92 nearer g2,
// and a reservoir gauge with a dam hazard.
func testScenario() *geo.Scenario {
	return &geo.Scenario{
		Town: geo.Town{ID: "test"},
		Villages: []geo.Village{
			{ID: "wet", Center: orb.Point{112.905, 22.005}, Area: square(112.90, 22.00, 0.01)},
			{ID: "dry", Center: orb.Point{112.925, 22.005}, Area: square(112.92, 22.00, 0.01)},
		},
		Grids: []geo.Grid{
			{ID: "wet-low", Village: "wet", Population: 100, LowLyingShare: 0.8, Center: orb.Point{112.9025, 22.005}, Area: square(112.90, 22.00, 0.005)},
			{ID: "wet-high", Village: "wet", Population: 100, LowLyingShare: 0.2, Center: orb.Point{112.9075, 22.005}, Area: square(112.905, 22.00, 0.005)},
			{ID: "dry-g", Village: "dry", Population: 50, LowLyingShare: 0.9, Center: orb.Point{112.925, 22.005}, Area: square(112.92, 22.00, 0.01)},
		},
		Gauges: []geo.Gauge{
			{ID: "g1", Kind: geo.GaugeRain, Village: "wet", Point: orb.Point{112.901, 22.005}},
			{ID: "g2", Kind: geo.GaugeRain, Village: "wet", Point: orb.Point{112.909, 22.005}},
			{ID: "res", Kind: geo.GaugeReservoir, Village: "wet", WarningM: 32, DangerM: 34.5, Point: orb.Point{112.903, 22.008}},
		},
		Hazards: []geo.Hazard{{ID: "dam", Kind: "reservoir", Geometry: orb.Point{112.904, 22.009}}},
	}
}

func newW(tb testing.TB, cfg Config) *Warnings {
	tb.Helper()
	w, err := New(cfg, testScenario())
	require.NoError(tb, err)
	return w
}

// rainEven spreads mm over n 10-minute readings ending at end.
func rainEven(tb testing.TB, w *Warnings, gauge string, mm float64, n int, end time.Time) {
	tb.Helper()
	for i := 0; i < n; i++ {
		require.NoError(tb, w.Rain(gauge, mm/float64(n), 10, end.Add(-time.Duration(n-1-i)*10*time.Minute)))
	}
}

// step evaluates at now and applies everything, as the engine does.
func step(tb testing.TB, w *Warnings, now time.Time) []Change {
	tb.Helper()
	cs := w.Evaluate(now)
	for _, c := range cs {
		require.NoError(tb, w.Apply(c))
	}
	return cs
}

func find(cs []Change, typ, scope, id string) *Change {
	for i := range cs {
		if cs[i].Type == typ && cs[i].Scope == scope && cs[i].ID == id {
			return &cs[i]
		}
	}
	return nil
}
