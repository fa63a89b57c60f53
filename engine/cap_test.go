package engine

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/cap"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/internal/capxsd"
	"github.com/floodcmd/floodcmd/scenario"
	"github.com/floodcmd/floodcmd/warning"
)

// stormFold folds the Duhu storm replay through a town's state as the engine
// does (each input, then the decisions it leads to, read back), with now the
// input's own time, calling poll after every input.
type stormFold struct {
	st  *State
	seq uint64
	log []logged
}

type logged struct {
	subject string
	raw     []byte
}

func (f *stormFold) apply(tb testing.TB, subject string, raw []byte) Outcome {
	tb.Helper()
	f.seq++
	f.log = append(f.log, logged{subject, raw})
	out, _ := f.st.Apply(f.seq, subject, raw)
	return out
}

func (f *stormFold) decide(tb testing.TB, now time.Time) {
	tb.Helper()
	for round := 0; round < 5; round++ {
		ds := f.st.Decide(now, false)
		if len(ds) == 0 {
			return
		}
		for _, d := range ds {
			raw, err := d.Event.Encode()
			require.NoError(tb, err)
			f.apply(tb, d.Subject, raw)
		}
	}
}

func stormLines(tb testing.TB) [][]byte {
	tb.Helper()
	fsys, err := scenario.Open("duhu")
	require.NoError(tb, err)
	raw, err := fs.ReadFile(fsys, "storm-2022-05-12.jsonl")
	require.NoError(tb, err)
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	require.NoError(tb, sc.Err())
	return out
}

// thunderstorm is the NWS example alert (public, cap/testdata/thunderstorm.xml)
// moved onto Duhu: its polygon over Nancun and Longhe, its times into the storm.
func thunderstorm(tb testing.TB, msgType, sent, refs string) []byte {
	tb.Helper()
	doc, err := os.ReadFile("../cap/testdata/thunderstorm.xml")
	require.NoError(tb, err)
	s := string(doc)
	s = strings.Replace(s, "<sent>2003-06-17T14:57:00-07:00</sent>", "<sent>"+sent+"</sent>", 1)
	s = strings.Replace(s, "<msgType>Alert</msgType>", "<msgType>"+msgType+"</msgType>", 1)
	if refs != "" {
		s = strings.Replace(s, "<scope>Public</scope>", "<scope>Public</scope>\n  <references>"+refs+"</references>", 1)
	}
	s = strings.Replace(s, "<expires>2003-06-17T16:00:00-07:00</expires>", "<expires>2022-05-13T12:00:00+08:00</expires>", 1)
	s = strings.Replace(s, "38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14",
		"21.95,112.80 21.95,113.00 22.15,113.00 22.15,112.80 21.95,112.80", 1)
	return []byte(s)
}

func capEvent(tb testing.TB, doc []byte, drill bool) []byte {
	tb.Helper()
	a, err := cap.Parse(doc)
	require.NoError(tb, err)
	sent, _ := cap.ParseTime(a.Sent)
	ev, err := events.New(cap.EventID(a), "cap/"+a.Sender, events.TypeCAPReceived, sent,
		events.CAPReceived{XMLBase64: base64.StdEncoding.EncodeToString(doc)})
	require.NoError(tb, err)
	ev.Drill = drill
	raw, err := ev.Encode()
	require.NoError(tb, err)
	return raw
}

// polled is what a consumer polling the feed after every input has seen of one identifier.
type polled struct {
	msgs []cap.Alert
	gone bool
}

