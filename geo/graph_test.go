package geo_test

import (
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/geo"
)

// at converts metres east/north of (113.0 E, 22.0 N) to a WGS-84 point.
func at(x, y float64) orb.Point {
	const r = 6371008.8 * math.Pi / 180
	return orb.Point{113.0 + x/(r*math.Cos(22.0*math.Pi/180)), 22.0 + y/r}
}

func road(id string, kmh float64, oneway bool, pts ...orb.Point) geo.Road {
	return geo.Road{ID: id, Name: id, NameEn: id, Class: "tertiary", SpeedKmh: kmh, Oneway: oneway, Line: pts}
}

// square: A(0,0) B(1000,0) C(1000,1000) D(0,1000), all 36 km/h = 10 m/s
// (100 s a side), plus the diagonal A–C (141.4 s).
var (
	pA, pB, pC, pD = at(0, 0), at(1000, 0), at(1000, 1000), at(0, 1000)
)

func square(extra ...geo.Road) []geo.Road {
	return append([]geo.Road{
		road("ab", 36, false, pA, pB),
		road("bc", 36, false, pB, pC),
		road("cd", 36, false, pC, pD),
		road("da", 36, false, pD, pA),
		road("ac", 36, false, pA, pC),
	}, extra...)
}

func TestRouteHandMade(t *testing.T) {
	diag := 1000 * math.Sqrt2 / 10 // 141.42 s
	tests := []struct {
		name    string
		roads   []geo.Road
		setup   func(t *testing.T, g *geo.Graph)
		from    orb.Point
		to      orb.Point
		seconds float64
		roads0  []string // expected road ids, nil = don't check
		err     error
	}{
		{name: "diagonal is fastest", roads: square(), from: pA, to: pC, seconds: diag, roads0: []string{"ac"}},
		{name: "closure forces detour", roads: square(), setup: func(t *testing.T, g *geo.Graph) {
			require.NoError(t, g.CloseRoad("ac"))
		}, from: pA, to: pC, seconds: 200},
		{name: "closed then reopened", roads: square(), setup: func(t *testing.T, g *geo.Graph) {
			require.NoError(t, g.CloseRoad("ac"))
			require.NoError(t, g.OpenRoad("ac"))
		}, from: pA, to: pC, seconds: diag, roads0: []string{"ac"}},
		{name: "shallow water slows but diagonal still best", roads: square(), setup: func(t *testing.T, g *geo.Graph) {
			// 0.05 m: 36 - 34/6 = 30.33 km/h → 1414.2 m / 8.426 m/s = 167.8 s < 200 s
			require.NoError(t, g.SetDepth("ac", 0.05))
		}, from: pA, to: pC, seconds: 1000 * math.Sqrt2 / ((36 - 34.0/6) / 3.6), roads0: []string{"ac"}},
		{name: "deeper water makes the detour faster", roads: square(), setup: func(t *testing.T, g *geo.Graph) {
			// 0.15 m: 19 km/h → 268 s > 200 s
			require.NoError(t, g.SetDepth("ac", 0.15))
		}, from: pA, to: pC, seconds: 200},
		{name: "half a metre closes the road", roads: square(), setup: func(t *testing.T, g *geo.Graph) {
			require.NoError(t, g.SetDepth("ac", 0.5))
			assert.Equal(t, []string{"ac"}, g.Closed())
		}, from: pA, to: pC, seconds: 200},
		{name: "one-way with the flow", roads: []geo.Road{
			road("ab", 36, true, pA, pB), road("bc", 36, false, pB, pC), road("ca", 36, false, pC, pA),
		}, from: pA, to: pB, seconds: 100, roads0: []string{"ab"}},
		{name: "one-way against the flow goes round", roads: []geo.Road{
			road("ab", 36, true, pA, pB), road("bc", 36, false, pB, pC), road("ca", 36, false, pC, pA),
		}, from: pB, to: pA, seconds: 100 + diag, roads0: []string{"bc", "ca"}},
		{name: "one-way only, against the flow", roads: []geo.Road{road("ab", 36, true, pA, pB)},
			from: pB, to: pA, err: geo.ErrUnreachable},
		{name: "island is unreachable", roads: square(road("far", 36, false, at(5000, 0), at(6000, 0))),
			from: pA, to: at(6000, 0), err: geo.ErrUnreachable},
		{name: "cut off by closures", roads: square(), setup: func(t *testing.T, g *geo.Graph) {
			for _, id := range []string{"ab", "ac", "da"} {
				require.NoError(t, g.CloseRoad(id))
			}
		}, from: pA, to: pC, err: geo.ErrUnreachable},
		{name: "too far from any road", roads: square(), from: pA, to: at(10000, 10000), err: geo.ErrTooFar},
		{name: "off-road leg at walking speed", roads: square(), from: at(0, -100), to: pB,
			seconds: 100/(5/3.6) + 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, rep := geo.NewGraph(tc.roads, 1)
			require.Empty(t, rep.Skipped)
			if tc.setup != nil {
				tc.setup(t, g)
			}
			r, err := g.Route(tc.from, tc.to)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				t.Log(err)
				return
			}
			require.NoError(t, err)
			assert.InEpsilon(t, tc.seconds, r.Seconds, 0.01)
			if tc.roads0 != nil {
				assert.Equal(t, tc.roads0, r.Roads)
			}
			assert.Equal(t, tc.from, r.Path[0])
			assert.Equal(t, tc.to, r.Path[len(r.Path)-1])
			assert.Greater(t, r.Meters, 0.0)
		})
	}
}

