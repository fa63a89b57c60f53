package engine

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// bigState is Duhu after a simulated log, with its dedup index grown to n ids
// as a season of readings leaves it (the index is what grows with the log).
func bigState(tb testing.TB, n int) *State {
	tb.Helper()
	st := NewState("duhu", duhuDomain(tb))
	log := simLog(tb, 5, 40)
	foldSim(st, log, 0, len(log))
	for i := st.applied.len(); i < n; i++ {
		addID(st.applied, fmt.Sprintf("gauge-reading-%d", i), uint64(i))
	}
	return st
}

// BenchmarkSnapshotRestore1M restores a snapshot of a state with 1,000,000
// ids remembered, from a reader (as from the object store), against the
// baseline of reading the same bytes alone.
func BenchmarkSnapshotRestore1M(b *testing.B) {
	st := bigState(b, 1_000_000)
	snap, err := st.Snapshot()
	require.NoError(b, err)
	b.ReportMetric(float64(len(snap))/1e6, "MB")
	b.Run("read-bytes-baseline", func(b *testing.B) {
		b.SetBytes(int64(len(snap)))
		buf := make([]byte, 64<<10)
		for b.Loop() {
			r := bytes.NewReader(snap)
			for {
				if _, err := r.Read(buf); err != nil {
					break
				}
			}
		}
	})
	b.Run("restore", func(b *testing.B) {
		b.SetBytes(int64(len(snap)))
		for b.Loop() {
			b.StopTimer()
			fresh := NewState("duhu", duhuDomain(b))
			b.StartTimer()
			_, err := fresh.RestoreFrom(bytes.NewReader(snap))
			require.NoError(b, err)
		}
	})
	b.Run("draft-under-the-lock", func(b *testing.B) {
		for b.Loop() {
			_, err := st.SnapshotDraft()
			require.NoError(b, err)
		}
	})
	b.Run("snapshot", func(b *testing.B) {
		for b.Loop() {
			_, err := st.Snapshot()
			require.NoError(b, err)
		}
	})
}
