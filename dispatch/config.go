package dispatch

import (
	"fmt"
	"time"
)

// AidPolicy says when the town asks its neighbours for help.
type AidPolicy struct {
	// MaxPriority: aid.needed is emitted only for incidents of this priority or
	// more urgent (1 = only the most urgent; NumPriorities = every incident).
	MaxPriority int `json:"max_priority"`
}

// Config tunes the dispatcher; every field is data a town may change (most
// of them in its scenario's dispatch.json: ParseConfigFile).
type Config struct {
	// AckTimeout: an assignment not accepted within this time of its creation times out.
	AckTimeout time.Duration `json:"ack_timeout"`
	Triage     TriageRules   `json:"triage"`
	// PriorityWeight multiplies travel seconds of a slot of that priority in the
	// optimiser's objective (1:8, 2:4, 3:2, 4:1 by default).
	PriorityWeight map[int]float64 `json:"priority_weight"`
	// TownTierPriority: incidents of this priority or more urgent get town-tier
	// responders at once (大事不出镇); others only when their village cannot cover.
	TownTierPriority int `json:"town_tier_priority"`
	// ReserveOnlyPriority: reserve responders go only to incidents of this priority or more urgent.
	ReserveOnlyPriority int `json:"reserve_only_priority"`
	// OtherVillages lets village-tier responders leave their own village (after
	// own-village ones, as the town tier). Off by default: they guard their own village.
	OtherVillages bool      `json:"other_villages"`
	AidPolicy     AidPolicy `json:"aid_policy"`
	// Candidates is the initial number k of nearest eligible responders each
	// need-slot considers at province scale; it widens when a slot stays unfilled.
	Candidates int `json:"candidates"`
	// ExactBelow: when a slot has at most this many eligible responders they are
	// all candidates, so a town-sized instance is solved to the exact optimum.
	ExactBelow int `json:"exact_below"`
	// RarePriceS prices spending a scarce capability on a slot of another one:
	// RarePriceS / (free holders) seconds per scarce capability carried (see optimise.go).
	RarePriceS float64 `json:"rare_price_s"`
	// ChurnWindow: a responder moved off work (pre-empted, swapped,
	// re-planned or diverted) is not moved again within this long, unless a
	// priority-1 slot needs them.
	ChurnWindow time.Duration `json:"churn_window"`
	// SwapPriority: the swap chain and the divert re-plan work for empty
	// slots of this priority or more urgent (each attempt is one more
	// assignment problem, and each responder moved is held by ChurnWindow).
	SwapPriority int `json:"swap_priority"`
	// RebalanceGainS: when new work arrives, responders not yet left for
	// theirs are re-planned to work at least as urgent, someone else taking
	// their place, if that saves more than this many seconds of travel per
	// responder moved (at the work's priority weight); 0 turns it off (see
	// rebalance.go).
	RebalanceGainS float64 `json:"rebalance_gain_s"`
	// RebalanceWithin: only assignments made within this long are re-planned;
	// a responder who has not said en_route by then may have left without
	// saying so, and their position is no longer known.
	RebalanceWithin time.Duration `json:"rebalance_within"`
	// RedirectFresh: a responder already on the way whose position was
	// reported within this long joins the same re-plan, from where they
	// are (redirected_on_the_way); 0 re-plans only those not yet left.
	RedirectFresh time.Duration `json:"redirect_fresh"`
	// DivertGainS: a new slot of SwapPriority or more urgent that stays
	// empty (nobody free, no pre-emption, no swap chain) takes a responder
	// on work of the same priority and capability who has not left yet (or
	// is on the way, position fresh) and reaches it sooner by more than this
	// many seconds, when the incident they leave keeps another responder and
	// never lost one to a divert before; 0 turns it off (see divert.go).
	DivertGainS float64 `json:"divert_gain_s"`
}

// DefaultConfig is the township policy as Duhu states it.
func DefaultConfig() Config {
	return Config{
		AckTimeout:          60 * time.Second,
		Triage:              DefaultTriageRules(),
		PriorityWeight:      map[int]float64{1: 8, 2: 4, 3: 2, 4: 1},
		TownTierPriority:    1,
		ReserveOnlyPriority: 1,
		AidPolicy:           AidPolicy{MaxPriority: NumPriorities},
		Candidates:          16,
		ExactBelow:          512,
		RarePriceS:          3600,
		ChurnWindow:         5 * time.Minute,
		SwapPriority:        2,
		RebalanceGainS:      60, // on since 2 December: bounded to about 1.5× the round's road searches (rebalance.go)
		RebalanceWithin:     2 * time.Minute,
		RedirectFresh:       30 * time.Second,
		DivertGainS:         60,
	}
}

// Validate reports the first problem that would make dispatching ill-defined.
func (c Config) Validate() error {
	if c.AckTimeout <= 0 {
		return fmt.Errorf("config: ack_timeout must be positive")
	}
	for p := 1; p <= NumPriorities; p++ {
		if w := c.PriorityWeight[p]; !(w > 0) {
			return fmt.Errorf("config: priority_weight for priority %d must be positive", p)
		}
	}
	if c.Candidates < 1 {
		return fmt.Errorf("config: candidates must be at least 1")
	}
	return c.Triage.Validate()
}
