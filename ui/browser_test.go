package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/internal/testproc"
	"github.com/floodcmd/floodcmd/natsjs"
)

// The browser tests run the real floodcmd binary and Debian's chromium.

const (
	browserAdmin  = "browser-admin-token"
	browserSecret = "browser-test-secret-0123456789"
)

// served is a floodcmd serve under test.
type served struct {
	http, nats string
	data       string // its --data, where its NATS keys are
	out        *bytes.Buffer
}

func (p *served) url(path string) string { return "http://" + p.http + path }

func startFloodcmd(tb testing.TB, extra ...string) *served {
	tb.Helper()
	p := &served{http: testproc.FreeAddr(tb), nats: testproc.FreeAddr(tb), out: &bytes.Buffer{}, data: tb.TempDir()}
	args := append([]string{"serve", "--http", p.http, "--nats-listen", p.nats, "--data", p.data}, extra...)
	cmd := exec.Command(testproc.Binary(tb), args...)
	cmd.Env = append(os.Environ(), "FLOODCMD_ADMIN_TOKEN="+browserAdmin, "FLOODCMD_TOKEN_SECRET="+browserSecret)
	cmd.Stdout, cmd.Stderr = p.out, p.out
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGKILL); _ = cmd.Wait() })
	require.Eventually(tb, func() bool {
		resp, err := http.Get(p.url("/readyz"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, 60*time.Second, 50*time.Millisecond, "floodcmd not ready:\n%s", p.out)
	return p
}

func (p *served) getJSON(tb testing.TB, path string, v any) int {
	tb.Helper()
	req, _ := http.NewRequest("GET", p.url(path), nil)
	req.Header.Set("Authorization", "Bearer "+browserAdmin)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	if v != nil {
		_ = json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

// browser starts headless chromium; under CI a missing chromium fails the test.
func browser(tb testing.TB) context.Context {
	tb.Helper()
	if testing.Short() {
		tb.Skip("browser tests are not short")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("chromium is not installed: apt-get install -y chromium (.ci/run does)")
		}
		tb.Skip("chromium is not installed")
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(tb.TempDir()), chromedp.WindowSize(1400, 900)}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelC := chromedp.NewContext(actx)
	// The first call starts the browser and must not carry a timeout; later ones may.
	require.NoError(tb, chromedp.Do(bctx, chromedp.Navigate("about:blank")))
	ctx, cancelT := context.WithTimeout(bctx, 4*time.Minute) // a drill plays for two of them
	tb.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

func screenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(tb, err)
	dir := filepath.Join("..", "artifacts")
	require.NoError(tb, os.MkdirAll(dir, 0o755))
	require.NoError(tb, os.WriteFile(filepath.Join(dir, name), png, 0o644))
}

// fieldStream is JetStream as a grid worker's phone reaches it: field credentials for Duhu
// issued by the served floodcmd's own authority.
func fieldStream(tb testing.TB, p *served) jetstream.JetStream {
	tb.Helper()
	auth, err := natsjs.LoadAuthority(p.data)
	require.NoError(tb, err)
	field, err := auth.Issue(natsjs.NatsField, "duhu", time.Hour, time.Now())
	require.NoError(tb, err)
	nc, err := nats.Connect("nats://"+p.nats, nats.UserJWTAndSeed(field.JWT, field.Seed))
	require.NoError(tb, err)
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(tb, err)
	return js
}

func publishIncident(tb testing.TB, p *served, id string, lat, lon float64) {
	tb.Helper()
	js := fieldStream(tb, p)
	ev := fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"test/browser","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"trapped","lat":%f,"lon":%f,"people":4,"note":"browser test"}}`, id, lat, lon)
	_, err := js.Publish(context.Background(), "flood.duhu.incident", []byte(ev), jetstream.WithMsgID(id))
	require.NoError(tb, err)
}

func TestBrowserBoardDrawsMapAndUpdatesLive(t *testing.T) {
	ctx := browser(t)
	p := startFloodcmd(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.url("/login?token="+browserAdmin)),
		chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-conn="live"]`)),
	))
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#map`), "data-grids"))
	require.NoError(t, err)
	grids := attr.Value
	require.NotEqual(t, "", grids)
	require.NotEqual(t, "0", grids, "the map has the town's grids")
	screenshot(t, ctx, "board-empty.png")

	publishIncident(t, p, "browser-inc-1", 22.062, 112.912)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-incident="browser-inc-1"]`))))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-incident="browser-inc-1"]`)))
	require.NoError(t, err)
	require.Contains(t, text, "被困", "the queue shows the incident, in Chinese by default")
	time.Sleep(1500 * time.Millisecond) // let the dispatcher's assignment arrive too
	screenshot(t, ctx, "board-incident.png")
}

