package geo_test

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"

	"github.com/floodcmd/floodcmd/geo"
)

// Published test vectors of the eviltransform project (github.com/googollee/eviltransform).
func TestGCJ02KnownPairs(t *testing.T) {
	tests := []struct {
		name     string
		wgs, gcj orb.Point
	}{
		{"Shanghai", orb.Point{121.5272106, 31.1774276}, orb.Point{121.531541859215, 31.17530398364597}},
		{"Shenzhen", orb.Point{113.912316, 22.543847}, orb.Point{113.9171764808363, 22.540796131694766}},
		{"Beijing", orb.Point{116.377817, 39.911954}, orb.Point{116.38404722455657, 39.91334545536069}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := geo.WGS84ToGCJ02(tc.wgs)
			assert.InDelta(t, tc.gcj[0], got[0], 1e-9)
			assert.InDelta(t, tc.gcj[1], got[1], 1e-9)
			back := geo.GCJ02ToWGS84(tc.gcj)
			assert.Less(t, geo.DistanceMeters(back, tc.wgs), 0.01, "inverse within 1 cm")
		})
	}
}

func TestGCJ02OutsideChinaUnchanged(t *testing.T) {
	for _, p := range []orb.Point{{-104.9903, 39.7392}, {153.0251, -27.4698}, {2.35, 48.85}} {
		assert.Equal(t, p, geo.WGS84ToGCJ02(p))
		assert.Equal(t, p, geo.GCJ02ToWGS84(p))
	}
}

func TestGCJ02RoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	worst := 0.0
	for range 2000 {
		p := orb.Point{73 + rng.Float64()*62, 18 + rng.Float64()*35}
		back := geo.GCJ02ToWGS84(geo.WGS84ToGCJ02(p))
		worst = max(worst, geo.DistanceMeters(p, back))
	}
	assert.Less(t, worst, 0.5)
	t.Logf("worst round-trip error %.2g m", worst)
}
