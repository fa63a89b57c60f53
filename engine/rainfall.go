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
type rainfall struct {
	readings map[string]map[time.Time]float64 // gauge → reading end → mm
	hours    map[string]map[time.Time]float64 // gauge → clock hour → mm
	latest   map[string]time.Time
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
	return &rainfall{readings: map[string]map[time.Time]float64{}, hours: map[string]map[time.Time]float64{}, latest: map[string]time.Time{}}
}

func (r *rainfall) add(gauge string, end time.Time, mm float64) {
	end = end.UTC()
	hour := end.Add(-time.Nanosecond).Truncate(time.Hour)
	hours, readings := r.hours[gauge], r.readings[gauge] // looked up once: every reading comes here
	if hours == nil {
		hours, readings = map[time.Time]float64{}, map[time.Time]float64{}
		r.hours[gauge], r.readings[gauge] = hours, readings
	}
	hours[hour] += mm - readings[end]
	readings[end] = mm
	latest := r.latest[gauge]
	if end.After(latest) {
		latest = end
		r.latest[gauge] = end
	}
	// Forget what no sparkline shows any more, once the old part has grown as large as the shown part.
	if len(readings) > 4*rainfallHours*6 {
		cutoff := latest.Add(-2 * rainfallHours * time.Hour)
		for h := range hours {
			if h.Before(cutoff) {
				delete(hours, h)
			}
		}
		for e := range readings {
			if e.Before(cutoff) {
				delete(readings, e)
			}
		}
	}
}

func (r *rainfall) view() []GaugeHours {
	out := make([]GaugeHours, 0, len(r.hours))
	for gauge, hours := range r.hours {
		last := r.latest[gauge].Add(-time.Nanosecond).Truncate(time.Hour)
		g := GaugeHours{Gauge: gauge, Hours: make([]HourOfMM, rainfallHours)}
		for i := range rainfallHours {
			h := last.Add(-time.Duration(rainfallHours-1-i) * time.Hour)
			g.Hours[i] = HourOfMM{Hour: h, MM: math.Round(hours[h]*10) / 10} // a gauge reads to 0.1 mm
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Gauge < out[j].Gauge })
	return out
}
