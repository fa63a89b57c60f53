package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	capxml "github.com/floodcmd/floodcmd/cap"
	"github.com/floodcmd/floodcmd/engine"
)

func request(tb testing.TB, method, url, body string) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	require.NoError(tb, err)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp.StatusCode, raw
}

// atomFeed is GET /api/cap as a consumer reads it.
type atomFeed struct {
	Base  string `xml:"base,attr"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID    string `xml:"id"`
		Title string `xml:"title"`
		Link  struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content struct {
			Type  string `xml:"type,attr"`
			Inner []byte `xml:",innerxml"`
		} `xml:"content"`
	} `xml:"entry"`
}

// TestCAPOutAndIn: rain over the red threshold at a gauge gives a warning that
// /api/cap serves as valid CAP 1.2 (Exercise, since the readings are a drill); a
// meteorological CAP alert posted to /api/cap raises warnings over the grids it covers.
func TestCAPOutAndIn(t *testing.T) {
	p := startServe(t, t.TempDir(), nil)
	p.waitReady(t)
	nc, err := testConnect(t, p.natsURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	// 3 × 40 mm in three hours at Nankeng: ≥ 100 mm in 3 h is red.
	for i, hour := range []string{"22", "23", "00"} {
		day := "12"
		if hour == "00" {
			day = "13"
		}
		body := fmt.Sprintf(`{"specversion":"1.0","id":"cap-rain-%d","source":"gauge/rain-nankeng","type":"flood.rain.observed","time":"2022-05-%sT%s:00:00+08:00","drill":true,"data":{"gauge":"rain-nankeng","mm":40,"minutes":60}}`, i, day, hour)
		_, err := js.Publish(context.Background(), "flood.duhu.rain", []byte(body))
		require.NoError(t, err)
	}
	var feed atomFeed
	require.Eventually(t, func() bool {
		code, raw := request(t, "GET", p.url("/api/cap"), "")
		require.Equal(t, 200, code, "%s", raw)
		feed = atomFeed{}
		require.NoError(t, xml.Unmarshal(raw, &feed))
		for _, e := range feed.Entries {
			if a, err := capxml.Parse(e.Content.Inner); err == nil && a.Info[0].Severity == "Extreme" {
				return true
			}
		}
		return false
	}, 10*time.Second, 50*time.Millisecond, "a red warning (Extreme) in the CAP feed")

	for _, e := range feed.Entries {
		assert.Equal(t, "application/cap+xml", e.Content.Type)
		a, err := capxml.Parse(e.Content.Inner)
		require.NoError(t, err)
		require.NoError(t, capxml.Validate(a), "a valid CAP 1.2 alert")
		assert.Equal(t, "Exercise", a.Status, "readings marked drill make an Exercise")
		assert.Equal(t, "floodcmd@duhu", a.Sender)
		assert.True(t, strings.HasSuffix(a.Sent, "+08:00"), a.Sent)
		require.NotEmpty(t, a.Info)
		assert.Equal(t, "zh-CN", a.Info[0].Language, "Chinese first")
		// The single alert is served alone too, as its own document.
		code, raw := request(t, "GET", p.url("/api/cap/"+a.Identifier), "")
		require.Equal(t, 200, code)
		assert.Contains(t, string(raw), `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">`)
	}

	// CAP in: a meteorological alert over Yangning (a polygon in lat,lon order).
	alert := `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>GDMB-20220513-0100</identifier>
  <sender>taishan@weather.gd.cn</sender>
  <sent>2022-05-13T01:00:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨红色预警</event>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <expires>2099-05-13T12:00:00+08:00</expires>
    <headline>台山市气象台发布暴雨红色预警信号</headline>
    <area>
      <areaDesc>南村</areaDesc>
      <polygon>22.03,112.88 22.03,112.95 22.09,112.95 22.09,112.88 22.03,112.88</polygon>
    </area>
  </info>
</alert>`
	code, raw := request(t, "POST", p.url("/api/cap"), alert)
	require.Equal(t, 202, code, "%s", raw)
	require.Eventually(t, func() bool {
		var v engine.View
		getJSON(t, p.url("/api/state"), &v)
		for _, w := range v.Warnings {
			if w.Source == "cap" {
				return true
			}
		}
		return false
	}, 10*time.Second, 50*time.Millisecond, "the CAP alert raises warnings over the grids it covers")

	code, raw = request(t, "POST", p.url("/api/cap"), "<alert>not cap</alert>")
	assert.Equal(t, 400, code)
	assert.Contains(t, string(raw), "CAP")
}
