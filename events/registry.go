package events

import (
	"fmt"
	"reflect"
	"sort"
	"sync"
)

// Owner is the part of the fold a decision type belongs to: the one that made
// it and folds it back.
type Owner string

// Owners of decision types.
const (
	OwnerDispatch Owner = "dispatch"
	OwnerEvac     Owner = "evac"
	OwnerWarning  Owner = "warning"
	OwnerAid      Owner = "aid"
	OwnerEngine   Owner = "engine" // the engine's own records: void notices, round markers
)

// More decision types of contract v1 (the others are in types.go and aid.go).
const (
	TypeWarningIssued  = "flood.warning.issued"
	TypeWarningLowered = "flood.warning.lowered"
	TypeWarningCleared = "flood.warning.cleared"
	TypeGaugeSilent    = "flood.gauge.silent"
	TypeActionProposed = "flood.action.proposed"
	TypeDecisionVoided = "flood.decision.voided"
	TypeRoundDecided   = "flood.round.decided"
)

// Refs are the ids a decision is about, read from its Go data by the accessor
// its owner binds (never by guessing at JSON field names).
type Refs struct {
	Incident   string
	Assignment string
	Responder  string
	Household  string // evacuation: the household, or the first of an escort run
	Run        string // evacuation: an escort run
	Order      string // evacuation order
	Shelter    string
	Warning    string // the warning's (or silent gauge's) id
	Level      string // the warning's level
	Request    string // mutual aid: the request
	Town       string // mutual aid: the town the message is for
	Voids      string // a void notice: the event id of the decision it voids
}

// DecisionSpec is one decision type of the contract: what it is called, who
// owns it, where it is appended, and (once its owner has bound it) the Go type
// of its data and the accessor of its ids.
type DecisionSpec struct {
	Type  string
	Owner Owner
	// Kinds are the owner's names for it (data.type, e.g. dispatch's
	// "aid.needed"); several may share one contract type (evac.retimed is told
	// as flood.evac.reassigned). Empty when the owner has no such name.
	Kinds []string
	// Subject builds the subject the decision is appended to; nil where the
	// caller names it (a void notice goes where the void decision went).
	Subject func(town string, r Refs) string

	mu   sync.RWMutex
	data reflect.Type
	refs func(any) Refs
}

// DataType is the Go type of the decision's data (not a pointer), nil until bound.
func (s *DecisionSpec) DataType() reflect.Type {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data
}

// Decode reads ev's data into a new value of the bound Go type and returns a
// pointer to it (e.g. *dispatch.Decision).
func (s *DecisionSpec) Decode(ev Event) (any, error) {
	t := s.DataType()
	if t == nil {
		return nil, fmt.Errorf("decision type %s: no Go data type bound (import its owner, %s)", s.Type, s.Owner)
	}
	v := reflect.New(t).Interface()
	if err := ev.DecodeData(v); err != nil {
		return nil, fmt.Errorf("decision %s (%s): %w", ev.ID, s.Type, err)
	}
	return v, nil
}

// Refs returns the ids data (the bound type, or a pointer to it as Decode returns) carries.
func (s *DecisionSpec) Refs(data any) Refs {
	s.mu.RLock()
	f := s.refs
	s.mu.RUnlock()
	if f == nil {
		return Refs{}
	}
	return f(data)
}

// SubjectFor is where a decision of this type with data's ids is appended, ""
// when the caller must name it.
func (s *DecisionSpec) SubjectFor(town string, data any) string {
	if s.Subject == nil {
		return ""
	}
	return s.Subject(town, s.Refs(data))
}

// dispatchSubject: an assignment reaches its responder's phone; the rest goes
// to the incident (or aid_needed) channel.
func dispatchSubject(channel string) func(string, Refs) string {
	return func(town string, r Refs) string {
		if r.Responder != "" {
			return AssignmentSubject(town, r.Responder)
		}
		return OutSubject(town, channel)
	}
}

