package engine

import (
	"math"
	"sort"
	"time"
)

// rainfallHours is how many clock hours of rain per gauge the board's sparklines show.
const rainfallHours = 24

// rainfall keeps rain per gauge per clock hour (by the reading's end) for the
// board's sparklines. A reading sent twice replaces itself instead of adding up.
//
// Times are keys as Unix nanoseconds, not time.Time: every reading of a replay
// comes here, and an int64 hashes in a fraction of a 24-byte struct's time.
type rainfall struct {
	readings map[string]map[int64]float64 // gauge → reading end → mm
	hours    map[string]map[int64]float64 // gauge → clock hour's start → mm
	latest   map[string]int64
}

// GaugeHours is one gauge's rain over the last hours before its latest reading.
type GaugeHours struct {
	Gauge string     `json:"gauge"`
	Hours []HourOfMM `json:"hours"`
}

// HourOfMM is the rain that fell in one clock hour.
type HourOfMM struct {
	Hour time.Time `json:"hour"`
	MM   float64   `json:"mm"`
}

func newRainfall() *rainfall {
	return &rainfall{readings: map[string]map[int64]float64{}, hours: map[string]map[int64]float64{}, latest: map[string]int64{}}
}

const hourNanos = int64(time.Hour)

// hourOf is the start of the clock hour a reading ending at end (Unix
// nanoseconds) counts in: end.Add(-1ns).Truncate(time.Hour), which a whole
// hour since the epoch is (Truncate counts from year 1, a whole number of
// hours before it).
func hourOf(end int64) int64 {
	h := (end - 1) / hourNanos
	if (end-1)%hourNanos < 0 {
		h-- // floor, before 1970
	}
	return h * hourNanos
}

func (r *rainfall) add(gauge string, at time.Time, mm float64) {
	end := at.UnixNano()
	hour := hourOf(end)
	hours, readings := r.hours[gauge], r.readings[gauge] // looked up once: every reading comes here
	if hours == nil {
		hours, readings = map[int64]float64{}, map[int64]float64{}
		r.hours[gauge], r.readings[gauge] = hours, readings
	}
	hours[hour] += mm - readings[end]
	readings[end] = mm
	latest, ok := r.latest[gauge]
	if !ok || end > latest {
		latest = end
		r.latest[gauge] = end
	}
	// Forget what no sparkline shows any more, once the old part has grown as large as the shown part.
	if len(readings) > 4*rainfallHours*6 {
		cutoff := latest - 2*rainfallHours*hourNanos
		for h := range hours {
			if h < cutoff {
				delete(hours, h)
			}
		}
		for e := range readings {
			if e < cutoff {
				delete(readings, e)
			}
		}
	}
}

func (r *rainfall) view() []GaugeHours {
	out := make([]GaugeHours, 0, len(r.hours))
	for gauge, hours := range r.hours {
		last := hourOf(r.latest[gauge])
		g := GaugeHours{Gauge: gauge, Hours: make([]HourOfMM, rainfallHours)}
		for i := range rainfallHours {
			h := last - int64(rainfallHours-1-i)*hourNanos
			g.Hours[i] = HourOfMM{Hour: time.Unix(0, h).UTC(), MM: math.Round(hours[h]*10) / 10} // a gauge reads to 0.1 mm
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Gauge < out[j].Gauge })
	return out
}