// TestDrillFeedLifecycle plays the whole 12 May 2022 storm (and the NWS
// thunderstorm alert moved onto Duhu, with its Update and Cancel) through the
// fold and polls the CAP feed after every input, as a dissemination platform
// would. Every identifier must begin with an Alert, change only by Updates
// that reference the message before, and leave the feed only after a Cancel;
// every message must have expires and validate against the official schema.
func TestDrillFeedLifecycle(t *testing.T) {
	f := &stormFold{st: NewState("duhu", duhuDomain(t))}
	seen := map[string]*polled{}
	docs := map[string][]byte{}
	injected := map[string][]byte{
		"2022-05-12T20:00:00+08:00": thunderstorm(t, "Alert", "2022-05-12T20:00:00+08:00", ""),
		"2022-05-12T22:00:00+08:00": thunderstorm(t, "Update", "2022-05-12T22:00:00+08:00", "KSTO@NWS.NOAA.GOV,KSTO1055887203,2022-05-12T20:00:00+08:00"),
		"2022-05-13T02:00:00+08:00": thunderstorm(t, "Cancel", "2022-05-13T02:00:00+08:00", "KSTO@NWS.NOAA.GOV,KSTO1055887203,2022-05-12T22:00:00+08:00"),
	}
	var externalSeen bool
	poll := func(at time.Time) {
		alerts, err := f.st.CAPAlerts()
		require.NoError(t, err)
		now := map[string]bool{}
		for _, a := range alerts {
			now[a.Identifier] = true
			p := seen[a.Identifier]
			if p == nil {
				p = &polled{}
				seen[a.Identifier] = p
			}
			require.False(t, p.gone, "%s came back after leaving the feed", a.Identifier)
			if n := len(p.msgs); n > 0 && p.msgs[n-1].Sent == a.Sent {
				continue // the same message as last poll
			}
			require.NoError(t, cap.Validate(a))
			assert.Equal(t, "Exercise", a.Status, "a drill is never Actual")
			for _, in := range a.Info {
				require.NotEmpty(t, in.Expires, "%s: every message has expires", a.Identifier)
			}
			if len(p.msgs) == 0 {
				require.Equal(t, "Alert", a.MsgType, "%s first seen as %s at %v", a.Identifier, a.MsgType, at)
				require.Empty(t, a.References)
			} else {
				prev := p.msgs[len(p.msgs)-1]
				require.NotEqual(t, "Cancel", prev.MsgType, "%s: a message after its Cancel", a.Identifier)
				require.Contains(t, []string{"Update", "Cancel"}, a.MsgType)
				require.Equal(t, prev.Sender+","+prev.Identifier+","+prev.Sent, a.References,
					"%s: each message references the one before (polled after every input, none is missed)", a.Identifier)
			}
			if a.Info[0].Event == "SEVERE THUNDERSTORM" {
				externalSeen = true
			}
			p.msgs = append(p.msgs, a)
			doc, err := cap.Encode(a)
			require.NoError(t, err)
			docs[a.Identifier+"-"+a.Sent] = doc
		}
		for id, p := range seen {
			if !now[id] && !p.gone {
				require.Equal(t, "Cancel", p.msgs[len(p.msgs)-1].MsgType, "%s left the feed without a Cancel", id)
				p.gone = true
			}
		}
	}
	var last time.Time
	for _, line := range stormLines(t) {
		ev, err := events.DecodeEnvelope(line)
		require.NoError(t, err)
		for at, doc := range injected {
			if t0, _ := cap.ParseTime(at); !t0.After(ev.Time) && t0.After(last) {
				require.Equal(t, Applied, f.apply(t, "flood.duhu.cap", capEvent(t, doc, true)))
				f.decide(t, t0)
				poll(t0)
			}
		}
		require.Equal(t, Applied, f.apply(t, ev.Subject, line), ev.ID)
		f.decide(t, ev.Time)
		poll(ev.Time)
		last = ev.Time
	}
	// A day of dry readings after the storm: every warning clears.
	end := last
	for h := 1; h <= 30; h++ {
		at := end.Add(time.Duration(h) * time.Hour)
		for _, g := range f.st.domain.scenario.Gauges {
			body := fmt.Sprintf(`{"specversion":"1.0","id":"dry-%s-%d","source":"test","type":"flood.rain.observed","time":%q,"drill":true,"data":{"gauge":%q,"mm":0,"minutes":60}}`,
				g.ID, h, at.Format(time.RFC3339), g.ID)
			subject := "flood.duhu.rain"
			if g.Kind != "rain" { // water back below its warning level
				body = fmt.Sprintf(`{"specversion":"1.0","id":"low-%s-%d","source":"test","type":"flood.level.observed","time":%q,"drill":true,"data":{"gauge":%q,"meters":%g}}`,
					g.ID, h, at.Format(time.RFC3339), g.ID, g.WarningM-2)
				subject = "flood.duhu.level"
			}
			require.Equal(t, Applied, f.apply(t, subject, []byte(body)), body)
		}
		f.decide(t, at)
		poll(at)
	}

	var alerts, updates, cancels int
	for id, p := range seen {
		for _, m := range p.msgs {
			switch m.MsgType {
			case "Alert":
				alerts++
			case "Update":
				updates++
			case "Cancel":
				cancels++
			}
		}
		assert.Equal(t, "Cancel", p.msgs[len(p.msgs)-1].MsgType, "%s ends with a Cancel once the storm has passed", id)
	}
	t.Logf("storm drill: %d identifiers, %d Alert, %d Update, %d Cancel; %d distinct messages", len(seen), alerts, updates, cancels, len(docs))
	assert.Equal(t, len(seen), alerts, "one Alert per identifier")
	assert.Equal(t, len(seen), cancels, "one Cancel per identifier")
	assert.Positive(t, updates, "the storm changes levels")
	assert.True(t, externalSeen, "the external alert is re-published under its own event name")
	assert.Empty(t, f.st.domain.warn.Active(), "the storm has passed")
	capxsd.Validate(t, docs)

	// A restart folds the same log (decisions read back, not recomputed) to the
	// same messages: the lifecycle is a fold, not a clock.
	g := &stormFold{st: NewState("duhu", duhuDomain(t))}
	for _, m := range f.log {
		g.apply(t, m.subject, m.raw)
	}
	want, err := f.st.CAPAlerts()
	require.NoError(t, err)
	got, err := g.st.CAPAlerts()
	require.NoError(t, err)
	require.Equal(t, want, got)
	for _, id := range f.st.domain.warn.CAPEpisodes() {
		assert.Equal(t, f.st.domain.warn.CAPMessages(id), g.st.domain.warn.CAPMessages(id), id)
	}
}

