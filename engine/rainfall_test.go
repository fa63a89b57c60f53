package engine

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRainfallHoursAgainstBruteForce holds the board's sparkline hours
// against sums made here with time.Truncate over every reading sent (the
// latest per end): readings on and off the hour (one ending at 15:00 is rain
// of 14:00–15:00), late ones, resends and corrections, gaps of days, and times
// before 1970.
func TestRainfallHoursAgainstBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		r := newRainfall()
		start := time.Date(2022, 5, 12, 0, 0, 0, 0, time.UTC)
		if seed%3 == 0 {
			start = time.Date(1969, 12, 31, 20, 0, 0, 0, time.UTC)
		}
		sent := map[time.Time]float64{}
		now, latest := start, time.Time{}
		for step := range 1500 {
			now = now.Add(time.Duration(rng.IntN(12)) * 5 * time.Minute)
			if rng.IntN(200) == 0 {
				now = now.Add(time.Duration(rng.IntN(72)) * time.Hour)
			}
			end := now
			if rng.IntN(8) == 0 {
				end = now.Add(-time.Duration(rng.IntN(30)) * 10 * time.Minute) // late, resent or corrected
			}
			mm := math.Round(rng.Float64()*50) / 10
			r.add("g1", end.In(time.FixedZone("CST", 8*3600)), mm) // the zone a gauge reports in changes nothing
			sent[end] = mm
			if end.After(latest) {
				latest = end
			}
			for e := range sent {
				if e.Before(latest.Add(-(rainfallHours + 2) * time.Hour)) {
					delete(sent, e) // before the oldest hour shown
				}
			}

			view := r.view()
			require.Len(t, view, 1)
			last := latest.Add(-time.Nanosecond).Truncate(time.Hour)
			require.Len(t, view[0].Hours, rainfallHours)
			for i, h := range view[0].Hours {
				hour := last.Add(-time.Duration(rainfallHours-1-i) * time.Hour)
				want := 0.0
				for e, mm := range sent {
					if e.Add(-time.Nanosecond).Truncate(time.Hour).Equal(hour) {
						want += mm
					}
				}
				require.True(t, h.Hour.Equal(hour), "seed %d step %d: hour %d is %s, want %s", seed, step, i, h.Hour, hour)
				held := r.hours["g1"][hour.UnixNano()]
				require.InDelta(t, want, held, 1e-9, "seed %d step %d: rain of %s", seed, step, hour)
				require.Equal(t, math.Round(held*10)/10, h.MM, "seed %d step %d: shown to a gauge's 0.1 mm", seed, step)
			}
		}
	}
}