func evacSubject(town string, r Refs) string {
	if r.Run != "" {
		return OutSubject(town, "evac", r.Run)
	}
	return OutSubject(town, "evac", r.Household)
}

func fixedSubject(tokens ...string) func(string, Refs) string {
	return func(town string, _ Refs) string { return OutSubject(town, tokens...) }
}

// decisionSpecs is the registry: every decision type the engine may append.
var decisionSpecs = func() map[string]*DecisionSpec {
	list := []*DecisionSpec{
		{Type: TypeAssignmentCreated, Owner: OwnerDispatch, Kinds: []string{"assignment.created"}, Subject: dispatchSubject("incident")},
		{Type: TypeAssignmentCancelled, Owner: OwnerDispatch, Kinds: []string{"assignment.cancelled"}, Subject: dispatchSubject("incident")},
		{Type: TypeAssignmentTimedOut, Owner: OwnerDispatch, Kinds: []string{"assignment.timed_out"}, Subject: dispatchSubject("incident")},
		{Type: TypeIncidentResolved, Owner: OwnerDispatch, Kinds: []string{"incident.resolved"}, Subject: dispatchSubject("incident")},
		{Type: TypeAidNeeded, Owner: OwnerDispatch, Kinds: []string{"aid.needed"}, Subject: dispatchSubject("aid_needed")},

		{Type: TypeEvacAssigned, Owner: OwnerEvac, Kinds: []string{"evac.assigned"}, Subject: evacSubject},
		{Type: TypeEvacReassigned, Owner: OwnerEvac, Kinds: []string{"evac.reassigned", "evac.retimed"}, Subject: evacSubject},
		{Type: TypeEvacUnassigned, Owner: OwnerEvac, Kinds: []string{"evac.unassigned"}, Subject: evacSubject},
		{Type: TypeEvacEscortNeeded, Owner: OwnerEvac, Kinds: []string{"evac.escort_needed"}, Subject: evacSubject},

		{Type: TypeWarningIssued, Owner: OwnerWarning, Kinds: []string{"warning.issued"}, Subject: fixedSubject("warning")},
		{Type: TypeWarningLowered, Owner: OwnerWarning, Kinds: []string{"warning.lowered"}, Subject: fixedSubject("warning")},
		{Type: TypeWarningCleared, Owner: OwnerWarning, Kinds: []string{"warning.cleared"}, Subject: fixedSubject("warning")},
		{Type: TypeGaugeSilent, Owner: OwnerWarning, Kinds: []string{"gauge.silent"}, Subject: fixedSubject("warning")},
		{Type: TypeActionProposed, Owner: OwnerWarning, Kinds: []string{"action.proposed"}, Subject: fixedSubject("proposal")},

		{Type: TypeAidRequested, Owner: OwnerAid, Kinds: []string{AidKindRequest}, Subject: fixedSubject(ChanAid, AidKindRequest)},
		{Type: TypeAidResponded, Owner: OwnerAid, Kinds: []string{AidKindResponse}, Subject: fixedSubject(ChanAid, AidKindResponse)},
		{Type: TypeAidCommitted, Owner: OwnerAid, Kinds: []string{AidKindCommit}, Subject: fixedSubject(ChanAid, AidKindCommit)},
		{Type: TypeAidStatus, Owner: OwnerAid, Kinds: []string{AidKindStatus}, Subject: fixedSubject(ChanAid, AidKindStatus)},
		{Type: TypeAidReleased, Owner: OwnerAid, Kinds: []string{AidKindRelease}, Subject: fixedSubject(ChanAid, AidKindRelease)},
		{Type: TypeAidDelivered, Owner: OwnerAid, Subject: fixedSubject(ChanAid, "delivered")},

		{Type: TypeDecisionVoided, Owner: OwnerEngine},
		{Type: TypeRoundDecided, Owner: OwnerEngine, Subject: fixedSubject("round")},
	}
	m := make(map[string]*DecisionSpec, len(list))
	for _, s := range list {
		m[s.Type] = s
	}
	return m
}()

