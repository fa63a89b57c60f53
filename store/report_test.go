package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The report measures a known storm: two incidents, one assignment through its
// whole lifecycle, rain at two gauges, check-ins, a mutual-aid request.
func TestReport(t *testing.T) {
	st := testStore(t)
	l := newTestLog(t, "duhu")
	t0 := time.Date(2022, 5, 12, 15, 0, 0, 0, time.UTC)
	at := func(s int) string { return t0.Add(time.Duration(s) * time.Second).Format(time.RFC3339) }
	n := 0
	pub := func(subject, typ string, s int, data string) {
		n++
		l.publish(t, subject, fmt.Appendf(nil, `{"specversion":"1.0","id":"r-%d","source":"grid/1","type":%q,"time":%q,"data":%s}`, n, typ, at(s), data))
	}
	decision := func(subject, typ string, s int, data string) {
		pub(subject, typ, s, strings.Replace(data, "}", fmt.Sprintf(`,"time":%q}`, at(s)), 1))
	}
	pub("flood.duhu.incident", "flood.incident.reported", 0, `{"kind":"trapped","lat":22.05,"lon":112.9,"incident":"i1"}`)
	pub("flood.duhu.incident", "flood.incident.reported", 10, `{"kind":"flooding","lat":22.06,"lon":112.9,"incident":"i2"}`)
	decision("flood.duhu.out.assignment.r1", "flood.assignment.created", 30, `{"type":"assignment.created","assignment":"a1","incident":"i1","responder":"r1"}`)
	decision("flood.duhu.out.assignment.r2", "flood.assignment.created", 130, `{"type":"assignment.created","assignment":"a2","incident":"i2","responder":"r2"}`)
	// a3 is moved away before its phone answers: the accept that crossed the cancellation is no turnout.
	decision("flood.duhu.out.assignment.r3", "flood.assignment.created", 140, `{"type":"assignment.created","assignment":"a3","incident":"i2","responder":"r3"}`)
	decision("flood.duhu.out.assignment.r3", "flood.assignment.cancelled", 150, `{"type":"assignment.cancelled","assignment":"a3","incident":"i2","responder":"r3"}`)
	pub("flood.duhu.responder.r3", "flood.responder.status", 160, `{"status":"accepted","assignment":"a3"}`)
	pub("flood.duhu.responder.r1", "flood.responder.status", 90, `{"status":"accepted","assignment":"a1"}`)
	pub("flood.duhu.responder.r1", "flood.responder.status", 100, `{"status":"en_route"}`)
	pub("flood.duhu.responder.r1", "flood.responder.status", 300, `{"status":"on_scene"}`)
	pub("flood.duhu.responder.r1", "flood.responder.status", 900, `{"status":"done"}`)
	decision("flood.duhu.out.incident", "flood.incident.resolved", 950, `{"type":"incident.resolved","incident":"i1"}`)
	for i := range 6 {
		pub("flood.duhu.rain", "flood.rain.observed", i*1200, fmt.Sprintf(`{"gauge":"g%d","mm":10,"minutes":20}`, i%2))
	}
	pub("flood.duhu.shelter.s1", "flood.shelter.checkin", 100, `{"people":4,"household":"h1"}`)
	pub("flood.duhu.shelter.s1", "flood.shelter.checkin", 4000, `{"people":3,"household":"h2"}`)
	pub("flood.duhu.shelter.s1", "flood.shelter.checkout", 5000, `{"people":3,"household":"h2"}`)
	pub("flood.aid.duhu.request", "flood.aid.requested", 200, `{"request":"q1","from":"chixi"}`)
	pub("flood.duhu.command", "flood.command.resolve", 940, `{"operator":"op-li","incident":"i1"}`)
	decision("flood.duhu.rejected", "flood.event.rejected", 960, `{"event_id":"x1","subject":"flood.duhu.rain","reason":"mm below 0","code":"invalid"}`)
	decision("flood.duhu.rejected", "flood.event.rejected", 970, `{"event_id":"x2","subject":"flood.duhu.rain","reason":"unknown gauge","code":"not_found"}`)
	decision("flood.duhu.rejected", "flood.event.rejected", 980, `{"event_id":"x3","subject":"flood.duhu.rain","reason":"mm below 0","code":"invalid"}`)

	p := startProjector(t, st, Config{Town: "duhu", Stream: l.stream,
		Locate: func(lat, lon float64) (string, string) {
			return map[bool]string{true: "nancun", false: "dahe"}[lat < 22.055], ""
		}})
	waitProjected(t, p.Projector, l.lastSeq(t), 10*time.Second)

	r, err := st.Report(context.Background(), "duhu", t0.Add(-time.Hour), t0.Add(3*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 2, r.Incidents.Total)
	assert.Equal(t, 1, r.Incidents.Resolved)
	assert.ElementsMatch(t, []Count{{Key: "trapped", N: 1}, {Key: "flooding", N: 1}}, r.Incidents.ByKind)
	assert.ElementsMatch(t, []Count{{Key: "nancun", N: 1}, {Key: "dahe", N: 1}}, r.Incidents.ByVillage)
	byPhase := map[string]PhaseStats{}
	for _, ph := range r.Response {
		byPhase[ph.Phase] = ph
	}
	require.Len(t, r.Response, 4)
	assert.Equal(t, 2, byPhase["dispatch"].N)
	assert.InDelta(t, 75, byPhase["dispatch"].P50, 1e-9, "30 s and 120 s")
	assert.InDelta(t, 111, byPhase["dispatch"].P90, 1e-9)
	assert.InDelta(t, 0.5, byPhase["dispatch"].Within, 1e-9)
	assert.False(t, byPhase["dispatch"].Met())
	assert.Equal(t, 1, byPhase["turnout"].N, "a1's accept only, not a3's after its cancellation")
	assert.InDelta(t, 60, byPhase["turnout"].P50, 1e-9)
	assert.True(t, byPhase["turnout"].Met())
	assert.InDelta(t, 200, byPhase["travel"].P50, 1e-9)
	assert.InDelta(t, 600, byPhase["on_scene"].P50, 1e-9)
	assert.Equal(t, []HourCount{{t0, 4}, {t0.Add(time.Hour), 3}}, r.CheckIns)
	require.Len(t, r.Rain, 2)
	assert.Equal(t, "g0", r.Rain[0].Gauge)
	assert.InDelta(t, 30, r.Rain[0].Total, 1e-9)
	assert.Equal(t, AidStats{Received: 1}, r.Aid)
	assert.False(t, r.Drill, "live: decisions keep their own times")
	assert.Equal(t, t0, r.From, "the period starts at the first event")
	assert.Equal(t, t0.Add(6000*time.Second), r.To, "and ends at the last (the 6th rain reading)")
	assert.Equal(t, 3, r.Incidents.Assignments, "a1, a2 and the cancelled a3")
	assert.Equal(t, 2, r.Incidents.Assigned)
	assert.Equal(t, 1, r.Commands)
	assert.Equal(t, 3, r.Rejections)
	assert.Equal(t, []Count{{Key: "invalid", N: 2, Name: "输入无效", NameEn: "invalid"}, {Key: "not_found", N: 1, Name: "未找到", NameEn: "not found"}}, r.RejectionsByCode)

	var buf bytes.Buffer
	require.NoError(t, WriteReportHTML(&buf, r, time.FixedZone("CST", 8*3600)))
	page := buf.String()
	for _, want := range []string{"<svg", "<polyline", "trapped", "nancun", "NFPA 1225", "75 s", "2022-05-12 23:00 CST", "3 rejected inputs (2 输入无效 invalid, 1 未找到 not found)"} {
		assert.Contains(t, page, want)
	}
	assert.NotContains(t, page, "http://", "a printable page with nothing to fetch")
	assert.NotContains(t, page, "<script")
}

// The audit table refuses UPDATE, DELETE and TRUNCATE; migrations run twice change nothing.
func TestAuditAppendOnlyAndMigrateTwice(t *testing.T) {
	st := testStore(t)
	ctx := context.Background()
	require.NoError(t, st.Migrate(ctx), "a second start migrates nothing")
	ms, err := migrations()
	require.NoError(t, err)
	assert.Equal(t, len(ms), count(t, st, `SELECT count(*) FROM schema_migrations`), "each migration recorded once")
	_, err = st.pool.Exec(ctx, `INSERT INTO audit (town, seq, event_id, operator, verb, source, at) VALUES ('duhu', 1, 'e', 'op', 'resolve', 'ui', now())`)
	require.NoError(t, err)
	for _, sql := range []string{`UPDATE audit SET operator = 'someone else'`, `DELETE FROM audit`, `TRUNCATE audit`} {
		_, err := st.pool.Exec(ctx, sql)
		require.Error(t, err, sql)
		assert.Contains(t, err.Error(), "append-only", sql)
	}
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM audit WHERE operator = 'op'`))
}

// drillMessage is one message of a known drill, with what the test itself
// knows of it to compute the report's figures independently.
type drillMessage struct {
	subject, typ string
	at           time.Time // the envelope's time: the storm's for inputs, the wall clock for decisions
	drill        bool
	data         string
}

// A drill's report puts decisions on the drill's clock: the inputs carry the
// storm's times (2022) and the engine's decisions the wall clock (years later);
// each decision is timed by the drill event it followed. The figures are
// checked against a computation of the test's own over the same messages.
func TestReportDrillClock(t *testing.T) {
	st := testStore(t)
	l := newTestLog(t, "duhu")
	storm := time.Date(2022, 5, 12, 4, 10, 0, 0, time.UTC)
	wall := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	s := func(sec int) time.Time { return storm.Add(time.Duration(sec) * time.Second) }
	w := func(ms int) time.Time { return wall.Add(time.Duration(ms) * time.Millisecond) }
	in := func(subject, typ string, at time.Time, data string) drillMessage {
		return drillMessage{subject, typ, at, true, data}
	}
	dec := func(subject, typ string, at time.Time, data string) drillMessage {
		return drillMessage{subject, typ, at, false, strings.Replace(data, "}", fmt.Sprintf(`,"time":%q}`, at.Format(time.RFC3339Nano)), 1)}
	}
	msgs := []drillMessage{
		in("flood.duhu.rain", "flood.rain.observed", s(0), `{"gauge":"g1","mm":3,"minutes":10}`),
		in("flood.duhu.incident", "flood.incident.reported", s(100), `{"kind":"trapped","lat":22.05,"lon":112.9,"incident":"i1"}`),
		dec("flood.duhu.out.assignment.r1", "flood.assignment.created", w(10), `{"type":"assignment.created","assignment":"a1","incident":"i1","responder":"r1"}`),
		dec("flood.duhu.out.assignment.r2", "flood.assignment.created", w(11), `{"type":"assignment.created","assignment":"a2","incident":"i1","responder":"r2"}`),
		in("flood.duhu.incident", "flood.incident.reported", s(200), `{"kind":"flooding","lat":22.06,"lon":112.9,"incident":"i2"}`),
		in("flood.duhu.responder.r1", "flood.responder.status", s(230), `{"status":"accepted","assignment":"a1"}`),
		in("flood.duhu.responder.r2", "flood.responder.status", s(260), `{"status":"en_route","assignment":"a2"}`),
		in("flood.duhu.rain", "flood.rain.observed", s(600), `{"gauge":"g1","mm":8,"minutes":10}`),
		in("flood.duhu.responder.r1", "flood.responder.status", s(700), `{"status":"done","assignment":"a1"}`),
		// i2 waited for a free responder: r1's "done" freed one, 500 s after the report.
		dec("flood.duhu.out.assignment.r1", "flood.assignment.created", w(20000), `{"type":"assignment.created","assignment":"a3","incident":"i2","responder":"r1"}`),
		in("flood.duhu.responder.r2", "flood.responder.status", s(800), `{"status":"on_scene","assignment":"a2"}`),
		dec("flood.duhu.out.incident", "flood.incident.resolved", w(30000), `{"type":"incident.resolved","incident":"i1"}`),
		// Mutual aid: one request reached us; of our two answers only one reached its town.
		in("flood.aid.duhu.request", "flood.aid.requested", s(900), `{"request":"q1","from":"chixi"}`),
		dec("flood.duhu.out.aid.responded", "flood.aid.responded", w(31000), `{"request":"q1","to":"chixi"}`),
		dec("flood.duhu.out.aid.responded", "flood.aid.responded", w(32000), `{"request":"q2","to":"xinhui"}`),
		dec("flood.duhu.out.aid.delivered", "flood.aid.delivered", w(33000), `{"event":"d-14","to":"chixi","subject":"flood.aid.chixi.response"}`),
		in("flood.duhu.rain", "flood.rain.observed", s(3600), `{"gauge":"g2","mm":1,"minutes":10}`),
	}
	for i, m := range msgs {
		l.publish(t, m.subject, fmt.Appendf(nil, `{"specversion":"1.0","id":"d-%d","source":"drill/test","type":%q,"time":%q,"drill":%t,"data":%s}`,
			i+1, m.typ, m.at.Format(time.RFC3339Nano), m.drill, m.data))
	}
	p := startProjector(t, st, Config{Town: "duhu", Stream: l.stream})
	waitProjected(t, p.Projector, l.lastSeq(t), 10*time.Second)

	// The test's own computation: walk the log in order, keeping the drill's clock.
	var clock time.Time
	reported := map[string]time.Time{}
	created := map[string]time.Time{}
	firstAssigned := map[string]time.Time{}
	incidents, assignments := 0, 0
	var dispatch []float64
	for _, m := range msgs {
		if m.drill {
			clock = m.at
		}
		switch m.typ {
		case "flood.incident.reported":
			incidents++
			reported[field([]byte(m.data), "incident")] = m.at
		case "flood.assignment.created":
			assignments++
			inc := field([]byte(m.data), "incident")
			created[field([]byte(m.data), "assignment")] = clock
			if _, ok := firstAssigned[inc]; !ok {
				firstAssigned[inc] = clock
				dispatch = append(dispatch, clock.Sub(reported[inc]).Seconds())
			}
		}
	}
	require.Equal(t, []float64{0, 500}, dispatch, "the test's own reading of the drill")

	r, err := st.Report(context.Background(), "duhu", time.Time{}, time.Time{})
	require.NoError(t, err)
	assert.True(t, r.Drill)
	assert.Equal(t, storm, r.From, "the drill's period, not 1970 nor the wall clock")
	assert.Equal(t, s(3600), r.To)
	assert.Equal(t, incidents, r.Incidents.Total)
	assert.Equal(t, assignments, r.Incidents.Assignments)
	assert.Equal(t, len(firstAssigned), r.Incidents.Assigned)
	assert.Equal(t, 1, r.Incidents.Resolved)
	assert.Equal(t, len(msgs), r.EventsTotal)
	byPhase := map[string]PhaseStats{}
	for _, ph := range r.Response {
		byPhase[ph.Phase] = ph
	}
	d := byPhase["dispatch"]
	assert.Equal(t, len(dispatch), d.N)
	assert.Equal(t, "incidents", d.Unit)
	assert.InDelta(t, (dispatch[0]+dispatch[1])/2, d.P50, 1e-6)
	assert.InDelta(t, dispatch[0]+0.9*(dispatch[1]-dispatch[0]), d.P90, 1e-6)
	assert.InDelta(t, 0.5, d.Within, 1e-9)
	turnout := byPhase["turnout"]
	assert.Equal(t, "assignments", turnout.Unit)
	assert.Equal(t, 2, turnout.N, "a1 accepted, a2 en route")
	assert.InDelta(t, (s(230).Sub(created["a1"]).Seconds()+s(260).Sub(created["a2"]).Seconds())/2, turnout.P50, 1e-6)
	assert.Equal(t, 1, byPhase["travel"].N)
	assert.InDelta(t, 540, byPhase["travel"].P50, 1e-6)
	assert.Equal(t, AidStats{Received: 1, Given: 1, Undelivered: 1}, r.Aid, "only the answer chixi's stream acknowledged counts as given")

	// Restricting to the storm's first ten minutes keeps the decisions made then.
	r, err = st.Report(context.Background(), "duhu", storm, s(600))
	require.NoError(t, err)
	assert.Equal(t, 3, r.Incidents.Assignments, "i1's and i2's, both reported in the first ten minutes")
	assert.Equal(t, s(260), r.To, "the last event of the range")
	assert.Equal(t, 2, byPhaseOf(r)["turnout"].N, "a1 and a2, decided in the range")
}

func byPhaseOf(r Report) map[string]PhaseStats {
	out := map[string]PhaseStats{}
	for _, ph := range r.Response {
		out[ph.Phase] = ph
	}
	return out
}

// The printable page names things in Chinese with English beside, dates its
// axes and gives each of many gauges its own line.
func TestReportPageNamesAndColours(t *testing.T) {
	h := func(n int) time.Time {
		return time.Date(2022, 5, 12, 20, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Hour)
	}
	r := Report{Town: "duhu", TownName: "都斛镇", TownNameEn: "Duhu", Drill: true, From: h(0), To: h(6), EventsTotal: 3,
		Incidents: IncidentStats{Total: 1, ByKind: []Count{{Key: "trapped", N: 1}}, ByVillage: []Count{{Key: "nancun", N: 1}}},
		CheckIns:  []HourCount{{h(0), 3}, {h(5), 4}}}
	for i := range 14 {
		r.Rain = append(r.Rain, GaugeRain{Gauge: fmt.Sprintf("g%d", i), Hours: []HourRain{{h(0), 1}, {h(1), float64(i)}}})
	}
	NameReport(&r, nil)
	var buf bytes.Buffer
	require.NoError(t, WriteReportHTML(&buf, r, time.FixedZone("CST", 8*3600)))
	page := buf.String()
	for _, want := range []string{"都斛镇 Duhu", "演练", "被困 trapped", "05-13 04h", "05-13 04:00"} {
		assert.Contains(t, page, want)
	}
	styles := map[string]bool{}
	for _, l := range rainLines(r.Rain, time.UTC).Lines {
		styles[l.Color+"/"+l.Dash] = true
	}
	assert.Len(t, styles, 14, "no two gauges drawn alike")
	assert.Len(t, hourBars(r.CheckIns, time.UTC).Bars, 2)
}

// field returns the first of names present in a JSON object as a string
// (numbers and booleans as written), "" if none is: an independent reading of
// the data, for the test.
func field(data []byte, names ...string) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return ""
	}
	for _, n := range names {
		v, ok := obj[n]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		return string(bytes.TrimSpace(v))
	}
	return ""
}
