package dispatch

import "math"

// Reason codes of the dispatcher's decisions (Decision.ReasonCode).
const (
	CodeVillageFirst = "village_first"                 // 小事不出村: the incident's own village squad
	CodeTownTierP1   = "town_tier_priority1"           // 大事不出镇: town tier joins at once
	CodeReserveP1    = "reserve_priority1"             // the reserve, kept for priority 1
	CodeNearest      = "nearest_available"             // the village cannot cover: the nearest who can
	CodePreempted    = "preempted_for_higher_priority" // taken off lower-priority work
	CodeSwap         = "swap_fills_empty_slot"         // moved among equal-priority work to fill an empty slot
	CodeRebalance    = "rebalanced_before_leaving"     // not yet left: re-planned to work at least as urgent for less travel
	CodeRedirect     = "redirected_on_the_way"         // on the way, position fresh: re-planned to work at least as urgent for less travel
	CodeDivert       = "diverted_to_nearer_call"       // same priority, far nearer; the incident left keeps another responder
	CodeRareKept     = "rare_capability_kept"          // a nearer unit was kept for its scarce capability
	CodeAidNeeded    = "aid_needed"                    // nobody in town can cover
	CodeTimeout      = "timeout"                       // not accepted within the ack time-out
	CodeOperator     = "operator"                      // an operator's instruction
	CodeResolved     = "resolved"                      // every need met and done
)

// price is the extra seconds of sending r for capability c: RarePriceS over
// the free holders of each other capability r carries (see optimise.go).
func (p *plan) price(r *responderState, c Capability) float64 {
	s := 0.0
	for _, x := range r.Capabilities {
		if x != c && p.holders[x] > 0 {
			s += p.d.cfg.RarePriceS / float64(p.holders[x])
		}
	}
	return s
}

// scarcest is the capability of r, other than c, that fewest free units have.
func (p *plan) scarcest(r *responderState, c Capability) Capability {
	var best Capability
	n := math.MaxInt
	for _, x := range r.Capabilities {
		if x != c && p.holders[x] < n {
			best, n = x, p.holders[x]
		}
	}
	return best
}

// keptRare returns a candidate nearer than the one matched that the price
// kept free for its scarce capability (nil if the nearest went, or the nearer
// one went elsewhere).
func (p *plan) keptRare(pl *pool, m matchResult, matched map[int32]bool) *responderState {
	chosen := pl.members[m.cand.col]
	for _, c := range m.cls.cands {
		r := pl.members[c.col]
		if c.col != m.cand.col && !matched[c.col] && c.eta < m.cand.eta && c.penalty == m.cand.penalty &&
			p.price(r, m.cls.capab) > p.price(chosen, m.cls.capab) {
			return r
		}
	}
	return nil
}

// mayMove reports whether a responder may be taken off their work for a slot
// of priority prio: not twice within ChurnWindow, unless priority 1 needs them.
func (p *plan) mayMove(r *responderState, prio int) bool {
	return prio == 1 || r.movedAt.IsZero() || p.now.Sub(r.movedAt) >= p.d.cfg.ChurnWindow
}
