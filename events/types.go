package events

import "github.com/floodcmd/floodcmd/errcode"

// Event types of contract v1. Inputs first, then the engine's decisions.
const (
	TypeRainObserved     = "flood.rain.observed"
	TypeLevelObserved    = "flood.level.observed"
	TypeIncidentReported = "flood.incident.reported"
	TypeResponderStatus  = "flood.responder.status"
	TypeShelterCheckin   = "flood.shelter.checkin"
	TypeShelterCheckout  = "flood.shelter.checkout"
	TypeCAPReceived      = "flood.cap.received"
	// TypeCommandPrefix starts every operator command type: flood.command.<verb>.
	TypeCommandPrefix = "flood.command."

	TypeAssignmentCreated   = "flood.assignment.created"
	TypeAssignmentCancelled = "flood.assignment.cancelled"
	TypeAssignmentTimedOut  = "flood.assignment.timed_out"
	TypeIncidentResolved    = "flood.incident.resolved"
	TypeAidNeeded           = "flood.incident.aid_needed"
	TypeRoadChanged         = "flood.road.changed"
	TypeEvacAssigned        = "flood.evac.assigned"
	TypeEvacReassigned      = "flood.evac.reassigned"
	TypeEvacUnassigned      = "flood.evac.unassigned"
	TypeEvacEscortNeeded    = "flood.evac.escort_needed"
	TypeEventRejected       = "flood.event.rejected"
)

// Incident kinds of contract v1.
var IncidentKinds = []string{"flooding", "trapped", "evacuation", "blocked_channel", "dangerous_house",
	"landslide", "road_flooded", "dike_breach", "reservoir", "other"}

// ResponderStatuses of contract v1.
var ResponderStatuses = []string{"available", "accepted", "declined", "en_route", "on_scene", "done", "off_duty"}

// Command verbs the engine carries out (flood.command.<verb>).
const (
	VerbCloseRoad = "close_road"
	VerbOpenRoad  = "open_road"
	VerbRoadDepth = "road_depth"
	VerbResolve   = "resolve"
	VerbReassign  = "reassign"

	VerbEvacuate         = "evacuate"
	VerbCancelEvacuation = "cancel_evacuation"
	VerbOpenShelter      = "open_shelter"
	VerbCloseShelter     = "close_shelter"
	VerbHousehold        = "household"
	VerbApprove          = "approve"
	VerbDismiss          = "dismiss"
)

// Evacuation order levels and the household statuses a grid worker reports.
var (
	EvacuationLevels  = []string{"advisory", "mandatory"}
	HouseholdStatuses = []string{"notified", "moving", "staying"}
)

// CommandVerbs lists the verbs this version carries out; any other verb is rejected
// with that list, so a sender learns at once rather than waiting for an effect.
var CommandVerbs = []string{VerbCloseRoad, VerbOpenRoad, VerbRoadDepth, VerbResolve, VerbReassign,
	VerbEvacuate, VerbCancelEvacuation, VerbOpenShelter, VerbCloseShelter, VerbHousehold, VerbApprove, VerbDismiss,
	VerbRequestAid, VerbApproveAid, VerbDeclineAid, VerbReleaseAid}

// Position is a point as senders give it; CRS "gcj02" (Chinese phone maps) is
// converted to WGS-84 on entry, "" or "wgs84" is taken as it is.
type Position struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
	CRS string  `json:"crs,omitempty"`
}

// RainObserved is rain at a gauge over Minutes ending at the event's time.
type RainObserved struct {
	Gauge   string  `json:"gauge"`
	MM      float64 `json:"mm"`
	Minutes float64 `json:"minutes"`
}

// LevelObserved is a water level at a reservoir or river gauge.
type LevelObserved struct {
	Gauge  string  `json:"gauge"`
	Meters float64 `json:"meters"`
}

// IncidentReported is a report from the field, a hotline or a gauge rule.
type IncidentReported struct {
	Kind string `json:"kind"`
	Position
	People   int    `json:"people,omitempty"`
	Note     string `json:"note,omitempty"`
	Reporter string `json:"reporter,omitempty"`
	Severity int    `json:"severity,omitempty"`
	// Incident optionally names the incident (else the event id is its id).
	Incident string `json:"incident,omitempty"`
}

