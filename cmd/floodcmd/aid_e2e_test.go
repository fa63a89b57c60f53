package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/aid"
	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/internal/testproc"
	"github.com/floodcmd/floodcmd/natsjs"
)

// aidIncident: 570 people to move at Chixixu need 19 evacuation teams; Chixi
// can send 9 of its own, so it asks Duhu (its aid.json neighbour) for 10.
const aidIncident = `{"specversion":"1.0","id":"cx-evac-1","source":"grid/chixixu","type":"flood.incident.reported","time":"2022-05-12T23:30:00+08:00","data":{"kind":"evacuation","lat":21.9745,"lon":112.9575,"people":570,"incident":"cx-evac-1","note":"赤溪圩低洼区转移"}}`

// restartServe starts floodcmd again on the same data, HTTP and NATS addresses
// as p, so that a partner connected to p's embedded NATS finds it again.
func restartServe(tb testing.TB, p *proc, dataDir string, args ...string) *proc {
	tb.Helper()
	q := &proc{httpAddr: p.httpAddr, natsAddr: p.natsAddr, out: p.out}
	args = joinArgs(tb, args)
	all := append([]string{"serve", "--http", q.httpAddr, "--nats-listen", q.natsAddr, "--data", dataDir}, args...)
	q.cmd = exec.Command(testproc.Binary(tb), all...)
	q.cmd.Env = p.cmd.Env
	q.cmd.Stdout, q.cmd.Stderr = q.out, q.out
	require.NoError(tb, q.cmd.Start())
	tb.Cleanup(q.kill)
	q.waitReady(tb)
	return q
}

// aidFlow is Chixi asking Duhu for help, end to end, seen from outside.
type aidFlow struct {
	t      *testing.T
	duhu   *proc
	chixi  *proc
	nc     *nats.Conn
	js     jetstream.JetStream
	mu     sync.Mutex
	guests map[string]int // guest id → assignment messages seen on flood.chixi.out.assignment.<rid>
}

func (f *aidFlow) state(p *proc) engine.View {
	f.t.Helper()
	var v engine.View
	require.Equal(f.t, 200, getJSON(f.t, p.url("/api/state"), &v))
	return v
}

func (f *aidFlow) publish(subject, body string) {
	f.t.Helper()
	var ev events.Event
	require.NoError(f.t, json.Unmarshal([]byte(body), &ev))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := f.js.Publish(ctx, subject, []byte(body), jetstream.WithMsgID(ev.ID))
	require.NoError(f.t, err)
}

