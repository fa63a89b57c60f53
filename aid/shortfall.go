package aid

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/events"
)

// decideRequests asks neighbours: an operator's request_aid for its incident
// alone (decideManual), what the dispatcher found lacking once per capability
// and neighbour (decideShortfalls).
func (a *State) decideRequests(now time.Time, add func(kind string, m events.Aid)) {
	wants := a.sortedWants()
	sent := a.sent
	a.decideManual(now, wants, &sent, add)
	a.decideShortfalls(now, wants, &sent, add)
}

// requestID is the id of this town's n-th request.
func (a *State) requestID(n int) string { return fmt.Sprintf("%s-aid-%d", a.town, n) }

// decideManual asks the next neighbour for what an operator asked for an
// incident once every earlier request about it has been answered.
func (a *State) decideManual(now time.Time, wants []*want, sent *int, add func(kind string, m events.Aid)) {
	for _, w := range wants {
		if !w.manual || !a.dispatch.IncidentOpen(w.incident) {
			continue
		}
		covered := map[string]int{}
		waiting := false
		for _, it := range a.items {
			if it.Direction != Out || it.Incident != w.incident {
				continue
			}
			switch {
			case it.State == Requested && unanswered(it, now, a.cfg.AnswerWithin()):
				continue // no answer in time: the next neighbour is asked for it
			case it.State == Requested:
				waiting = true
			case it.State == Declined || it.State == Released || it.State == Pending:
				continue
			}
			give := it.Offered
			if it.State == Requested {
				give = it.Asked
			}
			for _, n := range it.Needs {
				k := min(give, n.Count)
				covered[n.Capability] += k
				give -= k
			}
		}
		if waiting {
			continue
		}
		var rest []events.AidNeed
		for _, n := range w.needs {
			if k := n.Count - covered[n.Capability]; k > 0 {
				rest = append(rest, events.AidNeed{Capability: n.Capability, Count: k})
			}
		}
		if len(rest) == 0 {
			continue
		}
		to := w.town
		if to == "" || slices.Contains(w.asked, to) {
			to = ""
			for _, n := range a.cfg.Neighbours {
				if !slices.Contains(w.asked, n) {
					to = n
					break
				}
			}
		}
		if to == "" || to == a.town {
			continue // every neighbour asked: the shortage stays on the board
		}
		*sent++
		until := now.Add(24 * time.Hour)
		from := now
		add(events.AidKindRequest, events.Aid{Request: a.requestID(*sent), From: a.town, To: to,
			Needs: rest, Lat: w.at.Lat(), Lon: w.at.Lon(), Incident: w.incident, WantedFrom: &from, Until: &until,
			Reason: fmt.Sprintf("incident %s: town cannot cover %s (镇内无可派力量)", w.incident, events.AidSummary(rest))})
	}
}

// unanswered reports whether a request of ours has waited longer than within.
func unanswered(it *item, now time.Time, within time.Duration) bool {
	return len(it.History) > 0 && now.Sub(it.History[0].Time) > within
}

// shortfall is what the town lacks of one capability, and where it is worst.
type shortfall struct {
	lack      int // units the dispatcher found no local unit for, still uncovered
	freeSoon  int // local units of it expected back within the horizon
	at        orb.Point
	incidents int
}

// shortfalls sums, per capability, what the open incidents the dispatcher
// asked aid for still lack (aid.needed, capped by what they lack now).
func (a *State) shortfalls(now time.Time, wants []*want) (map[string]*shortfall, []string) {
	out := map[string]*shortfall{}
	var caps []string
	for _, w := range wants {
		if w.manual {
			continue
		}
		open, _, ok := a.dispatch.OpenNeeds(w.incident)
		if !ok {
			continue
		}
		for _, n := range w.needs {
			k := 0
			for _, o := range open {
				if string(o.Capability) == n.Capability {
					k = min(n.Count, o.Count)
				}
			}
			if k == 0 {
				continue
			}
			sf := out[n.Capability]
			if sf == nil {
				sf = &shortfall{at: w.at}
				out[n.Capability] = sf
				caps = append(caps, n.Capability)
			}
			sf.lack += k
			sf.incidents++
		}
	}
	for c, sf := range out {
		sf.freeSoon = a.dispatch.FreeSoon(dispatch.Capability(c), now, a.cfg.Horizon(), a.cfg.Job())
	}
	sort.Strings(caps)
	return out, caps
}

