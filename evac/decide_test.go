package evac

import (
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecideAssignsWithinRoom(t *testing.T) {
	// 20 households of 4 = 80 people; shelters hold 30 + 40 + 100 by day
	e := newEvac(t, tinyTown(shelterAt("near", 113.0, 30, 20), shelterAt("mid", 113.02, 40, 30), shelterAt("far", 113.06, 100, 80)),
		homes("g1", 20, 4, 113.0))
	require.NoError(t, e.Order(mandatory("o1", "g1")))
	ds := decideApply(t, e, t0, walk)
	assert.Len(t, byType(ds, DecisionAssigned), 20)
	for _, s := range e.View().Shelters {
		assert.LessOrEqual(t, s.OnTheWay+s.Occupancy, s.Capacity, s.ID)
	}
	assert.Empty(t, e.Decide(t0, walk), "nothing left to decide")
}

func TestReplanWhenShelterCloses(t *testing.T) {
	e := newEvac(t, tinyTown(shelterAt("s1", 113.0, 40, 40), shelterAt("s2", 113.03, 40, 40), shelterAt("s3", 113.05, 40, 40)),
		homes("g1", 10, 3, 113.0))
	require.NoError(t, e.Order(mandatory("o1", "g1")))
	decideApply(t, e, t0, walk)
	require.NoError(t, e.Moving("g1-000", t0))
	require.NoError(t, e.CheckIn("s1", "g1-000", 0, t0.Add(10*time.Minute))) // arrived before the closure
	var onWay []string
	for _, h := range e.households {
		if h.shelter == "s1" {
			onWay = append(onWay, h.ID)
		}
	}
	require.NotEmpty(t, onWay)
	require.NoError(t, e.CloseShelter("s1", "op-chen", "flooded ground floor", t0.Add(20*time.Minute)))

	ds := decideApply(t, e, t0.Add(21*time.Minute), walk)
	re := byType(ds, DecisionReassigned)
	require.Len(t, re, len(onWay))
	for _, d := range re {
		assert.Contains(t, onWay, d.Household)
		assert.Equal(t, "s1", d.From)
		assert.NotEqual(t, "s1", d.Shelter)
		assert.Contains(t, d.Reason, "shelter s1 closed (flooded ground floor)")
	}
	h, _ := e.Household("g1-000")
	assert.Equal(t, StateAtShelter, h.State, "those inside stay counted")
	for _, s := range e.View().Shelters {
		assert.LessOrEqual(t, s.OnTheWay+s.Occupancy, s.Capacity, s.ID)
		if s.ID == "s1" {
			assert.Zero(t, s.OnTheWay)
			assert.Zero(t, s.Remaining)
		}
	}
}

func TestReplanWhenRoadCloses(t *testing.T) {
	sc := tinyTown(shelterAt("s1", 113.0, 100, 100), shelterAt("s2", 113.03, 100, 100))
	e := newEvac(t, sc, homes("g1", 5, 3, 113.001))
	require.NoError(t, e.Order(mandatory("o1", "g1")))
	decideApply(t, e, t0, walk)
	cut := lineTimer{mps: 1.4, cut: map[orb.Point]bool{sc.Shelters[0].Point: true}}
	ds := decideApply(t, e, t0.Add(time.Minute), cut)
	re := byType(ds, DecisionReassigned)
	require.Len(t, re, 5)
	for _, d := range re {
		assert.Equal(t, "s2", d.Shelter)
		assert.Contains(t, d.Reason, "no longer reachable")
	}
}

func TestVulnerableFirst(t *testing.T) {
	// 10 places for 2 households of 4 without vulnerable members and 2 with
	hh := homes("g1", 4, 4, 113.0)
	hh[2].Bedridden, hh[3].Aged80 = 1, 2
	tests := []struct {
		name  string
		steps func(t *testing.T, e *Evacuation)
	}{
		{"in one plan", func(t *testing.T, e *Evacuation) {
			require.NoError(t, e.Order(mandatory("o1", "g1")))
			decideApply(t, e, t0, walk)
		}},
		{"ordered after the others took the room", func(t *testing.T, e *Evacuation) {
			require.NoError(t, e.Order(OrderInput{ID: "o1", Kind: OrderMandatory, Polygon: orb.Ring{{112.99, 21.99}, {113.0015, 21.99}, {113.0015, 22.01}, {112.99, 22.01}}, Operator: "op", Time: t0}))
			decideApply(t, e, t0, walk)
			require.Equal(t, 8, e.shelterID["s1"].reserved)
			require.NoError(t, e.Order(mandatory("o2", "g1")))
			ds := decideApply(t, e, t0.Add(time.Minute), walk)
			assert.Len(t, byType(ds, DecisionUnassigned), 2, "the households without vulnerable members give way")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEvac(t, tinyTown(shelterAt("s1", 113.0, 10, 10)), hh)
			tc.steps(t, e)
			for _, id := range []string{"g1-002", "g1-003"} {
				h, _ := e.Household(id)
				assert.Equal(t, "s1", h.Shelter, id)
			}
			for _, id := range []string{"g1-000", "g1-001"} {
				h, _ := e.Household(id)
				assert.Empty(t, h.Shelter, id)
			}
			esc := byType(e.Decide(t0.Add(time.Hour), walk), DecisionEscortNeeded)
			assert.Empty(t, esc, "escorts asked once")
		})
	}
}

func TestEscortPriorities(t *testing.T) {
	hh := append(homes("g1", 3, 4, 113.0), homes("g2", 2, 4, 113.01)...)
	hh[0].Bedridden = 1 // exposed + bedridden: 1
	hh[1].Aged80 = 1    // exposed, one: 2
	hh[3].Aged80 = 2    // two, not exposed: 2
	hh[4].Disabled = 1  // one, mandatory: 3
	// runs of one person: a run per household, in priority order
	e, err := New(Config{EscortRunPeople: 1}, tinyTown(shelterAt("s1", 113.0, 100, 100)), hh)
	require.NoError(t, err)
	require.NoError(t, e.Order(mandatory("o1", "g1", "g2")))
	esc := byType(e.Decide(t0, walk), DecisionEscortNeeded)
	require.Len(t, esc, 4)
	got := map[string]int{}
	for _, d := range esc {
		got[d.Household] = d.Priority
	}
	assert.Equal(t, map[string]int{"g1-000": 1, "g1-001": 2, "g2-000": 2, "g2-001": 3}, got)
	assert.Equal(t, "g1-000", esc[0].Household)
	assert.Equal(t, "g1-001", esc[1].Household, "same priority: the more exposed grid first")

	// runs of six (the default): one run per grid, its priority the most urgent household's
	e = newEvac(t, tinyTown(shelterAt("s1", 113.0, 100, 100)), hh)
	require.NoError(t, e.Order(mandatory("o1", "g1", "g2")))
	esc = byType(decideApply(t, e, t0, walk), DecisionEscortNeeded)
	require.Len(t, esc, 2)
	assert.Equal(t, []string{"g1-000", "g1-001"}, esc[0].Households)
	assert.Equal(t, "g1-run1", esc[0].Run)
	assert.Equal(t, 1, esc[0].Priority)
	assert.Equal(t, []string{"g2-000", "g2-001"}, esc[1].Households)
	assert.Equal(t, []int{2, 3}, []int{esc[0].Vulnerable, esc[1].Vulnerable}, "vulnerable people counted per run")
	assert.Empty(t, byType(e.Decide(t0, walk), DecisionEscortNeeded), "a household is in one run only")
	runs := e.View().EscortRuns
	require.Len(t, runs, 2)
	assert.Equal(t, RunView{ID: "g1-run1", Grid: "g1", Priority: 1, Households: []string{"g1-000", "g1-001"}, People: 8, Vulnerable: 2}, runs[0])
	require.NoError(t, e.Moving("g1-000", t0.Add(time.Minute)))
	assert.Equal(t, 1, e.View().EscortRuns[0].Fetched)
}

func TestCancelHalfway(t *testing.T) {
	e := newEvac(t, tinyTown(shelterAt("s1", 113.0, 100, 100)), homes("g1", 6, 2, 113.0))
	require.NoError(t, e.Order(mandatory("o1", "g1")))
	decideApply(t, e, t0, walk)
	require.NoError(t, e.Notify("g1-000", "worker-li", t0))
	require.NoError(t, e.Moving("g1-001", t0))
	require.NoError(t, e.CheckIn("s1", "g1-002", 0, t0))
	require.NoError(t, e.Staying("g1-003", "chief-huang", t0))
	require.NoError(t, e.Cancel("o1", "op-chen", "rain stopped", t0.Add(time.Hour)))

	want := map[string]string{"g1-000": StateNotOrdered, "g1-001": StateMoving, "g1-002": StateAtShelter,
		"g1-003": StateNotOrdered, "g1-004": StateNotOrdered, "g1-005": StateNotOrdered}
	for id, st := range want {
		h, _ := e.Household(id)
		assert.Equal(t, st, h.State, id)
	}
	s := e.View().Shelters[0]
	assert.Equal(t, 2, s.OnTheWay, "the moving household keeps its place")
	assert.Equal(t, 2, s.Occupancy)
	assert.Empty(t, e.Unaccounted(""))
	assert.Empty(t, byType(e.Decide(t0.Add(time.Hour), walk), DecisionAssigned))

	require.NoError(t, e.CheckIn("s1", "g1-001", 0, t0.Add(70*time.Minute)))
	require.NoError(t, e.CheckOut("s1", "g1-002", 0, t0.Add(2*time.Hour)))
	h, _ := e.Household("g1-002")
	assert.Equal(t, StateReturned, h.State)
	assert.ErrorIs(t, e.Cancel("o1", "op-chen", "", t0), ErrConflict)
	assert.Equal(t, "cancelled", e.View().Orders[0].Status)
}
