package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// The board and the phone driven through the 12 May storm as a drill, in real Chromium.

// drillState is what these tests read of /api/state.
type drillState struct {
	Incidents []struct {
		ID       string `json:"id"`
		Priority int    `json:"priority"`
		Status   string `json:"status"`
	} `json:"incidents"`
	Assignments []struct {
		ID, Responder, Status string
	} `json:"assignments"`
	Proposals []struct {
		Status string `json:"status"`
	} `json:"proposals"`
	Warnings []struct {
		Scope string `json:"scope"`
	} `json:"warnings"`
}

// scenarioIDs lists every id of the scenario's layers: none may show in the Chinese board.
func scenarioIDs(tb testing.TB, p *served) []string {
	tb.Helper()
	var ids []string
	for _, kind := range scenarioLayers {
		var fc struct {
			Features []struct {
				Properties struct {
					ID string `json:"id"`
				} `json:"properties"`
			} `json:"features"`
		}
		require.Equal(tb, http.StatusOK, p.getJSON(tb, "/api/scenario/"+kind, &fc))
		for _, f := range fc.Features {
			if len(f.Properties.ID) > 3 { // "r-0001"-style and slugs; 3 letters could be a word
				ids = append(ids, f.Properties.ID)
			}
		}
	}
	return ids
}

// noScroll fails if the page is taller or wider than the window.
func noScroll(tb testing.TB, ctx context.Context, w, h int64) {
	tb.Helper()
	require.NoError(tb, chromedp.Do(ctx, chromedp.EmulateViewport(w, h), chromedp.Sleep(400*time.Millisecond)))
	dims, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.documentElement.scrollHeight, window.innerHeight, document.documentElement.scrollWidth, window.innerWidth]`))
	require.NoError(tb, err)
	require.LessOrEqual(tb, dims[0], dims[1], "page taller than the %dx%d window: %v", w, h, dims)
	require.LessOrEqual(tb, dims[2], dims[3], "page wider than the %dx%d window: %v", w, h, dims)
}

// setOffline cuts the page's network (its service worker's too) or gives it back.
func setOffline(tb testing.TB, ctx context.Context, off bool) {
	tb.Helper()
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(tb, err)
	_, err = chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &off,
		MatchedNetworkConditions:    []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}})
	require.NoError(tb, err)
	_, err = chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
	require.NoError(tb, err)
}

// englishWord finds a run of Latin letters that is not a unit or a label we allow (mm, km, h, P1).
var englishWord = regexp.MustCompile(`[A-Za-z]{3,}`)

func TestBrowserBoardThroughDrill(t *testing.T) {
	ctx := browser(t)
	p := startFloodcmd(t, "--replay", "storm-2022-05-12.jsonl", "--speed", "1500", "--simulate")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1600, 1000),
		chromedp.Navigate(p.url("/login?token="+browserAdmin)),
		chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-conn="live"]`)),
	))
	version, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.L && L.version`))
	require.NoError(t, err)
	require.Equal(t, "1.9.4", version, "the map is Leaflet, vendored")
	cluster, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof L.markerClusterGroup === 'function'`))
	require.NoError(t, err)
	require.True(t, cluster, "leaflet.markercluster is loaded")

	// The drill reaches the storm's incidents, assignments, warnings and proposals.
	var st drillState
	require.Eventually(t, func() bool {
		st = drillState{}
		p.getJSON(t, "/api/state", &st)
		return len(st.Assignments) >= 6 && len(st.Warnings) > 10 && len(st.Proposals) > 0
	}, 150*time.Second, time.Second, "the drill plays incidents, assignments, warnings and proposals")
	require.NoError(t, chromedp.Do(ctx, chromedp.Sleep(1500*time.Millisecond)))

	clockText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#clock`)))
	require.NoError(t, err)
	require.Regexp(t, `演练时间 \d\d-\d\d \d\d:\d\d`, clockText, "a drill clock")
	conn, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#conn`)))
	require.NoError(t, err)
	require.Equal(t, "实时", conn)
	screenshot(t, ctx, "board-drill-1600.png")
	noScroll(t, ctx, 1600, 1000)
	noScroll(t, ctx, 1366, 768)
	screenshot(t, ctx, "board-drill-1366.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1600, 1000), chromedp.Sleep(300*time.Millisecond)))

	// No raw id and no English in the Chinese sidebar, on any tab but the rejected messages
	// (those are the machines' own words).
	ids := scenarioIDs(t, p)
	for _, a := range st.Assignments {
		ids = append(ids, a.ID, a.Responder)
	}
	tabs := []string{"incidents", "summary", "warnings", "evacuation", "responders", "shelters", "aid", "timeline"}
	for _, tab := range tabs {
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { document.querySelector('#tabs [data-tab="%s"]').click();
			return document.querySelector('aside').innerText; })()`, tab)))
		require.NoError(t, err)
		for _, id := range ids {
			if strings.Contains(id, "-") || len(id) > 5 {
				require.NotContains(t, text, id, "raw id %q in the Chinese sidebar (tab %s)", id, tab)
			}
		}
		for _, w := range englishWord.FindAllString(text, -1) {
			require.Contains(t, []string{"DRILL"}, w, "English %q in the Chinese sidebar (tab %s):\n%s", w, tab, text)
		}
		screenshot(t, ctx, "board-tab-"+tab+".png")
	}
	// The one-line-per-village warnings: never more lines than villages (18) plus level gauges.
	lines, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { document.querySelector('#tabs [data-tab="warnings"]').click(); return document.querySelectorAll('[data-warn-village]').length; })()`))
	require.NoError(t, err)
	require.Greater(t, lines, 0)
	require.LessOrEqual(t, lines, 18, "one line per village")

	// The legend, opened.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#legend summary`)), chromedp.WaitVisible(chromedp.CSS(`#legend details[open] div`))))
	screenshot(t, ctx, "board-legend.png")

	// The same board in English.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`)), chromedp.Sleep(500*time.Millisecond),
		chromedp.Click(chromedp.CSS(`#tabs [data-tab="incidents"]`)), chromedp.Click(chromedp.CSS(`#map-reset`)), chromedp.Sleep(500*time.Millisecond)))
	clockText, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#clock`)))
	require.NoError(t, err)
	require.Contains(t, clockText, "drill time")
	screenshot(t, ctx, "board-drill-en.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))))
}

