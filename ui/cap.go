package ui

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	capxml "github.com/floodcmd/floodcmd/cap"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
)

// One CAP 1.2 document holds one alert, so GET /api/cap is an Atom feed with one
// entry per active warning, each carrying its whole <alert> as content — the way
// alerting hubs publish CAP — and GET /api/cap/{identifier} serves one alert alone.

func (s *Server) activeAlerts() ([]capxml.Alert, error) {
	var alerts []capxml.Alert
	var err error
	s.deps.Engine.Read(func(st *engine.State) { alerts, err = st.CAPAlerts() })
	return alerts, err
}

// handleCAPFeed serves GET /api/cap.
func (s *Server) handleCAPFeed(w http.ResponseWriter, r *http.Request) {
	alerts, err := s.activeAlerts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := capxml.FormatTime(time.Now().In(engine.TownZone))
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n <id>urn:floodcmd:%s:cap</id>\n <title>%s 预警 warnings (CAP 1.2)</title>\n <updated>%s</updated>\n <author><name>floodcmd@%s</name></author>\n",
		s.deps.Town, xmlText(s.deps.Town), now, s.deps.Town)
	for _, a := range alerts {
		doc, err := capxml.Encode(a)
		if err != nil {
			s.writeError(w, r, fmt.Errorf("encode CAP alert %s: %w", a.Identifier, err))
			return
		}
		title := a.Identifier
		if len(a.Info) > 0 && a.Info[0].Headline != "" {
			title = a.Info[0].Headline
		}
		fmt.Fprintf(&b, " <entry>\n  <id>urn:floodcmd:%s</id>\n  <title>%s</title>\n  <updated>%s</updated>\n  <link rel=\"alternate\" type=\"application/cap+xml\" href=\"/api/cap/%s\"/>\n  <content type=\"application/cap+xml\">\n%s  </content>\n </entry>\n",
			xmlText(a.Identifier), xmlText(title), a.Sent, xmlText(a.Identifier), strings.TrimPrefix(string(doc), xml.Header))
	}
	b.WriteString("</feed>\n")
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// handleCAPAlert serves GET /api/cap/{identifier}: one CAP 1.2 document.
func (s *Server) handleCAPAlert(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(r.PathValue("identifier"), ".xml")
	alerts, err := s.activeAlerts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, a := range alerts {
		if a.Identifier == id {
			doc, err := capxml.Encode(a)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			w.Header().Set("Content-Type", "application/cap+xml; charset=utf-8")
			_, _ = w.Write(doc)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, &apiError{Kind: "not found", Message: fmt.Sprintf("no active warning %q; GET /api/cap lists them", id)})
}

// handleCAPIn takes a CAP 1.2 alert from the meteorological service (POST
// /api/cap, body: the XML) and appends it to the log as flood.<town>.cap; the
// engine maps its polygons and circles onto the grids they cover.
func (s *Server) handleCAPIn(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, events.MaxEventBytes))
	if err != nil {
		s.writeError(w, r, invalid("could not read the request body", nil))
		return
	}
	a, err := capxml.Parse(raw)
	if err != nil {
		s.writeError(w, r, invalid("not a valid CAP 1.2 alert: "+err.Error(), nil))
		return
	}
	ev, err := events.New("cap-"+a.Identifier, "cap/"+a.Sender, events.TypeCAPReceived, time.Now(), events.CAPReceived{XML: string(raw)})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	subject := events.Subject(s.deps.Town, events.ChanCAP)
	if _, err := events.Validate(s.deps.Town, subject, mustEncode(ev)); err != nil {
		inv, _ := events.AsInvalid(err)
		s.writeError(w, r, invalid("alert refused: "+err.Error(), inv))
		return
	}
	ack, err := s.deps.Publisher.Publish(r.Context(), subject, ev)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"id": ev.ID, "seq": ack.Sequence, "duplicate": ack.Duplicate, "identifier": a.Identifier})
}

func mustEncode(ev events.Event) []byte {
	b, _ := ev.Encode()
	return b
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
