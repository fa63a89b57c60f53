package main

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/natsjs"
)

type routeReply struct {
	Meters  float64  `json:"meters"`
	Seconds float64  `json:"seconds"`
	Roads   []string `json:"roads"`
	Message string   `json:"message"`
	Error   string   `json:"error"`
	Path    struct {
		Type        string       `json:"type"`
		Coordinates [][2]float64 `json:"coordinates"`
	} `json:"path"`
}

// TestRouteChangesWhenARoadCloses: an operator's close_road, published from
// outside with the nats CLI, changes /api/route at once; cut off, it says so in words.
func TestRouteChangesWhenARoadCloses(t *testing.T) {
	p := startServe(t, t.TempDir(), nil)
	p.waitReady(t)
	const q = "/api/route?from=22.0800,112.9000&to=22.0300,112.9300"
	var before routeReply
	require.Equal(t, 200, getJSON(t, p.url(q), &before))
	require.Greater(t, before.Seconds, 0.0)
	assert.Equal(t, "LineString", before.Path.Type)
	require.NotEmpty(t, before.Roads)
	closed := before.Roads[len(before.Roads)/2]

	cli := natsCLI(t)
	pub := func(id, verb, data string) {
		t.Helper()
		body := fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"operator/test","type":"flood.command.%s","time":"2022-05-12T23:30:00+08:00","data":%s}`, id, verb, data)
		out, err := exec.Command(cli, "--server", p.natsURL(), "--creds", credsFor(t, p.natsURL(), natsjs.NatsOperator, "duhu"), "pub", "flood.duhu.command", body).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	pub("close-1", "close_road", fmt.Sprintf(`{"road":%q,"operator":"值班员 王","reason":"水深过膝"}`, closed))

	var after routeReply
	require.Eventually(t, func() bool {
		getJSON(t, p.url(q), &after)
		return !containsString(after.Roads, closed)
	}, 2*time.Second, 10*time.Millisecond, "the route still uses closed road %s", closed)
	assert.GreaterOrEqual(t, after.Seconds, before.Seconds, "a detour is never faster")

	// Open it again: the first route comes back.
	pub("open-1", "open_road", fmt.Sprintf(`{"road":%q,"operator":"值班员 王"}`, closed))
	require.Eventually(t, func() bool {
		var again routeReply
		getJSON(t, p.url(q), &again)
		return containsString(again.Roads, closed)
	}, 2*time.Second, 10*time.Millisecond)

	// Close every road around the destination: unreachable, in words.
	pub("close-2", "close_road", `{"lat":22.0300,"lon":112.9300,"radius_m":1000,"operator":"值班员 王"}`)
	var cut routeReply
	require.Eventually(t, func() bool {
		return getJSON(t, p.url(q), &cut) == 422
	}, 2*time.Second, 10*time.Millisecond)
	assert.Equal(t, "unreachable", cut.Error)
	assert.Contains(t, cut.Message, "no open road")

	var bad routeReply
	assert.Equal(t, 400, getJSON(t, p.url("/api/route?from=22.08&to=22.03,112.93"), &bad))
	assert.Contains(t, bad.Message, "lat,lon")
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
