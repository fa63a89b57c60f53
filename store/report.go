package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/geo"
)

// Report is the after-action report of a town over the period of its record
// [From, To]: what happened, how fast the response was against the published
// yardsticks, how the evacuation and the rain went, and what mutual aid moved.
//
// Every time is on the log's clock (see clockCTE): in a drill, the engine's
// decisions are stamped with the drill's clock, like the storm's own events.
type Report struct {
	Town string `json:"town"`
	// TownName and TownNameEn are the town's names (set by the caller that knows the scenario).
	TownName   string `json:"town_name,omitempty"`
	TownNameEn string `json:"town_name_en,omitempty"`
	// From and To are the first and last event of the record inside the range asked for.
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Generated time.Time `json:"generated"`
	// Drill says the record's decisions were timed on a drill's clock.
	Drill      bool          `json:"drill"`
	Incidents  IncidentStats `json:"incidents"`
	Response   []PhaseStats  `json:"response_times"`
	CheckIns   []HourCount   `json:"evacuation_checkins_per_hour"`
	Rain       []GaugeRain   `json:"rain_per_hour"`
	Aid        AidStats      `json:"mutual_aid"`
	Commands   int           `json:"operator_commands"`
	Rejections int           `json:"rejections"`
	// RejectionsByCode counts the rejected inputs by the kind of refusal
	// (invalid, not_found, conflict …; "" for notices from before codes).
	RejectionsByCode []Count `json:"rejections_by_code"`
	EventsTotal      int     `json:"events"`
}

// IncidentStats counts incidents reported in the period and the assignments
// made to them (one incident may need several responders); OtherAssignments
// are those made in the period to incidents the engine opened itself (a
// warning's patrol, an evacuation escort), which no one reported.
type IncidentStats struct {
	Total            int     `json:"total"`
	Resolved         int     `json:"resolved"`
	Assigned         int     `json:"assigned"`
	Assignments      int     `json:"assignments"`
	OtherAssignments int     `json:"other_assignments"`
	ByKind           []Count `json:"by_kind"`
	ByVillage        []Count `json:"by_village"`
}

// Count is a number of things under a key (an id), with its names where known.
type Count struct {
	Key    string `json:"key"`
	N      int    `json:"n"`
	Name   string `json:"name,omitempty"`
	NameEn string `json:"name_en,omitempty"`
}

// PhaseStats is one phase of the response in seconds, against its yardstick.
type PhaseStats struct {
	// Phase is dispatch (first assignment − incident reported), turnout
	// (accepted or en route − created), travel (on scene − en route) or on_scene (done − on scene).
	Phase string `json:"phase"`
	// N is the number of cases; Unit says what a case is (incidents for
	// dispatch, assignments for the others).
	N    int     `json:"n"`
	Unit string  `json:"unit"`
	P50  float64 `json:"p50_s"`
	P90  float64 `json:"p90_s"`
	// Goal is the yardstick's limit in seconds, 0 where there is none; Within
	// is the share of cases at or under it, against the 90 % the standards ask.
	Goal      float64 `json:"goal_s,omitempty"`
	Within    float64 `json:"within_goal"`
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
	Gauge  string     `json:"gauge"`
	Name   string     `json:"name,omitempty"`
	NameEn string     `json:"name_en,omitempty"`
	Hours  []HourRain `json:"hours"`
	Total  float64    `json:"total_mm"`
}

// HourRain is the rain of one hour (the hour's start, UTC).
type HourRain struct {
	Hour time.Time `json:"hour"`
	MM   float64   `json:"mm"`
}

