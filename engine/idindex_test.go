package engine

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
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

// BenchmarkIDIndexBytesPerID reports the heap an id costs: the index all in
// memory, the index paged to run files (resident: its newest ids, the runs'
// filters and fences; and its bytes on disk), beside a map keyed by the id
// string. FLOODCMD_BENCH_IDS sets how many ids (1,000,000 by default).
func BenchmarkIDIndexBytesPerID(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("FLOODCMD_BENCH_IDS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	id := func(i int) string { return fmt.Sprintf("rain-nankeng-2022-05-12T%08d", i) }
	heap := func() uint64 { runtime.GC(); var m runtime.MemStats; runtime.ReadMemStats(&m); return m.HeapAlloc }
	for range b.N {
		before := heap()
		x := newIDIndex()
		for i := range n {
			x.add(id(i), uint64(i+1))
		}
		ours := float64(heap()-before) / float64(n)
		runtime.KeepAlive(x)

		dir := b.TempDir()
		before = heap()
		p := newPagedIndex(dir)
		for i := range n {
			addID(p, id(i), uint64(i+1))
		}
		p.settle()
		paged := float64(heap()-before) / float64(n)
		runtime.KeepAlive(p)
		var disk int64
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			if info, err := f.Info(); err == nil {
				disk += info.Size()
			}
		}
		b.ReportMetric(float64(p.residentBytes())/float64(p.len()-p.recent.len()), "paged_filter_fence_bytes/id")
		b.ReportMetric(float64(len(p.runs)), "paged_runs")
		p.discard()

		b.ReportMetric(ours, "bytes/id")
		b.ReportMetric(paged, "paged_bytes/id")
		b.ReportMetric(float64(disk)/float64(n), "paged_disk_bytes/id")
		if n > 1_000_000 {
			continue // the map of 5,000,000 id strings would take 440 MB more
		}
		before = heap()
		m := map[string]uint64{}
		for i := range n {
			m[id(i)] = uint64(i + 1)
		}
		b.ReportMetric(float64(heap()-before)/float64(n), "map_bytes/id")
		runtime.KeepAlive(m)
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
