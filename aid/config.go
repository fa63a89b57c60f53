package aid

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/floodcmd/floodcmd/events"
)

// ConfigFile is the town's mutual-aid policy inside a scenario folder (optional).
const ConfigFile = "aid.json"

// DefaultKeepHome is how many available town-tier responders (reserve not
// counted) always stay home when the town lends: a town never strips itself.
const DefaultKeepHome = 10

// Config is a town's mutual-aid policy.
type Config struct {
	// Neighbours are asked in this order; default: neighbours.geojson's order.
	Neighbours []string `json:"neighbours"`
	// Auto asks the first neighbour as soon as the dispatcher finds the town
	// cannot cover an incident (aid.needed); default true. Off, only an
	// operator's request_aid asks.
	Auto *bool `json:"auto,omitempty"`
	// KeepHome: at least this many available town-tier responders stay home.
	KeepHome *int `json:"keep_home,omitempty"`
	// AnswerWithinMinutes: a neighbour that has not answered a request in this
	// long is passed over and the next one asked; default 10.
	AnswerWithinMinutes *int `json:"answer_within_minutes,omitempty"`
	// HorizonMinutes: no aid is asked for units of a capability the town's own
	// will free within this long (their assignment's travel plus job_minutes); default 15.
	HorizonMinutes *int `json:"horizon_minutes,omitempty"`
	// JobMinutes: how long an assignment is expected to keep a unit once there; default 60.
	JobMinutes *int `json:"job_minutes,omitempty"`
}

// Defaults of the shortfall policy.
const (
	DefaultHorizon = 15 * time.Minute
	DefaultJob     = 60 * time.Minute
	// updateEvery: a request still unanswered is updated (EDXL-RM allows
	// updating a request) at most this often as the shortfall grows or shrinks.
	updateEvery = time.Minute
	// askAgainAfter: a neighbour whose request for a capability ended
	// (declined, withdrawn, released) is not asked for it again sooner.
	askAgainAfter = 30 * time.Minute
)

func minutesOr(m *int, d time.Duration) time.Duration {
	if m == nil {
		return d
	}
	return time.Duration(*m) * time.Minute
}

// Horizon is how far ahead the town counts its own units coming free.
func (c Config) Horizon() time.Duration { return minutesOr(c.HorizonMinutes, DefaultHorizon) }

// Job is how long an assignment is expected to keep a unit once there.
func (c Config) Job() time.Duration { return minutesOr(c.JobMinutes, DefaultJob) }

// DefaultAnswerWithin is how long a request waits for an answer before the next neighbour is asked.
const DefaultAnswerWithin = 10 * time.Minute

// AnswerWithin is how long a request waits for an answer.
func (c Config) AnswerWithin() time.Duration {
	return minutesOr(c.AnswerWithinMinutes, DefaultAnswerWithin)
}

// AutoAsk reports whether the town asks neighbours by itself.
func (c Config) AutoAsk() bool { return c.Auto == nil || *c.Auto }

// Home is the number of available town-tier responders that never leave.
func (c Config) Home() int {
	if c.KeepHome == nil {
		return DefaultKeepHome
	}
	return *c.KeepHome
}

// LoadConfig reads aid.json from a scenario folder, or derives the policy
// from the neighbours (neighbours.geojson's order) when there is none.
func LoadConfig(fsys fs.FS, neighbours []string) (Config, error) {
	var c Config
	raw, err := fs.ReadFile(fsys, ConfigFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return c, err
	default:
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("%s: %w", ConfigFile, err)
		}
	}
	if c.Neighbours == nil {
		c.Neighbours = neighbours
	}
	return c, c.validate()
}

// validate refuses a policy the town could not follow.
func (c Config) validate() error {
	for _, n := range c.Neighbours {
		if !events.ValidSlug(n) {
			return fmt.Errorf("%s: neighbour %q is not a town slug", ConfigFile, n)
		}
	}
	if c.KeepHome != nil && *c.KeepHome < 0 {
		return fmt.Errorf("%s: keep_home must not be negative", ConfigFile)
	}
	for _, m := range []struct {
		name string
		v    *int
	}{{"answer_within_minutes", c.AnswerWithinMinutes}, {"horizon_minutes", c.HorizonMinutes}, {"job_minutes", c.JobMinutes}} {
		if m.v != nil && *m.v < 0 {
			return fmt.Errorf("%s: %s must not be negative", ConfigFile, m.name)
		}
	}
	return nil
}
