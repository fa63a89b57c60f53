package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	capxml "github.com/floodcmd/floodcmd/cap"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/warning"
)

// One CAP 1.2 document holds one alert, so GET /api/cap is an Atom feed with one
// entry per warning episode, each carrying the episode's last message (Alert,
// Update or Cancel) whole as content — the way alerting hubs publish CAP — and
// GET /api/cap/{identifier} serves that message alone. A cancelled episode stays
// in both for warning.CAPRetention, so that every poller sees the Cancel.

func (s *Server) capAlerts() ([]capxml.Alert, error) {
	var alerts []capxml.Alert
	var err error
	s.deps.Engine.Read(func(st *engine.State) { alerts, err = st.CAPAlerts() })
	return alerts, err
}

// baseURL is this server as the client reached it, for absolute links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// capTitle names an entry: the area and level in Chinese, then in English, and
// the local time of the message, so that no two entries of a feed read alike.
func capTitle(a capxml.Alert) string {
	parts := []string{}
	for _, in := range a.Info {
		if in.Headline != "" {
			parts = append(parts, in.Headline)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, a.Identifier)
	}
	if t, err := capxml.ParseTime(a.Sent); err == nil {
		parts = append(parts, t.Format("01-02 15:04"))
	}
	if a.MsgType == "Update" {
		parts = append(parts, "更新 Update")
	}
	return strings.Join(parts, " · ")
}

// handleCAPFeed serves GET /api/cap.
func (s *Server) handleCAPFeed(w http.ResponseWriter, r *http.Request) {
	alerts, err := s.capAlerts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	base := baseURL(r)
	townName := s.deps.Town
	if s.deps.Domain != nil {
		if t := s.deps.Domain.Scenario().Town; t.Name != "" {
			townName = t.Name + " " + t.NameEn
		}
	}
	updated := capxml.FormatTime(time.Now().In(engine.TownZone))
	if len(alerts) > 0 {
		updated = alerts[0].Sent // newest first
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"%s/\">\n <id>urn:floodcmd:%s:cap</id>\n <title>%s 预警 warnings (CAP 1.2)</title>\n <updated>%s</updated>\n <author><name>%s</name></author>\n <link rel=\"self\" type=\"application/atom+xml\" href=\"%s/api/cap\"/>\n",
		xmlText(base), xmlText(s.deps.Town), xmlText(townName), updated, capxml.Sender(s.deps.Town), xmlText(base))
	for _, a := range alerts {
		doc, err := capxml.Encode(a)
		if err != nil {
			s.writeError(w, r, fmt.Errorf("encode CAP alert %s: %w", a.Identifier, err))
			return
		}
		fmt.Fprintf(&b, " <entry>\n  <id>urn:floodcmd:%s:cap:%s</id>\n  <title>%s</title>\n  <updated>%s</updated>\n  <link rel=\"alternate\" type=\"application/cap+xml\" href=\"%s/api/cap/%s\"/>\n  <content type=\"application/cap+xml\">\n%s  </content>\n </entry>\n",
			xmlText(s.deps.Town), xmlText(a.Identifier), xmlText(capTitle(a)), a.Sent, xmlText(base), xmlText(url.PathEscape(a.Identifier)),
			strings.TrimPrefix(string(doc), xml.Header))
	}
	b.WriteString("</feed>\n")
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// handleCAPAlert serves GET /api/cap/{identifier}: the last message sent under
// that identifier, also once the warning is cancelled (for warning.CAPRetention).
func (s *Server) handleCAPAlert(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(r.PathValue("identifier"), ".xml")
	var a capxml.Alert
	var err error
	s.deps.Engine.Read(func(st *engine.State) { a, err = st.CAPAlert(id) })
	if errors.Is(err, warning.ErrNotFound) {
		s.writeError(w, r, refusal(errcode.NotFound, fmt.Sprintf(
			"no CAP alert %q: GET /api/cap lists them (an ended warning is kept %s after its Cancel)", id, warning.CAPRetention)))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	doc, err := capxml.Encode(a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/cap+xml; charset=utf-8")
	_, _ = w.Write(doc)
}

// handleCAPReceived serves GET /api/cap-received: the external alerts received
// lately, oldest first, each with whether it acts and why (or why not: a Test, a
// category that does not bear on floods).
func (s *Server) handleCAPReceived(w http.ResponseWriter, r *http.Request) {
	var list []warning.Received
	s.deps.Engine.Read(func(st *engine.State) { list = st.CAPReceived() })
	if list == nil {
		list = []warning.Received{}
	}
	writeJSON(w, http.StatusOK, list)
}

// tooLarge is the answer to a CAP document over the limit: 413, never a cut.
func tooLarge(n int64) error {
	size := "larger"
	if n > 0 {
		size = fmt.Sprintf("%d bytes", n)
	}
	return refusal(errcode.TooLarge, fmt.Sprintf("a CAP document is at most %d bytes (180 KiB); this one is %s", capxml.MaxBytes, size))
}

// handleCAPIn takes a CAP 1.2 alert from the meteorological service (POST
// /api/cap, body: the XML in any charset it declares) and appends it to the log
// as flood.<town>.cap, its bytes kept exactly (base64); the engine maps its
// polygons and circles onto the grids they cover. The event id is derived from
// sender, identifier and sent, so a resent alert is a duplicate.
func (s *Server) handleCAPIn(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > capxml.MaxBytes {
		s.writeError(w, r, tooLarge(r.ContentLength))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, capxml.MaxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeError(w, r, tooLarge(0))
			return
		}
		s.writeError(w, r, invalid("could not read the request body", nil))
		return
	}
	a, err := capxml.Parse(raw)
	if err == nil {
		err = warning.CheckExternal(a)
	}
	if err != nil {
		s.writeError(w, r, invalid("not a CAP 1.2 alert floodcmd can take: "+strings.TrimPrefix(err.Error(), "invalid: "), nil))
		return
	}
	sent, _ := capxml.ParseTime(a.Sent) // Parse has validated it
	ev, err := events.New(capxml.EventID(a), "cap/"+a.Sender, events.TypeCAPReceived, sent,
		events.CAPReceived{XMLBase64: base64.StdEncoding.EncodeToString(raw)})
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
	writeJSON(w, http.StatusAccepted, map[string]any{"id": ev.ID, "seq": ack.Sequence, "duplicate": ack.Duplicate,
		"identifier": a.Identifier, "sender": a.Sender, "sent": a.Sent, "status": a.Status, "msg_type": a.MsgType})
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