func TestUnreachableMessageNamesClosedRoads(t *testing.T) {
	g, _ := geo.NewGraph(square(), 1)
	for _, id := range []string{"ab", "ac", "da"} {
		require.NoError(t, g.CloseRoad(id))
	}
	_, err := g.Route(pA, pC)
	var ue *geo.UnreachableError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, []string{"ab", "ac", "da"}, ue.Closed)
	assert.Contains(t, err.Error(), "cut off by closed roads ab, ac, da")
	assert.Contains(t, err.Error(), "(22.00000,113.00000)")

	g2, _ := geo.NewGraph(square(road("far", 36, false, at(5000, 0), at(6000, 0))), 1)
	_, err = g2.Route(pA, at(6000, 0))
	assert.Contains(t, err.Error(), "no road connects them")
}

func TestSnapTolerance(t *testing.T) {
	// two roads whose ends are 3 m apart
	roads := []geo.Road{road("w", 36, false, at(0, 0), at(500, 0)), road("e", 36, false, at(503, 0), at(1000, 0))}
	tests := []struct {
		name       string
		tol        float64
		nodes      int
		components int
	}{
		{"joined within 5 m", 5, 3, 1},
		{"kept apart at 1 m", 1, 4, 2},
		{"exact only", 0, 4, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, rep := geo.NewGraph(roads, tc.tol)
			assert.Equal(t, tc.nodes, rep.Nodes)
			assert.Equal(t, tc.components, rep.Components)
			assert.Len(t, rep.Islands, tc.components)
			assert.Equal(t, tc.nodes, g.Nodes())
			_, err := g.Route(at(0, 0), at(1000, 0))
			if tc.components == 1 {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, geo.ErrUnreachable)
			}
		})
	}
}

// A vertex two roads share stays one junction even when snapping would send
// the second road's copy to a nearer node: OpenStreetMap junctions are shared
// vertices, and splitting one forced detours on a real extract.
func TestSharedVertexStaysAJunction(t *testing.T) {
	roads := []geo.Road{
		road("north", 36, false, at(-4, 0), at(0, 0), at(0, 800)), // (0,0) snaps onto (-4,0)
		road("east", 36, false, at(3, 0), at(800, 0)),             // 7 m from (-4,0): a node of its own
		road("south", 36, false, at(0, 0), at(0, -800)),           // shares (0,0) with north; east's node is nearer
	}
	g, _ := geo.NewGraph(roads, 5)
	r, err := g.Route(at(0, 800), at(0, -800))
	require.NoError(t, err)
	assert.InDelta(t, 1602, r.Meters, 3, "north to south through the shared junction")
}

func TestGraphReport(t *testing.T) {
	_, rep := geo.NewGraph(square(road("far", 36, true, at(5000, 0), at(6000, 0)),
		road("bad", 0, false, at(0, 0), at(1, 1))), 1)
	assert.Equal(t, 6, rep.Nodes)
	assert.Equal(t, 11, rep.Edges) // 5 two-way + 1 one-way
	assert.Equal(t, 2, rep.Components)
	assert.Equal(t, 4, rep.Islands[0].Nodes)
	assert.Equal(t, 2, rep.Islands[1].Nodes)
	assert.Equal(t, []string{"far"}, rep.Islands[1].Roads)
	assert.Equal(t, []string{"bad"}, rep.Skipped)
}

