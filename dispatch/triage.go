package dispatch

import "fmt"

// NumPriorities is how many priority levels there are: 1 (most urgent) … 4.
const NumPriorities = 4

// Need is a number of units of one capability an incident calls for.
type Need struct {
	Capability Capability `json:"capability"`
	Count      int        `json:"count"`
}

// Triage is what the rules make of an incident: how urgent and what it needs.
type Triage struct {
	Priority int    `json:"priority"`
	Needs    []Need `json:"needs"`
	Rule     string `json:"rule"` // name of the rule that matched, for the operator
}

// NeedRule turns an incident into a Need: Count + ceil(people/PerPeople)
// units (the second term only when PerPeople > 0), at least Min.
type NeedRule struct {
	Capability Capability `json:"capability"`
	Count      int        `json:"count"`
	PerPeople  int        `json:"per_people,omitempty"`
	Min        int        `json:"min,omitempty"`
}

// TriageRule matches incidents by kind and number of people.
type TriageRule struct {
	Name string `json:"name"`
	// Kinds this rule applies to; empty means any kind (a catch-all).
	Kinds []string `json:"kinds,omitempty"`
	// MinPeople: the rule applies only when at least this many people are involved.
	MinPeople int        `json:"min_people,omitempty"`
	Priority  int        `json:"priority"`
	Needs     []NeedRule `json:"needs"`
}

// TriageRules are data, loadable from JSON: the first rule that matches wins.
type TriageRules struct {
	Rules []TriageRule `json:"rules"`
	// SeverityRaises lets a reporter's severity make an incident more urgent
	// than its rule says (never less: a calm reporter must not hide a breach).
	SeverityRaises bool `json:"severity_raises"`
}

// DefaultTriageRules are a starting point for a coastal township; towns tune them as data.
func DefaultTriageRules() TriageRules {
	n := func(c Capability, count, per int) NeedRule {
		return NeedRule{Capability: c, Count: count, PerPeople: per, Min: 1}
	}
	return TriageRules{SeverityRaises: true, Rules: []TriageRule{
		// six people to a rescue boat, one medic per scene
		{Name: "trapped-people", Kinds: []string{KindTrapped}, MinPeople: 1, Priority: 1, Needs: []NeedRule{n(CapRescueBoat, 0, 6), n(CapMedical, 1, 0)}},
		{Name: "trapped", Kinds: []string{KindTrapped}, Priority: 1, Needs: []NeedRule{n(CapRescueBoat, 1, 0), n(CapMedical, 1, 0)}},
		{Name: "dike-breach", Kinds: []string{KindDikeBreach}, Priority: 1, Needs: []NeedRule{n(CapMachinery, 2, 0), n(CapPatrol, 2, 0)}},
		{Name: "reservoir", Kinds: []string{KindReservoir}, Priority: 1, Needs: []NeedRule{n(CapPatrol, 2, 0), n(CapMachinery, 1, 0)}},
		{Name: "landslide-people", Kinds: []string{KindLandslide}, MinPeople: 1, Priority: 1, Needs: []NeedRule{n(CapMachinery, 1, 0), n(CapMedical, 1, 0), n(CapEvacuation, 0, 30)}},
		{Name: "landslide", Kinds: []string{KindLandslide}, Priority: 2, Needs: []NeedRule{n(CapMachinery, 1, 0), n(CapPatrol, 1, 0)}},
		// one evacuation team per thirty residents, as the grids are staffed
		{Name: "evacuation", Kinds: []string{KindEvacuation}, Priority: 2, Needs: []NeedRule{n(CapEvacuation, 0, 30)}},
		{Name: "dangerous-house-people", Kinds: []string{KindDangerousHouse}, MinPeople: 1, Priority: 2, Needs: []NeedRule{n(CapEvacuation, 0, 30)}},
		{Name: "dangerous-house", Kinds: []string{KindDangerousHouse}, Priority: 3, Needs: []NeedRule{n(CapPatrol, 1, 0)}},
		{Name: "flooding-people", Kinds: []string{KindFlooding}, MinPeople: 1, Priority: 2, Needs: []NeedRule{n(CapEvacuation, 0, 30), n(CapDrainage, 1, 0)}},
		{Name: "flooding", Kinds: []string{KindFlooding}, Priority: 3, Needs: []NeedRule{n(CapDrainage, 1, 0), n(CapPatrol, 1, 0)}},
		{Name: "blocked-channel", Kinds: []string{KindBlockedChannel}, Priority: 3, Needs: []NeedRule{n(CapDrainage, 2, 0), n(CapMachinery, 1, 0)}},
		{Name: "road-flooded", Kinds: []string{KindRoadFlooded}, Priority: 4, Needs: []NeedRule{n(CapPatrol, 1, 0)}},
		{Name: "other", Priority: 4, Needs: []NeedRule{n(CapPatrol, 1, 0)}},
	}}
}

// Validate checks that every rule can produce a priority and needs, and that a catch-all exists.
func (tr TriageRules) Validate() error {
	catchAll := false
	for i, r := range tr.Rules {
		if r.Priority < 1 || r.Priority > NumPriorities {
			return fmt.Errorf("triage rule %d (%s): priority %d not in 1..%d", i, r.Name, r.Priority, NumPriorities)
		}
		for _, n := range r.Needs {
			if n.Capability == "" || n.Count < 0 || n.PerPeople < 0 || n.Min < 0 {
				return fmt.Errorf("triage rule %d (%s): bad need %+v", i, r.Name, n)
			}
		}
		if len(r.Kinds) == 0 && r.MinPeople == 0 {
			catchAll = true
		}
	}
	if !catchAll {
		return fmt.Errorf("triage rules need a catch-all rule (no kinds, no min_people) so no incident goes untriaged")
	}
	return nil
}

// Apply triages one incident. Needs of zero units are dropped.
func (tr TriageRules) Apply(inc Incident) Triage {
	for _, r := range tr.Rules {
		if !r.matches(inc) {
			continue
		}
		t := Triage{Priority: r.Priority, Rule: r.Name}
		if tr.SeverityRaises && inc.Severity >= 1 && inc.Severity < t.Priority {
			t.Priority = inc.Severity
		}
		for _, nr := range r.Needs {
			c := nr.Count
			if nr.PerPeople > 0 && inc.People > 0 {
				c += (inc.People + nr.PerPeople - 1) / nr.PerPeople
			}
			c = max(c, nr.Min)
			if c > 0 {
				t.Needs = mergeNeed(t.Needs, Need{Capability: nr.Capability, Count: c})
			}
		}
		return t
	}
	return Triage{Priority: NumPriorities, Rule: "none"}
}

func (r TriageRule) matches(inc Incident) bool {
	if inc.People < r.MinPeople {
		return false
	}
	if len(r.Kinds) == 0 {
		return true
	}
	for _, k := range r.Kinds {
		if k == inc.Kind {
			return true
		}
	}
	return false
}

// mergeNeed adds n to needs, summing with an existing need of the same capability.
func mergeNeed(needs []Need, n Need) []Need {
	for i := range needs {
		if needs[i].Capability == n.Capability {
			needs[i].Count += n.Count
			return needs
		}
	}
	return append(needs, n)
}