// pointOnScreen is where a [lon, lat] point is on the page, after centring the map on it.
func pointOnScreen(tb testing.TB, ctx context.Context, at [2]float64) []float64 {
	tb.Helper()
	xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => { const m = window.floodcmdMap; m.map.setView([%f,%f], 16, {animate: false});
		const p = m.map.latLngToContainerPoint([%f,%f]), r = m.el.getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; })()`, at[1], at[0], at[1], at[0])))
	require.NoError(tb, err)
	require.Len(tb, xy, 2)
	require.NoError(tb, chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond)))
	return xy
}

// clearPointOnSegment is a point of a road segment on screen where no marker (a responder at
// home, a shelter) covers the road: a click there reaches the road.
func clearPointOnSegment(tb testing.TB, ctx context.Context, seg [2][2]float64) []float64 {
	tb.Helper()
	for _, f := range []float64{0.5, 0.35, 0.65, 0.2, 0.8} {
		at := [2]float64{seg[0][0] + f*(seg[1][0]-seg[0][0]), seg[0][1] + f*(seg[1][1]-seg[0][1])}
		xy := pointOnScreen(tb, ctx, at)
		tag, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.elementFromPoint(%f, %f).tagName`, xy[0], xy[1])))
		require.NoError(tb, err)
		if tag == "CANVAS" {
			return xy
		}
	}
	tb.Fatal("every point of the segment is under a marker")
	return nil
}

func TestBrowserOperatorClosesRoad(t *testing.T) {
	ctx := browser(t)
	p := startFloodcmd(t)
	q := "/api/route?from=22.08,112.90&to=22.02,112.93"
	var before struct {
		Meters float64
		Roads  []string
	}
	require.Equal(t, 200, p.getJSON(t, q, &before))
	require.NotEmpty(t, before.Roads)

	// A point in the middle of the longest road segment of the route, away from junctions.
	var layer struct {
		Features []struct {
			Properties struct{ ID string }
			Geometry   struct{ Coordinates [][2]float64 }
		}
	}
	require.Equal(t, 200, p.getJSON(t, "/api/scenario/road", &layer))
	onRoute := map[string]bool{}
	for _, r := range before.Roads {
		onRoute[r] = true
	}
	var road string
	var seg [2][2]float64
	best := 0.0
	for _, f := range layer.Features {
		if !onRoute[f.Properties.ID] {
			continue
		}
		c := f.Geometry.Coordinates
		for i := 1; i < len(c); i++ {
			d := (c[i][0]-c[i-1][0])*(c[i][0]-c[i-1][0]) + (c[i][1]-c[i-1][1])*(c[i][1]-c[i-1][1])
			if d > best {
				best, road = d, f.Properties.ID
				seg = [2][2]float64{c[i-1], c[i]}
			}
		}
	}
	require.NotEmpty(t, road)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.url("/login?token="+browserAdmin)),
		chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-conn="live"]`)),
	))
	xy := clearPointOnSegment(t, ctx, seg)
	// A plain click on the road only selects it: a popup, no dialog.
	require.NoError(t, chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1]), chromedp.WaitVisible(chromedp.CSS(`.pop-road`))))
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('dlg').open`))
	require.NoError(t, err)
	require.False(t, open, "a plain click on a road opens no dialog")
	// The road-closing mode, chosen on the toolbar, does.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#toolbar [data-mode="road"]`)),
		chromedp.Sleep(100*time.Millisecond),
		chromedp.MouseClickXY(xy[0], xy[1]),
		chromedp.WaitVisible(chromedp.CSS(`#f-reason`)),
		chromedp.SendKeys(chromedp.CSS(`#f-reason`), "水深1米 flooded"),
	))
	dlgRoad, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#dlg-form`), "data-road"))
	require.NoError(t, err)
	require.Equal(t, road, dlgRoad.Value, "the dialog is about the road clicked")
	screenshot(t, ctx, "board-close-road.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#dlg-ok`))))

	require.Eventually(t, func() bool {
		var after struct {
			Meters float64
			Roads  []string
		}
		code := p.getJSON(t, q, &after)
		if code == 422 {
			return true // no way round: that is a change too
		}
		for _, r := range after.Roads {
			if r == road {
				return false
			}
		}
		return code == 200 && after.Meters != before.Meters
	}, 10*time.Second, 100*time.Millisecond, "the route avoids the closed road")
	time.Sleep(500 * time.Millisecond)
	screenshot(t, ctx, "board-road-closed.png")
}

