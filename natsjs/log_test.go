package natsjs

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/engine/logtest"
)

// The same contract as engine.MemLog's, on an embedded JetStream with the
// stream configured as EnsureStream configures a town's (atomic batches allowed).
func TestJetStreamLogKeepsTheLogContract(t *testing.T) {
	logtest.Run(t, func(t *testing.T) engine.Log {
		l := newTestLog(t, "t")
		s, err := l.js.Stream(context.Background(), StreamName("t"))
		require.NoError(t, err)
		return &Log{JS: l.js, Stream: s}
	})
}

// A round of one message goes as a plain publish (Log.appendOne): its fence on
// the log's end holds as a batch's does, and an id the stream already holds is
// refused like a round whose log moved on, never acknowledged as appended.
func TestJetStreamLogFencesARoundOfOne(t *testing.T) {
	ctx := context.Background()
	l := newTestLog(t, "t")
	s, err := l.js.Stream(ctx, StreamName("t"))
	require.NoError(t, err)
	log := &Log{JS: l.js, Stream: s}
	at := func(seq uint64, id string) engine.Entry {
		return engine.Entry{Subject: "flood.t.out.x", ID: id, Data: []byte(id), Expect: engine.Expect{LastSeq: &seq}}
	}
	seq, err := log.Append(ctx, []engine.Entry{at(0, "a")})
	require.NoError(t, err)
	require.Equal(t, uint64(1), seq)
	_, err = log.Append(ctx, []engine.Entry{at(0, "b")})
	require.ErrorIs(t, err, engine.ErrExpectation, "decided at 0, the log is at 1")
	_, err = log.Append(ctx, []engine.Entry{{Subject: "flood.t.out.x", ID: "a", Data: []byte("a again")}})
	require.ErrorIs(t, err, engine.ErrExpectation, "a is in the log already")
	seq, err = log.Append(ctx, []engine.Entry{at(1, "b")})
	require.NoError(t, err)
	require.Equal(t, uint64(2), seq)
	last, err := log.LastSeq(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(2), last, "nothing of the refused rounds")
}
