// Package logtest is the contract every engine.Log keeps, as one table of
// tests that its implementations run (engine.MemLog in engine, JetStream's in
// natsjs): a round is atomic, refused whole on an expectation that does not
// hold, read back in order, and reading resumes from any sequence.
package logtest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/floodcmd/floodcmd/engine"
)

// Run runs the contract against the logs open returns, a fresh empty one per case.
func Run(t *testing.T, open func(t *testing.T) engine.Log) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c.run(ctx, t, open(t))
		})
	}
}

var cases = []struct {
	name string
	run  func(ctx context.Context, t *testing.T, l engine.Log)
}{
	{"a round is read back in order, as appended", func(ctx context.Context, t *testing.T, l engine.Log) {
		last := mustAppend(ctx, t, l, in("a"), out("b"), in("c"))
		equal(t, uint64(3), last, "the sequence of the round's last entry")
		equal(t, uint64(3), lastSeq(ctx, t, l), "LastSeq")
		recs := read(ctx, t, l, 1, 3)
		for i, want := range []engine.Entry{in("a"), out("b"), in("c")} {
			r := recs[i]
			equal(t, uint64(i+1), r.Seq, "sequence of record %d", i+1)
			equal(t, want.ID, r.ID, "id of record %d", i+1)
			equal(t, want.Subject, r.Subject, "subject of record %d", i+1)
			equal(t, string(want.Data), string(r.Data), "data of record %d", i+1)
		}
	}},
	{"reading resumes from a sequence and follows what is appended next", func(ctx context.Context, t *testing.T, l engine.Log) {
		for _, id := range []string{"a", "b", "c", "d", "e"} {
			mustAppend(ctx, t, l, in(id))
		}
		got := make(chan engine.Record, 16)
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- l.Read(rctx, 3, func(r engine.Record) error { got <- r; return nil }) }()
		for _, want := range []string{"c", "d", "e"} {
			equal(t, want, next(ctx, t, got).ID, "resumed from sequence 3")
		}
		mustAppend(ctx, t, l, out("f"), in("g"))
		equal(t, "f", next(ctx, t, got).ID, "followed")
		equal(t, "g", next(ctx, t, got).ID, "followed")
		stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Read after its context ended: %v, want nil", err)
			}
		case <-ctx.Done():
			t.Fatal("Read did not return when its context ended")
		}
	}},
	{"a record says no more than what is behind it, and the newest says nothing is", func(ctx context.Context, t *testing.T, l engine.Log) {
		// A reader may hold a record with more behind it; it must never be
		// told so of the newest, which would then wait for a record that is
		// not there.
		mustAppend(ctx, t, l, in("a"), in("b"), in("c"))
		mustAppend(ctx, t, l, in("d"))
		for i, r := range read(ctx, t, l, 1, 4) {
			if behind := uint64(3 - i); r.Pending > behind {
				t.Errorf("record %d says %d behind it, there are %d", r.Seq, r.Pending, behind)
			}
		}
		got := make(chan engine.Record, 4)
		rctx, stop := context.WithCancel(ctx)
		defer stop()
		go func() { _ = l.Read(rctx, 4, func(r engine.Record) error { got <- r; return nil }) }()
		equal(t, uint64(0), next(ctx, t, got).Pending, "the newest record")
		mustAppend(ctx, t, l, in("e"))
		equal(t, uint64(0), next(ctx, t, got).Pending, "the newest record, followed")
	}},
	{"a reader's error stops it and is returned", func(ctx context.Context, t *testing.T, l engine.Log) {
		mustAppend(ctx, t, l, in("a"), in("b"))
		stop := errors.New("enough")
		var n int
		err := l.Read(ctx, 1, func(engine.Record) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("Read returned %v after %d records, want the reader's error after 1", err, n)
		}
	}},
	{"a round fenced on the log's end is taken only at that end", func(ctx context.Context, t *testing.T, l engine.Log) {
		mustAppend(ctx, t, l, in("a"))
		mustAppend(ctx, t, l, in("b")) // arrived after the round below was decided at 1
		refused(ctx, t, l, "the log moved on", withLast(out("x"), 1), out("y"))
		equal(t, uint64(4), mustAppend(ctx, t, l, withLast(out("x"), 2), out("y")), "decided at the end: taken")
		refused(ctx, t, l, "only a round's first entry may fence on the log's end", out("z"), withLast(out("w"), 4))
		equal(t, uint64(4), lastSeq(ctx, t, l), "nothing of the refused rounds")
	}},
	{"a round is refused whole when a later entry's expectation fails", func(ctx context.Context, t *testing.T, l engine.Log) {
		mustAppend(ctx, t, l, out("a"), in("b"))
		refused(ctx, t, l, "the third entry's filter", out("x"), out("y"), withFilter(out("z"), "flood.t.out.>", 0))
		equal(t, uint64(2), lastSeq(ctx, t, l), "none of the round is in the log")
		ids := []string{}
		for _, r := range read(ctx, t, l, 1, 2) {
			ids = append(ids, r.ID)
		}
		equal(t, "[a b]", fmt.Sprint(ids), "the log as before")
		mustAppend(ctx, t, l, in("c"))
		equal(t, uint64(3), lastSeq(ctx, t, l), "the next sequence follows on, no gap")
	}},
	{"a filter expectation holds on the newest matching record only", func(ctx context.Context, t *testing.T, l engine.Log) {
		refused(ctx, t, l, "no decision yet", withFilter(out("a"), "flood.t.out.>", 1))
		mustAppend(ctx, t, l, withFilter(out("a"), "flood.t.out.>", 0)) // 0: none matches
		mustAppend(ctx, t, l, in("b"))                                  // an input: no decision
		mustAppend(ctx, t, l, withFilter(out("c"), "flood.t.out.>", 1)) // inputs do not move it
		refused(ctx, t, l, "a decision at 3 since", withFilter(out("d"), "flood.t.out.>", 1))
		mustAppend(ctx, t, l, withFilter(out("d"), "flood.t.out.>", 3), withFilter(in("e"), "flood.t.in.*", 2))
		equal(t, uint64(5), lastSeq(ctx, t, l), "both fences held")
	}},
	{"expectations are checked on the log before the round, not on its own entries", func(ctx context.Context, t *testing.T, l engine.Log) {
		mustAppend(ctx, t, l, out("a"))
		// The round's first entry is a decision, yet the second still expects 1.
		mustAppend(ctx, t, l, out("b"), withFilter(in("c"), "flood.t.out.>", 1))
		refused(ctx, t, l, "a subject the round writes first", in("x"), withFilter(out("y"), "flood.t.in.x", 3))
		equal(t, uint64(3), lastSeq(ctx, t, l), "the refused round left nothing")
	}},
}

