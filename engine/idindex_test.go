package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIDIndexIsExact checks the index against a plain map over random ids,
// across merges: every id added is seen with its first sequence, no other is.
func TestIDIndexIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := newIDIndex()
	want := map[string]uint64{}
	for seq := uint64(1); seq <= 3*mergeAt+123; seq++ {
		id := fmt.Sprintf("ev-%d", rng.IntN(2*mergeAt*3))
		x.add(id, seq)
		if _, ok := want[id]; !ok {
			want[id] = seq
		}
	}
	require.Equal(t, len(want), x.len())
	for id, seq := range want {
		got, ok := x.seen(id)
		require.True(t, ok, id)
		require.Equal(t, seq, got, id)
	}
	for i := range 10000 {
		_, ok := x.seen(fmt.Sprintf("never-%d", i))
		assert.False(t, ok)
	}
}

// BenchmarkIDIndexBytesPerID reports the heap an id costs, beside a map keyed by the id string.
func BenchmarkIDIndexBytesPerID(b *testing.B) {
	const n = 1_000_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("rain-nankeng-2022-05-12T%08d", i)
	}
	heap := func() uint64 { runtime.GC(); var m runtime.MemStats; runtime.ReadMemStats(&m); return m.HeapAlloc }
	for range b.N {
		before := heap()
		x := newIDIndex()
		for i, id := range ids {
			x.add(id, uint64(i+1))
		}
		ours := float64(heap()-before) / n
		runtime.KeepAlive(x)
		before = heap()
		m := map[string]uint64{}
		for i, id := range ids {
			m[id] = uint64(i + 1)
		}
		plain := float64(heap()-before) / n
		runtime.KeepAlive(m)
		b.ReportMetric(ours, "bytes/id")
		b.ReportMetric(plain, "map_bytes/id")
	}
}

// TestIDIndexOfSortedEntries: an index rebuilt from its sorted entries (as a
// snapshot restores it) answers as the one they came from.
func TestIDIndexOfSortedEntries(t *testing.T) {
	x := newIDIndex()
	for i := range 3*chunkLen + 7 {
		x.add(fmt.Sprintf("ev-%d", i), uint64(i+1))
	}
	x.merge()
	var entries []idEntry
	x.eachSorted(func(e idEntry) { entries = append(entries, e) })
	require.Len(t, entries, x.len())
	y := idIndexOf(entries)
	require.Equal(t, x.len(), y.len())
	for i := range 3*chunkLen + 7 {
		seq, ok := y.seen(fmt.Sprintf("ev-%d", i))
		require.True(t, ok)
		require.Equal(t, uint64(i+1), seq)
	}
	_, ok := y.seen("never")
	assert.False(t, ok)
	for i := range chunkLen + 3 { // and it goes on growing
		y.add(fmt.Sprintf("more-%d", i), uint64(10*chunkLen+i))
	}
	y.merge()
	seq, ok := y.seen("more-7")
	require.True(t, ok)
	assert.Equal(t, uint64(10*chunkLen+7), seq)
	seq, ok = y.seen("ev-12")
	require.True(t, ok)
	assert.Equal(t, uint64(13), seq)
}