func command(id, verb, data string) string {
	return fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"board/test","type":"flood.command.%s","time":"2022-05-12T23:40:00+08:00","data":%s}`, id, verb, data)
}

func aidOf(v engine.View, dir string) (aid.Record, bool) {
	for _, a := range v.Aid {
		if a.Direction == dir {
			return a, true
		}
	}
	return aid.Record{}, false
}

func countResponders(v engine.View, pred func(dispatch.ResponderView) bool) int {
	n := 0
	for _, r := range v.Responders {
		if pred(r) {
			n++
		}
	}
	return n
}

func guestAssignments(v engine.View) map[string]int {
	out := map[string]int{}
	for _, a := range v.Assignments {
		if strings.HasPrefix(a.Responder, "duhu-") && a.Incident == "cx-evac-1" {
			out[a.Responder]++
		}
	}
	return out
}

// connect joins the NATS fabric and listens to Chixi's assignments.
func (f *aidFlow) connect(url string) {
	f.t.Helper()
	nc, err := testConnect(f.t, url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	require.NoError(f.t, err)
	f.t.Cleanup(nc.Close)
	f.nc = nc
	f.js, err = jetstream.New(nc)
	require.NoError(f.t, err)
	f.guests = map[string]int{}
	_, err = nc.Subscribe("flood.chixi.out.assignment.>", func(m *nats.Msg) {
		rid := m.Subject[strings.LastIndex(m.Subject, ".")+1:]
		if strings.HasPrefix(rid, "duhu-") {
			f.mu.Lock()
			f.guests[rid]++
			f.mu.Unlock()
		}
	})
	require.NoError(f.t, err)
}

// run plays the whole flow; between approval and assignment it calls halfway.
func (f *aidFlow) run(halfway func()) {
	t := f.t
	start := time.Now()
	f.publish("flood.chixi.incident", aidIncident)
	var req aid.Record
	require.Eventually(t, func() bool {
		a, ok := aidOf(f.state(f.duhu), aid.In)
		req = a
		return ok && a.State == aid.Requested
	}, 20*time.Second, 50*time.Millisecond, "Duhu never received Chixi's request; chixi:\n%s", f.chixi.out)
	assert.Equal(t, "chixi", req.Town)
	assert.Equal(t, []events.AidNeed{{Capability: "evacuation", Count: 10}}, req.Needs)
	t.Logf("request %s reached Duhu after %s", req.Request, time.Since(start).Round(time.Millisecond))

	f.publish("flood.duhu.command", command("approve-"+req.Request, "approve_aid",
		fmt.Sprintf(`{"request":%q,"count":8,"operator":"都斛值班员","reason":"赤溪圩转移"}`, req.Request)))
	if halfway != nil {
		halfway()
	}
	require.Eventually(t, func() bool {
		return len(guestAssignments(f.state(f.chixi))) == 8
	}, 30*time.Second, 50*time.Millisecond, "guests not assigned; chixi:\n%s\nduhu:\n%s", f.chixi.out, f.duhu.out)
	t.Logf("8 guests assigned in Chixi after %s", time.Since(start).Round(time.Millisecond))
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.guests) == 8
	}, 10*time.Second, 20*time.Millisecond, "assignments on flood.chixi.out.assignment.<rid>")

	cx := f.state(f.chixi)
	for rid, n := range guestAssignments(cx) {
		assert.Equal(t, 1, n, "one assignment for %s", rid)
	}
	out, ok := aidOf(cx, aid.Out)
	require.True(t, ok)
	assert.Equal(t, 8, out.Committed, "one commit folded")
	assert.Equal(t, 8, out.Offered, "Duhu offered what its operator approved")
	// Lent with the capability asked for, and not Duhu's scarce units (boats,
	// machinery, medics) while common evacuation squads can go.
	for _, r := range cx.Responders {
		if r.HomeTown == "duhu" {
			assert.Contains(t, r.Capabilities, dispatch.CapEvacuation, "%s lent for evacuation", r.ID)
			for _, c := range []dispatch.Capability{dispatch.CapRescueBoat, dispatch.CapMachinery, dispatch.CapMedical} {
				assert.NotContains(t, r.Capabilities, c, "%s: Duhu's scarce %s stays home", r.ID, c)
			}
		}
	}
	assert.Equal(t, 8, countResponders(cx, func(r dispatch.ResponderView) bool { return r.HomeTown == "duhu" }))
	dh := f.state(f.duhu)
	assert.Equal(t, 8, countResponders(dh, func(r dispatch.ResponderView) bool { return r.Status == dispatch.StatusLent }))
	assert.Equal(t, 8, dh.Counters.RespondersLent)

	f.publish("flood.chixi.command", command("release-"+req.Request, "release_aid",
		fmt.Sprintf(`{"request":%q,"operator":"赤溪值班员","reason":"转移完成"}`, req.Request)))
	require.Eventually(t, func() bool {
		a, _ := aidOf(f.state(f.duhu), aid.In)
		return a.State == aid.Released
	}, 20*time.Second, 50*time.Millisecond, "Duhu never saw the release")
	dh = f.state(f.duhu)
	assert.Zero(t, countResponders(dh, func(r dispatch.ResponderView) bool { return r.Status == dispatch.StatusLent }))
	in, _ := aidOf(dh, aid.In)
	require.Len(t, in.Responders, 8)
	avail := map[string]bool{}
	for _, r := range dh.Responders {
		avail[r.ID] = r.Status == dispatch.StatusAvailable
	}
	for _, r := range in.Responders {
		assert.True(t, avail[r.ID], "%s is available at home again", r.ID)
	}
	cx = f.state(f.chixi)
	assert.Zero(t, countResponders(cx, func(r dispatch.ResponderView) bool { return r.HomeTown == "duhu" }), "guests went home")
	t.Logf("released and available in Duhu after %s", time.Since(start).Round(time.Millisecond))
}

// logCount counts the messages of a town's stream on subject.
func (f *aidFlow) logCount(town, subject string) int {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := f.js.Stream(ctx, natsjs.StreamName(town))
	require.NoError(f.t, err)
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	require.NoError(f.t, err)
	info, err := c.Info(ctx)
	require.NoError(f.t, err)
	return int(info.NumPending)
}

// exactlyOnce checks that nothing was duplicated in either log.
func (f *aidFlow) exactlyOnce() {
	t := f.t
	assert.Equal(t, 1, f.logCount("chixi", "flood.chixi.out.aid.request"), "one request recorded")
	assert.Equal(t, 1, f.logCount("duhu", "flood.duhu.out.aid.commit"), "one commit recorded")
	assert.Equal(t, 1, f.logCount("chixi", "flood.chixi.out.aid.release"), "one release recorded")
	assert.Equal(t, 8, f.logCount("chixi", "flood.chixi.out.assignment.*")-f.ownAssignments(), "eight guest assignments")
	// The inboxes may hold a re-sent copy (dedup window or not): the fold counts one.
	cx := f.state(f.chixi)
	out, _ := aidOf(cx, aid.Out)
	assert.Equal(t, 8, out.Committed)
	assert.Equal(t, aid.Released, out.State)
}

func (f *aidFlow) ownAssignments() int {
	n := 0
	for _, a := range f.state(f.chixi).Assignments {
		if !strings.HasPrefix(a.Responder, "duhu-") {
			n++
		}
	}
	return n
}

func TestMutualAidTwoTowns(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: two floodcmd processes")
	}
	f := &aidFlow{t: t}
	f.duhu = startServe(t, t.TempDir(), nil, "--town", "duhu", "--scenario", "duhu")
	f.duhu.waitReady(t)
	f.chixi = startServe(t, t.TempDir(), nil, "--town", "chixi", "--scenario", "chixi", "--nats-url", f.duhu.natsURL())
	f.chixi.waitReady(t)
	f.connect(f.duhu.natsURL())
	f.run(nil)
	f.exactlyOnce()
}

func TestMutualAidSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: kills floodcmd")
	}
	for _, victim := range []string{"duhu", "chixi"} {
		t.Run("kill-"+victim, func(t *testing.T) {
			f := &aidFlow{t: t}
			duhuDir, chixiDir := t.TempDir(), t.TempDir()
			duhuArgs := []string{"--town", "duhu", "--scenario", "duhu"}
			f.duhu = startServe(t, duhuDir, nil, duhuArgs...)
			f.duhu.waitReady(t)
			chixiArgs := []string{"--town", "chixi", "--scenario", "chixi", "--nats-url", f.duhu.natsURL()}
			f.chixi = startServe(t, chixiDir, nil, chixiArgs...)
			f.chixi.waitReady(t)
			f.connect(f.duhu.natsURL())
			f.run(func() {
				// kill -9 right after the approval is in the log, before Chixi assigns.
				switch victim {
				case "duhu":
					f.duhu.kill()
					f.duhu = restartServe(t, f.duhu, duhuDir, duhuArgs...)
				case "chixi":
					f.chixi.kill()
					f.chixi = restartServe(t, f.chixi, chixiDir, chixiArgs...)
				}
			})
			f.exactlyOnce()
		})
	}
}

// ownDispatch plays a storm's first minutes on Chixi: the big evacuation it
// cannot cover (so an aid request to Duhu waits in its outbox), then three
// incidents in three villages its own squads can take, each of which must be
// assigned within 1.5 s. It returns how many responders each got.
func ownDispatch(t *testing.T, f *aidFlow) map[string]int {
	f.publish("flood.chixi.incident", aidIncident)
	require.Eventually(t, func() bool {
		_, ok := aidOf(f.state(f.chixi), aid.Out)
		return ok
	}, 20*time.Second, 50*time.Millisecond, "Chixi never asked for aid; chixi:\n%s", f.chixi.out)
	got := map[string]int{}
	for i, at := range [][2]float64{{21.982827, 112.938745}, {21.960844, 112.965622}, {21.993386, 112.969837}} {
		id := fmt.Sprintf("cx-house-%d", i)
		f.publish("flood.chixi.incident", fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"grid/test","type":"flood.incident.reported","time":"2022-05-12T23:35:00+08:00","data":{"kind":"dangerous_house","lat":%v,"lon":%v,"people":0,"incident":%q}}`, id, at[0], at[1], id))
		start := time.Now()
		for time.Since(start) < 5*time.Second && got[id] == 0 {
			for _, a := range f.state(f.chixi).Assignments {
				if a.Incident == id {
					got[id]++
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		took := time.Since(start)
		t.Logf("%s: %d assigned after %s", id, got[id], took.Round(time.Millisecond))
		// The old forwarder held the loop for a 3 s time-out on every retry to an absent town.
		assert.Less(t, took, 1500*time.Millisecond, "%s waited for the aid forwarder", id)
	}
	return got
}

// TestAbsentNeighbourTownDispatchesItsOwn: Chixi's configured neighbour Duhu
// is not running, and a plain subscriber listens on flood.aid.> (each forward
// to Duhu is heard, never acknowledged). Chixi assigns its own responders to
// its own incidents exactly as it does with Duhu running, and warns once.
func TestAbsentNeighbourTownDispatchesItsOwn(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: floodcmd processes")
	}
	present := &aidFlow{t: t}
	present.duhu = startServe(t, t.TempDir(), nil, "--town", "duhu", "--scenario", "duhu")
	present.duhu.waitReady(t)
	present.chixi = startServe(t, t.TempDir(), nil, "--town", "chixi", "--scenario", "chixi", "--nats-url", present.duhu.natsURL())
	present.chixi.waitReady(t)
	present.connect(present.duhu.natsURL())
	withDuhu := ownDispatch(t, present)

	absent := &aidFlow{t: t}
	absent.chixi = startServe(t, t.TempDir(), nil, "--town", "chixi", "--scenario", "chixi")
	absent.chixi.waitReady(t)
	absent.connect(absent.chixi.natsURL())
	_, heard := absent.chixi.subscribe(t, "flood.aid.>", 64)
	withoutDuhu := ownDispatch(t, absent)

	assert.Equal(t, withDuhu, withoutDuhu, "the same own responders assigned, neighbour there or not")
	for id, n := range withoutDuhu {
		assert.Positive(t, n, "%s assigned", id)
	}
	select {
	case m := <-heard:
		assert.Equal(t, "flood.aid.duhu.request.chixi", m.Subject, "the request was forwarded (and heard, never acknowledged)")
	case <-time.After(5 * time.Second):
		t.Error("no aid request forwarded to the absent neighbour")
	}
	time.Sleep(3 * time.Second) // back-off rounds
	assert.Equal(t, 1, strings.Count(absent.chixi.out.String(), "neighbour's inbox not reachable"), "one warning:\n%s", absent.chixi.out)
}
