package events

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Mutual aid between towns, modelled on OASIS EDXL-RM: a request
// (RequestResource) is answered (ResponseToRequestResource), resources are
// committed (CommitResource), their deployment is reported
// (ReportResourceDeploymentStatus) and they are released (ReleaseResource).
// Every message names the request it belongs to, so they may arrive twice or
// out of order and still be folded into one record.
const (
	TypeAidRequested = "flood.aid.requested"
	TypeAidResponded = "flood.aid.responded"
	TypeAidCommitted = "flood.aid.committed"
	TypeAidStatus    = "flood.aid.status"
	TypeAidReleased  = "flood.aid.released"
	// TypeAidDelivered is the engine's marker that an outgoing aid message reached
	// the recipient's log; it is never sent to another town.
	TypeAidDelivered = "flood.aid.delivered"
)

// ChanAid is the second token of a town's mutual-aid inbox: flood.aid.<town>.<kind>.
const ChanAid = "aid"

// Kinds of aid message: the last token of flood.aid.<town>.<kind>.
const (
	AidKindRequest  = "request"
	AidKindResponse = "response"
	AidKindCommit   = "commit"
	AidKindStatus   = "status"
	AidKindRelease  = "release"
)

// AidKinds maps each kind to its event type.
var AidKinds = map[string]string{
	AidKindRequest:  TypeAidRequested,
	AidKindResponse: TypeAidResponded,
	AidKindCommit:   TypeAidCommitted,
	AidKindStatus:   TypeAidStatus,
	AidKindRelease:  TypeAidReleased,
}

// AidKindOf returns the kind of an aid event type, "" if it is not one.
func AidKindOf(typ string) string {
	for k, t := range AidKinds {
		if t == typ {
			return k
		}
	}
	return ""
}

// AidInbox is where messages to town about mutual aid go: flood.aid.<town>.<kind>.
func AidInbox(town, kind string) string { return Prefix + "." + ChanAid + "." + town + "." + kind }

// AidInboxFrom is the inbox subject with the sender's slug last:
// flood.aid.<town>.<kind>.<from>. The NATS permissions of a town allow it to
// publish only flood.aid.*.*.<itself>, and the receiving engine refuses a
// message whose data.from is not the subject's sender.
func AidInboxFrom(inbox, from string) string {
	if strings.Count(inbox, ".") != 3 {
		return inbox // already names its sender
	}
	return inbox + "." + from
}

// checkAidSender refuses an aid message whose data.from differs from the
// sender named in its subject.
func checkAidSender(addr Address, d any) error {
	aid, ok := d.(*Aid)
	if !ok || addr.Channel != ChanAid || len(addr.Rest) != 1 {
		return nil
	}
	if aid.From != addr.Rest[0] {
		return Invalidf("data.from", aid.From, "the message was sent by %q (its subject's last token), not by %q", addr.Rest[0], aid.From)
	}
	return nil
}

// Answers a lending town may give in a response.
const (
	AidAccept  = "accept"
	AidPartial = "partial"
	AidDecline = "decline"
)

// Command verbs of mutual aid.
const (
	// VerbRequestAid: an operator asks a neighbour for help with an incident.
	VerbRequestAid = "request_aid"
	// VerbApproveAid: an operator agrees to lend up to count responders to a request.
	VerbApproveAid = "approve_aid"
	// VerbDeclineAid: an operator refuses a request.
	VerbDeclineAid = "decline_aid"
	// VerbReleaseAid: the requesting town's operator sends the guests home.
	VerbReleaseAid = "release_aid"
)

// AidNeed is one line of a request: count responders with a capability.
type AidNeed struct {
	Capability string `json:"capability"`
	Count      int    `json:"count"`
}

// AidResponder is a committed responder as the lending town knows them.
type AidResponder struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	NameEn       string   `json:"name_en,omitempty"`
	Tier         string   `json:"tier"`
	Capabilities []string `json:"capabilities"`
	HomeTown     string   `json:"home_town"`
	// Covers is the capability of the request this responder was chosen for.
	Covers string  `json:"covers,omitempty"`
	Phone  string  `json:"phone,omitempty"`
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
}

// Aid is the data of every mutual-aid message; which fields are required
// depends on the kind (see validateAid). From and To are town slugs.
type Aid struct {
	Request string `json:"request"`
	From    string `json:"from"`
	To      string `json:"to,omitempty"`
	// request
	Needs      []AidNeed  `json:"needs,omitempty"`
	Lat        float64    `json:"lat,omitempty"`
	Lon        float64    `json:"lon,omitempty"`
	Incident   string     `json:"incident,omitempty"`
	WantedFrom *time.Time `json:"wanted_from,omitempty"`
	Until      *time.Time `json:"until,omitempty"`
	// response: the answer and how many responders will come
	Answer string `json:"answer,omitempty"`
	Count  int    `json:"count,omitempty"`
	// commit: who comes
	Responders []AidResponder `json:"responders,omitempty"`
	// status: one guest's report, as the requesting town received it
	Responder  string   `json:"responder,omitempty"`
	Status     string   `json:"status,omitempty"`
	Assignment string   `json:"assignment,omitempty"`
	RLat       *float64 `json:"responder_lat,omitempty"`
	RLon       *float64 `json:"responder_lon,omitempty"`
	// Report is the id of the guest's own status event a status message forwards.
	Report   string `json:"report,omitempty"`
	Operator string `json:"operator,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// AidDelivered records that an outgoing aid message is in the recipient's log.
type AidDelivered struct {
	Event   string `json:"event"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	Stream  string `json:"stream,omitempty"`
	Seq     uint64 `json:"seq,omitempty"`
}

