package ui

import (
	"net/http"
)

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "town": s.deps.Town})
}

// handleReadyz is ready only once streams and engine are up and caught up.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	body := map[string]any{"town": s.deps.Town, "applied_seq": s.deps.Engine.AppliedSeq()}
	if s.deps.Lags != nil {
		// How far each follower of the log is behind, ready or not: an operator
		// sees at once that the town's record in PostgreSQL is lagging.
		body["lag"] = s.deps.Lags(r.Context())
	}
	if !s.deps.Engine.Ready() {
		body["status"] = "replaying"
		body["message"] = "the engine is still replaying the log"
		writeJSON(w, http.StatusServiceUnavailable, body)
		return
	}
	if s.deps.Ready != nil {
		if err := s.deps.Ready(r.Context()); err != nil {
			body["status"] = "not ready"
			body["message"] = err.Error()
			writeJSON(w, http.StatusServiceUnavailable, body)
			return
		}
	}
	body["status"] = "ready"
	writeJSON(w, http.StatusOK, body)
}
