package aid

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/events"
)

// Decision is an aid message the state calls for: Kind is the inbox kind
// (request, response, commit, status, release) and Aid the message. The
// engine records it on flood.<town>.out.aid.<kind> as events.AidKinds[Kind].
type Decision struct {
	Kind string
	Aid  events.Aid
}

// Decide returns the aid messages the state calls for at now — answers and
// commitments to approved requests, requests for what incidents still lack,
// guests' reports owed home, and releases — in a deterministic order. It does
// not change the state; tt routes lent responders to the requesting town.
func (a *State) Decide(now time.Time, tt dispatch.TravelTimer) []Decision {
	var out []Decision
	add := func(kind string, m events.Aid) { out = append(out, Decision{Kind: kind, Aid: m}) }
	items := a.sorted()
	// One lending a round: every lending is chosen from the responders at home
	// in the state as folded, so a second one in the same round could pick the
	// first one's and be void when folded. Later approvals wait for the next
	// round, which the folded commit triggers at once.
	lent := false
	for _, it := range items {
		if it.Direction != In {
			continue
		}
		if lent && (it.State == Requested && it.Approved > 0 && !it.declined || it.State == Responded) {
			continue
		}
		base := events.Aid{Request: it.Request, From: a.town, To: it.Town, Incident: it.Incident, Operator: it.Operator}
		switch {
		case it.State == Requested && it.declined:
			m := base
			m.Answer, m.Reason = events.AidDecline, "operator "+it.Operator+" declined: "+it.why
			add(events.AidKindResponse, m)
		case it.State == Requested && it.Approved > 0:
			picks := a.lendable(it, it.Approved, tt)
			m := base
			m.Count = len(picks)
			switch {
			case len(picks) == 0:
				m.Answer = events.AidDecline
				m.Reason = fmt.Sprintf("approved %d by %s, but no free town-tier responder with %s can go without leaving fewer than %d home (reserve kept)",
					it.Approved, it.Operator, events.AidSummary(it.Needs), a.cfg.Home())
			case len(picks) < it.Approved:
				m.Answer = events.AidPartial
				m.Reason = fmt.Sprintf("approved %d by %s; %d with %s can go without leaving fewer than %d town-tier responders home",
					it.Approved, it.Operator, len(picks), events.AidSummary(it.Needs), a.cfg.Home())
			default:
				m.Answer = events.AidAccept
				m.Reason = fmt.Sprintf("approved %d of %d by %s", it.Approved, it.Asked, it.Operator)
			}
			if q := quiet(picks); q > 0 {
				m.Reason += fmt.Sprintf("; %d of them let their last assignment time out and have not answered since (无应答)", q)
			}
			add(events.AidKindResponse, m)
			if len(picks) > 0 {
				add(events.AidKindCommit, a.commitOf(base, it, picks))
				lent = true
			}
		case it.State == Responded && it.Committed == 0 && it.Answer != events.AidDecline && it.Offered > 0:
			// The answer is in the log but the commit is not: the engine stopped
			// between the two appends. Commit what was offered, as it would have.
			if picks := a.lendable(it, it.Offered, tt); len(picks) > 0 {
				add(events.AidKindCommit, a.commitOf(base, it, picks))
				lent = true
			}
		}
	}
	a.decideRequests(now, add)
	for _, r := range a.reports {
		add(events.AidKindStatus, r)
	}
	for _, it := range items {
		if it.Direction != Out || (it.State != Committed && it.State != Deployed) {
			continue
		}
		reason := ""
		switch {
		case it.release:
			reason = "released by operator " + it.Operator + ": " + it.why
		case it.Incident != "" && !a.dispatch.IncidentOpen(it.Incident):
			reason = "incident " + it.Incident + " is closed"
		default:
			continue
		}
		add(events.AidKindRelease, events.Aid{Request: it.Request, From: a.town, To: it.Town, Incident: it.Incident,
			Operator: it.Operator, Reason: reason})
	}
	return out
}

// lendable picks up to count of the town's responders for a request's needs,
// never going below the reserve.
func (a *State) lendable(it *item, count int, tt dispatch.TravelTimer) []dispatch.LendChoice {
	var needs []dispatch.Need
	for _, n := range it.Needs {
		needs = append(needs, dispatch.Need{Capability: dispatch.Capability(n.Capability), Count: n.Count})
	}
	return a.dispatch.ChooseLend(needs, orb.Point{it.Lon, it.Lat}, count, a.cfg.Home(), tt)
}

// commitOf is the CommitResource message lending picks to a request.
func (a *State) commitOf(base events.Aid, it *item, picks []dispatch.LendChoice) events.Aid {
	c := base
	for _, p := range picks {
		r := p.Responder
		caps := make([]string, len(r.Capabilities))
		for i, x := range r.Capabilities {
			caps[i] = string(x)
		}
		c.Responders = append(c.Responders, events.AidResponder{ID: r.ID, Name: r.Name, NameEn: r.NameEn, Tier: string(r.Tier),
			Capabilities: caps, HomeTown: a.town, Phone: r.Phone, Lat: p.At.Lat(), Lon: p.At.Lon(), Covers: string(p.Capability)})
	}
	c.Reason = fmt.Sprintf("nearest by road for %s", events.AidSummary(it.Needs))
	return c
}

// quiet counts the picks marked no_answer at home.
func quiet(picks []dispatch.LendChoice) int {
	n := 0
	for _, p := range picks {
		if p.NoAnswer {
			n++
		}
	}
	return n
}
