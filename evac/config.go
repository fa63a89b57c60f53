package evac

import (
	"fmt"
	"time"
)

// Config tunes shelter choice and priorities; the zero value of a field means
// its default (see DefaultConfig).
type Config struct {
	// Note says where the figures come from (free text, for the people who
	// keep the file).
	Note string `json:"note,omitempty"`
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
	// ReplanFasterMinutes: a planned trip the roads have slowed moves to
	// another shelter with room only when that one is at least this much faster.
	ReplanFasterMinutes float64 `json:"replan_faster_min"`

	// Travel by means (see means.go).
	// DefaultMeans is how households travel when neither the registry nor
	// MeansByGrid says (foot or car).
	DefaultMeans string `json:"default_means"`
	// MeansByGrid is a grid's default means, for households whose registry
	// row leaves the means column empty.
	MeansByGrid map[string]string `json:"means_by_grid,omitempty"`
	// WalkKmh is the walking speed of an evacuee in rain with bags.
	WalkKmh float64 `json:"walk_kmh"`
	// Detour is the walking distance ÷ the straight-line distance.
	Detour float64 `json:"detour"`

	// The evacuation time estimate (see estimate.go).
	// NotifyWorkers is how many grid workers of each grid go door to door.
	NotifyWorkers int `json:"notify_workers"`
	// NotifyMinutes is a worker's time per household: to the door, knock,
	// say where to go, note who needs help.
	NotifyMinutes float64 `json:"notify_min"`
	// PrepareMinutes is a household's time from being told to leaving.
	PrepareMinutes float64 `json:"prepare_min"`
	// EscortRunPeople is how many people who cannot leave alone an escort
	// team takes in one trip (its vehicle or boat): the households of a run
	// have at most this many vulnerable members together; their able
	// relatives go beside them (a household with more is a run of its own).
	EscortRunPeople int `json:"escort_run_people"`
	// EscortTeams is how many escort teams the town fields at once.
	EscortTeams int `json:"escort_teams"`
	// EscortMobiliseMinutes is the time from the order to a team's first pick-up.
	EscortMobiliseMinutes float64 `json:"escort_mobilise_min"`
	// EscortPickupMinutes is a team's time per household of a run: to the
	// door, helping the aged, bedridden or disabled out and aboard.
	EscortPickupMinutes float64 `json:"escort_pickup_min"`
}

// DefaultConfig is Duhu's: night 19:00–07:00 at +08:00; the sources and
// assumptions of each figure are in doc.go.
func DefaultConfig() Config {
	return Config{NightFrom: 19, NightTo: 7, UTCOffsetHours: 8, Exposed: 0.6, VulnerableWeight: 3, ReplanFasterMinutes: 5,
		DefaultMeans: MeansFoot, WalkKmh: 4, Detour: 1.3,
		NotifyWorkers: 30, NotifyMinutes: 3, PrepareMinutes: 15,
		EscortRunPeople: 6, EscortTeams: 20, EscortMobiliseMinutes: 15, EscortPickupMinutes: 10}
}

func (c Config) withDefaults() (Config, error) {
	d := DefaultConfig()
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
	orDefault(&c.ReplanFasterMinutes, d.ReplanFasterMinutes)
	orDefault(&c.WalkKmh, d.WalkKmh)
	orDefault(&c.Detour, d.Detour)
	orDefault(&c.NotifyMinutes, d.NotifyMinutes)
	orDefault(&c.PrepareMinutes, d.PrepareMinutes)
	orDefault(&c.EscortMobiliseMinutes, d.EscortMobiliseMinutes)
	orDefault(&c.EscortPickupMinutes, d.EscortPickupMinutes)
	orDefault(&c.NotifyWorkers, d.NotifyWorkers)
	orDefault(&c.EscortRunPeople, d.EscortRunPeople)
	orDefault(&c.EscortTeams, d.EscortTeams)
	if c.DefaultMeans == "" {
		c.DefaultMeans = d.DefaultMeans
	}
	if err := c.checkMeans(); err != nil {
		return c, err
	}
	switch {
	case c.WalkKmh < 0.5 || c.Detour < 1 || c.ReplanFasterMinutes < 0:
		return c, fmt.Errorf("%w: walk %g km/h (≥ 0.5), detour %g (≥ 1), replan margin %g min (≥ 0)", ErrInvalid, c.WalkKmh, c.Detour, c.ReplanFasterMinutes)
	case c.NotifyWorkers < 1 || c.EscortTeams < 1 || c.EscortRunPeople < 1:
		return c, fmt.Errorf("%w: notify workers %d, escort teams %d, escort run people %d: each must be ≥ 1", ErrInvalid, c.NotifyWorkers, c.EscortTeams, c.EscortRunPeople)
	case c.NotifyMinutes < 0 || c.PrepareMinutes < 0 || c.EscortMobiliseMinutes < 0 || c.EscortPickupMinutes < 0:
		return c, fmt.Errorf("%w: a time of the estimate is negative", ErrInvalid)
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

// orDefault replaces a zero figure by its default.
func orDefault[T int | float64](v *T, d T) {
	if *v == 0 {
		*v = d
	}
}
