package warning

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAccumulationAgainstBruteForce folds long random seasons of readings —
// mostly dry, with wet spells, late, repeated, corrected, of mixed lengths,
// with gaps of days — and after every reading holds the gauge's windows
// against a sum computed here from every reading ever sent (the latest per
// end time), with no series, no retention and no shortcut.
func TestAccumulationAgainstBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 17))
		w := newW(t, DefaultConfig())
		type reading struct {
			minutes int64
			mm      float64
		}
		sent := map[int64]reading{} // end (unix s) → the latest reading with that end
		var now, maxEnd int64 = t0.Unix(), 0
		wet := false
		for step := range 3000 {
			switch r := rng.IntN(100); {
			case r < 2:
				now += int64(rng.IntN(4*24*3600)) + 1 // a gauge silent for up to four days
			case r < 6:
				wet = !wet
			}
			end := now + 600
			if rng.IntN(10) == 0 && maxEnd > 0 {
				end = maxEnd - int64(rng.IntN(30*3600)) // late, or a resend of one already there
			} else {
				now = end
			}
			minutes := []int64{10, 10, 10, 5, 60, 90, 1440}[rng.IntN(7)]
			mm := 0.0
			if wet || rng.IntN(50) == 0 {
				mm = math.Round(rng.Float64()*80) / 10
			}
			require.NoError(t, w.Rain("g1", mm, float64(minutes), time.Unix(end, 0)))
			if end <= maxEnd-int64(Retain/time.Second) {
				continue // too old to change anything; the series drops it
			}
			sent[end] = reading{minutes, mm}
			maxEnd = max(maxEnd, end)
			for e := range sent {
				if e <= maxEnd-int64(Retain/time.Second) {
					delete(sent, e) // ends a day before the longest window: adds nothing to any window
				}
			}

			windows := func(at int64) (want [5]float64) {
				for e, rd := range sent {
					start := e - rd.minutes*60
					for k, h := range Windows {
						lo, hi := max(start, at-int64(h)*3600), min(e, at)
						if hi > lo {
							want[k] += rd.mm * float64(hi-lo) / float64(e-start)
						}
					}
				}
				return want
			}
			check := func(what string, want, got [5]float64) {
				for k := range want {
					require.InDelta(t, want[k], got[k], 2e-6, "seed %d step %d, %s: %d h window", seed, step, what, Windows[k])
					if want[k] == 0 {
						require.Zero(t, got[k], "seed %d step %d, %s: a dry %d h window is exactly dry", seed, step, what, Windows[k])
					}
				}
			}
			check("at the latest reading", windows(maxEnd), w.gauges["g1"].acc)
			// Any time from a day before the latest reading is exact too
			// (Accumulations), readings ending after it included.
			at := maxEnd - int64(rng.IntN(24*3600))
			var got [5]float64
			for k, v := range w.Accumulations("g1", time.Unix(at, 0)) {
				got[windowIndex(k)] = v
			}
			check(fmt.Sprintf("%d s before it", maxEnd-at), windows(at), got)
		}
	}
}
