package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Input is a decoded, validated input event with its typed data.
type Input struct {
	Event   Event
	Address Address
	// Data is one of *RainObserved, *LevelObserved, *IncidentReported,
	// *ResponderStatus, *ShelterCheck, *Command, *CAPReceived or *Aid.
	Data any
}

// Verb is the command verb of a flood.command.<verb> event, "" otherwise.
func (in Input) Verb() string {
	if v, ok := strings.CutPrefix(in.Event.Type, TypeCommandPrefix); ok {
		return v
	}
	return ""
}

// Validate decodes a raw message received on subject for town and checks it
// against contract v1. The error is an *Invalid naming the field, the value and the rule.
func Validate(town, subject string, raw []byte) (Input, error) {
	addr, err := ParseSubject(subject)
	if err != nil {
		return Input{}, err
	}
	if addr.Town != town {
		return Input{}, Invalidf("subject", subject, "addressed to town %q, not %q", addr.Town, town)
	}
	if in, ok := fastReading(addr, subject, raw); ok {
		return in, nil // a plain reading, read in one pass (fastreading.go)
	}
	return validateGeneral(addr, subject, raw)
}

// validateGeneral is Validate for every event: the envelope, then the typed
// data, each rule checked in order so the first broken one is the reason.
func validateGeneral(addr Address, subject string, raw []byte) (Input, error) {
	if addr.Channel == ChanCAP && isXML(raw) {
		return rawCAP(addr, subject, raw)
	}
	ev, err := DecodeEnvelope(raw)
	if err != nil {
		return Input{}, err
	}
	in := Input{Event: ev, Address: addr}
	want := expectedTypes(addr)
	if want == nil {
		return in, Invalidf("subject", subject, "%q is not an input channel (rain, level, incident, responder.<id>, shelter.<id>, command, cap, or aid inbox flood.aid.<town>.request|response|commit|status|release)", addr.Channel)
	}
	if !matchesType(ev.Type, want) {
		return in, Invalidf("type", ev.Type, "subject %s carries %s", subject, strings.Join(want, " or "))
	}
	in.Data, err = decodeData(ev)
	if err == nil {
		err = checkAidSender(addr, in.Data)
	}
	return in, err
}

func expectedTypes(a Address) []string {
	switch a.Channel {
	case ChanRain:
		return []string{TypeRainObserved}
	case ChanLevel:
		return []string{TypeLevelObserved}
	case ChanIncident:
		return []string{TypeIncidentReported}
	case ChanResponder:
		return []string{TypeResponderStatus}
	case ChanShelter:
		return []string{TypeShelterCheckin, TypeShelterCheckout}
	case ChanCommand:
		return []string{TypeCommandPrefix + "<verb>"}
	case ChanCAP:
		return []string{TypeCAPReceived}
	case ChanAid:
		if t, ok := AidKinds[a.Key]; ok {
			return []string{t}
		}
	}
	return nil
}

func matchesType(typ string, want []string) bool {
	if want[0] == TypeCommandPrefix+"<verb>" {
		return strings.HasPrefix(typ, TypeCommandPrefix) && len(typ) > len(TypeCommandPrefix)
	}
	return slices.Contains(want, typ)
}

