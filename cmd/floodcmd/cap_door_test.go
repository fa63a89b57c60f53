package main

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	capxml "github.com/floodcmd/floodcmd/cap"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/internal/capxsd"
	"github.com/floodcmd/floodcmd/warning"
)

// onDuhu is a public alert moved onto Duhu: its first polygon replaced by one
// over Nancun and Longhe, its times into the 2022 storm, its expiry far ahead.
func onDuhu(tb testing.TB, file string, edits ...string) []byte {
	tb.Helper()
	doc, err := os.ReadFile("../../cap/testdata/" + file)
	require.NoError(tb, err)
	s := string(doc)
	for i := 0; i+1 < len(edits); i += 2 {
		require.Contains(tb, s, edits[i], file)
		s = strings.Replace(s, edits[i], edits[i+1], 1)
	}
	return []byte(s)
}

const duhuPolygon = "21.95,112.80 21.95,113.00 22.15,113.00 22.15,112.80 21.95,112.80"

// TestCAPDoor: public alerts moved onto Duhu come in over HTTP and raw on
// NATS; the door refuses Unknown severity (400) and an oversized body (413,
// never cut); the feed links itself absolutely and titles every entry apart; a
// cancelled alert's identifier still answers with its Cancel.
func TestCAPDoor(t *testing.T) {
	p := startServe(t, t.TempDir(), nil)
	p.waitReady(t)
	nc, rejected := p.subscribe(t, "flood.duhu.rejected", 8)
	defer nc.Close()

	storm := onDuhu(t, "thunderstorm.xml",
		"<sent>2003-06-17T14:57:00-07:00</sent>", "<sent>2022-05-12T20:00:00+08:00</sent>",
		"<expires>2003-06-17T16:00:00-07:00</expires>", "<expires>2099-05-13T12:00:00+08:00</expires>",
		"38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14", duhuPolygon)
	code, raw := request(t, "POST", p.url("/api/cap"), string(storm))
	require.Equal(t, 202, code, "%s", raw)
	code, raw = request(t, "POST", p.url("/api/cap"), string(storm))
	require.Equal(t, 202, code, "%s", raw)
	assert.Contains(t, string(raw), `"duplicate":true`, "the same sender, identifier and sent is one event")

	// cap:-prefixed (NSW RFS), ISO-8859-1 (USGS, its severity made known), both public.
	rfs := onDuhu(t, "public/google-australia.xml", "<cap:sent>2011-10-05T23:04:00+10:00</cap:sent>", "<cap:sent>2022-05-12T21:00:00+08:00</cap:sent>")
	code, raw = request(t, "POST", p.url("/api/cap"), string(rfs))
	assert.Equal(t, 202, code, "%s", raw)
	quake := onDuhu(t, "public/google-earthquake-iso8859-1.xml")
	code, raw = request(t, "POST", p.url("/api/cap"), string(quake))
	assert.Equal(t, 400, code, "severity Unknown is refused at the door: %s", raw)
	assert.Contains(t, string(raw), "severity Unknown")
	quake = bytes.Replace(quake, []byte("<severity>Unknown</severity>"), []byte("<severity>Moderate</severity>"), 1)
	code, raw = request(t, "POST", p.url("/api/cap"), string(quake))
	assert.Equal(t, 202, code, "ISO-8859-1 as declared: %s", raw)

	// Sizes: a 169 KB alert is taken whole; past 180 KiB it is 413, never cut.
	big := bytes.Replace(storm, []byte("<identifier>KSTO1055887203</identifier>"), []byte("<identifier>big-169k</identifier>"), 1)
	big = bytes.Replace(big, []byte("<instruction>"), append(append([]byte("<instruction>"), bytes.Repeat([]byte("TAKE COVER. "), 169000/12)...), ' '), 1)
	require.Greater(t, len(big), 169000)
	code, raw = request(t, "POST", p.url("/api/cap"), string(big))
	assert.Equal(t, 202, code, "%d bytes: %s", len(big), raw)
	huge := append(bytes.Clone(big), bytes.Repeat([]byte(" "), 20000)...)
	code, raw = request(t, "POST", p.url("/api/cap"), string(huge))
	assert.Equal(t, http.StatusRequestEntityTooLarge, code, "%s", raw)
	assert.Contains(t, string(raw), "at most 184320 bytes")

	// Raw CAP XML on NATS: taken; too large or not CAP, a notice says why.
	rawAlert := bytes.Replace(storm, []byte("<sender>KSTO@NWS.NOAA.GOV</sender>"), []byte("<sender>raw@example.cn</sender>"), 1)
	require.NoError(t, nc.Publish("flood.duhu.cap", rawAlert))
	require.NoError(t, nc.Publish("flood.duhu.cap", huge))
	r := nextRejection(t, rejected)
	assert.Contains(t, r.Reason, "at most 184320 bytes")
	require.NoError(t, nc.Publish("flood.duhu.cap", []byte(`<alert><identifier>x</identifier></alert>`)))
	r = nextRejection(t, rejected)
	assert.Contains(t, r.Reason, "urn:oasis:names:tc:emergency:cap:1.2")

	var feed atomFeed
	require.Eventually(t, func() bool {
		feed = readFeed(t, p)
		return strings.Contains(string(feedBytes(t, p)), "SEVERE THUNDERSTORM")
	}, 10*time.Second, 50*time.Millisecond, "the external alert is re-published under its own event name")
	base := "http://" + p.httpAddr
	assert.Equal(t, base+"/", feed.Base)
	self := ""
	for _, l := range feed.Links {
		if l.Rel == "self" {
			self = l.Href
		}
	}
	assert.Equal(t, base+"/api/cap", self)
	titles := map[string]bool{}
	docs := map[string][]byte{}
	for _, e := range feed.Entries {
		assert.True(t, strings.HasPrefix(e.Link.Href, base+"/api/cap/"), e.Link.Href)
		assert.False(t, titles[e.Title], "title %q twice", e.Title)
		titles[e.Title] = true
		a, err := capxml.Parse(e.Content.Inner)
		require.NoError(t, err)
		assert.Contains(t, e.Title, a.Info[0].Area[0].AreaDesc[:strings.IndexByte(a.Info[0].Area[0].AreaDesc, ' ')], "the title names the area")
		docs[e.ID] = append([]byte(xml.Header), e.Content.Inner...)
	}
	require.NotEmpty(t, docs)
	capxsd.Validate(t, docs)

	// The bureau cancels: the warnings clear, each episode ends with a Cancel,
	// and its identifier still answers.
	cancel := onDuhu(t, "thunderstorm.xml",
		"<sent>2003-06-17T14:57:00-07:00</sent>", "<sent>2022-05-12T23:00:00+08:00</sent>",
		"<msgType>Alert</msgType>", "<msgType>Cancel</msgType>",
		"<scope>Public</scope>", "<scope>Public</scope><references>KSTO@NWS.NOAA.GOV,KSTO1055887203,2022-05-12T20:00:00+08:00 KSTO@NWS.NOAA.GOV,big-169k,2022-05-12T20:00:00+08:00 raw@example.cn,KSTO1055887203,2022-05-12T20:00:00+08:00</references>",
		"<expires>2003-06-17T16:00:00-07:00</expires>", "<expires>2099-05-13T12:00:00+08:00</expires>")
	cancel = bytes.Replace(cancel, []byte("<identifier>KSTO1055887203</identifier>"), []byte("<identifier>KSTO1055887203-cancel</identifier>"), 1)
	code, raw = request(t, "POST", p.url("/api/cap"), string(cancel))
	require.Equal(t, 202, code, "%s", raw)
	var thunder string
	require.Eventually(t, func() bool {
		for _, e := range readFeed(t, p).Entries {
			a, err := capxml.Parse(e.Content.Inner)
			require.NoError(t, err)
			if a.Info[0].Event == "SEVERE THUNDERSTORM" {
				if a.MsgType != "Cancel" {
					return false
				}
				thunder = a.Identifier
			}
		}
		return thunder != ""
	}, 10*time.Second, 50*time.Millisecond, "every episode of the thunderstorm ends with a Cancel in the feed")
	code, raw = request(t, "GET", p.url("/api/cap/"+thunder), "")
	require.Equal(t, 200, code)
	assert.Contains(t, string(raw), "<msgType>Cancel</msgType>")
	code, _ = request(t, "GET", p.url("/api/cap/no-such-alert"), "")
	assert.Equal(t, 404, code)

	// Every alert taken is listed with what became of it.
	var received []warning.Received
	require.Equal(t, 200, getJSON(t, p.url("/api/cap-received"), &received))
	require.Len(t, received, 6, "storm, RFS, USGS, 169 KB, raw, cancel")
	for _, r := range received {
		assert.True(t, r.Acts, "%+v", r)
	}
	assert.Equal(t, "Cancel: 3 alert(s) withdrawn", received[5].Note)
}