// in is an input entry (flood.t.in.<id>), out a decision (flood.t.out.<id>).
func in(id string) engine.Entry {
	return engine.Entry{Subject: "flood.t.in." + id, ID: id, Data: []byte("data of " + id)}
}
func out(id string) engine.Entry {
	return engine.Entry{Subject: "flood.t.out." + id, ID: id, Data: []byte("data of " + id)}
}

func withLast(e engine.Entry, seq uint64) engine.Entry {
	e.Expect.LastSeq = &seq
	return e
}

func withFilter(e engine.Entry, filter string, seq uint64) engine.Entry {
	e.Expect.Filter, e.Expect.FilterSeq = filter, seq
	return e
}

func mustAppend(ctx context.Context, t *testing.T, l engine.Log, round ...engine.Entry) uint64 {
	t.Helper()
	seq, err := l.Append(ctx, round)
	if err != nil {
		t.Fatalf("append %d entries: %v", len(round), err)
	}
	return seq
}

func refused(ctx context.Context, t *testing.T, l engine.Log, why string, round ...engine.Entry) {
	t.Helper()
	if _, err := l.Append(ctx, round); !errors.Is(err, engine.ErrExpectation) {
		t.Fatalf("%s: append returned %v, want engine.ErrExpectation", why, err)
	}
}

func lastSeq(ctx context.Context, t *testing.T, l engine.Log) uint64 {
	t.Helper()
	seq, err := l.LastSeq(ctx)
	if err != nil {
		t.Fatalf("LastSeq: %v", err)
	}
	return seq
}

// read returns n records from sequence from.
func read(ctx context.Context, t *testing.T, l engine.Log, from uint64, n int) []engine.Record {
	t.Helper()
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	var recs []engine.Record
	err := l.Read(rctx, from, func(r engine.Record) error {
		recs = append(recs, r)
		if len(recs) == n {
			stop()
		}
		return nil
	})
	if err != nil || len(recs) != n {
		t.Fatalf("read %d records from %d: got %d, %v", n, from, len(recs), err)
	}
	return recs
}

func next(ctx context.Context, t *testing.T, got <-chan engine.Record) engine.Record {
	t.Helper()
	select {
	case r := <-got:
		return r
	case <-ctx.Done():
		t.Fatal("no record came")
		return engine.Record{}
	}
}

func equal[T comparable](t *testing.T, want, got T, what string, args ...any) {
	t.Helper()
	if want != got {
		t.Errorf("%s: got %v, want %v", fmt.Sprintf(what, args...), got, want)
	}
}