func decodeData(ev Event) (any, error) {
	switch {
	case ev.Type == TypeRainObserved:
		var d RainObserved
		if err := strictData(ev.Data, &d, "gauge", "mm", "minutes"); err != nil {
			return nil, err
		}
		return &d, checkAll(
			slugField("data.gauge", d.Gauge),
			rangeField("data.mm", d.MM, 0, 2000, "rain in one interval is 0…2000 mm"),
			rangeField("data.minutes", d.Minutes, 1, 1440, "an interval is 1…1440 minutes"),
		)
	case ev.Type == TypeLevelObserved:
		var d LevelObserved
		if err := strictData(ev.Data, &d, "gauge", "meters"); err != nil {
			return nil, err
		}
		return &d, checkAll(slugField("data.gauge", d.Gauge),
			rangeField("data.meters", d.Meters, -100, 10000, "a level is -100…10000 m"))
	case ev.Type == TypeIncidentReported:
		var d IncidentReported
		if err := strictData(ev.Data, &d, "kind", "lat", "lon"); err != nil {
			return nil, err
		}
		var kindErr error
		if !slices.Contains(IncidentKinds, d.Kind) {
			kindErr = Invalidf("data.kind", d.Kind, "one of %s", strings.Join(IncidentKinds, ", "))
		}
		return &d, checkAll(kindErr, positionField(d.Position),
			rangeField("data.people", float64(d.People), 0, 100000, "people is 0…100000"),
			rangeField("data.severity", float64(d.Severity), 0, 4, "severity is 1 (highest)…4, or absent"),
			textField("data.note", d.Note, 2000), textField("data.reporter", d.Reporter, 200),
			optionalSlug("data.incident", d.Incident))
	case ev.Type == TypeResponderStatus:
		var d ResponderStatus
		if err := strictData(ev.Data, &d, "status"); err != nil {
			return nil, err
		}
		var statusErr, posErr error
		if !slices.Contains(ResponderStatuses, d.Status) {
			statusErr = Invalidf("data.status", d.Status, "one of %s", strings.Join(ResponderStatuses, ", "))
		}
		if (d.Lat == nil) != (d.Lon == nil) {
			posErr = Invalidf("data.lat", "", "lat and lon go together")
		} else if d.Lat != nil {
			posErr = positionField(Position{Lat: *d.Lat, Lon: *d.Lon, CRS: d.CRS})
		}
		return &d, checkAll(statusErr, posErr, optionalSlug("data.assignment", d.Assignment), textField("data.note", d.Note, 2000))
	case ev.Type == TypeShelterCheckin || ev.Type == TypeShelterCheckout:
		var d ShelterCheck
		if err := strictData(ev.Data, &d, "people"); err != nil {
			return nil, err
		}
		return &d, checkAll(rangeField("data.people", float64(d.People), 1, 100000, "people is 1…100000"),
			optionalSlug("data.household", d.Household), textField("data.note", d.Note, 2000))
	case ev.Type == TypeCAPReceived:
		return decodeCAP(ev)
	case strings.HasPrefix(ev.Type, TypeCommandPrefix):
		return decodeCommand(ev)
	case AidKindOf(ev.Type) != "":
		return decodeAid(ev, AidKindOf(ev.Type))
	}
	return nil, Invalidf("type", ev.Type, "unknown event type")
}

func decodeCommand(ev Event) (any, error) {
	verb := strings.TrimPrefix(ev.Type, TypeCommandPrefix)
	if !slices.Contains(CommandVerbs, verb) {
		return nil, Invalidf("type", ev.Type, "this version carries out the verbs %s", strings.Join(CommandVerbs, ", "))
	}
	var d Command
	if err := strictData(ev.Data, &d, "operator"); err != nil {
		return nil, err
	}
	errs := []error{textField("data.operator", d.Operator, 200), textField("data.reason", d.Reason, 2000)}
	if strings.TrimSpace(d.Operator) == "" {
		errs = append(errs, Invalidf("data.operator", "", "required: who gives the order"))
	}
	var pos error
	if (d.Lat == nil) != (d.Lon == nil) {
		pos = Invalidf("data.lat", "", "lat and lon go together")
	} else if d.Lat != nil {
		pos = positionField(Position{Lat: *d.Lat, Lon: *d.Lon, CRS: d.CRS})
	}
	errs = append(errs, pos)
	switch verb {
	case VerbCloseRoad, VerbOpenRoad, VerbRoadDepth:
		if d.Road == "" && d.Lat == nil {
			errs = append(errs, Invalidf("data.road", "", "name a road id, or give lat and lon (and radius_m) of the place"))
		}
		errs = append(errs, optionalSlug("data.road", d.Road),
			rangeField("data.radius_m", d.RadiusM, 0, 5000, "radius_m is 0…5000"))
		if verb == VerbRoadDepth {
			if d.Meters == nil {
				errs = append(errs, Invalidf("data.meters", "", "required: water depth on the road in metres"))
			} else {
				errs = append(errs, rangeField("data.meters", *d.Meters, 0, 20, "depth is 0…20 m"))
			}
		}
	case VerbResolve:
		errs = append(errs, requiredSlug("data.incident", d.Incident))
	case VerbReassign:
		errs = append(errs, requiredSlug("data.assignment", d.Assignment), optionalSlug("data.responder", d.Responder))
	case VerbEvacuate:
		errs = append(errs, evacuateFields(&d)...)
	case VerbCancelEvacuation:
		errs = append(errs, requiredSlug("data.order", d.Order))
	case VerbOpenShelter, VerbCloseShelter:
		errs = append(errs, requiredSlug("data.shelter", d.Shelter))
	case VerbApprove, VerbDismiss:
		errs = append(errs, requiredSlug("data.proposal", d.Proposal))
	case VerbRequestAid, VerbApproveAid, VerbDeclineAid, VerbReleaseAid:
		errs = append(errs, aidCommandFields(verb, &d)...)
	case VerbHousehold:
		errs = append(errs, requiredSlug("data.household", d.Household))
		if !slices.Contains(HouseholdStatuses, d.Status) {
			errs = append(errs, Invalidf("data.status", d.Status, "one of %s", strings.Join(HouseholdStatuses, ", ")))
		}
	}
	return &d, checkAll(errs...)
}