// AidStats counts mutual-aid messages. Received: other towns' requests and
// answers that reached this town's inbox. Given: this town's answers and
// commitments that the partner town's stream acknowledged (a delivered marker
// in our log); Asked: our requests so acknowledged; Undelivered: our messages
// still waiting for a partner that is not answering. Needed: this town's
// dispatcher found its own responders short.
type AidStats struct {
	Received    int `json:"received"`
	Given       int `json:"given"`
	Asked       int `json:"asked"`
	Undelivered int `json:"undelivered"`
	Needed      int `json:"needed"`
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

// clockCTE gives every event of town $1 its time on the log's clock: an input
// keeps the time its sender gave, and so does a decision: the engine decides
// on the drill's clock in a drill, on the wall clock live, the clock of its
// inputs either way. Logs written before decisions ran on the drill's clock
// have wall-clock decisions among a storm's events: such a decision (more than
// a day from the drill event it follows) takes that event's time instead.
const clockCTE = `WITH ev AS (
	SELECT seq, time, drill,
		(starts_with(subject, 'flood.' || $1 || '.out.') OR subject = 'flood.' || $1 || '.rejected') AS engine
	FROM events WHERE town = $1
), carried AS (
	SELECT seq, time, engine, max(seq) FILTER (WHERE NOT engine AND time IS NOT NULL) OVER (ORDER BY seq) AS input_seq FROM ev
), clock AS (
	SELECT c.seq, c.engine, (c.engine AND coalesce(i.drill, false)) AS drill_decision,
		CASE WHEN c.engine AND i.drill AND abs(extract(epoch FROM c.time - i.time)) > 86400 THEN i.time ELSE c.time END AS at
	FROM carried c LEFT JOIN ev i ON i.seq = c.input_seq
)
`

// Report computes the after-action report of town over [from, to) on the
// log's clock; a zero from or to leaves that end open. From and To of the
// result are the first and last event found.
func (s *Store) Report(ctx context.Context, town string, from, to time.Time) (Report, error) {
	if from.IsZero() {
		from = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	r := Report{Town: town, Generated: time.Now().UTC()}
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
	var first, last *time.Time
	steps := []func() error{
		func() error {
			return q("totals", clockCTE+`SELECT
			(SELECT count(*) FROM incidents WHERE town=$1 AND reported_at >= $2 AND reported_at < $3),
			(SELECT count(*) FROM incidents WHERE town=$1 AND reported_at >= $2 AND reported_at < $3 AND resolved_at IS NOT NULL),
			(SELECT count(DISTINCT i.incident) FROM incidents i JOIN assignments a ON a.town = i.town AND a.incident = i.incident
				WHERE i.town=$1 AND i.reported_at >= $2 AND i.reported_at < $3),
			(SELECT count(*) FROM incidents i JOIN assignments a ON a.town = i.town AND a.incident = i.incident
				WHERE i.town=$1 AND i.reported_at >= $2 AND i.reported_at < $3),
			(SELECT count(*) FROM assignments a JOIN clock c ON c.seq = a.seq WHERE a.town=$1 AND c.at >= $2 AND c.at < $3
				AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.town = a.town AND i.incident = a.incident)),
			(SELECT count(*) FROM audit WHERE town=$1 AND at >= $2 AND at < $3),
			(SELECT count(*) FROM rejections j JOIN clock c ON c.seq = j.seq WHERE j.town=$1 AND c.at >= $2 AND c.at < $3),
			(SELECT count(*) FROM clock WHERE at >= $2 AND at < $3),
			(SELECT min(at) FROM clock WHERE at >= $2 AND at < $3),
			(SELECT max(at) FROM clock WHERE at >= $2 AND at < $3),
			(SELECT coalesce(bool_or(drill_decision), false) FROM clock WHERE at >= $2 AND at < $3)`,
				func(rows pgx.Rows) error {
					return rows.Scan(&r.Incidents.Total, &r.Incidents.Resolved, &r.Incidents.Assigned, &r.Incidents.Assignments, &r.Incidents.OtherAssignments,
						&r.Commands, &r.Rejections, &r.EventsTotal, &first, &last, &r.Drill)
				})
		},
		func() error {
			return q("rejections by code", clockCTE+`SELECT coalesce(j.code, ''), count(*) FROM rejections j JOIN clock c ON c.seq = j.seq
			WHERE j.town=$1 AND c.at >= $2 AND c.at < $3 GROUP BY 1 ORDER BY count(*) DESC, 1`, counts(&r.RejectionsByCode))
		},
		func() error {
			return q("incidents by kind", `SELECT kind, count(*) FROM incidents WHERE town=$1 AND reported_at >= $2 AND reported_at < $3
			GROUP BY kind ORDER BY count(*) DESC, kind`, counts(&r.Incidents.ByKind))
		},
		func() error {
			return q("incidents by village", `SELECT coalesce(nullif(village, ''), '`+outside+`'), count(*) FROM incidents
			WHERE town=$1 AND reported_at >= $2 AND reported_at < $3 GROUP BY 1 ORDER BY count(*) DESC, 1`, counts(&r.Incidents.ByVillage))
		},
		func() error {
			return q("response times", clockCTE+responseSQL, func(rows pgx.Rows) error {
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
			}, yardsticks["dispatch"].goal, yardsticks["turnout"].goal, yardsticks["travel"].goal)
		},
		func() error {
			return q("check-ins", `SELECT date_trunc('hour', at, 'UTC'), sum(delta) FROM shelter_occupancy
			WHERE town=$1 AND at >= $2 AND at < $3 AND delta > 0 GROUP BY 1 ORDER BY 1`, func(rows pgx.Rows) error {
				var h HourCount
				err := rows.Scan(&h.Hour, &h.N)
				h.Hour = h.Hour.UTC()
				r.CheckIns = append(r.CheckIns, h)
				return err
			})
		},
		func() error {
			return q("rain", `SELECT gauge, date_trunc('hour', at, 'UTC'), sum(mm) FROM rain_readings
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
			})
		},
		func() error {
			return q("aid", clockCTE+aidSQL, func(rows pgx.Rows) error {
				return rows.Scan(&r.Aid.Received, &r.Aid.Given, &r.Aid.Asked, &r.Aid.Undelivered, &r.Aid.Needed)
			})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Report{}, err
		}
	}
	if first != nil && last != nil {
		r.From, r.To = first.UTC(), last.UTC()
	}
	r.Response = completePhases(r.Response)
	nameRejectionCodes(r.RejectionsByCode)
	return r, nil
}

// nameRejectionCodes gives each kind of refusal its words, Chinese first.
func nameRejectionCodes(cs []Count) {
	for i := range cs {
		if cs[i].Key == "" {
			cs[i].Name, cs[i].NameEn = "未注明类别", "no code (a notice from before codes)"
			continue
		}
		c := errcode.Code(cs[i].Key)
		if slices.Contains(errcode.Codes, c) {
			cs[i].Name, cs[i].NameEn = c.Chinese(), c.Error()
		}
	}
}

// outside is the village key of incidents outside every village.
const outside = "(outside)"

// aidSQL counts mutual-aid messages by direction; ours count as given or
// asked only once the partner's stream acknowledged them (flood.aid.delivered).
const aidSQL = `, aid AS (
	SELECT r.direction, r.type, EXISTS (SELECT 1 FROM events d WHERE d.town = r.town AND d.type = 'flood.aid.delivered'
		AND d.data->>'event' = r.event_id) AS delivered
	FROM aid_requests r JOIN clock c ON c.seq = r.seq WHERE r.town = $1 AND c.at >= $2 AND c.at < $3
)
SELECT count(*) FILTER (WHERE direction = 'received'),
	count(*) FILTER (WHERE direction = 'given' AND type NOT IN ('flood.aid.requested', 'flood.aid.delivered') AND delivered),
	count(*) FILTER (WHERE direction = 'given' AND type = 'flood.aid.requested' AND delivered),
	count(*) FILTER (WHERE direction = 'given' AND type <> 'flood.aid.delivered' AND NOT delivered),
	count(*) FILTER (WHERE direction = 'needed')
FROM aid`

// completePhases lists every phase in order, with zeros where there were no cases.
func completePhases(got []PhaseStats) []PhaseStats {
	out := make([]PhaseStats, 0, len(phases))
	for _, name := range phases {
		p := PhaseStats{Phase: name, Unit: "assignments"}
		if name == "dispatch" {
			p.Unit = "incidents"
		}
		for _, g := range got {
			if g.Phase == name {
				g.Unit = p.Unit
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
// assignment) or per assignment (the others: the first time of each status),
// with the assignment's creation on the log's clock (clockCTE).
// Negative spans — a sender's clock behind the engine's — are left out.
const responseSQL = `, a AS (
	SELECT a.assignment, a.incident, c.at AS created_at,
		min(s.at) FILTER (WHERE s.status IN ('accepted', 'en_route')) AS turned_out,
		min(s.at) FILTER (WHERE s.status = 'en_route') AS en_route,
		min(s.at) FILTER (WHERE s.status = 'on_scene') AS on_scene,
		min(s.at) FILTER (WHERE s.status = 'done') AS done
	FROM assignments a JOIN clock c ON c.seq = a.seq
	LEFT JOIN assignment_status s ON s.town = a.town AND s.assignment = a.assignment
		-- a phone's report that crossed the assignment's cancellation is not a response
		AND NOT EXISTS (SELECT 1 FROM assignment_status e WHERE e.town = s.town AND e.assignment = s.assignment
			AND e.status IN ('cancelled', 'timed_out') AND e.seq < s.seq)
	WHERE a.town = $1 AND c.at >= $2 AND c.at < $3
	GROUP BY a.assignment, a.incident, c.at
), spans AS (
	SELECT 'dispatch' AS phase, extract(epoch FROM min(a.created_at) - i.reported_at)::float8 AS s, $4::float8 AS goal
		FROM incidents i JOIN a ON a.incident = i.incident WHERE i.town = $1 AND i.reported_at >= $2 AND i.reported_at < $3
		GROUP BY i.incident, i.reported_at
	UNION ALL SELECT 'turnout', extract(epoch FROM turned_out - created_at)::float8, $5::float8 FROM a WHERE turned_out IS NOT NULL
	UNION ALL SELECT 'travel', extract(epoch FROM on_scene - en_route)::float8, $6::float8 FROM a WHERE on_scene IS NOT NULL AND en_route IS NOT NULL
	UNION ALL SELECT 'on_scene', extract(epoch FROM done - on_scene)::float8, 0::float8 FROM a WHERE done IS NOT NULL AND on_scene IS NOT NULL
)
SELECT phase, count(*)::int,
	percentile_cont(0.5) WITHIN GROUP (ORDER BY s), percentile_cont(0.9) WITHIN GROUP (ORDER BY s),
	coalesce(avg(CASE WHEN s <= goal THEN 1.0 ELSE 0.0 END), 0)::float8, max(goal)
FROM spans WHERE s >= 0 GROUP BY phase`

// incidentKindNames are the incident kinds of the contract in Chinese and
// English, as the board shows them.
var incidentKindNames = map[string][2]string{
	"flooding": {"内涝", "flooding"}, "trapped": {"被困", "trapped"}, "evacuation": {"转移", "evacuation"},
	"blocked_channel": {"河道堵塞", "blocked channel"}, "dangerous_house": {"危房", "dangerous house"},
	"landslide": {"山体滑坡", "landslide"}, "road_flooded": {"道路积水", "road flooded"},
	"dike_breach": {"堤围险情", "dike breach"}, "reservoir": {"水库险情", "reservoir"}, "other": {"其他", "other"},
}

// NameReport gives the town, the villages, the incident kinds and the gauges
// of r their Chinese and English names from the town's scenario (nil: kinds only);
// an id the scenario does not know keeps the id as its name.
func NameReport(r *Report, sc *geo.Scenario) {
	name := func(key string, zh, en string, ok bool) (string, string) {
		if !ok || zh == "" {
			return key, key
		}
		if en == "" {
			en = key
		}
		return zh, en
	}
	for i, c := range r.Incidents.ByKind {
		n, ok := incidentKindNames[c.Key]
		r.Incidents.ByKind[i].Name, r.Incidents.ByKind[i].NameEn = name(c.Key, n[0], n[1], ok)
	}
	for i, c := range r.Incidents.ByVillage {
		if c.Key == outside {
			r.Incidents.ByVillage[i].Name, r.Incidents.ByVillage[i].NameEn = "镇外", "outside the villages"
			continue
		}
		var v geo.Village
		ok := false
		if sc != nil {
			v, ok = sc.Village(c.Key)
		}
		r.Incidents.ByVillage[i].Name, r.Incidents.ByVillage[i].NameEn = name(c.Key, v.Name, v.NameEn, ok)
	}
	for i, g := range r.Rain {
		var gg geo.Gauge
		ok := false
		if sc != nil {
			gg, ok = sc.Gauge(g.Gauge)
		}
		r.Rain[i].Name, r.Rain[i].NameEn = name(g.Gauge, gg.Name, gg.NameEn, ok)
	}
	if sc != nil && sc.Town.ID == r.Town {
		r.TownName, r.TownNameEn = name(r.Town, sc.Town.Name, sc.Town.NameEn, true)
	}
}
