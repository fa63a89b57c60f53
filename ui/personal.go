package ui

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sync"
	"time"

	"github.com/floodcmd/floodcmd/aid"
	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/warning"
)

// Personal data is marked on the view's own Go types, field by field, not
// recognised by key names: a field added under a new name to a marked type is
// still the type's, and a renamed field fails at start (markFields panics),
// so the marks cannot silently fall behind the structs.
type mark int

const (
	// personal: names, phones, addresses, exact household positions. Viewers
	// and partner towns never receive them.
	personal mark = iota + 1
	// freeText: notes and reasons people type, where anything may be written.
	// Viewers and partners never receive them; responders get them with phone
	// numbers masked; operators read them as written.
	freeText
)

var marks = map[reflect.Type]map[string]mark{}

// markFields marks fields of the struct type of sample.
func markFields(sample any, m mark, fields ...string) {
	t := reflect.TypeOf(sample)
	if marks[t] == nil {
		marks[t] = map[string]mark{}
	}
	for _, f := range fields {
		if _, ok := t.FieldByName(f); !ok {
			panic(fmt.Sprintf("ui: personal-data mark on %s.%s: no such field", t, f))
		}
		marks[t][f] = m
	}
}

func init() {
	markFields(dispatch.Responder{}, personal, "Name", "NameEn", "Phone", "Home")
	// Who reported: a name, often with a phone; masked like free text for responders.
	markFields(dispatch.Incident{}, freeText, "Note", "Reporter")
	markFields(dispatch.IncidentView{}, freeText, "Resolution")
	markFields(dispatch.Instruction{}, freeText, "Reason")
	markFields(dispatch.AssignmentView{}, freeText, "Reason")
	markFields(evac.HouseholdView{}, personal, "ID", "Address", "Lat", "Lon", "Phone", "ConfirmedBy")
	markFields(evac.ShelterView{}, freeText, "Note")
	markFields(evac.OrderView{}, freeText, "CancelReason")
	markFields(evac.OrderInput{}, freeText, "Reason")
	markFields(events.AidResponder{}, personal, "Name", "NameEn", "Phone", "Lat", "Lon")
	markFields(aid.Step{}, freeText, "Note")
	markFields(events.Rejected{}, personal, "Value", "Detail")
	markFields(events.Rejected{}, freeText, "Reason")
	markFields(warning.Proposal{}, freeText, "Reason")
	// Staff names: the audit trail shows them to operators.
	markFields(dispatch.Instruction{}, personal, "Operator")
	markFields(dispatch.IncidentView{}, personal, "ResolvedBy")
	markFields(evac.OrderInput{}, personal, "Operator")
	markFields(evac.OrderView{}, personal, "CancelledBy")
	markFields(aid.Record{}, personal, "Operator")
	// Whole lists of households are personal: a viewer reads the headcounts.
	markFields(engine.DomainView{}, personal, "Unaccounted")
}

// phoneRE finds phone numbers in free text: mainland mobiles (13800138000,
// +86 138 0013 8000), landlines with an area code (0750-5123456) and any other
// run of 7 or more digits with spaces or dashes between them.
var phoneRE = regexp.MustCompile(`(\+?\d[\d\- ]{5,}\d)`)

// maskPhones hides every phone number inside text.
func maskPhones(text string) string {
	return phoneRE.ReplaceAllStringFunc(text, func(s string) string {
		digits := 0
		for _, r := range s {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 7 {
			return s // a house number, a count, a year
		}
		return "[电话已隐藏 phone hidden]"
	})
}

// redactClass is what a role may read of marked fields.
type redactClass int

const (
	readAll    redactClass = iota // operators
	maskText                      // responders: phones inside free text masked
	noPersonal                    // viewers and partners: no marked field at all
)

func classOf(role string) redactClass {
	switch role {
	case RoleOperator:
		return readAll
	case RoleResponder:
		return maskText
	}
	return noPersonal // viewers, partners, and any role added later until it is thought about
}

// redacted returns a copy of v without what class may not read. v itself,
// which may share slices with the engine's state, is never changed.
func redacted(v any, class redactClass) any {
	if class == readAll || v == nil {
		return v
	}
	return redactValue(reflect.ValueOf(v), class).Interface()
}

var (
	hasMarksMu sync.Mutex
	hasMarks   = map[reflect.Type]bool{}
)

// containsMarks reports whether t or anything inside it carries a mark (cached).
func containsMarks(t reflect.Type) bool {
	hasMarksMu.Lock()
	defer hasMarksMu.Unlock()
	return containsMarksLocked(t)
}

func containsMarksLocked(t reflect.Type) bool {
	if v, ok := hasMarks[t]; ok {
		return v
	}
	hasMarks[t] = false // cycles end here
	var found bool
	switch t.Kind() {
	case reflect.Struct:
		if t == reflect.TypeOf(time.Time{}) {
			break
		}
		found = len(marks[t]) > 0
		for i := 0; i < t.NumField() && !found; i++ {
			if t.Field(i).IsExported() {
				found = containsMarksLocked(t.Field(i).Type)
			}
		}
	case reflect.Slice, reflect.Array, reflect.Pointer, reflect.Map:
		found = containsMarksLocked(t.Elem())
	}
	hasMarks[t] = found
	return found
}

func redactValue(v reflect.Value, class redactClass) reflect.Value {
	t := v.Type()
	if !containsMarks(t) {
		return v // nothing marked inside: shared, never written
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t.Elem())
		out.Elem().Set(redactValue(v.Elem(), class))
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(redactValue(v.Index(i), class))
		}
		return out
	case reflect.Array:
		out := reflect.New(t).Elem()
		for i := range v.Len() {
			out.Index(i).Set(redactValue(v.Index(i), class))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), redactValue(it.Value(), class))
		}
		return out
	case reflect.Struct:
		out := reflect.New(t).Elem()
		out.Set(v) // unexported fields and unmarked values as they are
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			switch marks[t][f.Name] {
			case personal:
				if class == noPersonal {
					out.Field(i).Set(emptyOf(f.Type))
					continue
				}
			case freeText:
				if class == noPersonal {
					out.Field(i).Set(emptyOf(f.Type))
					continue
				}
				if f.Type.Kind() == reflect.String {
					out.Field(i).SetString(maskPhones(v.Field(i).String()))
					continue
				}
			}
			out.Field(i).Set(redactValue(v.Field(i), class))
		}
		return out
	}
	return v
}