// TestBrowserOperatorOrdersEvacuation: the operator orders Yangning evacuated from
// the board; the engine gives its households shelters and the panel shows them.
func TestBrowserOperatorOrdersEvacuation(t *testing.T) {
	ctx := browser(t)
	p := startFloodcmd(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.url("/login?token="+browserAdmin)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-conn="live"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="true"]`)),
		chromedp.Click(chromedp.CSS(`#toolbar [data-mode="grids"]`)),
	))
	// Pick Yangning on the map, at a point the page itself finds inside the grid.
	xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const m = window.floodcmdMap;
		const b = m.gridLayers.get('nancun-yangning').getBounds(); m.map.fitBounds(b);
		for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
			const ll = L.latLng(b.getSouth() + (b.getNorth() - b.getSouth()) * i / 20, b.getWest() + (b.getEast() - b.getWest()) * j / 20);
			if (m.gridAt(ll) === 'nancun-yangning') { const p = m.map.latLngToContainerPoint(ll), r = m.el.getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }
		}
		return []; })()`))
	require.NoError(t, err)
	require.Len(t, xy, 2)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Sleep(400*time.Millisecond),
		chromedp.MouseClickXY(xy[0], xy[1]),
		chromedp.WaitVisible(chromedp.CSS(`#grids-order`)),
	))
	pickedText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#picked`)))
	require.NoError(t, err)
	require.Contains(t, pickedText, "阳宁", "the picked grid is named")
	require.Contains(t, pickedText, "1882", "with its people count")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#grids-order`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-reason`)),
		chromedp.SendKeys(chromedp.CSS(`#f-reason`), "阳宁村内涝 drill"),
	))
	screenshot(t, ctx, "board-order-evacuation.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#dlg-ok`))))
	require.Eventually(t, func() bool {
		var st struct {
			EvacGrids []struct {
				ID      string `json:"id"`
				Ordered struct {
					Households int `json:"households"`
				} `json:"ordered"`
			} `json:"evac_grids"`
		}
		p.getJSON(t, "/api/state", &st)
		for _, g := range st.EvacGrids {
			if g.ID == "nancun-yangning" && g.Ordered.Households > 0 {
				return true
			}
		}
		return false
	}, 10*time.Second, 100*time.Millisecond, "Yangning is under an evacuation order")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#tabs [data-tab="evacuation"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#p-evacuation table tr:nth-child(2)`))))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#p-evacuation`)))
	require.NoError(t, err)
	require.Contains(t, text, "阳宁")
	require.NotContains(t, text, "nancun-yangning", "names, not ids")
	time.Sleep(time.Second)
	screenshot(t, ctx, "board-evacuation.png")

	// The operator records that the first household listed stays, by choice.
	hh, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#p-evacuation [data-household]`), "data-household"))
	require.NoError(t, err)
	require.True(t, hh.Exists)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-household=%q] button:nth-of-type(2)`, hh.Value)), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#f-reason`)),
		chromedp.SendKeys(chromedp.CSS(`#f-reason`), "二楼安全，自愿留守"),
		chromedp.Click(chromedp.CSS(`#dlg-ok`)),
	))
	require.Eventually(t, func() bool {
		var st struct {
			EvacGrids []struct {
				ID      string `json:"id"`
				Staying struct {
					Households int `json:"households"`
				} `json:"staying"`
			} `json:"evac_grids"`
		}
		p.getJSON(t, "/api/state", &st)
		for _, g := range st.EvacGrids {
			if g.ID == "nancun-yangning" && g.Staying.Households == 1 {
				return true
			}
		}
		return false
	}, 10*time.Second, 100*time.Millisecond, "household %s recorded as staying", hh.Value)
}

// TestBrowserOperatorDrawsEvacuationArea: in the drawing mode the operator clicks the corners of
// an area round Yangning and finishes; the order goes out with that polygon.
func TestBrowserOperatorDrawsEvacuationArea(t *testing.T) {
	ctx := browser(t)
	p := startFloodcmd(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.url("/login?token="+browserAdmin)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-conn="live"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="true"]`)),
		chromedp.Click(chromedp.CSS(`#toolbar [data-mode="polygon"]`)),
	))
	corners, err := chromedp.Run(ctx, chromedp.Evaluate[[][]float64](`(() => { const m = window.floodcmdMap;
		const b = m.gridLayers.get('nancun-yangning').getBounds(); m.map.fitBounds(b, {animate: false});
		const r = m.el.getBoundingClientRect(), c = m.map.latLngToContainerPoint(b.getCenter());
		return [[-60, -50], [60, -50], [60, 50], [-60, 50]].map(([dx, dy]) => [c.x + r.left + dx, c.y + r.top + dy]); })()`))
	require.NoError(t, err)
	require.Len(t, corners, 4)
	require.NoError(t, chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond)))
	for _, c := range corners {
		require.NoError(t, chromedp.Do(ctx, chromedp.MouseClickXY(c[0], c[1]), chromedp.Sleep(150*time.Millisecond)))
	}
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('dlg').open`))
	require.NoError(t, err)
	require.False(t, open, "drawing opens no dialog until finished")
	screenshot(t, ctx, "board-draw-area.png")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#poly-done`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-reason`)),
		chromedp.SendKeys(chromedp.CSS(`#f-reason`), "阳宁一带划区转移 drill"),
		chromedp.Click(chromedp.CSS(`#dlg-ok`)),
	))
	require.Eventually(t, func() bool {
		var st struct {
			EvacOrders []struct {
				Polygon [][2]float64 `json:"polygon"`
				People  int          `json:"people"`
			} `json:"evac_orders"`
		}
		p.getJSON(t, "/api/state", &st)
		for _, o := range st.EvacOrders {
			if len(o.Polygon) >= 4 && o.People > 0 {
				return true
			}
		}
		return false
	}, 10*time.Second, 100*time.Millisecond, "an evacuation order for the drawn area, with people in it")
}