func feedBytes(tb testing.TB, p *proc) []byte {
	tb.Helper()
	code, raw := request(tb, "GET", p.url("/api/cap"), "")
	require.Equal(tb, 200, code, "%s", raw)
	return raw
}

func readFeed(tb testing.TB, p *proc) atomFeed {
	tb.Helper()
	var f atomFeed
	require.NoError(tb, xml.Unmarshal(feedBytes(tb, p), &f))
	return f
}

// TestCAPFeedThroughADrill replays the whole 12 May 2022 storm fast and polls
// /api/cap throughout, as a dissemination platform would: an identifier never
// changes after its Cancel and never leaves the feed without one, each new
// message references an earlier one of its identifier, and every message
// polled validates against the official schema. (The storm ends with warnings
// still up; engine.TestDrillFeedLifecycle folds the dry day after, to the Cancels.)
func TestCAPFeedThroughADrill(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	storm, err := os.ReadFile("../../scenario/duhu/storm-2022-05-12.jsonl")
	require.NoError(t, err)
	stormEvents := bytes.Count(bytes.TrimSpace(storm), []byte("\n")) + 1
	p := startServe(t, t.TempDir(), nil, "--replay", "storm-2022-05-12.jsonl", "--speed", "20000")
	p.waitReady(t)
	type seen struct {
		last capxml.Alert
		gone bool
	}
	ids := map[string]*seen{}
	docs := map[string][]byte{}
	var polls, messages int
	deadline := time.Now().Add(120 * time.Second)
	for quiet := 0; quiet < 20 && time.Now().Before(deadline); polls++ {
		feed := readFeed(t, p)
		now := map[string]bool{}
		changed := false
		for _, e := range feed.Entries {
			a, err := capxml.Parse(e.Content.Inner)
			require.NoError(t, err)
			now[a.Identifier] = true
			s := ids[a.Identifier]
			if s != nil && s.last.Sent == a.Sent {
				continue
			}
			changed = true
			messages++
			require.Equal(t, "Exercise", a.Status)
			require.NotEmpty(t, a.Info[0].Expires)
			if s == nil {
				s = &seen{}
				ids[a.Identifier] = s
				if a.MsgType != "Alert" { // a fast replay may hide the Alert between two polls
					require.Contains(t, a.References, ","+a.Identifier+",")
				}
			} else {
				require.False(t, s.gone, "%s came back", a.Identifier)
				require.NotEqual(t, "Cancel", s.last.MsgType, "%s changed after its Cancel", a.Identifier)
				require.Contains(t, []string{"Update", "Cancel"}, a.MsgType)
				ref := strings.Split(a.References, ",")
				require.Len(t, ref, 3, a.References)
				require.Equal(t, []string{"floodcmd@duhu", a.Identifier}, ref[:2])
				prev, _ := capxml.ParseTime(s.last.Sent)
				refSent, err := capxml.ParseTime(ref[2])
				require.NoError(t, err)
				require.False(t, refSent.Before(prev), "%s references a message before the one last seen", a.Identifier)
			}
			s.last = a
			docs[a.Identifier+"-"+a.Sent] = append([]byte(xml.Header), e.Content.Inner...)
		}
		for id, s := range ids {
			if !now[id] && !s.gone {
				require.Equal(t, "Cancel", s.last.MsgType, "%s left the feed without a Cancel", id)
				s.gone = true
			}
		}
		// Quiet counts only once the whole storm is folded: a loaded machine
		// may pause the engine longer than twenty polls mid-replay.
		var v engine.View
		getJSON(t, p.url("/api/state"), &v)
		if changed || len(ids) == 0 || v.Drill.Events < stormEvents {
			quiet = 0
		} else {
			quiet++
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Logf("%d polls, %d identifiers, %d messages seen", polls, len(ids), messages)
	require.NotEmpty(t, ids, "the storm raises warnings")
	assert.Greater(t, messages, len(ids), "levels change during the storm: Updates")
	capxsd.Validate(t, docs)
}
