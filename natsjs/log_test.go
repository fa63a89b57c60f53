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
