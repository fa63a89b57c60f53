package natsjs

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
)

// logPosition reads what Metadata reads from the messages a real server sends.
func TestLogPositionOfRealMessages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l := newTestLog(t, "t")
	s, err := l.js.Stream(ctx, StreamName("t"))
	require.NoError(t, err)
	log := &Log{JS: l.js, Stream: s}
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		_, err := log.Append(ctx, []engine.Entry{{Subject: "flood.t.out.x", ID: id, Data: []byte(id)}})
		require.NoError(t, err)
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	for range 5 {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		require.NoError(t, err)
		meta, err := m.Metadata()
		require.NoError(t, err)
		seq, pending, ok := logPosition(m.Reply())
		require.True(t, ok, "a server's reply subject %q", m.Reply())
		require.Equal(t, meta.Sequence.Stream, seq, "%q", m.Reply())
		require.Equal(t, meta.NumPending, pending, "%q", m.Reply())
	}
}

// FuzzLogPosition holds logPosition against nats.go's own parser: whatever it
// reads, nats.go reads the same (what it does not read, the reader asks
// Metadata for).
func FuzzLogPosition(f *testing.F) {
	for _, s := range []string{
		"$JS.ACK.FLOOD_t.cons.1.42.7.1700000000000000000.3",                 // v1
		"$JS.ACK._.ABCHASH.FLOOD_t.cons.1.42.7.1700000000000000000.3.XyZ12", // v2
		"$JS.ACK.hub.ABCHASH.FLOOD_t.cons.1.42.7.1700000000000000000.0",     // v2 without its last token
		"$JS.ACK.FLOOD_t.cons.1.42.7.17.3.x",                                // 10 tokens: neither
		"$JS.ACK.FLOOD_t.cons.1.x42.7.17.3",
		"$JS.ACK.FLOOD_t.cons.1.99999999999999999999.7.17.3",
		"_INBOX.x.y", "", "$JS.ACK.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		seq, pending, ok := logPosition(reply)
		if !ok {
			return // the caller asks Metadata then
		}
		meta, err := (&nats.Msg{Reply: reply, Sub: &nats.Subscription{}}).Metadata()
		require.NoError(t, err, "logPosition read %q, nats.go does not", reply)
		require.Equal(t, meta.Sequence.Stream, seq, "%q", reply)
		require.Equal(t, meta.NumPending, pending, "%q", reply)
	})
}