// TestBrowserShelterPopup: a plain click on a shelter selects it: a popup naming it in Chinese
// with its occupancy, and no dialog.
func TestBrowserShelterPopup(t *testing.T) {
	ctx := browser(t)
	p := startFloodcmd(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1600, 1000),
		chromedp.Navigate(p.url("/login?token="+browserAdmin)),
		chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-conn="live"]`)),
	))
	// A shelter's popup names it in Chinese.
	var shelters struct {
		Features []struct {
			Properties struct{ ID, Name string }
			Geometry   struct{ Coordinates [2]float64 }
		}
	}
	require.Equal(t, 200, p.getJSON(t, "/api/scenario/shelter", &shelters))
	sh := shelters.Features[0]
	xy := pointOnScreen(t, ctx, sh.Geometry.Coordinates)
	hit, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.elementFromPoint(%f, %f); const m = e && e.closest('.leaflet-marker-icon'); return m ? m.className : (e ? e.tagName + '.' + e.className : ''); })()`, xy[0], xy[1])))
	require.NoError(t, err)
	require.Contains(t, hit, "shelter-icon", "the shelter is on top at its own point")
	require.NoError(t, chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1]), chromedp.WaitVisible(chromedp.CSS(`.pop-shelter`))))
	popup, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.pop-shelter`)))
	require.NoError(t, err)
	require.Contains(t, popup, sh.Properties.Name, "the shelter's popup names it")
	require.Contains(t, popup, "已安置", "with its occupancy")
	require.NotContains(t, popup, sh.Properties.ID)
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('dlg').open`))
	require.NoError(t, err)
	require.False(t, open, "a plain click opens no dialog")
	screenshot(t, ctx, "board-shelter-popup.png")

}