// decideShortfalls keeps one request per capability and neighbour: a new one
// when the town lacks units no open request covers, an update while it waits
// for an answer and the shortfall has changed (at most every updateEvery),
// a withdrawal once local units cover it, and the guests sent home once the
// capability lacks nothing and none of them works. Units the town's own will
// free within the horizon are not asked for.
func (a *State) decideShortfalls(now time.Time, wants []*want, sent *int, add func(kind string, m events.Aid)) {
	if !a.cfg.AutoAsk() {
		return
	}
	sfs, caps := a.shortfalls(now, wants)
	byCap := map[string][]*item{}
	for _, it := range a.sorted() {
		if it.Direction == Out && it.Incident == "" && len(it.Needs) == 1 {
			c := it.Needs[0].Capability
			byCap[c] = append(byCap[c], it)
			if sfs[c] == nil {
				sfs[c] = &shortfall{}
				caps = append(caps, c)
			}
		}
	}
	sort.Strings(caps)
	caps = slices.Compact(caps)
	for _, c := range caps {
		sf, items := sfs[c], byCap[c]
		need := sf.lack - sf.freeSoon
		// covered: what requests already bring (asked, offered, or guests here and idle)
		cover := func(it *item) int {
			switch {
			case it.State == Requested && !unanswered(it, now, a.cfg.AnswerWithin()):
				return it.Asked
			case it.State == Responded:
				return it.Offered
			case it.State == Committed || it.State == Deployed:
				return a.dispatch.GuestsIdle(it.Request)
			}
			return 0
		}
		covered := 0
		for _, it := range items {
			covered += cover(it)
		}
		base := events.Aid{From: a.town, Lat: sf.at.Lat(), Lon: sf.at.Lon()}
		for _, it := range items {
			m := base
			m.Request, m.To = it.Request, it.Town
			switch {
			case it.State == Requested && !unanswered(it, now, a.cfg.AnswerWithin()):
				wanted := need - (covered - it.Asked)
				if wanted <= 0 {
					m.Reason = fmt.Sprintf("withdrawn: the town's own units cover %s now (本镇力量已可覆盖)", c)
					add(events.AidKindRelease, m)
					covered -= it.Asked
					continue
				}
				if wanted != it.Asked && now.Sub(it.lastSent) >= updateEvery {
					m.Needs = []events.AidNeed{{Capability: c, Count: wanted}}
					m.WantedFrom, m.Until = it.WantedFrom, it.Until
					m.Reason = a.shortfallWhy(c, sf, wanted)
					add(events.AidKindRequest, m)
					covered += wanted - it.Asked
				}
			case (it.State == Committed || it.State == Deployed) && !it.release &&
				sf.lack == 0 && a.dispatch.GuestsBusy(it.Request) == 0:
				m.Reason = fmt.Sprintf("the town lacks no %s any more: guests sent home with thanks", c)
				add(events.AidKindRelease, m)
			}
		}
		rest := need - covered
		waiting := slices.ContainsFunc(items, func(it *item) bool {
			return it.State == Requested && !unanswered(it, now, a.cfg.AnswerWithin())
		})
		if rest <= 0 || waiting {
			continue // a request still waiting for its answer is updated, not doubled by another
		}
		to := ""
		for _, n := range a.cfg.Neighbours {
			if n != a.town && !askedRecently(items, n, now) {
				to = n
				break
			}
		}
		if to == "" {
			continue // every neighbour asked: the shortage stays on the board
		}
		*sent++
		from, until := now, now.Add(24*time.Hour)
		m := base
		m.Request, m.To = a.requestID(*sent), to
		m.Needs = []events.AidNeed{{Capability: c, Count: rest}}
		m.WantedFrom, m.Until = &from, &until
		m.Reason = a.shortfallWhy(c, sf, rest)
		add(events.AidKindRequest, m)
	}
}

func (a *State) shortfallWhy(c string, sf *shortfall, count int) string {
	return fmt.Sprintf("town cannot cover %s×%d over %d incidents (镇内无可派力量); %d own units of it free within %s not asked for",
		c, count, sf.incidents, sf.freeSoon, a.cfg.Horizon())
}

// askedRecently reports whether a request for this capability to town n is
// open, or ended less than askAgainAfter ago.
func askedRecently(items []*item, n string, now time.Time) bool {
	for _, it := range items {
		if it.Town != n {
			continue
		}
		switch it.State {
		case Declined, Released:
			if now.Sub(it.History[len(it.History)-1].Time) < askAgainAfter {
				return true
			}
		default:
			return true
		}
	}
	return false
}
