package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/natsjs"
	"github.com/floodcmd/floodcmd/store/storetest"
)

// TestServeDBKilled: `serve --db` projects what outside clients publish; killed
// with SIGKILL while projecting and restarted on the same data and database, it
// leaves every message of the log in PostgreSQL exactly once.
func TestServeDBKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and kills the binary")
	}
	db := storetest.URL(t)
	const n = 3000
	subjects, bodies := make([]string, n), make([][]byte, n)
	for i := range bodies {
		id := fmt.Sprintf("m-%05d", i)
		switch {
		case i%40 == 0:
			subjects[i], bodies[i] = "flood.duhu.incident", incident(id, i)
		case i%7 == 3:
			subjects[i], bodies[i] = "flood.duhu.level", fmt.Appendf(nil, `{"specversion":"1.0","id":%q,"source":"gauge","type":"flood.level.observed","time":"2022-05-12T23:%02d:00+08:00","data":{"gauge":"nankeng-reservoir","meters":%.2f}}`, id, i%60, 20+float64(i)/1000)
		default:
			subjects[i], bodies[i] = "flood.duhu.rain", fmt.Appendf(nil, `{"specversion":"1.0","id":%q,"source":"gauge","type":"flood.rain.observed","time":"2022-05-12T23:%02d:00+08:00","data":{"gauge":"rain-nancun","mm":%.1f,"minutes":5}}`, id, i%60, float64(i%40)/4)
		}
	}
	ids := func(i int) string { return fmt.Sprintf("m-%05d", i) }

	dir := t.TempDir()
	p := startServe(t, dir, nil, "--db", db)
	p.waitReady(t)
	confirmed := publishAll(t, p.natsURL(), subjects, bodies, ids, 1200)
	p.kill()
	t.Logf("killed after %d confirmed publishes", confirmed)

	p = startServe(t, dir, []string{"FLOODCMD_DB=" + db})
	p.waitReady(t)
	publishAll(t, p.natsURL(), subjects, bodies, ids, 0)

	nc, err := testConnect(t, p.natsURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	stream, err := js.Stream(context.Background(), natsjs.StreamName("duhu"))
	require.NoError(t, err)

	conn, err := pgx.Connect(context.Background(), db)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var rows, distinct, inputs, lo, hi int64
	var last uint64
	require.Eventually(t, func() bool {
		info, err := stream.Info(context.Background())
		require.NoError(t, err)
		last = info.State.LastSeq
		require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT seq), coalesce(min(seq),0), coalesce(max(seq),0),
			count(*) FILTER (WHERE event_id LIKE 'm-%') FROM events`).Scan(&rows, &distinct, &lo, &hi, &inputs))
		return uint64(hi) == last && uint64(rows) == last
	}, 60*time.Second, 100*time.Millisecond, "events in PostgreSQL: %d rows up to %d; the log has %d", rows, hi, last)
	assert.Equal(t, []int64{int64(last), int64(last), 1, int64(last)}, []int64{rows, distinct, lo, hi}, "count, distinct, min, max of seq")
	assert.EqualValues(t, n, inputs, "every published event once")
	var dup int
	require.NoError(t, conn.QueryRow(context.Background(),
		`SELECT count(*) FROM (SELECT event_id FROM events WHERE event_id LIKE 'm-%' GROUP BY event_id HAVING count(*) > 1) d`).Scan(&dup))
	assert.Zero(t, dup, "no input projected twice")
	var incidents int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM incidents WHERE village <> ''`).Scan(&incidents))
	assert.Equal(t, n/40, incidents, "every incident projected, with its village")

	// The after-action report reads the same record: JSON, and the printable page with its charts.
	var rep struct {
		Town      string `json:"town"`
		Incidents struct {
			Total int `json:"total"`
		} `json:"incidents"`
		Events int `json:"events"`
	}
	require.Equal(t, 200, getJSON(t, p.url("/api/report?from=2022-05-01&to=2030-01-01"), &rep))
	assert.Equal(t, "duhu", rep.Town)
	assert.Equal(t, n/40, rep.Incidents.Total)
	code, page := request(t, "GET", p.url("/report"), "")
	assert.Equal(t, 200, code)
	assert.Contains(t, string(page), "<svg")
	assert.NotContains(t, string(page), "http://cdn", "no CDN")
	code, _ = request(t, "GET", p.url("/api/report?from=yesterday"), "")
	assert.Equal(t, 400, code)

	// /readyz says how far PostgreSQL is behind the log.
	var ready struct {
		Lag map[string]int64 `json:"lag"`
	}
	require.Eventually(t, func() bool {
		getJSON(t, p.url("/readyz"), &ready)
		lag, ok := ready.Lag["postgres"]
		return ok && lag == 0
	}, 10*time.Second, 100*time.Millisecond, "readyz lag: %v", ready.Lag)
	assert.Contains(t, ready.Lag, "engine")
}
