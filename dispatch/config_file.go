package dispatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"time"
)

// configFile is a town's dispatch policy as a scenario's dispatch.json
// states it: every field optional (a missing one keeps DefaultConfig's),
// times in seconds, so that a town can change its policy, or refuse one of
// the re-plans, without a build. The triage rules, the candidate bounds and
// the ack time-out (a flag of serve) are not in it.
type configFile struct {
	Note                *string            `json:"note"`
	PriorityWeight      map[string]float64 `json:"priority_weight"`
	TownTierPriority    *int               `json:"town_tier_priority"`
	ReserveOnlyPriority *int               `json:"reserve_only_priority"`
	OtherVillages       *bool              `json:"other_villages"`
	AidMaxPriority      *int               `json:"aid_max_priority"`
	RarePriceS          *float64           `json:"rare_price_s"`
	ChurnWindowS        *float64           `json:"churn_window_s"`
	SwapPriority        *int               `json:"swap_priority"`
	RebalanceGainS      *float64           `json:"rebalance_gain_s"`
	RebalanceWithinS    *float64           `json:"rebalance_within_s"`
	RedirectFreshS      *float64           `json:"redirect_fresh_s"`
	DivertGainS         *float64           `json:"divert_gain_s"`
}

// ParseConfigFile reads a town's dispatch.json over base and checks it. An
// unknown field is an error, so a misspelt figure is not silently replaced
// by the default; so is a figure out of its range.
func ParseConfigFile(raw []byte, base Config) (Config, error) {
	var f configFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return base, fmt.Errorf("%w: dispatch config: %v", ErrInvalid, err)
	}
	c := base
	c.PriorityWeight = maps.Clone(base.PriorityWeight) // the base's own map stays as it is
	for k, w := range f.PriorityWeight {
		p, err := strconv.Atoi(k)
		if err != nil || p < 1 || p > NumPriorities {
			return base, fmt.Errorf("%w: dispatch config: priority_weight: %q is not a priority 1 to %d", ErrInvalid, k, NumPriorities)
		}
		c.PriorityWeight[p] = w
	}
	priority := func(name string, v *int, to *int) error {
		if v == nil {
			return nil
		}
		if *v < 1 || *v > NumPriorities {
			return fmt.Errorf("%w: dispatch config: %s %d is not a priority 1 to %d", ErrInvalid, name, *v, NumPriorities)
		}
		*to = *v
		return nil
	}
	seconds := func(name string, v *float64, set func(float64)) error {
		if v == nil {
			return nil
		}
		if !(*v >= 0) || *v > 24*3600 {
			return fmt.Errorf("%w: dispatch config: %s %v must be between 0 and 86400 seconds", ErrInvalid, name, *v)
		}
		set(*v)
		return nil
	}
	dur := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	for _, err := range []error{
		priority("town_tier_priority", f.TownTierPriority, &c.TownTierPriority),
		priority("reserve_only_priority", f.ReserveOnlyPriority, &c.ReserveOnlyPriority),
		priority("aid_max_priority", f.AidMaxPriority, &c.AidPolicy.MaxPriority),
		priority("swap_priority", f.SwapPriority, &c.SwapPriority),
		seconds("rare_price_s", f.RarePriceS, func(s float64) { c.RarePriceS = s }),
		seconds("churn_window_s", f.ChurnWindowS, func(s float64) { c.ChurnWindow = dur(s) }),
		seconds("rebalance_gain_s", f.RebalanceGainS, func(s float64) { c.RebalanceGainS = s }),
		seconds("rebalance_within_s", f.RebalanceWithinS, func(s float64) { c.RebalanceWithin = dur(s) }),
		seconds("redirect_fresh_s", f.RedirectFreshS, func(s float64) { c.RedirectFresh = dur(s) }),
		seconds("divert_gain_s", f.DivertGainS, func(s float64) { c.DivertGainS = s }),
	} {
		if err != nil {
			return base, err
		}
	}
	if f.OtherVillages != nil {
		c.OtherVillages = *f.OtherVillages
	}
	if err := c.Validate(); err != nil {
		return base, fmt.Errorf("%w: dispatch %v", ErrInvalid, err)
	}
	return c, nil
}
