package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/natsjs"
)

// TestEvacuateAGrid: an operator orders Yangning evacuated from outside (the nats
// CLI); every household gets a shelter (flood.evac.assigned), the vulnerable get
// escorts (assignments), and check-ins at the shelters bring its unaccounted count to zero.
func TestEvacuateAGrid(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	p := startServe(t, t.TempDir(), nil)
	p.waitReady(t)
	nc, decisions := p.subscribe(t, "flood.duhu.out.>", 4096)

	// Live, the engine decides on the wall clock, and a shelter's capacity is
	// its day or night one at that time: the test's reports carry the same
	// clock (with 2022's times they crossed night and day with the hour the test ran).
	now := func() string { return time.Now().Format(time.RFC3339Nano) }
	order := fmt.Sprintf(`{"specversion":"1.0","id":"order-yangning","source":"board/admin","type":"flood.command.evacuate","time":%q,"data":{"order":"yangning-1","grids":["nancun-yangning"],"level":"mandatory","operator":"镇三防办 陈","reason":"阳宁村内涝"}}`, now())
	out, err := exec.Command(natsCLI(t), "--server", p.natsURL(), "--creds", credsFor(t, p.natsURL(), natsjs.NatsOperator, "duhu"), "pub", "flood.duhu.command", order).CombinedOutput()
	require.NoError(t, err, "%s", out)

	var v engine.View
	require.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v)
		g := gridCount(v, "nancun-yangning")
		return g != nil && g.Ordered.Households > 0 && len(assignedShelters(v, "nancun-yangning")) == g.Ordered.Households
	}, 20*time.Second, 50*time.Millisecond, "every Yangning household gets a shelter")
	g := gridCount(v, "nancun-yangning")
	t.Logf("Yangning: %d households, %d people ordered", g.Ordered.Households, g.Ordered.People)
	// the board's estimate: everyone accounted for in about the hour the town lived, not minutes of driving
	require.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v)
		g = gridCount(v, "nancun-yangning")
		return g.AllAt != nil
	}, 10*time.Second, 50*time.Millisecond, "an estimate once every household has a place")
	t.Logf("Yangning: everyone expected accounted for %.0f min after the order (at %s)", g.Minutes, g.AllAt.Format(time.RFC3339))
	assert.GreaterOrEqual(t, g.Minutes, 30.0)
	assert.LessOrEqual(t, g.Minutes, 120.0)
	assert.Zero(t, g.NoEstimate)

	// The decisions were on the log: shelters chosen, escorts asked, escorts assigned.
	seen := map[string]int{}
	inRun := map[string]int{} // household → escort runs covering it
	drain := func() {
		for {
			select {
			case m := <-decisions:
				var ev events.Event
				require.NoError(t, json.Unmarshal(m.Data, &ev))
				seen[ev.Type]++
				if ev.Type == events.TypeEvacEscortNeeded {
					var d evac.Decision
					require.NoError(t, ev.DecodeData(&d))
					require.NotEmpty(t, d.Run, "escorts come in runs")
					for _, h := range d.Households {
						inRun[h]++
					}
				}
			default:
				return
			}
		}
	}
	require.Eventually(t, func() bool {
		drain()
		return seen[events.TypeEvacEscortNeeded] > 0 && seen[events.TypeAssignmentCreated] > 0
	}, 10*time.Second, 50*time.Millisecond, "escorts: %v", seen)
	assert.GreaterOrEqual(t, seen[events.TypeEvacAssigned], g.Ordered.Households, "a flood.evac.assigned per household")
	// Escorts in runs: each vulnerable household in exactly one run, and far
	// fewer runs (incidents) than households.
	vulnerable := 0
	for _, h := range v.Unaccounted {
		if h.Grid == "nancun-yangning" && h.Vulnerable > 0 {
			vulnerable++
			assert.Equal(t, 1, inRun[h.ID], "household %s in exactly one escort run", h.ID)
			assert.NotEmpty(t, h.Run)
		}
	}
	assert.Len(t, inRun, vulnerable)
	assert.Less(t, seen[events.TypeEvacEscortNeeded], vulnerable, "fewer runs than vulnerable households")
	t.Logf("Yangning: %d vulnerable households in %d escort runs", vulnerable, seen[events.TypeEvacEscortNeeded])

	// Grid workers report every household on its way (a household told and
	// moving keeps its place whatever the plan does next), then shelter staff
	// check each in where it was sent.
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	// Where each household was sent, once the plan has settled (the escorts'
	// dispatch may still re-plan households nobody has told yet).
	v = quiescentView(t, p)
	sent := assignedShelters(v, "nancun-yangning")
	require.Len(t, sent, gridCount(v, "nancun-yangning").Ordered.Households, "every household has a place")
	for _, h := range sent {
		body := fmt.Sprintf(`{"specversion":"1.0","id":"moving-%s","source":"grid/nancun","type":"flood.command.household","time":%q,"data":{"household":%q,"status":"moving","operator":"网格员 李"}}`,
			h.ID, now(), h.ID)
		_, err := js.Publish(context.Background(), "flood.duhu.command", []byte(body), jetstream.WithMsgID("moving-"+h.ID))
		require.NoError(t, err)
	}
	if !assert.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v)
		g := gridCount(v, "nancun-yangning")
		return g.Moving.Households == g.Ordered.Households
	}, 30*time.Second, 50*time.Millisecond) {
		t.Fatalf("every household moving: %+v; rejections: %s", gridCount(v, "nancun-yangning"), rejectionSample(v))
	}
	for _, h := range sent { // a household on its way keeps the place it was told
		body := fmt.Sprintf(`{"specversion":"1.0","id":"in-%s","source":"shelter/%s","type":"flood.shelter.checkin","time":%q,"data":{"people":%d,"household":%q}}`,
			h.ID, h.Shelter, now(), h.Members, h.ID)
		_, err := js.Publish(context.Background(), "flood.duhu.shelter."+h.Shelter, []byte(body), jetstream.WithMsgID("in-"+h.ID))
		require.NoError(t, err)
	}
	published := time.Now()
	if assert.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v)
		g := gridCount(v, "nancun-yangning")
		return g.Unaccounted.Households == 0 && g.AtShelter.Households == g.Ordered.Households
	}, 30*time.Second, 50*time.Millisecond) {
		t.Logf("Yangning: %d check-ins folded %s after the last was published", len(sent), time.Since(published).Round(time.Millisecond))
	} else {
		t.Errorf("unaccounted to zero: %+v; log folded to %d; rejections: %s", gridCount(v, "nancun-yangning"), v.Seq, rejectionSample(v))
	}
	if t.Failed() {
		t.Log(p.out.String())
	}
	for _, s := range v.Shelters {
		assert.LessOrEqual(t, s.Occupancy, s.Capacity, "shelter %s over capacity", s.ID)
	}
	assert.Empty(t, v.Rejections, "no check-in refused")
}

func gridCount(v engine.View, grid string) *evac.Headcount {
	for i := range v.EvacGrids {
		if v.EvacGrids[i].ID == grid {
			return &v.EvacGrids[i]
		}
	}
	return nil
}

// assignedShelters lists the grid's households that have a shelter to go to.
func assignedShelters(v engine.View, grid string) []evac.HouseholdView {
	var out []evac.HouseholdView
	for _, h := range v.Unaccounted {
		if h.Grid == grid && h.Shelter != "" {
			out = append(out, h)
		}
	}
	return out
}

// rejectionSample shows a few refusals, for a failure message.
func rejectionSample(v engine.View) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", len(v.Rejections))
	for i, r := range v.Rejections {
		if i == 5 {
			break
		}
		fmt.Fprintf(&b, "; %s", r.Reason)
	}
	return b.String()
}
