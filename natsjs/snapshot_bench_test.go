package natsjs

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkSnapshotStoreRead reads back a snapshot the size of a 1,000,000-id
// state's (24 MB of ids and the rest: 25 MB) from the town's bucket, beside
// writing it; engine.BenchmarkSnapshotRestore1M times restoring those bytes.
func BenchmarkSnapshotStoreRead(b *testing.B) {
	l := newTestLog(b, "duhu")
	store := snapStore(b, l)
	ctx := context.Background()
	snap := bytes.Repeat([]byte("0123456789abcdef"), 25_000_000/16)
	t0 := time.Now()
	m, err := store.Write(ctx, snap, 1, time.Time{}, time.Now())
	require.NoError(b, err)
	b.ReportMetric(time.Since(t0).Seconds(), "write-s")
	b.SetBytes(int64(len(snap)))
	for b.Loop() {
		n, err := io.Copy(io.Discard, store.Open(ctx, m))
		require.NoError(b, err)
		require.Equal(b, int64(len(snap)), n)
	}
}
