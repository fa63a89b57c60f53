package warning

import (
	"fmt"
	"slices"
	"time"

	"github.com/floodcmd/floodcmd/geo"
)

// Apply folds a recorded change (one that Evaluate made, read back from the
// log). Folding the same change twice leaves the same state.
func (w *Warnings) Apply(c Change) error {
	switch c.Type {
	case ChangeIssued, ChangeLowered:
		if err := checkLevel(c.Level, false); err != nil {
			return err
		}
		if err := w.checkTarget(c.Scope, c.ID); err != nil {
			return err
		}
		k := key(c.Scope, c.ID, c.Kind)
		a := w.active[k]
		if a == nil {
			a = &Warning{Kind: c.Kind, Scope: c.Scope, ID: c.ID, Issued: c.Time}
			w.active[k] = a
		}
		a.Level, a.Source, a.Since, a.Evidence = c.Level, c.Source, c.Time, slices.Clone(c.Evidence)
		w.rearm(c.Scope, c.ID, c.Level)
		w.capRecord(c)
	case ChangeCleared:
		if err := w.checkTarget(c.Scope, c.ID); err != nil {
			return err
		}
		delete(w.active, key(c.Scope, c.ID, c.Kind))
		w.capRecord(c)
		if c.Kind != KindSilent {
			w.rearm(c.Scope, c.ID, None)
		}
	case ChangeSilent:
		st, err := w.gauge(c.ID, geo.GaugeRain)
		if err != nil {
			return err
		}
		last := st.lastAt
		w.active[key(ScopeGauge, c.ID, KindSilent)] = &Warning{Kind: KindSilent, Scope: ScopeGauge, ID: c.ID,
			Level: c.Level, Source: SourceRules, Issued: c.Time, Since: c.Time, Evidence: slices.Clone(c.Evidence), LastReading: &last}
	case ChangeProposed:
		if c.Proposal == nil || c.Proposal.ID == "" {
			return fmt.Errorf("%w: %s without a proposal", ErrInvalid, c.Type)
		}
		p := *c.Proposal
		p.Grids = slices.Clone(p.Grids)
		w.proposals[p.ID] = &p
		target := p.Village
		if p.Gauge != "" {
			target = p.Gauge
		}
		w.armed[armKey(p.Rule, p.Action, target)] = p.ID
	default:
		return fmt.Errorf("%w: change type %q", ErrInvalid, c.Type)
	}
	return nil
}

// checkTarget insists that a change names a gauge, village or grid of the town.
func (w *Warnings) checkTarget(scope, id string) error {
	var ok bool
	switch scope {
	case ScopeGauge:
		_, ok = w.gauges[id]
	case ScopeVillage:
		_, ok = w.villageByID[id]
	case ScopeGrid:
		_, ok = w.gridVillage[id]
	default:
		return fmt.Errorf("%w: scope %q", ErrInvalid, scope)
	}
	if !ok {
		return fmt.Errorf("%w: %s %q", ErrNotFound, scope, id)
	}
	return nil
}

// rearm lets a rule fire again for a target whose level fell below the rule's.
func (w *Warnings) rearm(scope, id, level string) {
	for _, rule := range w.cfg.Actions {
		if (rule.When.GaugeKind != "") != (scope == ScopeGauge) || Rank(level) >= Rank(rule.When.Level) {
			continue
		}
		for _, action := range rule.Propose {
			delete(w.armed, armKey(rule.ID, action, id))
		}
	}
}

// Approve records an operator's approval of a pending proposal.
func (w *Warnings) Approve(proposal, operator string, t time.Time) error {
	return w.decide(proposal, operator, t, StatusApproved)
}

// Dismiss records an operator's refusal of a pending proposal.
func (w *Warnings) Dismiss(proposal, operator string, t time.Time) error {
	return w.decide(proposal, operator, t, StatusDismissed)
}

func (w *Warnings) decide(id, operator string, t time.Time, status string) error {
	p, ok := w.proposals[id]
	if !ok {
		return fmt.Errorf("%w: proposal %q", ErrNotFound, id)
	}
	if operator == "" {
		return fmt.Errorf("%w: an operator must be named", ErrInvalid)
	}
	if p.Status != StatusPending {
		return fmt.Errorf("%w: proposal %s is already %s", ErrConflict, id, p.Status)
	}
	p.Status, p.Operator, p.DecidedAt = status, operator, &t
	return nil
}
