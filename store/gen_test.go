package store

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// storm generates a random but coherent log of a town — inputs, the engine's
// decisions, operator commands and rejections — and keeps what the projection
// must then hold: rows per table and each assignment's status history.
type storm struct {
	tb   testing.TB
	log  *testLog
	rng  *rand.Rand
	town string
	t0   time.Time
	n    int

	tables     map[string]int
	byseq      map[uint64]map[string]int // rows each input added, removed again when it is rejected
	statusSeq  map[uint64]string         // responder status seq → its assignment, for rejections
	histories  map[string][]string
	incidents  []string
	open       []string          // incidents without an assignment yet
	free       []string          // responders without an assignment
	holding    map[string]string // responder → assignment in progress
	stage      map[string]int    // assignment → index in the lifecycle
	rejectable []uint64
	resolved   map[string]bool
	// rejectionCodes counts the rejection notices by code ("" for none).
	rejectionCodes map[string]int
}

var lifecycle = []string{"accepted", "en_route", "on_scene", "done"}

func newStorm(tb testing.TB, l *testLog, seed uint64) *storm {
	s := &storm{tb: tb, log: l, rng: rand.New(rand.NewPCG(seed, 7)), town: l.town,
		t0:     time.Date(2022, 5, 12, 22, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		tables: map[string]int{}, byseq: map[uint64]map[string]int{}, statusSeq: map[uint64]string{},
		histories: map[string][]string{}, holding: map[string]string{}, stage: map[string]int{}, resolved: map[string]bool{}, rejectionCodes: map[string]int{}}
	for i := range 8 {
		s.free = append(s.free, fmt.Sprintf("r%02d", i))
	}
	return s
}

func (s *storm) now() string {
	return s.t0.Add(time.Duration(s.n) * 7 * time.Second).Format(time.RFC3339)
}

// emit publishes one event and counts the rows it adds.
func (s *storm) emit(subject, typ, data string, rows map[string]int, rejectable bool) uint64 {
	s.n++
	body := fmt.Sprintf(`{"specversion":"1.0","id":"ev-%d","source":"test/storm","type":%q,"time":%q,"data":%s}`, s.n, typ, s.now(), data)
	seq := s.log.publish(s.tb, subject, []byte(body))
	s.tables["events"]++
	for t, k := range rows {
		s.tables[t] += k
	}
	if rejectable {
		s.byseq[seq] = rows
		s.rejectable = append(s.rejectable, seq)
	}
	return seq
}

func (s *storm) sub(tokens ...string) string {
	out := "flood." + s.town
	for _, t := range tokens {
		out += "." + t
	}
	return out
}

// step emits one random event.
func (s *storm) step() {
	switch k := s.rng.IntN(100); {
	case k < 25:
		s.emit(s.sub("rain"), "flood.rain.observed", fmt.Sprintf(`{"gauge":"g%d","mm":%.1f,"minutes":5}`, s.rng.IntN(4), s.rng.Float64()*30),
			map[string]int{"rain_readings": 1}, true)
	case k < 33:
		s.emit(s.sub("level"), "flood.level.observed", fmt.Sprintf(`{"gauge":"res%d","meters":%.2f}`, s.rng.IntN(2), 20+s.rng.Float64()),
			map[string]int{"level_readings": 1}, true)
	case k < 43:
		id := fmt.Sprintf("inc-%d", s.n+1)
		s.emit(s.sub("incident"), "flood.incident.reported", fmt.Sprintf(`{"kind":"trapped","lat":22.0%d,"lon":112.9,"people":%d,"incident":%q}`,
			s.rng.IntN(90)+10, 1+s.rng.IntN(5), id), map[string]int{"incidents": 1}, false)
		s.incidents = append(s.incidents, id)
		s.open = append(s.open, id)
	case k < 53 && len(s.open) > 0 && len(s.free) > 0:
		inc, r := s.open[0], s.free[0]
		s.open, s.free = s.open[1:], s.free[1:]
		a := "a-" + inc
		s.emit(s.sub("out", "assignment", r), "flood.assignment.created",
			fmt.Sprintf(`{"type":"assignment.created","assignment":%q,"incident":%q,"responder":%q,"lat":22.05,"lon":112.9,"eta_s":300,"time":%q}`, a, inc, r, s.now()),
			map[string]int{"assignments": 1, "assignment_status": 1}, false)
		s.holding[r] = a
		s.histories[a] = []string{"created"}
	case k < 75 && len(s.holding) > 0:
		r := s.anyHolder()
		a := s.holding[r]
		status := lifecycle[s.stage[a]]
		if s.stage[a] == 0 && s.rng.IntN(5) == 0 {
			status = "declined"
		}
		ref := ""
		if s.rng.IntN(2) == 0 {
			ref = fmt.Sprintf(`,"assignment":%q`, a) // else the projector infers it
		}
		s.forget(a) // only the newest status of an assignment may be refused
		seq := s.emit(s.sub("responder", r), "flood.responder.status", fmt.Sprintf(`{"status":%q%s}`, status, ref),
			map[string]int{"responder_status": 1, "assignment_status": 1}, true)
		s.statusSeq[seq] = a
		s.histories[a] = append(s.histories[a], status)
		s.stage[a]++
		if status == "done" || status == "declined" {
			delete(s.holding, r)
			s.free = append(s.free, r)
			// A status already given can no longer be refused without confusing the next one.
			s.forget(a)
		}
	case k < 78 && len(s.holding) > 0:
		r := s.anyHolder()
		a := s.holding[r]
		s.emit(s.sub("out", "assignment", r), "flood.assignment.cancelled",
			fmt.Sprintf(`{"type":"assignment.cancelled","assignment":%q,"responder":%q,"reason":"operator","time":%q}`, a, r, s.now()),
			map[string]int{"assignment_status": 1}, false)
		s.histories[a] = append(s.histories[a], "cancelled")
		delete(s.holding, r)
		s.free = append(s.free, r)
		s.forget(a)
	case k < 81 && len(s.incidents) > 0:
		inc := s.incidents[s.rng.IntN(len(s.incidents))]
		s.emit(s.sub("command"), "flood.command.resolve", fmt.Sprintf(`{"operator":"op-%d","incident":%q,"reason":"water down"}`, s.rng.IntN(3), inc),
			map[string]int{"audit": 1}, false)
		s.emit(s.sub("out", "incident"), "flood.incident.resolved",
			fmt.Sprintf(`{"type":"incident.resolved","incident":%q,"reason":"op","time":%q}`, inc, s.now()), nil, false)
		s.resolved[inc] = true
	case k < 84:
		s.emit(s.sub("command"), "flood.command.close_road", fmt.Sprintf(`{"operator":"op-1","road":"road-%d"}`, s.rng.IntN(9)),
			map[string]int{"audit": 1}, false)
	case k < 89:
		typ, rows := "flood.shelter.checkin", map[string]int{"shelter_occupancy": 1, "household_states": 1}
		if s.rng.IntN(3) == 0 {
			typ = "flood.shelter.checkout"
		}
		s.emit(s.sub("shelter", fmt.Sprintf("s%d", s.rng.IntN(3))), typ, fmt.Sprintf(`{"people":%d,"household":"h%d"}`, 1+s.rng.IntN(4), s.rng.IntN(20)), rows, true)
	case k < 91:
		s.emit(s.sub("out", "warning"), "flood.warning.issued", `{"type":"warning.issued","id":"w1","level":"red","scope":"village"}`, map[string]int{"warnings": 1}, false)
	case k < 92:
		s.emit(s.sub("out", "evac"), "flood.evac.assigned", `{"order":"e1","household":"h1","shelter":"s1"}`, map[string]int{"evac_orders": 1}, false)
	case k < 94:
		s.n++
		body := fmt.Sprintf(`{"specversion":"1.0","id":"ev-%d","source":"chixi","type":"flood.aid.requested","time":%q,"data":{"request":"req-%d","from":"chixi","resources":[{"capability":"rescue_boat","count":2}]}}`, s.n, s.now(), s.n)
		s.log.publish(s.tb, "flood.aid."+s.town+".request", []byte(body))
		s.tables["events"]++
		s.tables["aid_requests"]++
	case k < 97 && len(s.rejectable) > 0:
		i := s.rng.IntN(len(s.rejectable))
		seq := s.rejectable[i]
		s.rejectable = append(s.rejectable[:i], s.rejectable[i+1:]...)
		code := []string{"", "invalid", "conflict", "not_found"}[s.rng.IntN(4)] // "": a notice from before codes
		body := fmt.Sprintf(`{"event_id":"x","subject":"flood.%s.rain","reason":"refused","seq":%d,"code":%q}`, s.town, seq, code)
		if code == "" {
			body = fmt.Sprintf(`{"event_id":"x","subject":"flood.%s.rain","reason":"refused","seq":%d}`, s.town, seq)
		}
		s.emit(s.sub("rejected"), "flood.event.rejected", body, map[string]int{"rejections": 1}, false)
		s.rejectionCodes[code]++
		for t, k := range s.byseq[seq] {
			s.tables[t] -= k
		}
		if a, ok := s.statusSeq[seq]; ok {
			h := s.histories[a]
			s.histories[a] = h[:len(h)-1] // only the newest status of a live assignment is ever refused
			s.stage[a]--
		}
	default:
		// Garbage on an input channel: kept raw in events, nothing else.
		s.n++
		s.log.publish(s.tb, s.sub("incident"), []byte(`{"not":"an event"`))
		s.tables["events"]++
	}
}

// forget makes the statuses of a finished assignment no longer rejectable.
func (s *storm) forget(a string) {
	keep := s.rejectable[:0]
	for _, seq := range s.rejectable {
		if s.statusSeq[seq] != a {
			keep = append(keep, seq)
		}
	}
	s.rejectable = keep
}

// anyHolder picks a responder with an assignment in progress, deterministically.
func (s *storm) anyHolder() string {
	best := ""
	for r := range s.holding {
		if best == "" || r < best {
			best = r
		}
	}
	for r := range s.holding {
		if s.rng.IntN(len(s.holding)) == 0 {
			return r
		}
	}
	return best
}

// tablesProjected lists every table the storm fills.
var tablesProjected = []string{"events", "incidents", "assignments", "assignment_status", "responder_status", "rain_readings",
	"level_readings", "warnings", "evac_orders", "household_states", "shelter_occupancy", "aid_requests", "rejections", "audit"}

// check compares the projection with the storm.
func (s *storm) check(tb testing.TB, st *Store) {
	tb.Helper()
	for _, t := range tablesProjected {
		require.Equal(tb, s.tables[t], count(tb, st, "SELECT count(*) FROM "+t), "rows in %s", t)
	}
	for a, want := range s.histories {
		rows, err := st.pool.Query(tb.Context(), `SELECT status FROM assignment_status WHERE assignment = $1 ORDER BY seq`, a)
		require.NoError(tb, err)
		var got []string
		for rows.Next() {
			var x string
			require.NoError(tb, rows.Scan(&x))
			got = append(got, x)
		}
		require.NoError(tb, rows.Err())
		require.Equal(tb, want, got, "status history of %s", a)
	}
	require.Equal(tb, len(s.resolved), count(tb, st, `SELECT count(*) FROM incidents WHERE resolved_at IS NOT NULL`))
	for code, n := range s.rejectionCodes {
		q := `SELECT count(*) FROM rejections WHERE code = '` + code + `'`
		if code == "" {
			q = `SELECT count(*) FROM rejections WHERE code IS NULL`
		}
		require.Equal(tb, n, count(tb, st, q), "rejections with code %q", code)
	}
}