// TestCAPIdentityInTheFold: the event id is derived from sender, identifier and
// sent; a second sender's alert with the same identifier acts; raw XML on
// flood.<town>.cap is taken; Test alerts are recorded and never act.
func TestCAPIdentityInTheFold(t *testing.T) {
	f := &stormFold{st: NewState("duhu", duhuDomain(t))}
	doc := thunderstorm(t, "Alert", "2022-05-12T20:00:00+08:00", "")
	require.Equal(t, Applied, f.apply(t, "flood.duhu.cap", capEvent(t, doc, false)))
	other := bytes.Replace(doc, []byte("<sender>KSTO@NWS.NOAA.GOV</sender>"), []byte("<sender>other@example.cn</sender>"), 1)
	require.Equal(t, Applied, f.apply(t, "flood.duhu.cap", other), "raw XML, another sender, the same identifier")
	assert.Equal(t, Refused, f.apply(t, "flood.duhu.cap", doc), "the first alert again, raw: the same sender, identifier and sent")
	long := bytes.Replace(doc, []byte("<identifier>KSTO1055887203</identifier>"), []byte("<identifier>"+strings.Repeat("L", 400)+"</identifier>"), 1)
	require.Equal(t, Applied, f.apply(t, "flood.duhu.cap", capEvent(t, long, false)), "a 400-character identifier")
	test := bytes.Replace(doc, []byte("<status>Actual</status>"), []byte("<status>Test</status>"), 1)
	test = bytes.Replace(test, []byte("<sender>KSTO@NWS.NOAA.GOV</sender>"), []byte("<sender>test@example.cn</sender>"), 1)
	require.Equal(t, Applied, f.apply(t, "flood.duhu.cap", test))
	rec := f.st.CAPReceived()
	require.Len(t, rec, 4)
	assert.Equal(t, strings.Repeat("L", 400), rec[2].Identifier, "kept whole")
	assert.False(t, rec[3].Acts, rec[3].Note)
	assert.True(t, rec[0].Acts && rec[1].Acts)
	at, _ := cap.ParseTime("2022-05-12T20:00:00+08:00")
	f.decide(t, at)
	n := 0
	for _, w := range f.st.domain.warn.Active() {
		if w.Source == warning.SourceCAP {
			n++
		}
	}
	assert.Positive(t, n, "the external alerts raised warnings")
	huge := append([]byte(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">`), bytes.Repeat([]byte(" "), events.MaxCAPBytes)...)
	assert.Equal(t, Refused, f.apply(t, "flood.duhu.cap", huge))
	owed := f.st.Owed()
	require.NotEmpty(t, owed)
	assert.Contains(t, owed[len(owed)-1].Reason, "at most 184320 bytes")
	assert.Equal(t, cap.MaxBytes, events.MaxCAPBytes, "one limit")
}
