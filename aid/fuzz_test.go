package aid

import (
	"testing"
	"testing/fstest"
	"time"
)

// FuzzRestore: bytes that are not a snapshot we wrote (a torn file, a bit
// flipped) are refused or restored — never a panic, neither in Restore nor in
// the Decide that follows; what is restored snapshots to the same bytes again.
func FuzzRestore(f *testing.F) {
	cx, dh := askerAndLender(f, keep(10, "duhu"))
	for _, l := range []*town{cx, dh} {
		raw, err := l.aid.Snapshot()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"items":[{"key":"a","record":{"request":"a","state":"declined","direction":"out","town":"x"},"seq":1,"last_sent":"2022-05-12T15:00:00Z"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		l := newTown(t, "chixi", keep(1, "duhu", "guanghai"), 2, askerAt)
		if err := l.aid.Restore(raw); err != nil {
			return
		}
		l.aid.Decide(l.now.Add(time.Hour), travel)
		l.aid.View()
		again, err := l.aid.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		fresh := New(l.aid.cfg, l.id, l.disp)
		if err := fresh.Restore(again); err != nil {
			t.Fatalf("a snapshot of a restored state is refused: %v", err)
		}
		if twice, _ := fresh.Snapshot(); string(twice) != string(again) {
			t.Fatalf("restored twice, the bytes differ:\n%s\n%s", again, twice)
		}
	})
}

// FuzzLoadConfig: a town's aid.json, however broken, gives a policy or an error — never a panic.
func FuzzLoadConfig(f *testing.F) {
	f.Add(`{"neighbours":["chixi","guanghai"],"auto":true,"keep_home":10,"answer_within_minutes":10,"horizon_minutes":15,"job_minutes":60}`)
	f.Add(`{"neighbours":["Not A Slug"]}`)
	f.Add(`{"keep_home":-1}`)
	f.Add(`{"surprise":1}`)
	f.Fuzz(func(t *testing.T, body string) {
		c, err := LoadConfig(fstest.MapFS{ConfigFile: {Data: []byte(body)}}, []string{"chixi"})
		if err == nil && (c.Home() < 0 || c.Horizon() < 0 || c.Job() < 0 || c.AnswerWithin() < 0) {
			t.Fatalf("a negative figure passed: %+v", c)
		}
	})
}
