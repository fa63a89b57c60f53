package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
)

func incident(id string, i int) []byte {
	return fmt.Appendf(nil, `{"specversion":"1.0","id":%q,"source":"test/e2e","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":%.5f,"lon":%.5f,"people":%d,"note":"e2e"}}`,
		id, 22.05+float64(i%50)/1000, 112.88+float64(i%37)/1000, 1+i%7)
}

// natsCLI returns the real nats CLI, which `make test` installs; under CI its absence fails the test.
func natsCLI(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("nats")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("the nats CLI is not on PATH: `make tools` installs it into .tools/")
		}
		tb.Skip("the nats CLI is not on PATH (make tools)")
	}
	return path
}

func TestServeFromOutsideClients(t *testing.T) {
	p := startServe(t, t.TempDir(), []string{"FLOODCMD_ADMIN_TOKEN=s3cret"})
	p.waitReady(t)
	auth := []string{"Authorization", "Bearer s3cret"}
	assert.Equal(t, 401, getJSON(t, p.url("/api/state"), nil), "no token, no state")

	nc, err := nats.Connect(p.natsURL())
	require.NoError(t, err)
	defer nc.Close()
	rejected := make(chan *nats.Msg, 8)
	_, err = nc.ChanSubscribe("flood.duhu.rejected", rejected)
	require.NoError(t, err)
	js, err := jetstream.New(nc)
	require.NoError(t, err)

	// An incident from the real nats CLI, as docs/EVENTS.md shows it.
	cli := natsCLI(t)
	out, err := exec.Command(cli, "--server", p.natsURL(), "pub", "flood.duhu.incident", string(incident("cli-1", 1)),
		"-H", "Nats-Msg-Id:cli-1").CombinedOutput()
	require.NoError(t, err, "%s", out)
	// The same id again through JetStream: the log says duplicate.
	ack, err := js.Publish(context.Background(), "flood.duhu.incident", incident("cli-1", 1), jetstream.WithMsgID("cli-1"))
	require.NoError(t, err)
	assert.True(t, ack.Duplicate, "the same id is a duplicate")
	// A malformed one lands on flood.duhu.rejected with its reason.
	out, err = exec.Command(cli, "--server", p.natsURL(), "pub", "flood.duhu.incident",
		`{"specversion":"1.0","id":"bad-1","source":"cli","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":222,"lon":112.9}}`).CombinedOutput()
	require.NoError(t, err, "%s", out)
	select {
	case m := <-rejected:
		var ev events.Event
		require.NoError(t, json.Unmarshal(m.Data, &ev))
		var r events.Rejected
		require.NoError(t, ev.DecodeData(&r))
		assert.Equal(t, "bad-1", r.EventID)
		assert.Equal(t, "data.lat", r.Field)
		assert.Contains(t, r.Reason, "-90…90")
	case <-time.After(5 * time.Second):
		t.Fatal("no rejection on flood.duhu.rejected")
	}

	stream, err := js.Stream(context.Background(), events.StreamName("duhu"))
	require.NoError(t, err)
	msg, err := stream.GetMsg(context.Background(), 1)
	require.NoError(t, err)
	assert.Equal(t, "flood.duhu.incident", msg.Subject, "the incident is in the log")
	require.Eventually(t, func() bool {
		var v engine.View
		getJSON(t, p.url("/api/state"), &v, auth...)
		return len(v.Incidents) == 1 && v.Incidents[0].ID == "cli-1"
	}, 5*time.Second, 20*time.Millisecond)

	p.stop(t)
	assert.Contains(t, p.out.String(), "shutting down")
}

// TestKillDuringBurst kills floodcmd with SIGKILL in the middle of a 10,000-event
// burst, restarts it on the same data, lets the client re-send what it could not
// confirm (same ids), and finds the state identical to an uninterrupted run.
func TestKillDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and kills the binary")
	}
	const n = 10000
	burst := make([][]byte, n)
	for i := range burst {
		if i%1000 == 999 {
			burst[i] = fmt.Appendf(nil, `{"specversion":"1.0","id":"bad-%d","source":"x","type":"flood.incident.reported","time":"nope","data":{}}`, i)
		} else {
			burst[i] = incident(fmt.Sprintf("burst-%05d", i), i)
		}
	}
	ids := func(i int) string { return fmt.Sprintf("m-%05d", i) }

	// Uninterrupted run.
	ref := startServe(t, t.TempDir(), nil)
	ref.waitReady(t)
	publishAll(t, ref.natsURL(), burst, ids, 0)
	want := settledState(t, ref, n)

	// Interrupted run: kill -9 after 3,000 confirmed, restart, re-send all.
	dir := t.TempDir()
	p := startServe(t, dir, nil)
	p.waitReady(t)
	confirmed := publishAll(t, p.natsURL(), burst, ids, 3000)
	p.kill()
	t.Logf("killed after %d confirmed publishes", confirmed)
	p = startServe(t, dir, nil)
	p.waitReady(t)
	publishAll(t, p.natsURL(), burst, ids, 0)
	got := settledState(t, p, n)

	assert.Equal(t, want.Incidents, got.Incidents)
	assert.Equal(t, want.Counts, got.Counts)
	assert.Equal(t, rejectedIDs(want), rejectedIDs(got))
	assert.Len(t, got.Incidents, n-n/1000)
}

// publishAll publishes the burst asynchronously with Nats-Msg-Id; with stopAfter > 0
// it returns as soon as that many were acknowledged, leaving the rest in flight.
func publishAll(tb testing.TB, url string, burst [][]byte, id func(int) string, stopAfter int) int {
	tb.Helper()
	nc, err := nats.Connect(url)
	require.NoError(tb, err)
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(512))
	require.NoError(tb, err)
	futures := make([]jetstream.PubAckFuture, 0, len(burst))
	acked := 0
	for i, b := range burst {
		msg := nats.NewMsg("flood.duhu.incident")
		msg.Data = b
		f, err := js.PublishMsgAsync(msg, jetstream.WithMsgID(id(i)), jetstream.WithStallWait(30*time.Second))
		require.NoError(tb, err)
		futures = append(futures, f)
		if stopAfter > 0 {
			for acked < len(futures) {
				select {
				case <-futures[acked].Ok():
					acked++
					continue
				default:
				}
				break
			}
			if acked >= stopAfter {
				return acked
			}
		}
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
			acked++
		case err := <-f.Err():
			tb.Fatalf("publish: %v", err)
		case <-time.After(30 * time.Second):
			tb.Fatal("no ack within 30 s")
		}
	}
	return acked
}

// settledState waits until the engine has folded n inputs and owes no notice.
func settledState(tb testing.TB, p *proc, n int) engine.View {
	tb.Helper()
	var v engine.View
	require.Eventually(tb, func() bool {
		getJSON(tb, p.url("/api/state"), &v)
		return v.Counts["applied"]+v.Counts["rejected"] >= n
	}, 60*time.Second, 50*time.Millisecond, "engine did not fold %d inputs", n)
	return v
}

func rejectedIDs(v engine.View) []string {
	var out []string
	for _, r := range v.Rejections {
		out = append(out, r.EventID)
	}
	sort.Strings(out)
	return out
}
