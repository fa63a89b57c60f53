package ui

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/store"
)

// Reporter builds the after-action report and the incident history from the
// town's record in PostgreSQL.
type Reporter interface {
	Report(ctx context.Context, town string, from, to time.Time) (store.Report, error)
	History(ctx context.Context, town string, from, to time.Time, limit int) (store.History, error)
}

var _ Reporter = (*store.Store)(nil)

// reportRange reads ?from=&to= as RFC 3339 times or dates (town time); both are
// optional (zero: open), so the report covers all of the record by default.
func reportRange(r *http.Request) (from, to time.Time, err error) {
	parse := func(name, v string, def time.Time, endOfDay bool) (time.Time, error) {
		if v == "" {
			return def, nil
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, nil
		}
		d, err := time.ParseInLocation("2006-01-02", v, engine.TownZone)
		if err != nil {
			return time.Time{}, invalid(fmt.Sprintf("%s=%q: give a date (2022-05-12) or an RFC 3339 time (2022-05-12T20:00:00+08:00)", name, v), nil)
		}
		if endOfDay {
			d = d.Add(24 * time.Hour)
		}
		return d, nil
	}
	if from, err = parse("from", r.URL.Query().Get("from"), time.Time{}, false); err != nil {
		return
	}
	if to, err = parse("to", r.URL.Query().Get("to"), time.Time{}, true); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		err = invalid("to must be after from", nil)
	}
	return
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) (store.Report, bool) {
	if s.deps.Reports == nil {
		s.writeError(w, r, refusal(errcode.Unavailable,
			"the after-action report reads the town's record in PostgreSQL: start floodcmd serve with --db (FLOODCMD_DB)"))
		return store.Report{}, false
	}
	from, to, err := reportRange(r)
	if err != nil {
		s.writeError(w, r, err)
		return store.Report{}, false
	}
	rep, err := s.deps.Reports.Report(r.Context(), s.deps.Town, from, to)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("report %s…%s: %w", from, to, err))
		return store.Report{}, false
	}
	if s.deps.Domain != nil {
		store.NameReport(&rep, s.deps.Domain.Scenario())
	}
	return rep, true
}

// handleReport serves GET /api/report?from=&to= as JSON.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	if rep, ok := s.report(w, r); ok {
		writeJSON(w, http.StatusOK, rep)
	}
}

// handleReportPage serves GET /report?from=&to=: the printable page with its SVG charts.
func (s *Server) handleReportPage(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.report(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := store.WriteReportHTML(w, rep, engine.TownZone); err != nil {
		s.deps.Logger.Error("report page", "err", err)
	}
}