// ResponderStatus is a responder's report about themselves.
type ResponderStatus struct {
	Status     string   `json:"status"`
	Assignment string   `json:"assignment,omitempty"`
	Lat        *float64 `json:"lat,omitempty"`
	Lon        *float64 `json:"lon,omitempty"`
	CRS        string   `json:"crs,omitempty"`
	Note       string   `json:"note,omitempty"`
}

// ShelterCheck is a check-in or check-out at a shelter.
type ShelterCheck struct {
	People    int    `json:"people"`
	Household string `json:"household,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Command is an operator's order; which fields are required depends on the verb.
type Command struct {
	Operator   string   `json:"operator"`
	Reason     string   `json:"reason,omitempty"`
	Road       string   `json:"road,omitempty"`
	Lat        *float64 `json:"lat,omitempty"`
	Lon        *float64 `json:"lon,omitempty"`
	CRS        string   `json:"crs,omitempty"`
	RadiusM    float64  `json:"radius_m,omitempty"`
	Meters     *float64 `json:"meters,omitempty"`
	Incident   string   `json:"incident,omitempty"`
	Assignment string   `json:"assignment,omitempty"`
	Responder  string   `json:"responder,omitempty"`
	// Evacuation: an order for grids, villages or a drawn polygon ([[lon,lat],…], GeoJSON order).
	Order     string       `json:"order,omitempty"`
	Level     string       `json:"level,omitempty"`
	Grids     []string     `json:"grids,omitempty"`
	Villages  []string     `json:"villages,omitempty"`
	Polygon   [][2]float64 `json:"polygon,omitempty"`
	Shelter   string       `json:"shelter,omitempty"`
	Household string       `json:"household,omitempty"`
	Status    string       `json:"status,omitempty"`
	// Proposal names a warning rule's proposed action to approve or dismiss.
	Proposal string `json:"proposal,omitempty"`
	// Mutual aid: the request an approval, refusal or release is about; how many
	// responders (of which capability) to lend or ask for; the town to ask.
	Request    string `json:"request,omitempty"`
	Count      int    `json:"count,omitempty"`
	Capability string `json:"capability,omitempty"`
	Town       string `json:"town,omitempty"`
}

// CAPReceived carries a CAP 1.2 alert from the meteorological service: as
// XML text (xml), as the document's exact bytes in base64 (xml_base64: its
// charset and any signature kept; what POST /api/cap writes), or, on
// flood.<town>.cap, as the raw XML message itself (Raw, never JSON).
type CAPReceived struct {
	XML       string `json:"xml,omitempty"`
	XMLBase64 string `json:"xml_base64,omitempty"`
	Raw       []byte `json:"-"`
}

// MaxCAPBytes bounds one CAP document, raw or inside a CloudEvent: the one
// limit of CAP (cap.MaxBytes is the same). Base64 of it (4/3) still fits an event.
const MaxCAPBytes = 180 << 10

// Rejected reports an input that was refused, with the reason in words and in parts.
type Rejected struct {
	EventID string `json:"event_id"`
	Subject string `json:"subject"`
	Reason  string `json:"reason"`
	Field   string `json:"field,omitempty"`
	Value   string `json:"value,omitempty"`
	Seq     uint64 `json:"seq,omitempty"`
	// Code is the kind of refusal: invalid, not_found, conflict … (errcode).
	Code   errcode.Code `json:"code,omitempty"`
	Detail *Invalid     `json:"detail,omitempty"`
}

// RoadChanged records that the engine closed, opened or flooded roads on a command.
type RoadChanged struct {
	Roads    []string `json:"roads"`
	Closed   bool     `json:"closed"`
	Meters   float64  `json:"meters,omitempty"`
	Command  string   `json:"command"`
	Operator string   `json:"operator,omitempty"`
	Reason   string   `json:"reason,omitempty"`
}
