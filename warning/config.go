package warning

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/floodcmd/floodcmd/cap"
)

// Windows are the accumulation windows, in hours, that rules may use.
var Windows = []int{1, 3, 6, 12, 24}

// Config is a town's warning configuration; it loads from JSON (see
// scenario/duhu/warning.json) so that thresholds stay data, not code.
type Config struct {
	// Name says which signal system this is, for operators and logs.
	Name string     `json:"name,omitempty"`
	Rain []RainRule `json:"rain"`
	// Hysteresis h: a level is lowered only when every rule for it is below
	// (1-h)×threshold, so rain hovering at a threshold does not flap the signal.
	Hysteresis float64 `json:"hysteresis"`
	// MinHold is how long (in reading time) a level holds before it may be lowered.
	MinHold time.Duration `json:"min_hold"`
	// SilentAfter: a rain gauge that reported rain in the last 24 h and has been
	// silent this long while its village is at yellow or above raises gauge_silent.
	SilentAfter time.Duration `json:"silent_after"`
	// VillageRule is the area rule; only "max" exists (see the package doc).
	VillageRule string `json:"village_rule"`
	// LevelBandM: a water-level warning is lowered once the level is this many
	// metres below the threshold it crossed (metres, not a ratio: a ratio of a
	// reservoir's 32 m would be metres of water).
	LevelBandM float64      `json:"level_band_m"`
	Actions    []ActionRule `json:"actions"`
	// CAPCategories are the CAP categories through which an external alert acts
	// (empty: DefaultCAPCategories); alerts in others are recorded only.
	CAPCategories []string `json:"cap_categories,omitempty"`
}

// RainRule raises Level when MM or more fell within the last Hours.
type RainRule struct {
	Level string  `json:"level"`
	Hours int     `json:"hours"`
	MM    float64 `json:"mm"`
}

// ActionRule proposes actions when a warning reaches a level.
type ActionRule struct {
	// ID names the rule; it is part of every proposal id the rule makes.
	ID   string `json:"id"`
	When When   `json:"when"`
	// Propose lists actions: "evacuate" and "preposition" (village rules),
	// "patrol_incident" (water-level rules).
	Propose []string `json:"propose"`
	// Auto proposals are approved at once; others wait for an operator.
	Auto bool `json:"auto"`
}

// When is an action rule's trigger. With GaugeKind set the rule watches level
// gauges of that kind (reservoir, river) at Level or above (orange = above
// warning_m, red = above danger_m); otherwise it watches villages at Level or
// above, and LowLyingShare picks the grids (share ≥ it) the action is for.
type When struct {
	Level         string  `json:"level"`
	LowLyingShare float64 `json:"low_lying_share,omitempty"`
	GaugeKind     string  `json:"gauge_kind,omitempty"`
}

// Action names.
const (
	ActionEvacuate    = "evacuate"
	ActionPreposition = "preposition"
	ActionPatrol      = "patrol_incident"
)

// Duration is a time.Duration that reads and writes JSON as "30m", "2h".
type Duration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "90m" (or a number of seconds, for hand-written files).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if err2 := json.Unmarshal(b, &secs); err2 != nil {
			return fmt.Errorf("duration: want \"30m\" or seconds: %w", err)
		}
		*d = Duration(time.Duration(secs * float64(time.Second)))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// defaultActions: evacuation moves people, so an operator decides; a dam
// patrol only sends eyes, so it goes at once.
func defaultActions() []ActionRule {
	return []ActionRule{
		{ID: "red-lowlying", When: When{Level: Red, LowLyingShare: 0.6}, Propose: []string{ActionEvacuate, ActionPreposition}},
		{ID: "reservoir-warning", When: When{Level: Orange, GaugeKind: "reservoir"}, Propose: []string{ActionPatrol}, Auto: true},
	}
}

