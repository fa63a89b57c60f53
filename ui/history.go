package ui

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/floodcmd/floodcmd/store"

	"github.com/floodcmd/floodcmd/errcode"
)

// handleHistory serves GET /api/history?from=&to=&limit=: the incidents of a
// period from the town's record, newest first, each with its assignments and
// their statuses. The live view (/api/state) keeps finished work only for
// --retention; this is where the rest of the season is. Operators only: notes
// and places are personal data the viewer role never sees.
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	if s.deps.Reports == nil {
		s.writeError(w, r, refusal(errcode.Unavailable,
			"the incident history reads the town's record in PostgreSQL: start floodcmd serve with --db (FLOODCMD_DB)"))
		return
	}
	from, to, err := reportRange(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit := store.MaxHistory
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxHistory {
			s.writeError(w, r, invalid(fmt.Sprintf("limit=%q: a whole number from 1 to %d", v, store.MaxHistory), nil))
			return
		}
		limit = n
	}
	h, err := s.deps.Reports.History(r.Context(), s.deps.Town, from, to, limit)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("history %s…%s: %w", from, to, err))
		return
	}
	writeJSON(w, http.StatusOK, h)
}
