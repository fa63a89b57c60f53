package store

import (
	"context"
	"fmt"
	"time"
)

// History is the record of a period's incidents with what was sent to each:
// the live view keeps finished work only for a retention, and this is where
// the rest stays reachable for the operators.
type History struct {
	Town      string            `json:"town"`
	From      time.Time         `json:"from"`
	To        time.Time         `json:"to"`
	Incidents []HistoryIncident `json:"incidents"`
	// More says the period holds more incidents than were listed (see limit).
	More bool `json:"more"`
}

// HistoryIncident is one incident as the record has it.
type HistoryIncident struct {
	ID          string              `json:"id"`
	Kind        string              `json:"kind"`
	Lat         float64             `json:"lat"`
	Lon         float64             `json:"lon"`
	Village     string              `json:"village"`
	Grid        string              `json:"grid"`
	People      int                 `json:"people"`
	Severity    int                 `json:"severity"`
	Note        string              `json:"note"`
	Drill       bool                `json:"drill"`
	ReportedAt  time.Time           `json:"reported_at"`
	ResolvedAt  *time.Time          `json:"resolved_at,omitempty"`
	ResolvedBy  string              `json:"resolved_by,omitempty"`
	Assignments []HistoryAssignment `json:"assignments"`
}

// HistoryAssignment is an assignment with every status it went through.
type HistoryAssignment struct {
	ID         string          `json:"id"`
	Responder  string          `json:"responder"`
	Capability string          `json:"capability"`
	Priority   int             `json:"priority"`
	ETASeconds float64         `json:"eta_s"`
	Reason     string          `json:"reason"`
	CreatedAt  time.Time       `json:"created_at"`
	Statuses   []HistoryStatus `json:"statuses"`
}

// HistoryStatus is one status of an assignment and when it was reported.
type HistoryStatus struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
}

// MaxHistory bounds the incidents of one History answer.
const MaxHistory = 1000

// History lists the incidents reported in [from, to) (zero: open), newest
// first, at most limit of them (1…MaxHistory), each with its assignments.
func (s *Store) History(ctx context.Context, town string, from, to time.Time, limit int) (History, error) {
	if from.IsZero() {
		from = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if limit <= 0 || limit > MaxHistory {
		limit = MaxHistory
	}
	h := History{Town: town, From: from, To: to, Incidents: []HistoryIncident{}}
	rows, err := s.pool.Query(ctx, `SELECT incident, kind, lat, lon, village, grid, people, severity, note, drill,
			reported_at, resolved_at, coalesce(resolved_by, '')
		FROM incidents WHERE town = $1 AND reported_at >= $2 AND reported_at < $3
		ORDER BY reported_at DESC, incident LIMIT $4`, town, from, to, limit+1)
	if err != nil {
		return h, fmt.Errorf("history: incidents: %w", err)
	}
	index := map[string]int{}
	for rows.Next() {
		var i HistoryIncident
		if err := rows.Scan(&i.ID, &i.Kind, &i.Lat, &i.Lon, &i.Village, &i.Grid, &i.People, &i.Severity, &i.Note, &i.Drill,
			&i.ReportedAt, &i.ResolvedAt, &i.ResolvedBy); err != nil {
			rows.Close()
			return h, fmt.Errorf("history: incidents: %w", err)
		}
		if len(h.Incidents) == limit {
			h.More = true
			continue
		}
		i.Assignments = []HistoryAssignment{}
		index[i.ID] = len(h.Incidents)
		h.Incidents = append(h.Incidents, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return h, fmt.Errorf("history: incidents: %w", err)
	}
	if len(index) == 0 {
		return h, nil
	}
	ids := make([]string, 0, len(index))
	for id := range index {
		ids = append(ids, id)
	}
	rows, err = s.pool.Query(ctx, `SELECT a.incident, a.assignment, a.responder, coalesce(a.capability, ''), coalesce(a.priority, 0),
			coalesce(a.eta_s, 0), coalesce(a.reason, ''), a.created_at, s.status, s.at
		FROM assignments a
		LEFT JOIN assignment_status s ON s.town = a.town AND s.assignment = a.assignment
		WHERE a.town = $1 AND a.incident = ANY($2)
		ORDER BY a.created_at, a.assignment, s.seq`, town, ids)
	if err != nil {
		return h, fmt.Errorf("history: assignments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var incident string
		var a HistoryAssignment
		var status *string
		var at *time.Time
		if err := rows.Scan(&incident, &a.ID, &a.Responder, &a.Capability, &a.Priority, &a.ETASeconds, &a.Reason, &a.CreatedAt, &status, &at); err != nil {
			return h, fmt.Errorf("history: assignments: %w", err)
		}
		inc := &h.Incidents[index[incident]]
		if n := len(inc.Assignments); n == 0 || inc.Assignments[n-1].ID != a.ID {
			a.Statuses = []HistoryStatus{}
			inc.Assignments = append(inc.Assignments, a)
		}
		if status != nil && at != nil {
			last := &inc.Assignments[len(inc.Assignments)-1]
			last.Statuses = append(last.Statuses, HistoryStatus{Status: *status, At: *at})
		}
	}
	return h, rows.Err()
}
