package evac

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/geo"
)

// The unaccounted list and the headcounts stay exact through random
// sequences of orders, plans, notifications, check-ins and check-outs.
func TestUnaccountedExactProperty(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			hh := append(homes("g1", 25, 3, 113.0), homes("g2", 25, 2, 113.03)...)
			for i := range hh {
				if rng.IntN(6) == 0 {
					hh[i].Aged80 = 1
				}
			}
			e := newEvac(t, tinyTown(shelterAt("s1", 113.01, 40, 30), shelterAt("s2", 113.04, 40, 30), shelterAt("s3", 113.02, 30, 20)), hh)
			at := t0
			for i := 0; i < 300; i++ {
				at = at.Add(time.Duration(rng.IntN(6)) * time.Minute)
				h := hh[rng.IntN(len(hh))].ID
				s := []string{"s1", "s2", "s3"}[rng.IntN(3)]
				switch r := rng.IntN(100); {
				case r < 3:
					_ = e.Order(mandatory(fmt.Sprintf("o%d", i), []string{"g1", "g2"}[rng.IntN(2)]))
				case r < 4:
					if len(e.orders) > 0 {
						_ = e.Cancel(e.orders[rng.IntN(len(e.orders))].ID, "op", "test", at)
					}
				case r < 15:
					for _, d := range e.Decide(at, walk) {
						require.NoError(t, e.Apply(d))
					}
				case r < 30:
					_ = e.Notify(h, "worker", at)
				case r < 45:
					_ = e.Moving(h, at)
				case r < 50:
					_ = e.Staying(h, "chief", at)
				case r < 80:
					v, _ := e.Household(h)
					if v.Shelter != "" && rng.IntN(3) > 0 {
						s = v.Shelter
					}
					err := e.CheckIn(s, h, 0, at)
					if v.State != StateAtShelter {
						require.NoError(t, err, "people at the door are always recorded")
					}
				case r < 85:
					require.NoError(t, e.CheckIn(s, "", 1+rng.IntN(4), at), "people at the door are always recorded")
				case r < 95:
					if v, _ := e.Household(h); v.State == StateAtShelter {
						s = v.Shelter
					}
					_ = e.CheckOut(s, h, 0, at)
				case r < 97:
					_ = e.CloseShelter(s, "op", "test", at)
				default:
					_ = e.OpenShelter(s, "op", "test", at)
				}
				checkInvariants(t, e, hh)
			}
		})
	}
}

// checkInvariants recounts from the households one by one.
func checkInvariants(t *testing.T, e *Evacuation, hh []Household) {
	t.Helper()
	var want []string
	perGrid := map[string]int{}
	occupancy := map[string]int{}
	reserved := map[string]int{}
	for _, h := range hh {
		v, ok := e.Household(h.ID)
		require.True(t, ok)
		if v.Order != "" && slices.Contains([]string{StateToNotify, StateNotified, StateUnaccounted}, v.State) {
			want = append(want, v.ID)
			perGrid[v.Grid]++
		}
		switch {
		case v.State == StateAtShelter:
			occupancy[v.Shelter] += v.Members
		case v.Shelter != "":
			reserved[v.Shelter] += v.Members
		}
	}
	var got []string
	for _, v := range e.Unaccounted("") {
		got = append(got, v.ID)
	}
	require.Equal(t, want, got)
	view := e.View()
	for _, g := range view.Grids {
		require.Equal(t, perGrid[g.ID], g.Unaccounted.Households, g.ID)
		require.Len(t, e.Unaccounted(g.ID), perGrid[g.ID])
	}
	for _, s := range e.shelters {
		require.Equal(t, occupancy[s.ID]+s.anonymous, s.occupancy, s.ID)
		require.Equal(t, reserved[s.ID], s.reserved, s.ID)
		capacity := s.CapacityDay // at the view's time, from the shelter's own figures
		if view.Shelters[s.idx].Night {
			capacity = s.CapacityNight
		}
		require.Equal(t, max(0, occupancy[s.ID]+s.anonymous-capacity), view.Shelters[s.idx].OverCapacity, s.ID)
	}
}

// Same inputs give the same decisions, byte for byte, and folding the
// recorded decisions reproduces the live state.
func TestDeterminismDuhu(t *testing.T) {
	sc, hh := loadDuhu(t)
	graph, _ := geo.NewGraph(sc.Roads, 1)
	type input func(e *Evacuation) error
	inputs := []input{
		func(e *Evacuation) error {
			return e.Order(mandatory("o1", "nancun-yangning", "longhe-songshan", "longhe-hening"))
		},
		func(e *Evacuation) error {
			return e.Order(OrderInput{ID: "o2", Kind: OrderAdvisory, Villages: []string{"dagang"}, Operator: "op", Time: t0})
		},
		func(e *Evacuation) error {
			return e.CloseShelter("vc-nancun", "op-chen", "ground floor flooded", t0.Add(30*time.Minute))
		},
	}
	run := func() (*Evacuation, [][]Decision, []byte) {
		e, err := New(Config{}, sc, hh)
		require.NoError(t, err)
		var rounds [][]Decision
		for i, in := range inputs {
			require.NoError(t, in(e))
			ds := e.Decide(t0.Add(time.Duration(i)*30*time.Minute), graph)
			for _, d := range ds {
				require.NoError(t, e.Apply(d))
			}
			rounds = append(rounds, ds)
		}
		b, err := json.Marshal(rounds)
		require.NoError(t, err)
		return e, rounds, b
	}
	live, rounds, b1 := run()
	_, _, b2 := run()
	require.Equal(t, string(b1), string(b2))
	assert.NotEmpty(t, byType(rounds[0], DecisionAssigned))
	assert.NotEmpty(t, byType(rounds[0], DecisionEscortNeeded))
	assert.NotEmpty(t, byType(rounds[2], DecisionReassigned), "households on their way to the closed shelter are re-planned")

	replay, err := New(Config{}, sc, hh)
	require.NoError(t, err)
	for i, in := range inputs {
		require.NoError(t, in(replay))
		for _, d := range rounds[i] {
			var back Decision
			raw, _ := json.Marshal(d)
			require.NoError(t, json.Unmarshal(raw, &back))
			require.NoError(t, replay.Apply(back))
		}
	}
	v1, _ := json.Marshal(live.View())
	v2, _ := json.Marshal(replay.View())
	require.Equal(t, string(v1), string(v2))
	for _, s := range live.View().Shelters {
		assert.LessOrEqual(t, s.OnTheWay+s.Occupancy, s.Capacity, s.ID)
	}
}
