package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/events"
)

// handleState is GET /api/state: the whole View for an operator, and for any
// other role what the same filter as the websocket lets it read.
func (s *Server) handleState(w http.ResponseWriter, r *http.Request) {
	var v engine.View
	s.deps.Engine.Read(func(st *engine.State) { v = st.View() })
	p := principalOf(r)
	if p.Role == RoleOperator {
		writeJSON(w, http.StatusOK, v)
		return
	}
	raw, err := json.Marshal(viewFor(p.Role, v))
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encode view: %w", err))
		return
	}
	d, err := parseDoc(raw)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(newFilter(p).apply(d).state(v.Seq))
}

func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, refusal(errcode.NotFound, fmt.Sprintf("no such endpoint: %s %s", r.Method, r.URL.Path)))
}

// handlePostEvent appends one contract event, given with its subject, to the log:
// the same path a gauge or a phone takes over NATS, for clients that speak only HTTP.
// POST /api/events?subject=flood.<town>.incident with the CloudEvents JSON as body.
func (s *Server) handlePostEvent(w http.ResponseWriter, r *http.Request) {
	subject := r.URL.Query().Get("subject")
	raw, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in, err := events.Validate(s.deps.Town, subject, raw)
	if err != nil {
		inv, _ := events.AsInvalid(err)
		s.noteRejection(r, subject, raw, inv)
		s.writeError(w, r, invalid("event refused: "+err.Error(), inv))
		return
	}
	ack, err := s.deps.Publisher.Publish(r.Context(), subject, in.Event)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("append event %s: %w", in.Event.ID, err))
		return
	}
	status := http.StatusAccepted
	if ack.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"id": in.Event.ID, "seq": ack.Sequence, "duplicate": ack.Duplicate})
}

// noteRejection puts an event refused at the HTTP door on flood.<town>.rejected
// too, so that the log's listeners see every refusal, whichever way it came in.
func (s *Server) noteRejection(r *http.Request, subject string, raw []byte, inv *events.Invalid) {
	if inv == nil {
		return
	}
	id := ""
	if ev, err := events.DecodeEnvelope(raw); err == nil {
		id = ev.ID
	}
	notice := events.Rejection(id, subject, 0, inv)
	ev, err := events.New(newID("http-rejected"), "floodcmd/"+s.deps.Town+"/http", events.TypeEventRejected, time.Now(), notice)
	if err == nil {
		_, err = s.deps.Publisher.Publish(r.Context(), events.RejectedSubject(s.deps.Town), ev)
	}
	if err != nil {
		s.deps.Logger.Warn("could not publish a rejection notice", "subject", subject, "err", err)
	}
}
