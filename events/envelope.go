// Package events is floodcmd's public contract on the wire: the CloudEvents 1.0
// envelope, the subjects, the per-type validation. It imports no transport: the
// JetStream plumbing (streams, the embedded server, a publisher that sets
// Nats-Msg-Id, credentials) is the natsjs adapter's.
package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SpecVersion is the only CloudEvents version the contract speaks.
const SpecVersion = "1.0"

// MaxEventBytes bounds one event; a gauge reading or a report is far smaller,
// and a bound keeps a hostile sender from making the engine hold megabytes.
const MaxEventBytes = 256 << 10

// Event is a CloudEvents 1.0 event in structured JSON mode.
type Event struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Time            time.Time `json:"time"`
	Subject         string    `json:"subject,omitempty"`
	DataContentType string    `json:"datacontenttype,omitempty"`
	// Drill marks an exercise (a replayed storm, a tabletop drill): a CloudEvents
	// extension attribute so that every consumer can tell practice from reality.
	Drill bool `json:"drill,omitempty"`
	// Seal is the engine's seal on its own decisions (see seal.go).
	Seal string          `json:"floodcmdseal,omitempty"`
	Data json.RawMessage `json:"data"`
}

// New builds an event with the given id, source, type, time and data.
func New(id, source, typ string, t time.Time, data any) (Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("encode %s data: %w", typ, err)
	}
	return Event{SpecVersion: SpecVersion, ID: id, Source: source, Type: typ, Time: t.UTC(),
		DataContentType: "application/json", Data: raw}, nil
}

// Encode marshals the event as structured-mode JSON.
func (e Event) Encode() ([]byte, error) { return json.Marshal(e) }

// DecodeData unmarshals the event's data into v.
func (e Event) DecodeData(v any) error { return json.Unmarshal(e.Data, v) }

// envelopeWire mirrors Event with every attribute optional, so that a missing
// attribute is reported by name instead of as a JSON error.
type envelopeWire struct {
	SpecVersion     *string         `json:"specversion"`
	ID              *string         `json:"id"`
	Source          *string         `json:"source"`
	Type            *string         `json:"type"`
	Time            *string         `json:"time"`
	Subject         *string         `json:"subject"`
	DataContentType *string         `json:"datacontenttype"`
	Drill           *bool           `json:"drill"`
	Seal            *string         `json:"floodcmdseal"`
	Data            json.RawMessage `json:"data"`
}

// DecodeEnvelope parses and checks the CloudEvents attributes of a raw message.
// It does not look inside data: Validate does, per type.
func DecodeEnvelope(raw []byte) (Event, error) {
	if len(raw) > MaxEventBytes {
		return Event{}, Invalidf("", fmt.Sprint(len(raw)), "an event is at most %d bytes", MaxEventBytes)
	}
	var w envelopeWire
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&w); err != nil {
		return Event{}, Invalidf("", "", "not a CloudEvents JSON object: %v", err)
	}
	if dec.More() {
		return Event{}, Invalidf("", "", "trailing data after the JSON object")
	}
	var e Event
	switch {
	case w.SpecVersion == nil:
		return e, Invalidf("specversion", "", "required (\"1.0\")")
	case *w.SpecVersion != SpecVersion:
		return e, Invalidf("specversion", *w.SpecVersion, "must be \"1.0\"")
	case w.ID == nil || strings.TrimSpace(*w.ID) == "":
		return e, Invalidf("id", "", "required, non-empty and unique per sender")
	case len(*w.ID) > 200:
		return e, Invalidf("id", (*w.ID)[:40]+"…", "at most 200 characters")
	case w.Source == nil || strings.TrimSpace(*w.Source) == "":
		return e, Invalidf("source", "", "required (who sent it, e.g. \"grid/nancun-1\")")
	case w.Type == nil || *w.Type == "":
		return e, Invalidf("type", "", "required (e.g. \"flood.incident.reported\")")
	case w.Time == nil:
		return e, Invalidf("time", "", "required, RFC 3339 (e.g. \"2022-05-12T23:00:00+08:00\")")
	case len(w.Data) == 0 || string(w.Data) == "null":
		return e, Invalidf("data", "", "required: a JSON object")
	}
	t, err := time.Parse(time.RFC3339Nano, *w.Time)
	if err != nil {
		return e, Invalidf("time", *w.Time, "must be RFC 3339 with a zone, e.g. \"2022-05-12T23:00:00+08:00\"")
	}
	if bytes.TrimSpace(w.Data)[0] != '{' {
		return e, Invalidf("data", abbreviate(string(w.Data)), "must be a JSON object")
	}
	e = Event{SpecVersion: *w.SpecVersion, ID: *w.ID, Source: *w.Source, Type: *w.Type, Time: t, Data: w.Data}
	if w.Subject != nil {
		e.Subject = *w.Subject
	}
	if w.DataContentType != nil {
		e.DataContentType = *w.DataContentType
		if ct := strings.ToLower(e.DataContentType); ct != "application/json" && !strings.HasPrefix(ct, "application/json;") {
			return e, Invalidf("datacontenttype", e.DataContentType, "must be application/json")
		}
	}
	if w.Drill != nil {
		e.Drill = *w.Drill
	}
	if w.Seal != nil {
		e.Seal = *w.Seal
	}
	return e, nil
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
