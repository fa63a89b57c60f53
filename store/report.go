package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Report is the after-action report of a town over [From, To): what happened,
// how fast the response was against the published yardsticks, how the
// evacuation and the rain went, and what mutual aid moved.
type Report struct {
	Town        string        `json:"town"`
	From        time.Time     `json:"from"`
	To          time.Time     `json:"to"`
	Generated   time.Time     `json:"generated"`
	Incidents   IncidentStats `json:"incidents"`
	Response    []PhaseStats  `json:"response_times"`
	CheckIns    []HourCount   `json:"evacuation_checkins_per_hour"`
	Rain        []GaugeRain   `json:"rain_per_hour"`
	Aid         AidStats      `json:"mutual_aid"`
	Commands    int           `json:"operator_commands"`
	Rejections  int           `json:"rejections"`
	EventsTotal int           `json:"events"`
}

// IncidentStats counts incidents reported in the period.
type IncidentStats struct {
	Total     int     `json:"total"`
	Resolved  int     `json:"resolved"`
	ByKind    []Count `json:"by_kind"`
	ByVillage []Count `json:"by_village"`
}

// Count is a number of things under a name.
type Count struct {
	Key string `json:"key"`
	N   int    `json:"n"`
}

// PhaseStats is one phase of the response in seconds, against its yardstick.
type PhaseStats struct {
	// Phase is dispatch (assignment created − incident reported), turnout
	// (accepted or en route − created), travel (on scene − en route) or on_scene (done − on scene).
	Phase string  `json:"phase"`
	N     int     `json:"n"`
	P50   float64 `json:"p50_s"`
	P90   float64 `json:"p90_s"`
	// Goal is the yardstick's limit in seconds, 0 where there is none; Within
	// is the share of cases at or under it, against the 90 % the standards ask.
	Goal      float64 `json:"goal_s,omitempty"`
	Within    float64 `json:"within_goal,omitempty"`
	Yardstick string  `json:"yardstick,omitempty"`
}

// Met reports whether 90 % of cases were within the goal.
func (p PhaseStats) Met() bool { return p.Goal > 0 && p.N > 0 && p.Within >= 0.9 }

// HourCount is a number per hour (the hour's start, UTC).
type HourCount struct {
	Hour time.Time `json:"hour"`
	N    int       `json:"n"`
}

// GaugeRain is a rain gauge's rain per hour.
type GaugeRain struct {
	Gauge string     `json:"gauge"`
	Hours []HourRain `json:"hours"`
	Total float64    `json:"total_mm"`
}

// HourRain is the rain of one hour (the hour's start, UTC).
type HourRain struct {
	Hour time.Time `json:"hour"`
	MM   float64   `json:"mm"`
}

// AidStats counts mutual-aid messages: received (other towns' requests and
// answers addressed to this town), given (this town's answers and commitments),
// needed (this town's dispatcher found its own responders short).
type AidStats struct {
	Received int `json:"received"`
	Given    int `json:"given"`
	Needed   int `json:"needed"`
}

// yardsticks are the response-time goals the report measures against: NFPA 1225
// (90 % dispatched within 60 s) and NFPA 1710 (turnout 60–80 s, travel 240 s).
var yardsticks = map[string]struct {
	goal float64
	name string
}{
	"dispatch": {60, "NFPA 1225: 90 % dispatched within 60 s"},
	"turnout":  {80, "NFPA 1710: turnout 60–80 s, 90 %"},
	"travel":   {240, "NFPA 1710: travel ≤ 240 s, 90 %"},
}

// phases lists the response phases in the report's order.
var phases = []string{"dispatch", "turnout", "travel", "on_scene"}