func evacuateFields(d *Command) []error {
	var errs []error
	areas := 0
	for _, set := range [][]string{d.Grids, d.Villages} {
		if len(set) > 0 {
			areas++
		}
		for _, id := range set {
			errs = append(errs, slugField("data.grids/villages", id))
		}
	}
	if len(d.Polygon) > 0 {
		areas++
		if len(d.Polygon) < 3 {
			errs = append(errs, Invalidf("data.polygon", fmt.Sprint(len(d.Polygon)), "a polygon needs at least 3 corners [[lon,lat],…]"))
		}
		for _, c := range d.Polygon {
			errs = append(errs, positionField(Position{Lon: c[0], Lat: c[1]}))
		}
	}
	if areas != 1 {
		errs = append(errs, Invalidf("data.grids", "", "give exactly one of grids, villages or polygon"))
	}
	if d.Level == "" {
		d.Level = "mandatory"
	}
	if !slices.Contains(EvacuationLevels, d.Level) {
		errs = append(errs, Invalidf("data.level", d.Level, "advisory or mandatory"))
	}
	return append(errs, optionalSlug("data.order", d.Order))
}

// strictData checks that the required keys are present, then decodes into v;
// unknown keys are allowed (the contract lets fields be added).
// The required keys are found by a scan of the object's top level
// (requiredkeys.go), not by decoding it into a map first: data is decoded once.
func strictData(raw json.RawMessage, v any, required ...string) error {
	if err := requiredKeys(raw, required); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Invalidf("data."+te.Field, te.Value, "must be a JSON %s", jsonKind(te.Type.Kind().String()))
		}
		return Invalidf("data", "", "%v", err)
	}
	return nil
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"):
		return "integer"
	case strings.HasPrefix(goKind, "float"):
		return "number"
	case goKind == "slice":
		return "array"
	case goKind == "struct", goKind == "map":
		return "object"
	case goKind == "ptr":
		return "number"
	}
	return goKind
}

func checkAll(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func rangeField(field string, v, lo, hi float64, rule string) error {
	if math.IsNaN(v) || v < lo || v > hi {
		return Invalidf(field, fmt.Sprint(v), "%s", rule)
	}
	return nil
}

func slugField(field, v string) error {
	if !ValidSlug(v) {
		return Invalidf(field, abbreviate(v), "an id of lower-case letters, digits, '-' or '_'")
	}
	return nil
}

func requiredSlug(field, v string) error {
	if v == "" {
		return Invalidf(field, "", "required")
	}
	return slugField(field, v)
}

func optionalSlug(field, v string) error {
	if v == "" {
		return nil
	}
	return slugField(field, v)
}

func textField(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return Invalidf(field, "", "must be valid UTF-8")
	}
	if utf8.RuneCountInString(v) > max {
		return Invalidf(field, abbreviate(v), "at most %d characters", max)
	}
	return nil
}

func positionField(p Position) error {
	if err := rangeField("data.lat", p.Lat, -90, 90, "latitude is -90…90 (decimal degrees)"); err != nil {
		return err
	}
	if err := rangeField("data.lon", p.Lon, -180, 180, "longitude is -180…180 (decimal degrees)"); err != nil {
		return err
	}
	if p.Lat == 0 && p.Lon == 0 {
		return Invalidf("data.lat", "0", "0,0 is not a place in a town: the position is missing")
	}
	switch strings.ToLower(p.CRS) {
	case "", "wgs84", "gcj02":
		return nil
	}
	return Invalidf("data.crs", p.CRS, "wgs84 (default) or gcj02")
}
