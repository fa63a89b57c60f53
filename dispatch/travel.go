package dispatch

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// TravelTimer gives travel times in seconds from each of from to to, with
// math.Inf(1) for unreachable; one routing search per call (to is the root).
// The geo package's road graph implements it; dispatch does not import geo.
type TravelTimer interface {
	TravelTimesTo(to orb.Point, from []orb.Point) []float64
}

// StraightLine is a TravelTimer at a constant speed along great circles:
// for tests, benchmarks and as a fallback when no road graph is loaded.
type StraightLine struct {
	SpeedKmh float64
}

var _ TravelTimer = StraightLine{}

// TravelTimesTo returns haversine distance / speed for every origin.
func (s StraightLine) TravelTimesTo(to orb.Point, from []orb.Point) []float64 {
	out := make([]float64, len(from))
	for i, p := range from {
		if !(s.SpeedKmh > 0) {
			out[i] = math.Inf(1)
			continue
		}
		out[i] = geo.DistanceHaversine(p, to) / (s.SpeedKmh / 3.6)
	}
	return out
}