// Report computes the after-action report of town over [from, to), by the time
// events say they happened (reported, created, status times).
func (s *Store) Report(ctx context.Context, town string, from, to time.Time) (Report, error) {
	r := Report{Town: town, From: from.UTC(), To: to.UTC(), Generated: time.Now().UTC()}
	q := func(what, sql string, scan func(pgx.Rows) error, args ...any) error {
		rows, err := s.pool.Query(ctx, sql, append([]any{town, from, to}, args...)...)
		if err != nil {
			return fmt.Errorf("report %s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return fmt.Errorf("report %s: %w", what, err)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("report %s: %w", what, err)
		}
		return nil
	}
	counts := func(dst *[]Count) func(pgx.Rows) error {
		return func(rows pgx.Rows) error {
			var c Count
			err := rows.Scan(&c.Key, &c.N)
			*dst = append(*dst, c)
			return err
		}
	}
	steps := []error{
		q("totals", `SELECT
			(SELECT count(*) FROM incidents WHERE town=$1 AND reported_at >= $2 AND reported_at < $3),
			(SELECT count(*) FROM incidents WHERE town=$1 AND reported_at >= $2 AND reported_at < $3 AND resolved_at IS NOT NULL),
			(SELECT count(*) FROM audit WHERE town=$1 AND at >= $2 AND at < $3),
			(SELECT count(*) FROM rejections WHERE town=$1 AND at >= $2 AND at < $3),
			(SELECT count(*) FROM events WHERE town=$1 AND time >= $2 AND time < $3)`,
			func(rows pgx.Rows) error {
				return rows.Scan(&r.Incidents.Total, &r.Incidents.Resolved, &r.Commands, &r.Rejections, &r.EventsTotal)
			}),
		q("incidents by kind", `SELECT kind, count(*) FROM incidents WHERE town=$1 AND reported_at >= $2 AND reported_at < $3
			GROUP BY kind ORDER BY count(*) DESC, kind`, counts(&r.Incidents.ByKind)),
		q("incidents by village", `SELECT coalesce(nullif(village, ''), '(outside)'), count(*) FROM incidents
			WHERE town=$1 AND reported_at >= $2 AND reported_at < $3 GROUP BY 1 ORDER BY count(*) DESC, 1`, counts(&r.Incidents.ByVillage)),
		q("response times", responseSQL, func(rows pgx.Rows) error {
			var p PhaseStats
			if err := rows.Scan(&p.Phase, &p.N, &p.P50, &p.P90, &p.Within, &p.Goal); err != nil {
				return err
			}
			if y, ok := yardsticks[p.Phase]; ok {
				p.Yardstick = y.name
			} else {
				p.Within = 0
			}
			r.Response = append(r.Response, p)
			return nil
		}, yardsticks["dispatch"].goal, yardsticks["turnout"].goal, yardsticks["travel"].goal),
		q("check-ins", `SELECT date_trunc('hour', at, 'UTC'), sum(delta) FROM shelter_occupancy
			WHERE town=$1 AND at >= $2 AND at < $3 AND delta > 0 GROUP BY 1 ORDER BY 1`, func(rows pgx.Rows) error {
			var h HourCount
			err := rows.Scan(&h.Hour, &h.N)
			h.Hour = h.Hour.UTC()
			r.CheckIns = append(r.CheckIns, h)
			return err
		}),
		q("rain", `SELECT gauge, date_trunc('hour', at, 'UTC'), sum(mm) FROM rain_readings
			WHERE town=$1 AND at >= $2 AND at < $3 GROUP BY 1, 2 ORDER BY 1, 2`, func(rows pgx.Rows) error {
			var g string
			var h HourRain
			if err := rows.Scan(&g, &h.Hour, &h.MM); err != nil {
				return err
			}
			h.Hour = h.Hour.UTC()
			if n := len(r.Rain); n == 0 || r.Rain[n-1].Gauge != g {
				r.Rain = append(r.Rain, GaugeRain{Gauge: g})
			}
			last := &r.Rain[len(r.Rain)-1]
			last.Hours = append(last.Hours, h)
			last.Total += h.MM
			return nil
		}),
		q("aid", `SELECT
			count(*) FILTER (WHERE direction = 'received'), count(*) FILTER (WHERE direction = 'given'),
			count(*) FILTER (WHERE direction = 'needed') FROM aid_requests WHERE town=$1 AND at >= $2 AND at < $3`,
			func(rows pgx.Rows) error { return rows.Scan(&r.Aid.Received, &r.Aid.Given, &r.Aid.Needed) }),
	}
	for _, err := range steps {
		if err != nil {
			return Report{}, err
		}
	}
	r.Response = completePhases(r.Response)
	return r, nil
}

// completePhases lists every phase in order, with zeros where there were no cases.
func completePhases(got []PhaseStats) []PhaseStats {
	out := make([]PhaseStats, 0, len(phases))
	for _, name := range phases {
		p := PhaseStats{Phase: name}
		for _, g := range got {
			if g.Phase == name {
				p = g
			}
		}
		if y, ok := yardsticks[name]; ok {
			p.Goal, p.Yardstick = y.goal, y.name
		}
		out = append(out, p)
	}
	return out
}

// responseSQL measures each phase per incident (dispatch: its first
// assignment) or per assignment (the others: the first time of each status).
// Negative spans — a sender's clock behind the engine's — are left out.
const responseSQL = `
WITH a AS (
	SELECT a.assignment, a.incident, a.created_at,
		min(s.at) FILTER (WHERE s.status IN ('accepted', 'en_route')) AS turned_out,
		min(s.at) FILTER (WHERE s.status = 'en_route') AS en_route,
		min(s.at) FILTER (WHERE s.status = 'on_scene') AS on_scene,
		min(s.at) FILTER (WHERE s.status = 'done') AS done
	FROM assignments a LEFT JOIN assignment_status s ON s.town = a.town AND s.assignment = a.assignment
	WHERE a.town = $1 AND a.created_at >= $2 AND a.created_at < $3
	GROUP BY a.assignment, a.incident, a.created_at
), spans AS (
	SELECT 'dispatch' AS phase, extract(epoch FROM min(a.created_at) - i.reported_at)::float8 AS s, $4::float8 AS goal
		FROM incidents i JOIN a ON a.incident = i.incident WHERE i.town = $1 GROUP BY i.incident, i.reported_at
	UNION ALL SELECT 'turnout', extract(epoch FROM turned_out - created_at)::float8, $5::float8 FROM a WHERE turned_out IS NOT NULL
	UNION ALL SELECT 'travel', extract(epoch FROM on_scene - en_route)::float8, $6::float8 FROM a WHERE on_scene IS NOT NULL AND en_route IS NOT NULL
	UNION ALL SELECT 'on_scene', extract(epoch FROM done - on_scene)::float8, 0::float8 FROM a WHERE done IS NOT NULL AND on_scene IS NOT NULL
)
SELECT phase, count(*)::int,
	percentile_cont(0.5) WITHIN GROUP (ORDER BY s), percentile_cont(0.9) WITHIN GROUP (ORDER BY s),
	coalesce(avg(CASE WHEN s <= goal THEN 1.0 ELSE 0.0 END), 0)::float8, max(goal)
FROM spans WHERE s >= 0 GROUP BY phase`
