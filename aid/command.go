package aid

import (
	"time"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/events"
)

// Command carries out an operator's mutual-aid verb (request_aid,
// approve_aid, decline_aid, release_aid) at t. What it calls for is sent by
// the next Decide; an order that cannot be carried out is refused here.
func (a *State) Command(verb string, c *events.Command, t time.Time) error {
	switch verb {
	case events.VerbRequestAid:
		needs, at, ok := a.dispatch.OpenNeeds(c.Incident)
		if !ok {
			return events.Invalidf("data.incident", c.Incident, "no open incident with this id")
		}
		if c.Capability != "" {
			needs = []dispatch.Need{{Capability: dispatch.Capability(c.Capability), Count: c.Count}}
		}
		if len(needs) == 0 {
			return events.Invalidf("data.incident", c.Incident, "the incident lacks nothing: name a capability and count")
		}
		w := a.want(c.Incident, at)
		w.town, w.manual = c.Town, true
		w.needs = toAidNeeds(needs)
		return nil
	case events.VerbApproveAid, events.VerbDeclineAid:
		it := a.item(c.Request)
		if it == nil || it.Direction != In || it.State == Pending {
			return events.Invalidf("data.request", c.Request, "no request from another town with this id")
		}
		if it.State != Requested || it.Approved > 0 || it.declined {
			return events.Invalidf("data.request", c.Request, "request is already %s", it.State)
		}
		it.Operator = c.Operator
		if verb == events.VerbDeclineAid {
			it.declined = true
			it.why = c.Reason
			return nil
		}
		it.Approved = min(c.Count, it.Asked)
		it.why = c.Reason
		return nil
	case events.VerbReleaseAid:
		it := a.item(c.Request)
		if it == nil || it.Direction != Out {
			return events.Invalidf("data.request", c.Request, "no request of ours with this id")
		}
		if it.State != Committed && it.State != Deployed {
			return events.Invalidf("data.request", c.Request, "request is %s: nobody to release", it.State)
		}
		it.release, it.why, it.Operator = true, c.Reason, c.Operator
		return nil
	}
	return events.Invalidf("type", events.TypeCommandPrefix+verb, "not carried out by this version")
}

func toAidNeeds(ns []dispatch.Need) []events.AidNeed {
	out := make([]events.AidNeed, len(ns))
	for i, n := range ns {
		out[i] = events.AidNeed{Capability: string(n.Capability), Count: n.Count}
	}
	return out
}
