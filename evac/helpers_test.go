package evac

import (
	"fmt"
	"io/fs"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/scenario"
)

// t0 is 10:00 local (+08:00) on the day of the 2022 storm: daytime capacity.
var t0 = time.Date(2022, 5, 12, 2, 0, 0, 0, time.UTC)

// lineTimer is travel at a fixed speed in a straight line; shelters listed in
// cut cannot be reached (a road closure).
type lineTimer struct {
	mps float64
	cut map[orb.Point]bool
}

func (l lineTimer) TravelTimes(from orb.Point, to []orb.Point) []float64 {
	out := make([]float64, len(to))
	for i, p := range to {
		if l.cut[p] || l.cut[from] {
			out[i] = math.Inf(1)
			continue
		}
		out[i] = geo.DistanceMeters(from, p) / l.mps
	}
	return out
}

var walk = lineTimer{mps: 1.4}

// loadDuhu loads the built-in Duhu scenario and its household registry.
func loadDuhu(tb testing.TB) (*geo.Scenario, []Household) {
	tb.Helper()
	fsys, err := scenario.Open("duhu")
	require.NoError(tb, err)
	sc, err := geo.LoadScenario(fsys)
	require.NoError(tb, err)
	f, err := fsys.Open("households.csv")
	require.NoError(tb, err)
	defer f.Close()
	hh, err := ReadHouseholdsCSV(f.(fs.File), sc)
	require.NoError(tb, err)
	return sc, hh
}

// tinyTown is two grids side by side and the shelters given, around 22 N 113 E.
func tinyTown(shelters ...geo.Shelter) *geo.Scenario {
	return &geo.Scenario{
		Town:     geo.Town{ID: "tiny"},
		Villages: []geo.Village{{ID: "v1"}, {ID: "v2"}},
		Grids: []geo.Grid{{ID: "g1", Village: "v1", LowLyingShare: 0.7, Population: 100, Households: 30},
			{ID: "g2", Village: "v2", LowLyingShare: 0.3, Population: 100, Households: 30}},
		Shelters: shelters,
	}
}

func shelterAt(id string, lon float64, day, night int) geo.Shelter {
	return geo.Shelter{ID: id, Name: id, CapacityDay: day, CapacityNight: night, Point: orb.Point{lon, 22.0}}
}

// homes are n households of the given size in a grid, 100 m apart eastwards from lon.
func homes(grid string, n, size int, lon float64) []Household {
	out := make([]Household, n)
	for i := range out {
		out[i] = Household{ID: fmt.Sprintf("%s-%03d", grid, i), Grid: grid, Address: fmt.Sprintf("%s no. %d", grid, i),
			At: orb.Point{lon + float64(i)*0.001, 22.0}, Members: size, Phone: "1390000" + fmt.Sprint(i)}
	}
	return out
}

func newEvac(tb testing.TB, sc *geo.Scenario, hh []Household) *Evacuation {
	tb.Helper()
	e, err := New(Config{}, sc, hh)
	require.NoError(tb, err)
	return e
}

// decideApply runs Decide and applies every decision, as the engine does.
func decideApply(tb testing.TB, e *Evacuation, now time.Time, tt TravelTimer) []Decision {
	tb.Helper()
	ds := e.Decide(now, tt)
	for _, d := range ds {
		require.NoError(tb, e.Apply(d), "%+v", d)
	}
	return ds
}

func mandatory(id string, grids ...string) OrderInput {
	return OrderInput{ID: id, Kind: OrderMandatory, Grids: grids, Operator: "op-chen", Reason: "red rainstorm warning", Time: t0}
}

func byType(ds []Decision, typ string) []Decision {
	var out []Decision
	for _, d := range ds {
		if d.Type == typ {
			out = append(out, d)
		}
	}
	return out
}

// duhuEvac is Duhu's scenario, registry, road graph and a fresh evacuation.
func duhuEvac(tb testing.TB) (*geo.Scenario, []Household, *geo.Graph, *Evacuation) {
	tb.Helper()
	sc, hh := loadDuhu(tb)
	graph, _ := geo.NewGraph(sc.Roads, 1)
	e, err := New(Config{}, sc, hh)
	require.NoError(tb, err)
	return sc, hh, graph, e
}
