package evac

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Many households race for the last places; whatever order the log gives
// their check-ins, occupancy never exceeds capacity and refusals say why.
func TestCheckInNeverOverCapacity(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0))
			hh := append(homes("g1", 30, 3, 113.0), homes("g2", 30, 2, 113.01)...)
			e := newEvac(t, tinyTown(shelterAt("s1", 113.005, 100, 80)), hh)
			require.NoError(t, e.Order(mandatory("o1", "g1", "g2")))
			type in struct {
				hh     string
				people int
				night  bool
			}
			var ins []in
			for _, h := range hh {
				ins = append(ins, in{hh: h.ID})
			}
			for range 10 {
				ins = append(ins, in{people: 1 + rng.IntN(6)})
			}
			for i := range ins {
				ins[i].night = rng.IntN(4) == 0
			}
			rng.Shuffle(len(ins), func(i, j int) { ins[i], ins[j] = ins[j], ins[i] })
			accepted, refused := 0, 0
			for _, x := range ins {
				at := t0
				if x.night {
					at = t0.Add(10 * time.Hour) // 20:00 local: night capacity 80
				}
				err := e.CheckIn("s1", x.hh, x.people, at)
				s := e.shelterID["s1"]
				if err != nil {
					refused++
					require.ErrorIs(t, err, ErrConflict)
					assert.Contains(t, err.Error(), "shelter s1 is full")
				} else {
					accepted++
					assert.LessOrEqual(t, s.occupancy, e.capacity(s, at), "occupancy within capacity at check-in time")
				}
				assert.LessOrEqual(t, s.occupancy, 100)
			}
			assert.Positive(t, refused)
			assert.Positive(t, accepted)
			v := e.View()
			assert.Equal(t, e.shelterID["s1"].occupancy, v.Shelters[0].Occupancy)
		})
	}
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
