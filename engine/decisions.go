package engine

import (
	"fmt"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/warning"
)

// The engine knows the domain packages' decision types, so it binds them to
// the contract's registry (events.Decisions): the store and the board decode
// a decision through the registry into the type its owner folds.
func init() {
	events.BindDecision(func(d *dispatch.Decision) events.Refs {
		return events.Refs{Incident: d.Incident, Assignment: d.Assignment, Responder: d.Responder}
	}, events.TypeAssignmentCreated, events.TypeAssignmentCancelled, events.TypeAssignmentTimedOut,
		events.TypeIncidentResolved, events.TypeAidNeeded)
	events.BindDecision(func(d *evac.Decision) events.Refs {
		return events.Refs{Household: d.Household, Run: d.Run, Order: d.Order, Shelter: d.Shelter}
	}, events.TypeEvacAssigned, events.TypeEvacReassigned, events.TypeEvacUnassigned, events.TypeEvacEscortNeeded)
	events.BindDecision(func(c *warning.Change) events.Refs {
		return events.Refs{Warning: c.ID, Level: c.Level}
	}, events.TypeWarningIssued, events.TypeWarningLowered, events.TypeWarningCleared, events.TypeGaugeSilent,
		events.TypeActionProposed)
	events.BindDecision(func(v *Voided) events.Refs {
		return events.Refs{Voids: v.Voids, Assignment: v.Assignment, Incident: v.Incident, Responder: v.Responder}
	}, events.TypeDecisionVoided)
	events.BindDecision(func(*RoundDecided) events.Refs { return events.Refs{} }, events.TypeRoundDecided)
}

// foldAs reads ev's data as its registered Go type T and folds it with apply.
func foldAs[T any](spec *events.DecisionSpec, ev events.Event, apply func(T) error) error {
	v, err := spec.Decode(ev)
	if err != nil {
		return err
	}
	t, ok := v.(*T)
	if !ok {
		return fmt.Errorf("decision %s: type %s carries %T, not %T", ev.ID, ev.Type, v, t)
	}
	return apply(*t)
}

// emitter returns the function that appends an owner's decision of a kind to
// out through the registry: its contract type and subject come from there.
// A kind nobody registered is not appended (TestEveryDecisionKindIsRegistered
// keeps that from happening): a decision the fold would not recognise must
// not reach the log.
func (d *Domain) emitter(add func(subject, typ string, data any)) func(owner events.Owner, kind string, data any) {
	return func(owner events.Owner, kind string, data any) {
		spec, ok := events.DecisionOf(owner, kind)
		if !ok {
			d.unregistered++
			return
		}
		add(spec.SubjectFor(d.town, data), spec.Type, data)
	}
}