// Decision returns the registered spec of a decision type.
func Decision(typ string) (*DecisionSpec, bool) {
	s, ok := decisionSpecs[typ]
	return s, ok
}

// decisionKinds indexes the registry by owner and kind, for Decide's every decision.
var decisionKinds = func() map[Owner]map[string]*DecisionSpec {
	m := map[Owner]map[string]*DecisionSpec{}
	for _, s := range decisionSpecs {
		if m[s.Owner] == nil {
			m[s.Owner] = map[string]*DecisionSpec{}
		}
		for _, k := range s.Kinds {
			m[s.Owner][k] = s
		}
	}
	return m
}()

// DecisionOf returns the spec an owner's decision kind (its data.type) is told as.
func DecisionOf(owner Owner, kind string) (*DecisionSpec, bool) {
	s, ok := decisionKinds[owner][kind]
	return s, ok
}

// Decisions lists every registered decision type, sorted by type.
func Decisions() []*DecisionSpec {
	out := make([]*DecisionSpec, 0, len(decisionSpecs))
	for _, s := range decisionSpecs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// BindDecision gives registered decision types their Go data type T and the
// accessor of the ids a T carries. The owner of T calls it once, at init; a
// type that is not registered, or bound twice to another type, is a
// programming error and panics at start, never on input.
func BindDecision[T any](refs func(*T) Refs, types ...string) {
	t := reflect.TypeFor[T]()
	for _, typ := range types {
		s, ok := decisionSpecs[typ]
		if !ok {
			panic(fmt.Sprintf("events.BindDecision: %s is not a registered decision type (add it to decisionSpecs)", typ))
		}
		s.mu.Lock()
		if s.data != nil && s.data != t {
			s.mu.Unlock()
			panic(fmt.Sprintf("events.BindDecision: %s is bound to %v already, not %v", typ, s.data, t))
		}
		s.data = t
		s.refs = func(v any) Refs {
			switch x := v.(type) {
			case *T:
				if x != nil {
					return refs(x)
				}
			case T:
				return refs(&x)
			}
			return Refs{}
		}
		s.mu.Unlock()
	}
}

// DecodeDecision finds ev's spec and decodes its data; ok is false for a type
// that is not registered (a later version's decision: kept, not folded).
func DecodeDecision(ev Event) (spec *DecisionSpec, data any, ok bool, err error) {
	spec, ok = decisionSpecs[ev.Type]
	if !ok {
		return nil, nil, false, nil
	}
	data, err = spec.Decode(ev)
	return spec, data, true, err
}

// CheckDecision reports what is wrong with a decision appended on subject: a
// type the registry does not know, data that does not decode as its type, or a
// subject other than the one the registry builds for it. Nil when all is well.
func CheckDecision(town, subject string, ev Event) error {
	spec, data, ok, err := DecodeDecision(ev)
	switch {
	case !ok:
		return fmt.Errorf("decision %s on %s: type %s is not a registered decision type", ev.ID, subject, ev.Type)
	case err != nil:
		return err
	case spec.Subject == nil:
		return nil // the caller names the subject (a void notice goes where the void decision went)
	}
	if want := spec.SubjectFor(town, data); want != subject {
		return fmt.Errorf("decision %s (%s) appended on %s; the registry says %s", ev.ID, ev.Type, subject, want)
	}
	return nil
}

func init() {
	// The contract's own data types are bound here; the domain packages' are
	// bound by the engine, which knows them.
	BindDecision(func(a *Aid) Refs {
		return Refs{Request: a.Request, Town: a.To, Incident: a.Incident, Responder: a.Responder, Assignment: a.Assignment}
	}, TypeAidRequested, TypeAidResponded, TypeAidCommitted, TypeAidStatus, TypeAidReleased)
	BindDecision(func(*AidDelivered) Refs { return Refs{} }, TypeAidDelivered)
}