func TestBrowserBoardAlertsNewPriorityOne(t *testing.T) {
	ctx := browser(t)
	p := startFloodcmd(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.url("/login?token="+browserAdmin)),
		chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-conn="live"]`)),
	))
	publishIncident(t, p, "browser-p1", 22.062, 112.912) // trapped, 4 people: priority 1
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#alert[data-incident="browser-p1"]`))))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#alert`)))
	require.NoError(t, err)
	require.Contains(t, text, "新的一级事件")
	require.Contains(t, text, "被困")
	screenshot(t, ctx, "board-alert-p1.png")
	// Muting is kept; the banner still shows.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#mute`)), chromedp.WaitVisible(chromedp.CSS(`#mute[data-muted="true"]`))))
	// Clicking the banner takes the operator to the incident; a plain click on it selects it.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#alert`)), chromedp.Sleep(700*time.Millisecond)))
	xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = floodcmdMap.incMarks.get('browser-p1').getElement().getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1]), chromedp.WaitVisible(chromedp.CSS(`.pop-incident`))))
	popup, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.pop-incident`)))
	require.NoError(t, err)
	require.Contains(t, popup, "P1 被困")
	require.Contains(t, popup, "人数")
	require.NotContains(t, popup, "browser-p1")
	screenshot(t, ctx, "board-incident-popup.png")
}

func TestBrowserResponderPhone(t *testing.T) {
	ctx := browser(t)
	p := startFloodcmd(t)
	publishIncident(t, p, "browser-inc-2", 22.062, 112.912)
	type asg struct{ ID, Responder, Status string }
	var a asg
	require.Eventually(t, func() bool {
		var st struct{ Assignments []asg }
		p.getJSON(t, "/api/state", &st)
		for _, x := range st.Assignments {
			if x.Status == "assigned" {
				a = x
				return true
			}
		}
		return false
	}, 10*time.Second, 50*time.Millisecond)
	status := func() string {
		var st struct{ Assignments []asg }
		p.getJSON(t, "/api/state", &st)
		for _, x := range st.Assignments {
			if x.ID == a.ID {
				return x.Status
			}
		}
		return ""
	}

	tok, err := NewSigner([]byte(browserSecret), "").Sign(RoleResponder, a.Responder, time.Hour, time.Now())
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(p.url("/login?token="+tok)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#task-card[data-assignment=%q]`, a.ID))),
		chromedp.WaitVisible(chromedp.CSS(`#b-accepted`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-sw="registered"]`)),
	))
	// An installable app: a manifest that the server answers, a registered service worker.
	manifest, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(async () => {
		const href = document.querySelector('link[rel="manifest"]').href; const r = await fetch(href);
		return { href, status: r.status, body: await r.json(), sw: (await navigator.serviceWorker.getRegistrations()).length }; })()`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.EqualValues(t, 200, manifest["status"], "the manifest: %v", manifest)
	require.Equal(t, "/responder/"+a.Responder, manifest["body"].(map[string]any)["start_url"])
	for _, icon := range manifest["body"].(map[string]any)["icons"].([]any) {
		src := icon.(map[string]any)["src"].(string)
		code := p.getJSON(t, src, nil)
		require.Equal(t, http.StatusOK, code, "manifest icon %s", src)
	}
	require.EqualValues(t, 1, manifest["sw"], "one service worker registered")
	// Only the next valid step, and decline apart from it.
	visible := func() []string {
		ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#buttons button')].map((b) => b.id)`))
		require.NoError(t, err)
		return ids
	}
	require.Equal(t, []string{"b-accepted", "b-declined"}, visible())
	nav, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#handoff a')].map((a) => a.href)`))
	require.NoError(t, err)
	require.NotEmpty(t, nav)
	require.True(t, strings.HasPrefix(nav[0], "geo:"), "a geo: hand-off: %v", nav)
	screenshot(t, ctx, "responder-assigned.png")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#b-accepted`))))
	require.Eventually(t, func() bool { return status() == "accepted" }, 10*time.Second, 50*time.Millisecond, "accepted in /api/state")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#task-card[data-status="accepted"]`)), chromedp.WaitVisible(chromedp.CSS(`#b-en_route`))))
	require.Equal(t, []string{"b-en_route", "b-on_scene", "b-declined"}, visible())
	// Decline asks first.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#b-declined`)), chromedp.WaitVisible(chromedp.CSS(`#decline-confirm`))))
	screenshot(t, ctx, "responder-decline-confirm.png")
	_, err = chromedp.Run(ctx, chromedp.Evaluate[int](`(document.getElementById("decline-box").querySelector("button").click(), 0)`))
	require.NoError(t, err)
	require.Equal(t, "accepted", status(), "no decline without the confirmation")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#b-on_scene`))))
	require.Eventually(t, func() bool { return status() == "on_scene" }, 10*time.Second, 50*time.Millisecond)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#task-card[data-status="on_scene"]`))))
	require.Equal(t, []string{"b-done"}, visible(), "on scene: accept and decline are gone")
	screenshot(t, ctx, "responder-on-scene.png")

	// Offline: the tap is queued and marked 未发送, then sent once when the signal is back.
	setOffline(t, ctx, true)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#b-done`)), chromedp.WaitVisible(chromedp.CSS(`#outbox [data-queued="done"]`))))
	// The queue is redrawn whenever a send is tried: read it until it holds still.
	var q string
	require.Eventually(t, func() bool {
		q, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("outbox")?.textContent || ""`))
		return strings.Contains(q, "未发送")
	}, 10*time.Second, 100*time.Millisecond, "the queued tap is marked 未发送: %q", q)
	require.Equal(t, "on_scene", status(), "nothing reached the server while offline")
	screenshot(t, ctx, "responder-offline-queued.png")
	// Reloaded with no signal, the page opens from the service worker with the last assignment.
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#task-card[data-assignment=%q]`, a.ID)))))
	screenshot(t, ctx, "responder-offline-reload.png")
	setOffline(t, ctx, false)
	require.Eventually(t, func() bool { return status() == "done" }, 20*time.Second, 100*time.Millisecond, "the queued tap is sent when back online")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitNotPresent(chromedp.CSS(`#outbox`))))
	var hist struct {
		Assignments []struct {
			ID      string
			History []struct{ Status string }
		}
	}
	p.getJSON(t, "/api/state", &hist)
	for _, x := range hist.Assignments {
		if x.ID == a.ID {
			n := 0
			for _, h := range x.History {
				if h.Status == "done" {
					n++
				}
			}
			require.Equal(t, 1, n, "done was sent once: %+v", x.History)
		}
	}
	raw, _ := json.Marshal(hist)
	t.Logf("assignment history: %s", raw)
}

