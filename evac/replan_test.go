package evac

import (
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowTimer is walk with the trips to some shelters slowed by a factor (a
// road on the way closed or flooded).
type slowTimer struct {
	lineTimer
	slow map[orb.Point]float64
}

func (s slowTimer) TravelTimes(from orb.Point, to []orb.Point) []float64 {
	out := s.lineTimer.TravelTimes(from, to)
	for i, p := range to {
		if f, ok := s.slow[p]; ok {
			out[i] *= f
		}
		if f, ok := s.slow[from]; ok {
			out[i] *= f
		}
	}
	return out
}

// Closing a shelter with households on their way there: they take the places
// of households not yet told, who wait with a reason.
func TestReplanOnTheMoveFirst(t *testing.T) {
	e := newEvac(t, tinyTown(shelterAt("s1", 113.0, 30, 30), shelterAt("s2", 113.03, 30, 30)), homes("g1", 20, 3, 113.0))
	require.NoError(t, e.Order(mandatory("o1", "g1")))
	decideApply(t, e, t0, walk)
	var moving []string
	for _, h := range e.households {
		if h.shelter == "s1" {
			require.NoError(t, e.Moving(h.ID, t0.Add(time.Minute)))
			moving = append(moving, h.ID)
		}
	}
	require.Len(t, moving, 10)
	require.NoError(t, e.CloseShelter("s1", "op-chen", "ground floor flooded", t0.Add(5*time.Minute)))
	ds := decideApply(t, e, t0.Add(6*time.Minute), walk)
	for _, id := range moving {
		v, _ := e.Household(id)
		assert.Equal(t, "s2", v.Shelter, "%s on its way keeps a place", id)
	}
	gave := byType(ds, DecisionUnassigned)
	require.Len(t, gave, 10)
	for _, d := range gave {
		v, _ := e.Household(d.Household)
		assert.Equal(t, StateToNotify, v.State)
		assert.Contains(t, d.Reason, "gives its place at s2 to household")
		assert.Contains(t, d.Reason, "already told where to go")
		assert.Contains(t, v.Waiting, "gives its place at s2")
	}
	// room appears: those waiting get a place again
	require.NoError(t, e.OpenShelter("s1", "op-chen", "water gone", t0.Add(30*time.Minute)))
	ds = decideApply(t, e, t0.Add(31*time.Minute), walk)
	assert.Len(t, byType(ds, DecisionAssigned), 10)
	assert.Empty(t, e.Unplaced())
}

// A road closure that slows a planned trip re-times it; when another shelter
// with room is faster by the margin, the household is moved there.
func TestSlowedTripRetimedOrReplanned(t *testing.T) {
	sc := tinyTown(shelterAt("near", 113.01, 30, 30), shelterAt("far", 113.04, 100, 100))
	hh := homes("g1", 5, 3, 113.0)
	for i := range hh {
		hh[i].Means = MeansCar // a walker is slower than the flooded road anyway
	}
	e := newEvac(t, sc, hh)
	require.NoError(t, e.Order(mandatory("o1", "g1")))
	decideApply(t, e, t0, walk)
	before, _ := e.Household("g1-000")
	require.Equal(t, "near", before.Shelter)

	slowed := slowTimer{walk, map[orb.Point]float64{sc.Shelters[0].Point: 1.5}}
	ds := decideApply(t, e, t0.Add(time.Minute), slowed)
	re := byType(ds, DecisionRetimed)
	require.Len(t, re, 5, "every slowed trip is re-timed: %+v", ds)
	after, _ := e.Household("g1-000")
	assert.Equal(t, "near", after.Shelter)
	assert.InDelta(t, before.ETASeconds*1.5, after.ETASeconds, 2)
	assert.Contains(t, re[0].Reason, "trip to near now")
	assert.Empty(t, e.Decide(t0.Add(2*time.Minute), slowed), "re-timed once")

	blocked := slowTimer{walk, map[orb.Point]float64{sc.Shelters[0].Point: 10}}
	ds = decideApply(t, e, t0.Add(3*time.Minute), blocked)
	re = byType(ds, DecisionReassigned)
	require.Len(t, re, 5, "%+v", ds)
	for _, d := range re {
		assert.Equal(t, "far", d.Shelter)
		assert.Contains(t, d.Reason, "far has room and is")
	}
}
