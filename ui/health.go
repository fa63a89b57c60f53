package ui

import (
	"context"
	"errors"
	"github.com/floodcmd/floodcmd/engine"
	"net/http"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Checks that /readyz names when the town cannot take events.
const (
	CheckNATS     = "nats"     // the connection to NATS
	CheckStream   = "stream"   // the town's stream is present and answers
	CheckStorage  = "storage"  // the log's disk has room (the board shows a banner)
	CheckAppend   = "append"   // the last append to the log was answered
	CheckLease    = "lease"    // this process holds the town's lease
	CheckEngine   = "engine"   // the engine has folded the log
	CheckPostgres = "postgres" // the projector has caught up
)

// NotReady is one named reason the town cannot take events now. It is also
// the error an append returns when the log cannot take it: the HTTP answer is
// Status (503, or 507 when the disk is full) with the message.
type NotReady struct {
	Check   string `json:"check"`
	Message string `json:"message"`
	// Status is the HTTP status an input refused for this reason gets.
	Status int   `json:"-"`
	Err    error `json:"-"`
}

func (n *NotReady) Error() string { return n.Check + ": " + n.Message }
func (n *NotReady) Unwrap() error { return n.Err }

// NotReadyReasons lists every *NotReady in err (joined with errors.Join or
// wrapped); an error that is none is reported under its own text as "other".
func NotReadyReasons(err error) []NotReady {
	if err == nil {
		return nil
	}
	var out []NotReady
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, NotReadyReasons(e)...)
		}
		return out
	}
	var nr *NotReady
	if errors.As(err, &nr) {
		return []NotReady{*nr}
	}
	return []NotReady{{Check: "other", Message: err.Error(), Status: http.StatusServiceUnavailable}}
}

// StorageFull reports whether err is JetStream refusing a write for want of
// space (the disk, or the account's or stream's storage limit).
func StorageFull(err error) bool {
	var api *jetstream.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode {
		case 10023, 10047, 10028: // insufficient resources; storage / memory resources exceeded
			return true
		}
	}
	return err != nil && strings.Contains(err.Error(), "insufficient") && strings.Contains(err.Error(), "resources")
}

// AppendFailure turns a failed append to the log into the reason an operator
// reads: the disk is full (507), the stream is missing or not answering (503),
// the log did not answer in time (503). Other errors are returned as they are.
func AppendFailure(err error) error {
	var nr *NotReady
	switch {
	case err == nil || errors.As(err, &nr):
		return err
	case StorageFull(err):
		return &NotReady{Check: CheckStorage, Status: http.StatusInsufficientStorage, Err: err,
			Message: "the town's log is full (no space left for JetStream): nothing was recorded; free disk space on the NATS server, the input is taken again by itself once there is room"}
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrStreamNotFound),
		errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, nats.ErrDisconnected):
		return &NotReady{Check: CheckStream, Status: http.StatusServiceUnavailable, Err: err,
			Message: "the town's log is not answering (its stream is missing or its NATS servers are down): nothing was recorded; send it again later, /readyz says why"}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return &NotReady{Check: CheckAppend, Status: http.StatusServiceUnavailable, Err: err,
			Message: "the town's log did not answer in time: the input may or may not be recorded; send it again with the same id (a repeat is dropped)"}
	}
	return err
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "town": s.deps.Town})
}

// handleReadyz is ready only once the town can take and decide events: NATS
// connected, the stream present with room, the last append answered, the
// lease held, the engine and the projector caught up. When not, "reasons"
// names each check that fails ({"check": "storage", "message": …}) and
// "storage_full" is true while the disk is full, for the board's banner.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	body := map[string]any{"town": s.deps.Town, "applied_seq": s.deps.Engine.AppliedSeq()}
	// Decisions in the log the fold found void (never carried out, told on
	// their subject): 0 unless rounds had to go in while inputs kept coming.
	s.deps.Engine.Read(func(st *engine.State) { body["decisions_void"] = st.Voided() })
	if st, ok := s.deps.Engine.(interface{ StartInfo() any }); ok {
		body["start"] = st.StartInfo() // the snapshot loaded, the tail folded, the time to ready
	}
	if s.deps.Lags != nil {
		// How far each follower of the log is behind, ready or not: an operator
		// sees at once that the town's record in PostgreSQL is lagging.
		body["lag"] = s.deps.Lags(r.Context())
	}
	var reasons []NotReady
	if !s.deps.Engine.Ready() {
		reasons = append(reasons, NotReady{Check: CheckEngine, Message: "the engine is still replaying the log"})
	}
	if s.deps.Ready != nil {
		reasons = append(reasons, NotReadyReasons(s.deps.Ready(r.Context()))...)
	}
	full := false
	msgs := make([]string, 0, len(reasons))
	for _, nr := range reasons {
		full = full || nr.Check == CheckStorage
		msgs = append(msgs, nr.Error())
	}
	body["storage_full"] = full
	if len(reasons) == 0 {
		body["status"] = "ready"
		writeJSON(w, http.StatusOK, body)
		return
	}
	body["status"] = "not ready"
	if len(reasons) == 1 && reasons[0].Check == CheckEngine {
		body["status"] = "replaying"
	}
	body["message"] = strings.Join(msgs, "; ")
	body["reasons"] = reasons
	writeJSON(w, http.StatusServiceUnavailable, body)
}
