package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/events"
)

// appliedWait is how long an action waits to learn whether the engine accepted it.
const appliedWait = 3 * time.Second

// readObject reads a JSON object body (at most MaxEventBytes).
func readObject(r *http.Request) (map[string]any, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, events.MaxEventBytes+1))
	if err != nil {
		return nil, invalid("could not read the request body", nil)
	}
	if len(raw) > events.MaxEventBytes {
		return nil, invalid(fmt.Sprintf("the body is over %d bytes", events.MaxEventBytes), nil)
	}
	body := map[string]any{}
	if len(raw) == 0 {
		return body, nil
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, invalid("the body must be a JSON object: "+err.Error(), nil)
	}
	return body, nil
}

// handleCommand is POST /api/commands/{verb}: an operator's order, appended to
// the log as flood.command.<verb> with the operator taken from the token. Any
// verb events.Validate knows is accepted, so new verbs need no change here.
func (s *Server) handleCommand(w http.ResponseWriter, r *http.Request) {
	body, err := readObject(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body["operator"] = principalOf(r).Subject
	s.appendAction(w, r, events.Subject(s.deps.Town, events.ChanCommand), events.TypeCommandPrefix+r.PathValue("verb"), body)
}

// handleIncident is POST /api/incidents: a report from the board or a phone,
// with the reporter taken from the token.
func (s *Server) handleIncident(w http.ResponseWriter, r *http.Request) {
	body, err := readObject(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body["reporter"] = principalOf(r).Subject
	s.appendAction(w, r, events.Subject(s.deps.Town, events.ChanIncident), events.TypeIncidentReported, body)
}

// handleResponderStatus is POST /api/responders/{rid}/status: the responder
// themself, or an operator on their behalf.
func (s *Server) handleResponderStatus(w http.ResponseWriter, r *http.Request) {
	rid := r.PathValue("rid")
	p := principalOf(r)
	if !actsFor(p, rid) {
		s.deny(w, r, errcode.Forbidden, fmt.Sprintf("a %s token for %q may not report for responder %q", p.Role, p.Subject, rid))
		return
	}
	body, err := readObject(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.Role == RoleOperator {
		if note, _ := body["note"].(string); note == "" {
			body["note"] = "set by operator " + p.Subject
		}
	}
	s.appendAction(w, r, events.Subject(s.deps.Town, events.ChanResponder, rid), events.TypeResponderStatus, body)
}

// appendAction validates the event as any sender's would be, appends it, and
// waits briefly for the engine's verdict so that a form can show the reason.
func (s *Server) appendAction(w http.ResponseWriter, r *http.Request, subject, typ string, data map[string]any) {
	p := principalOf(r)
	ev, err := events.New(newID("ui"), "floodcmd/"+s.deps.Town+"/ui/"+p.Role+"/"+p.Subject, typ, time.Now(), data)
	if err != nil {
		s.writeError(w, r, invalid("could not encode the event: "+err.Error(), nil))
		return
	}
	raw, err := ev.Encode()
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encode %s: %w", typ, err))
		return
	}
	in, err := events.Validate(s.deps.Town, subject, raw)
	if err != nil {
		inv, _ := events.AsInvalid(err)
		s.noteRejection(r, subject, raw, inv) // refused at the door, still on flood.<town>.rejected
		s.writeError(w, r, invalid(err.Error(), inv))
		return
	}
	ack, err := s.deps.Publisher.Publish(r.Context(), subject, in.Event)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("append %s: %w", in.Event.ID, err))
		return
	}
	s.deps.Logger.Info("action appended", "role", p.Role, "who", p.Subject, "type", typ, "subject", subject, "seq", ack.Sequence)
	ans := map[string]any{"id": in.Event.ID, "seq": ack.Sequence, "subject": subject, "type": typ}
	if rej, ok := s.verdict(r, ack.Sequence); ok {
		ans["error"], ans["message"] = "rejected", rej.Reason
		writeJSON(w, http.StatusUnprocessableEntity, ans)
		return
	}
	writeJSON(w, http.StatusAccepted, ans)
}

// verdict waits until the engine has folded seq and reports its rejection, if any.
func (s *Server) verdict(r *http.Request, seq uint64) (events.Rejected, bool) {
	deadline := time.Now().Add(appliedWait)
	for s.deps.Engine.AppliedSeq() < seq {
		if time.Now().After(deadline) || r.Context().Err() != nil {
			return events.Rejected{}, false // accepted into the log; the board will show the outcome
		}
		time.Sleep(5 * time.Millisecond)
	}
	var rej events.Rejected
	found := false
	s.deps.Engine.Read(func(st *engine.State) {
		for _, x := range st.View().Rejections {
			if x.Seq == seq {
				rej, found = x, true
			}
		}
	})
	return rej, found
}
