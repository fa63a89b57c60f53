package store

import (
	"bytes"
	"context"
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

	p := startProjector(t, st, Config{Town: "duhu", Stream: l.stream,
		Locate: func(lat, lon float64) (string, string) {
			return map[bool]string{true: "nancun", false: "dahe"}[lat < 22.055], ""
		}})
	waitProjected(t, p.Projector, l.lastSeq(t), 10*time.Second)

	r, err := st.Report(context.Background(), "duhu", t0.Add(-time.Hour), t0.Add(3*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 2, r.Incidents.Total)
	assert.Equal(t, 1, r.Incidents.Resolved)
	assert.ElementsMatch(t, []Count{{"trapped", 1}, {"flooding", 1}}, r.Incidents.ByKind)
	assert.ElementsMatch(t, []Count{{"nancun", 1}, {"dahe", 1}}, r.Incidents.ByVillage)
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
	assert.InDelta(t, 60, byPhase["turnout"].P50, 1e-9)
	assert.True(t, byPhase["turnout"].Met())
	assert.InDelta(t, 200, byPhase["travel"].P50, 1e-9)
	assert.InDelta(t, 600, byPhase["on_scene"].P50, 1e-9)
	assert.Equal(t, []HourCount{{t0, 4}, {t0.Add(time.Hour), 3}}, r.CheckIns)
	require.Len(t, r.Rain, 2)
	assert.Equal(t, "g0", r.Rain[0].Gauge)
	assert.InDelta(t, 30, r.Rain[0].Total, 1e-9)
	assert.Equal(t, AidStats{Received: 1}, r.Aid)
	assert.Equal(t, 1, r.Commands)

	var buf bytes.Buffer
	require.NoError(t, WriteReportHTML(&buf, r, time.FixedZone("CST", 8*3600)))
	page := buf.String()
	for _, want := range []string{"<svg", "<polyline", "trapped", "nancun", "NFPA 1225", "75 s", "2022-05-12 22:00 CST"} {
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
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM schema_migrations`))
	_, err := st.pool.Exec(ctx, `INSERT INTO audit (town, seq, event_id, operator, verb, source, at) VALUES ('duhu', 1, 'e', 'op', 'resolve', 'ui', now())`)
	require.NoError(t, err)
	for _, sql := range []string{`UPDATE audit SET operator = 'someone else'`, `DELETE FROM audit`, `TRUNCATE audit`} {
		_, err := st.pool.Exec(ctx, sql)
		require.Error(t, err, sql)
		assert.Contains(t, err.Error(), "append-only", sql)
	}
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM audit WHERE operator = 'op'`))
}
