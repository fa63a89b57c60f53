package engine

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/internal/seasonlog"
)

// BenchmarkFold folds a season's log (internal/seasonlog, the mix
// BenchmarkStart fills a stream with) in memory: State.Apply alone, no NATS, so
// a CPU or heap profile shows the fold and nothing else. It reports the time
// per event and the heap the state holds afterwards (after a GC), per event.
// FLOODCMD_BENCH_FOLD_EVENTS sets the size (100,000 by default). It folds
// twice in the same run: the dedup index all in memory (the baseline), and
// paged to run files in a temporary directory as serve runs it; the longest
// single Apply shows what a flush or a merge of runs holds the fold for.
func BenchmarkFold(b *testing.B) {
	n := 100_000
	if v := os.Getenv("FLOODCMD_BENCH_FOLD_EVENTS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	b.Run("index=memory", func(b *testing.B) { benchmarkFold(b, n, false) })
	b.Run("index=paged", func(b *testing.B) { benchmarkFold(b, n, true) })
}

func benchmarkFold(b *testing.B, n int, paged bool) {
	const chunk = 100_000 // made outside the timer, a chunk at a time (1 M bodies would be 250 MB)
	subjects, bodies := make([]string, chunk), make([][]byte, chunk)
	var folded time.Duration
	var held uint64
	var longest time.Duration
	for range b.N {
		b.StopTimer()
		mix := seasonlog.New()
		d := duhuDomain(b)
		if paged {
			d.SetIDIndexDir(b.TempDir())
		}
		st := NewState("duhu", d)
		before := heapInUse()
		for done := 0; done < n; done += chunk {
			m := min(chunk, n-done)
			for i := range m {
				subjects[i], bodies[i] = mix.Next(done + i)
			}
			b.StartTimer()
			start := time.Now()
			last := start
			for i := range m {
				if out, _ := st.Apply(uint64(done+i+1), subjects[i], bodies[i]); out != Applied {
					b.Fatalf("event %d: %s: %s", done+i, out, bodies[i])
				}
				if i%64 == 63 { // the clock read every 64 events, not to time the clock
					now := time.Now()
					longest = max(longest, now.Sub(last))
					last = now
				}
			}
			folded += time.Since(start)
			b.StopTimer()
		}
		clear(bodies)
		held = heapInUse() - before
		runtime.KeepAlive(st)
	}
	per := folded / time.Duration(b.N*n)
	b.ReportMetric(float64(per.Nanoseconds()), "ns/event")
	b.ReportMetric(float64(held)/float64(n), "heap_B/event")
	b.ReportMetric(float64(held)/(1<<20), "heap_MiB")
	b.ReportMetric(float64(longest.Microseconds())/1000, "longest_64_events_ms")
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
