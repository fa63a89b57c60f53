package evac

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Many households race for the last places. Whatever order the log gives
// their check-ins, everyone at the door is recorded (a refused record would
// only lose track of people standing in the shelter); the view says by how
// much the shelter is over, and the plan then sends nobody more there.
func TestCheckInAtTheDoorIsAlwaysRecorded(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0))
			hh := append(homes("g1", 30, 3, 113.0), homes("g2", 30, 2, 113.01)...)
			e := newEvac(t, tinyTown(shelterAt("s1", 113.005, 100, 80), shelterAt("s2", 113.02, 500, 500)), hh)
			require.NoError(t, e.Order(mandatory("o1", "g1", "g2")))
			type in struct {
				hh     string
				people int
			}
			var ins []in
			late := hh[0].ID // stays home until the shelter is overfull
			for _, h := range hh[1:] {
				ins = append(ins, in{hh: h.ID})
			}
			for range 10 {
				ins = append(ins, in{people: 1 + rng.IntN(6)})
			}
			rng.Shuffle(len(ins), func(i, j int) { ins[i], ins[j] = ins[j], ins[i] })
			// Night falls on a random step (the last at the latest): capacity
			// 80 from there on.
			nightFrom := rng.IntN(len(ins))
			inside := 0
			var at time.Time
			for i, x := range ins {
				at = t0
				if i >= nightFrom {
					at = t0.Add(10 * time.Hour) // 20:00 local
				}
				require.NoError(t, e.CheckIn("s1", x.hh, x.people, at), "check-in %d", i)
				if x.hh != "" {
					inside += e.byID[x.hh].Members
				} else {
					inside += x.people
				}
				s := e.shelterID["s1"]
				require.Equal(t, inside, s.occupancy)
			}
			require.Greater(t, inside, 100, "the wave overfills s1 by day and by night")
			v := e.View()
			s1 := v.Shelters[0]
			assert.Equal(t, inside, s1.Occupancy)
			assert.Equal(t, inside-80, s1.OverCapacity, "over its night capacity of 80")
			assert.Zero(t, s1.Remaining)
			assert.Zero(t, v.Shelters[1].OverCapacity)
			// The plan sends nobody more to s1, though nearer: the household
			// still at home goes to s2.
			for _, d := range e.Decide(at, walk) {
				require.NoError(t, e.Apply(d))
			}
			got, _ := e.Household(late)
			assert.Equal(t, "s2", got.Shelter)
		})
	}
}

// A check-in at a closed shelter is recorded too: the people are there, and
// the view shows them inside a closed shelter for an operator to move on.
func TestCheckInAtAClosedShelterIsRecorded(t *testing.T) {
	hh := homes("g1", 2, 3, 113.0)
	e := newEvac(t, tinyTown(shelterAt("s1", 113.005, 100, 80)), hh)
	require.NoError(t, e.CloseShelter("s1", "chief", "water at the door", t0))
	require.NoError(t, e.CheckIn("s1", hh[0].ID, 0, t0.Add(time.Minute)))
	v := e.View()
	assert.False(t, v.Shelters[0].Open)
	assert.Equal(t, 3, v.Shelters[0].Occupancy)
	got, _ := e.Household(hh[0].ID)
	assert.Equal(t, StateAtShelter, got.State)
	assert.Equal(t, "s1", got.Shelter)
}

func TestDayNightCapacity(t *testing.T) {
	cfg := DefaultConfig()
	tests := []struct {
		name  string
		local string // +08:00
		night bool
	}{
		{"morning", "07:00", false}, {"evening", "18:59", false}, {"dusk", "19:00", true},
		{"midnight", "00:00", true}, {"dawn", "06:59", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, "2022-05-12T"+tc.local+":00+08:00")
			require.NoError(t, err)
			assert.Equal(t, tc.night, cfg.Night(at))
		})
	}
}

func TestCheckOut(t *testing.T) {
	e := newEvac(t, tinyTown(shelterAt("s1", 113.005, 100, 80)), homes("g1", 3, 2, 113.0))
	require.NoError(t, e.Order(mandatory("o1", "g1")))
	require.NoError(t, e.CheckIn("s1", "g1-000", 0, t0))
	require.NoError(t, e.CheckIn("s1", "", 5, t0))
	tests := []struct {
		name, hh string
		people   int
		err      string
	}{
		{"head count beyond the anonymous", "", 6, "name the household"},
		{"household not there", "g1-001", 0, "is not checked in at s1"},
		{"part of a household", "g1-000", 1, "check the household out whole"},
		{"head count", "", 5, ""},
		{"household", "g1-000", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := e.CheckOut("s1", tc.hh, tc.people, t0)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
		})
	}
	assert.Equal(t, 0, e.shelterID["s1"].occupancy)
	h, _ := e.Household("g1-000")
	assert.Equal(t, StateUnaccounted, h.State, "left a shelter while the order holds")
}
