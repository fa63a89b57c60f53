package engine

import (
	"testing"
	"time"
)

// FuzzDomainRestore: whatever bytes the snapshot keys of the town's bucket
// hold, a domain's restore refuses them with an error or restores them; it
// never panics, and a refused restore leaves the domain as it was.
func FuzzDomainRestore(f *testing.F) {
	// Small seeds (the fuzzer crawls on a whole town's snapshot): the shape
	// of every part, with a guest, an assignment and a CAP episode.
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"seq":3,"drill":false,"voids":[],"void_log":null,"data_time":"2022-05-12T15:00:00Z","closed":["r1"],"depths":{"r2":0.3},` +
		`"rainfall":[{"gauge":"g","readings":{"at":[1],"mm":[2]},"hours":{"at":[0],"mm":[2]},"latest":1}],` +
		`"dispatch":{"responders":[{"responder":{"id":"x"},"idx":0,"pos":[1,2],"assignment":"a-1","last_seen":"0001-01-01T00:00:00Z","guest":{"home_town":"chixi","home_id":"y","request":"r","incident":"i"},"moved_at":"0001-01-01T00:00:00Z"}],` +
		`"incidents":[{"incident":{"id":"i"},"seq":1,"triage":{"priority":1,"needs":[],"rule":""},"status":"open","resolved_at":"0001-01-01T00:00:00Z","assignments":["a-1"],"excluded":{},"aid":{},"aid_at":"0001-01-01T00:00:00Z"}],` +
		`"open":["i"],"assignments":[{"id":"a-1","incident":"i","responder":"x","capability":"rescue","priority":1,"eta":1,"at":[1,2],"reason":"","alternatives":null,"created":"0001-01-01T00:00:00Z","status":"assigned","history":null}],"assign_seq":1,"incident_seq":1,"instructions":null},` +
		`"evac":{"households":[],"shelters":[],"orders":[],"progress":[],"assign_seq":0,"run_count":{},"runs":[],"clock":"0001-01-01T00:00:00Z"},` +
		`"warning":{"gauges":[],"active":{},"proposals":{},"armed":{},"external":[],"ext_at":"0001-01-01T00:00:00Z","cap":{"episodes":[{"identifier":"e","kind":"rain","scope":"village","id":"v","messages":[]}],"open":{"k":0},"by_id":{"e":0},"ended":[0],"latest":"0001-01-01T00:00:00Z","due":"0001-01-01T00:00:00Z"},"seen":[],"received":[]},` +
		`"aid":{"items":[],"seq":0,"sent":0,"wants":[],"want_seq":0,"reports":[],"outbox":[]}}`))
	f.Add([]byte(`{"depths":{},"dispatch":{"responders":[{"responder":{"id":"x"},"assignment":"a-1"}]}}`))
	fresh := duhuDomain(f)
	before, err := fresh.Snapshot()
	if err != nil {
		f.Fatal(err)
	}
	d := fresh // reused while restores are refused (they leave it as it was)
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := d.Restore(raw); err != nil {
			after, err := d.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if string(after) != string(before) {
				t.Fatalf("a refused restore changed the domain")
			}
			return
		}
		_ = d.View() // a restored domain renders and decides
		_ = d.Decide(time.Date(2022, 5, 13, 0, 0, 0, 0, time.UTC), true)
		d = duhuDomain(t)
	})
}