// TestBrowserReasonsInWords: dispatch reasons in Chinese, from reason_code/reason_params when
// a decision has them, else from the English reason by pattern, and never English otherwise.
func TestBrowserReasonsInWords(t *testing.T) {
	ctx := browser(t)
	p := startFloodcmd(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.url("/login?token="+browserAdmin)),
		chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="true"]`)),
	))
	cases := []struct{ decision, want string }{
		{`{reason_code: 'village_first', reason_params: {village: 'nancun', capability: 'evacuation', eta_s: 343}}`, "小事不出村：本村（南村）力量就近处置；能力：转移，预计5分43秒到达"},
		{`{reason_code: 'town_tier_priority1', reason_params: {priority: 1, capability: 'rescue_boat', eta_s: 432}}`, "大事不出镇：1级事件，镇级力量即时加入；能力：冲锋舟，预计7分12秒到达"},
		{`{reason_code: 'some_new_code', reason: 'a reason nobody translated'}`, "系统派遣"},
		// the dispatcher's English reasons of today (dispatch/decide.go)
		{`{reason: 'small matters: own-village responder of nancun; evacuation, ETA 5m43s; least total priority-weighted travel over 6 open slots'}`, "本村（南村）力量就近处置；能力：转移，预计5分43秒到达；按优先级加权总行程最短（6个空缺）"},
		{`{reason: '大事不出镇: village "longhe" cannot cover drainage, town tier joins; drainage, ETA 7m19s'}`, "大事不出镇：龙和无排涝力量，镇级力量加入；能力：排涝，预计7分19秒到达"},
		{`{reason: 'no accept within 3m0s of assignment (无应答)'}`, "3分内未接受"},
		{`{reason: 'something the board has never seen'}`, "系统派遣"},
	}
	for _, c := range cases {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`import('/static/reasons.js').then((m) => m.explain(`+c.decision+`))`, chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		require.Equal(t, c.want, got, "explain(%s)", c.decision)
	}
}
