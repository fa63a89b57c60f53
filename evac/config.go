package evac

import (
	"fmt"
	"time"
)

// Config tunes shelter choice and priorities; the zero value of a field means
// its default (see DefaultConfig).
type Config struct {
	// Candidates is how many of its fastest reachable shelters each household
	// may be sent to (the k of the candidate graph); more is slower and rarely better.
	Candidates int `json:"candidates"`
	// NightFrom and NightTo are the local hours during which a shelter holds
	// capacity_night rather than capacity_day: [NightFrom, 24) ∪ [0, NightTo).
	// Night capacity is smaller because people sleep on the floor.
	NightFrom int `json:"night_from"`
	NightTo   int `json:"night_to"`
	// UTCOffsetHours is the town's local time (China: +8, no daylight saving).
	UTCOffsetHours int `json:"utc_offset_hours"`
	// Exposed is the low_lying_share from which a grid counts as highly exposed
	// when escorts are prioritised.
	Exposed float64 `json:"exposed"`
	// VulnerableWeight multiplies the travel time of households with
	// vulnerable members in the plan's cost, so they get the shorter trips.
	VulnerableWeight float64 `json:"vulnerable_weight"`
}

// DefaultConfig is Duhu's: night 19:00–07:00 at +08:00.
func DefaultConfig() Config {
	return Config{Candidates: 6, NightFrom: 19, NightTo: 7, UTCOffsetHours: 8, Exposed: 0.6, VulnerableWeight: 3}
}

func (c Config) withDefaults() (Config, error) {
	d := DefaultConfig()
	if c.Candidates == 0 {
		c.Candidates = d.Candidates
	}
	if c.NightFrom == 0 && c.NightTo == 0 {
		c.NightFrom, c.NightTo = d.NightFrom, d.NightTo
	}
	if c.UTCOffsetHours == 0 {
		c.UTCOffsetHours = d.UTCOffsetHours
	}
	if c.Exposed == 0 {
		c.Exposed = d.Exposed
	}
	if c.VulnerableWeight == 0 {
		c.VulnerableWeight = d.VulnerableWeight
	}
	switch {
	case c.Candidates < 1:
		return c, fmt.Errorf("%w: candidates %d < 1", ErrInvalid, c.Candidates)
	case c.NightFrom < 0 || c.NightFrom > 23 || c.NightTo < 0 || c.NightTo > 23:
		return c, fmt.Errorf("%w: night hours %d–%d out of 0..23", ErrInvalid, c.NightFrom, c.NightTo)
	case c.UTCOffsetHours < -12 || c.UTCOffsetHours > 14:
		return c, fmt.Errorf("%w: UTC offset %d", ErrInvalid, c.UTCOffsetHours)
	case c.VulnerableWeight < 1:
		return c, fmt.Errorf("%w: vulnerable weight %g < 1", ErrInvalid, c.VulnerableWeight)
	}
	return c, nil
}

// Night reports whether t falls in the local night, when shelters hold their
// night capacity.
func (c Config) Night(t time.Time) bool {
	h := t.In(time.FixedZone("", c.UTCOffsetHours*3600)).Hour()
	if c.NightFrom > c.NightTo {
		return h >= c.NightFrom || h < c.NightTo
	}
	return h >= c.NightFrom && h < c.NightTo
}