// decodeAid validates an aid message received on flood.aid.<town>.<kind>.
func decodeAid(ev Event, kind string) (any, error) {
	var d Aid
	if err := strictData(ev.Data, &d, "request", "from"); err != nil {
		return nil, err
	}
	errs := []error{requiredSlug("data.request", d.Request), requiredSlug("data.from", d.From), optionalSlug("data.to", d.To),
		optionalSlug("data.incident", d.Incident), textField("data.reason", d.Reason, 2000), textField("data.operator", d.Operator, 200)}
	switch kind {
	case AidKindRequest:
		if len(d.Needs) == 0 {
			errs = append(errs, Invalidf("data.needs", "", "required: [{capability, count}, …]"))
		}
		for _, n := range d.Needs {
			errs = append(errs, requiredSlug("data.needs.capability", n.Capability),
				rangeField("data.needs.count", float64(n.Count), 1, 1000, "count is 1…1000"))
		}
		errs = append(errs, positionField(Position{Lat: d.Lat, Lon: d.Lon}))
		if d.WantedFrom != nil && d.Until != nil && d.Until.Before(*d.WantedFrom) {
			errs = append(errs, Invalidf("data.until", d.Until.Format(time.RFC3339), "until is not before wanted_from"))
		}
	case AidKindResponse:
		if !slices.Contains([]string{AidAccept, AidPartial, AidDecline}, d.Answer) {
			errs = append(errs, Invalidf("data.answer", d.Answer, "accept, partial or decline"))
		}
		errs = append(errs, rangeField("data.count", float64(d.Count), 0, 1000, "count is 0…1000"))
	case AidKindCommit:
		if len(d.Responders) == 0 {
			errs = append(errs, Invalidf("data.responders", "", "required: the committed responders"))
		}
		for _, r := range d.Responders {
			errs = append(errs, requiredSlug("data.responders.id", r.ID), requiredSlug("data.responders.home_town", r.HomeTown),
				textField("data.responders.name", r.Name, 200), positionField(Position{Lat: r.Lat, Lon: r.Lon}))
			if len(r.Capabilities) == 0 {
				errs = append(errs, Invalidf("data.responders.capabilities", r.ID, "at least one capability"))
			}
		}
	case AidKindStatus:
		errs = append(errs, requiredSlug("data.responder", d.Responder), requiredSlug("data.status", d.Status),
			optionalSlug("data.assignment", d.Assignment))
		if (d.RLat == nil) != (d.RLon == nil) {
			errs = append(errs, Invalidf("data.responder_lat", "", "responder_lat and responder_lon go together"))
		} else if d.RLat != nil {
			errs = append(errs, positionField(Position{Lat: *d.RLat, Lon: *d.RLon}))
		}
	case AidKindRelease:
	default:
		return nil, Invalidf("subject", kind, "an aid kind is one of request, response, commit, status, release")
	}
	return &d, checkAll(errs...)
}

// aidCommandFields checks the mutual-aid command verbs.
func aidCommandFields(verb string, d *Command) []error {
	switch verb {
	case VerbRequestAid:
		errs := []error{requiredSlug("data.incident", d.Incident), optionalSlug("data.town", d.Town),
			optionalSlug("data.capability", d.Capability), rangeField("data.count", float64(d.Count), 0, 1000, "count is 0…1000 (0: what the incident lacks)")}
		if (d.Capability == "") != (d.Count == 0) {
			errs = append(errs, Invalidf("data.capability", d.Capability, "capability and count go together (or neither: what the incident lacks)"))
		}
		return errs
	case VerbApproveAid:
		return []error{requiredSlug("data.request", d.Request), rangeField("data.count", float64(d.Count), 1, 1000, "count is 1…1000")}
	case VerbDeclineAid, VerbReleaseAid:
		return []error{requiredSlug("data.request", d.Request)}
	}
	return nil
}

// AidSummary renders needs as "evacuation×10, medical×2" for reasons and logs.
func AidSummary(needs []AidNeed) string {
	parts := make([]string, len(needs))
	for i, n := range needs {
		parts[i] = fmt.Sprintf("%s×%d", n.Capability, n.Count)
	}
	return strings.Join(parts, ", ")
}
