package evac

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Yangning ordered evacuated: on 12 May 2022 the village chief and grid
// workers moved 150 people door to door in about an hour, helping the
// elderly (/work/shared/seed/duhu-2022-05-14-article.txt). The estimate for
// everyone accounted for must be of that order, not the minutes of driving
// alone, and the plan must beat the hour lived: 150 people accounted for
// well within it.
func TestYangningEstimate(t *testing.T) {
	_, _, graph, e := duhuEvac(t)
	require.NoError(t, e.Order(mandatory("yangning-1", "nancun-yangning")))
	decideApply(t, e, t0, graph)
	v := e.View()
	g := findGrid(v, "nancun-yangning")
	require.NotNil(t, g)
	require.Zero(t, g.NoEstimate, "every household has a place and an estimate")
	require.NotNil(t, g.AllAt)

	var ats []HouseholdView
	for _, h := range v.Unaccounted {
		if h.Grid == "nancun-yangning" {
			require.NotNil(t, h.EstimatedAt, h.ID)
			ats = append(ats, h)
		}
	}
	slices.SortFunc(ats, func(a, b HouseholdView) int { return a.EstimatedAt.Compare(*b.EstimatedAt) })
	people, at150 := 0, time.Duration(0)
	for _, h := range ats {
		people += h.Members
		if people >= 150 && at150 == 0 {
			at150 = h.EstimatedAt.Sub(t0)
		}
	}
	t.Logf("Yangning: %d households, %d people; 150th person accounted for at %.0f min, everyone at %.0f min (lived: 150 people in about 60 min)",
		len(ats), people, at150.Minutes(), g.Minutes)
	assert.GreaterOrEqual(t, g.Minutes, 30.0, "of the order of the hour lived, not minutes of driving")
	assert.LessOrEqual(t, g.Minutes, 120.0, "of the order of the hour lived")
	assert.Less(t, at150.Minutes(), 60.0, "the plan beats the hour the town lived for 150 people")

	// progress against the estimate: by half the estimate, about half are expected
	half := t0.Add(time.Duration(g.Minutes/2) * time.Minute)
	require.NoError(t, e.CheckIn(ats[0].Shelter, ats[0].ID, 0, half))
	g = findGrid(e.View(), "nancun-yangning")
	assert.Equal(t, 1, g.Accounted)
	assert.Greater(t, g.ExpectedAccounted, 0)
	assert.Less(t, g.ExpectedAccounted, len(ats))
}

func findGrid(v View, id string) *Headcount {
	for i := range v.Grids {
		if v.Grids[i].ID == id {
			return &v.Grids[i]
		}
	}
	return nil
}
