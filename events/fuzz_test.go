package events

import (
	"strings"
	"testing"
)

// FuzzValidate feeds arbitrary subjects and bodies to the decoder: it must
// answer with an event or an *Invalid, and never panic.
func FuzzValidate(f *testing.F) {
	f.Add("flood.duhu.incident", string(envelope(TypeIncidentReported, `{"kind":"trapped","lat":22.08,"lon":112.9,"people":4}`)))
	f.Add("flood.duhu.rain", string(envelope(TypeRainObserved, `{"gauge":"g1","mm":3.5,"minutes":10}`)))
	f.Add("flood.duhu.responder.r-1", string(envelope(TypeResponderStatus, `{"status":"en_route","lat":22.1,"lon":112.9}`)))
	f.Add("flood.duhu.command", string(envelope("flood.command.close_road", `{"road":"r-1","operator":"x"}`)))
	f.Add("flood.duhu.shelter.s1", string(envelope(TypeShelterCheckout, `{"people":2}`)))
	f.Add("flood.duhu.incident", `{"specversion":"1.0","id":"x","data":null}`)
	f.Add("flood..", `[]`)
	f.Add("flood.duhu.cap", "\xef\xbb\xbf<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>")
	f.Add("flood.duhu.cap", string(envelope(TypeCAPReceived, `{"xml_base64":"PGFsZXJ0Lz4="}`)))
	f.Fuzz(func(t *testing.T, subject, body string) {
		in, err := Validate("duhu", subject, []byte(body))
		if err != nil {
			if _, ok := AsInvalid(err); !ok {
				t.Fatalf("error is not an *Invalid: %v", err)
			}
			return
		}
		if in.Event.ID == "" || in.Data == nil {
			t.Fatalf("accepted an event without id or data: %+v", in)
		}
	})
}

// FuzzReadReplay: a drill file, however broken, gives events or the list of its
// bad lines — never a panic.
func FuzzReadReplay(f *testing.F) {
	f.Add(replayFile)
	f.Add("{\"subject\":\"flood.duhu.rain\"}\n# comment\n\n")
	f.Add("{")
	f.Fuzz(func(t *testing.T, body string) {
		evs, err := ReadReplay(strings.NewReader(body), "duhu")
		if err != nil && evs != nil {
			t.Fatalf("events and an error together")
		}
		for _, ev := range evs {
			if !ev.Drill {
				t.Fatalf("a replayed event not marked drill: %s", ev.ID)
			}
		}
	})
}