// emptyOf is the value a removed field takes: zero, but an empty list rather
// than null, so that a board iterating it still works.
func emptyOf(t reflect.Type) reflect.Value {
	if t.Kind() == reflect.Slice {
		return reflect.MakeSlice(t, 0, 0)
	}
	return reflect.Zero(t)
}

// PartnerAid is all a partner town reads of a mutual-aid record: what an
// EDXL-RM request needs (the capability and count wanted, where to meet, when)
// and how it stands — no incident or household id, no names, no exact spot.
type PartnerAid struct {
	ID         string             `json:"id"`
	Request    string             `json:"request"`
	Direction  string             `json:"direction"`
	Town       string             `json:"town"`
	From       string             `json:"from"`
	To         string             `json:"to"`
	Needs      []events.AidNeed   `json:"needs"`
	MeetLat    float64            `json:"lat,omitempty"`
	MeetLon    float64            `json:"lon,omitempty"`
	WantedFrom *time.Time         `json:"wanted_from,omitempty"`
	Until      *time.Time         `json:"until,omitempty"`
	State      string             `json:"state"`
	Asked      int                `json:"asked"`
	Offered    int                `json:"offered"`
	Committed  int                `json:"committed"`
	Answer     string             `json:"answer,omitempty"`
	Responders []PartnerResponder `json:"responders"`
}

// PartnerResponder is a lent responder as the partner sees them: by id and capability.
type PartnerResponder struct {
	ID           string   `json:"id"`
	Capabilities []string `json:"capabilities"`
	Guest        string   `json:"guest,omitempty"`
	Status       string   `json:"status,omitempty"`
}

// meetingPoint rounds a position to 0.005° (about 500 m): a place to meet,
// not the door of the household that needs the help.
func meetingPoint(x float64) float64 { return math.Round(x*200) / 200 }

// partnerView is the state a partner town's audience is filtered from.
type partnerView struct {
	Town  string           `json:"town"`
	Drill engine.DrillView `json:"drill"`
	Aid   []PartnerAid     `json:"aid"`
}

func newPartnerView(v engine.View) partnerView {
	out := partnerView{Town: v.Town, Drill: v.Drill, Aid: make([]PartnerAid, 0, len(v.Aid))}
	for _, a := range v.Aid {
		pa := PartnerAid{ID: a.ID, Request: a.Request, Direction: a.Direction, Town: a.Town, From: a.From, To: a.To,
			Needs: a.Needs, WantedFrom: a.WantedFrom, Until: a.Until, State: a.State, Asked: a.Asked,
			Offered: a.Offered, Committed: a.Committed, Answer: a.Answer, Responders: []PartnerResponder{}}
		if a.Lat != 0 || a.Lon != 0 {
			pa.MeetLat, pa.MeetLon = meetingPoint(a.Lat), meetingPoint(a.Lon)
		}
		for _, r := range a.Responders {
			pa.Responders = append(pa.Responders, PartnerResponder{ID: r.ID, Capabilities: r.Capabilities, Guest: r.Guest, Status: r.Status})
		}
		out.Aid = append(out.Aid, pa)
	}
	return out
}

// redactionKey groups roles that read the same typed view.
func redactionKey(role string) string {
	if role == RolePartner {
		return "partner"
	}
	return fmt.Sprint(classOf(role))
}

// viewFor is the typed view a role's filter starts from: the full state with
// marked fields removed or masked, or for a partner its own projection.
func viewFor(role string, v any) any {
	if ev, ok := v.(engine.View); ok && role == RolePartner {
		return newPartnerView(ev)
	}
	return redacted(v, classOf(role))
}