func TestTravelTimes(t *testing.T) {
	roads := []geo.Road{
		road("ab", 36, true, pA, pB), road("bc", 36, false, pB, pC), road("ca", 36, false, pC, pA),
		road("far", 36, false, at(5000, 0), at(6000, 0)),
	}
	g, _ := geo.NewGraph(roads, 1)
	diag := 1000 * math.Sqrt2 / 10
	got := g.TravelTimes(pA, []orb.Point{pA, pB, pC, at(6000, 0), at(50000, 0)})
	assert.InDelta(t, 0, got[0], 1e-9)
	assert.InEpsilon(t, 100, got[1], 0.01)
	assert.InEpsilon(t, diag, got[2], 0.01)
	assert.True(t, math.IsInf(got[3], 1), "island")
	assert.True(t, math.IsInf(got[4], 1), "too far")

	// to A from B must go B→C→A (the one-way runs A→B)
	to := g.TravelTimesTo(pA, []orb.Point{pB, pC})
	assert.InEpsilon(t, 100+diag, to[0], 0.01)
	assert.InEpsilon(t, diag, to[1], 0.01)
	// and agrees with Route
	r, err := g.Route(pB, pA)
	require.NoError(t, err)
	assert.InEpsilon(t, r.Seconds, to[0], 1e-9)
}

func TestCloseAt(t *testing.T) {
	g, _ := geo.NewGraph(square(), 1)
	// 50 m south of the middle of AB: only AB is within 60 m
	ids := g.CloseAt(at(500, -50), 60)
	assert.Equal(t, []string{"ab"}, ids)
	// at the centre of the square, 10 m: only the diagonal
	assert.Equal(t, []string{"ac"}, g.CloseAt(at(500, 500), 10))
	assert.Equal(t, []string{"ab", "ac"}, g.Closed())
	r, err := g.Route(pA, pB)
	require.NoError(t, err)
	assert.InEpsilon(t, 300, r.Seconds, 0.01) // A→D→C→B
	assert.ErrorIs(t, g.CloseRoad("nope"), geo.ErrUnknownRoad)
	assert.ErrorIs(t, g.SetDepth("nope", 1), geo.ErrUnknownRoad)
}

func TestNearestShelters(t *testing.T) {
	g, _ := geo.NewGraph(square(), 1)
	shelters := []geo.Shelter{
		{ID: "b", Point: pB, CapacityDay: 10},
		{ID: "c", Point: pC, CapacityDay: 0},
		{ID: "d", Point: pD, CapacityDay: 10},
		{ID: "far", Point: at(90000, 0), CapacityDay: 10},
	}
	got := g.NearestShelters(pA, shelters, nil, 0)
	require.Len(t, got, 3)
	assert.Equal(t, "c", got[2].Shelter.ID)
	assert.InEpsilon(t, 1000, got[0].Meters, 0.01)
	room := func(s geo.Shelter) bool { return s.CapacityDay > 0 }
	got = g.NearestShelters(pC, shelters, room, 1)
	require.Len(t, got, 1)
	assert.Contains(t, []string{"b", "d"}, got[0].Shelter.ID)
}

func TestDepthSpeedCurve(t *testing.T) {
	tests := []struct{ kmh, depth, want float64 }{
		{40, 0, 40}, {40, -1, 40}, {40, 0.15, 21}, {40, 0.3, 2}, {40, 0.45, 2}, {40, 0.5, 0}, {1, 0.2, 1},
	}
	for _, tc := range tests {
		assert.InDelta(t, tc.want, geo.DepthSpeedKmh(tc.kmh, tc.depth), 1e-9, "%v km/h at %v m", tc.kmh, tc.depth)
	}
}

func TestCloneIsIndependent(t *testing.T) {
	g, _ := geo.NewGraph(square(), 1)
	c := g.Clone()
	require.NoError(t, c.CloseRoad("ac"))
	assert.Empty(t, g.Closed())
	assert.Equal(t, []string{"ac"}, c.Closed())
}

func TestConcurrentQueriesAndClosures(t *testing.T) {
	g, _ := geo.NewGraph(square(), 1)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				r, err := g.Route(pA, pC)
				if err == nil && !(r.Seconds > 0) {
					t.Error("bad route")
				}
				if i%2 == 0 {
					g.TravelTimesTo(pC, []orb.Point{pA, pB, pD})
				}
			}
		}()
	}
	for i := range 200 {
		if i%2 == 0 {
			_ = g.CloseRoad("ac")
		} else {
			_ = g.OpenRoad("ac")
		}
	}
	wg.Wait()
	_, err := g.Route(pA, pC)
	assert.True(t, err == nil || errors.Is(err, geo.ErrUnreachable))
}