// DefaultConfig is the China Meteorological Administration's national
// rainstorm signals: blue ≥50 mm/12 h, yellow ≥50/6 h, orange ≥50/3 h, red ≥100/3 h.
func DefaultConfig() Config {
	return Config{
		Name:       "cma-national",
		Rain:       []RainRule{{Blue, 12, 50}, {Yellow, 6, 50}, {Orange, 3, 50}, {Red, 3, 100}},
		Hysteresis: 0.2, MinHold: time.Hour, SilentAfter: 30 * time.Minute,
		VillageRule: "max", LevelBandM: 0.2, Actions: defaultActions(),
	}
}

// GuangdongConfig is the Guangdong variant: yellow, orange and red only. The
// figures are the national ones until the province's own are verified; that
// is why they live in configuration.
func GuangdongConfig() Config {
	c := DefaultConfig()
	c.Name = "guangdong"
	c.Rain = []RainRule{{Yellow, 6, 50}, {Orange, 3, 50}, {Red, 3, 100}}
	return c
}

// configWire is Config on the wire, with durations as "90m" strings.
type configWire struct {
	configAlias
	MinHold     Duration `json:"min_hold"`
	SilentAfter Duration `json:"silent_after"`
}

type configAlias Config

// MarshalJSON writes durations as Go duration strings ("1h0m0s").
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(configWire{configAlias(c), Duration(c.MinHold), Duration(c.SilentAfter)})
}

// UnmarshalJSON reads durations as "90m" strings or seconds.
func (c *Config) UnmarshalJSON(b []byte) error {
	var w configWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = Config(w.configAlias)
	c.MinHold, c.SilentAfter = time.Duration(w.MinHold), time.Duration(w.SilentAfter)
	return nil
}

// ParseConfig reads a JSON configuration and checks it.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("%w: warning config: %v", ErrInvalid, err)
	}
	return c, c.Validate()
}

// Validate lists every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	if len(c.Rain) == 0 {
		bad("rain: at least one rule")
	}
	for i, r := range c.Rain {
		if err := checkLevel(r.Level, false); err != nil {
			bad("rain[%d]: %v", i, err)
		}
		if !slices.Contains(Windows, r.Hours) {
			bad("rain[%d]: hours %d is not one of 1, 3, 6, 12, 24", i, r.Hours)
		}
		if !(r.MM > 0) || math.IsInf(r.MM, 0) {
			bad("rain[%d]: mm must be > 0", i)
		}
	}
	if !(c.Hysteresis >= 0 && c.Hysteresis < 1) {
		bad("hysteresis %v must be in [0, 1)", c.Hysteresis)
	}
	if c.MinHold < 0 || c.SilentAfter < 0 {
		bad("min_hold and silent_after must not be negative")
	}
	if c.VillageRule != "max" && c.VillageRule != "" {
		bad("village_rule %q: only \"max\" is defined", c.VillageRule)
	}
	if !(c.LevelBandM >= 0) {
		bad("level_band_m must be ≥ 0")
	}
	for _, cat := range c.CAPCategories {
		if !slices.Contains(cap.Categories, cat) {
			bad("cap_categories: %q is not a CAP 1.2 category (%s)", cat, strings.Join(cap.Categories, ", "))
		}
	}
	ids := map[string]bool{}
	for i, a := range c.Actions {
		if a.ID == "" || ids[a.ID] {
			bad("actions[%d]: id must be present and unique", i)
		}
		ids[a.ID] = true
		if err := checkLevel(a.When.Level, false); err != nil {
			bad("actions[%d]: %v", i, err)
		}
		if len(a.Propose) == 0 {
			bad("actions[%d]: propose at least one action", i)
		}
		for _, p := range a.Propose {
			ok := p == ActionPatrol
			if a.When.GaugeKind == "" {
				ok = p == ActionEvacuate || p == ActionPreposition
			}
			if !ok {
				bad("actions[%d]: %q cannot be proposed by this kind of rule", i, p)
			}
		}
		if k := a.When.GaugeKind; k != "" && k != "reservoir" && k != "river" {
			bad("actions[%d]: gauge_kind %q is not reservoir or river", i, k)
		}
	}
	return errors.Join(errs...)
}
