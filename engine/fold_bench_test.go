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
// FLOODCMD_BENCH_FOLD_EVENTS sets the size (100,000 by default).
func BenchmarkFold(b *testing.B) {
	n := 100_000
	if v := os.Getenv("FLOODCMD_BENCH_FOLD_EVENTS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	const chunk = 100_000 // made outside the timer, a chunk at a time (1 M bodies would be 250 MB)
	subjects, bodies := make([]string, chunk), make([][]byte, chunk)
	var folded time.Duration
	var held uint64
	for range b.N {
		b.StopTimer()
		mix := seasonlog.New()
		st := NewState("duhu", duhuDomain(b))
		before := heapInUse()
		for done := 0; done < n; done += chunk {
			m := min(chunk, n-done)
			for i := range m {
				subjects[i], bodies[i] = mix.Next(done + i)
			}
			b.StartTimer()
			start := time.Now()
			for i := range m {
				if out, _ := st.Apply(uint64(done+i+1), subjects[i], bodies[i]); out != Applied {
					b.Fatalf("event %d: %s: %s", done+i, out, bodies[i])
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
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
