package engine

import (
	"encoding/base64"
	"fmt"
	"time"

	"github.com/floodcmd/floodcmd/cap"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/warning"
)

// TownZone is the zone CAP times are written in. Chinese towns keep Beijing time
// all year; a fixed zone needs no tz database on the command centre's machine.
var TownZone = time.FixedZone("CST", 8*3600)

// CAPAlerts renders the last message of every CAP episode held (the warnings in
// force and, for warning.CAPRetention, the ones cancelled), newest first; while
// the log holds drill events they are Exercise, never Actual. The caller holds the read lock.
func (s *State) CAPAlerts() ([]cap.Alert, error) {
	ids := s.domain.warn.CAPEpisodes()
	out := make([]cap.Alert, 0, len(ids))
	for _, id := range ids {
		a, err := s.CAPAlert(id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// CAPAlert renders the last message sent under identifier; the error wraps
// warning.ErrNotFound when no episode of that identifier is held.
func (s *State) CAPAlert(identifier string) (cap.Alert, error) {
	a, err := s.domain.warn.CAPAlert(identifier, -1, s.drill.Events > 0, TownZone)
	if err != nil {
		return cap.Alert{}, fmt.Errorf("CAP %s: %w", identifier, err)
	}
	return a, nil
}

// CAPReceived lists the external alerts received lately and what became of each.
func (s *State) CAPReceived() []warning.Received { return s.domain.warn.ReceivedAlerts() }

// capDocument is the CAP XML an input carries: raw XML on flood.<town>.cap, a
// CloudEvent's data.xml_base64 (bytes exact: charset and signature kept), or
// its data.xml (already characters: the XML declaration's charset is moot).
func capDocument(d *events.CAPReceived) ([]byte, bool, error) {
	switch {
	case d.Raw != nil:
		return d.Raw, true, nil
	case d.XMLBase64 != "":
		b, err := base64.StdEncoding.DecodeString(d.XMLBase64)
		if err != nil {
			return nil, false, events.Invalidf("data.xml_base64", "", "not base64: %v", err)
		}
		return b, true, nil
	}
	return []byte(d.XML), false, nil
}

// applyCAP folds an external CAP alert: Exercise alerts act only once the town
// runs a drill (this event, or one before it, marked drill).
func (d *Domain) applyCAP(in events.Input, data *events.CAPReceived) error {
	doc, bytesExact, err := capDocument(data)
	if err != nil {
		return err
	}
	parse := cap.Parse
	if !bytesExact {
		parse = cap.ParseText
	}
	alert, err := parse(doc)
	if err != nil {
		return events.Invalidf("data.xml", "", "not a CAP 1.2 alert: %v", err)
	}
	_, err = d.warn.ExternalAlert(alert, d.drill || in.Event.Drill)
	return domainErr(err)
}
