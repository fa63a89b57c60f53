package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// BenchmarkWebsocketFanout: N board clients on loopback while the log takes
// 1,000 events/s. Reports the p99 time from an event being applied to a client
// holding it (newest event of a frame, and oldest, which includes the ≤ 250 ms
// coalescing), frames per client per second, and heap per client (server and
// client side of each connection together, both in this process).
func BenchmarkWebsocketFanout(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) { benchFanout(b, n) })
	}
}

func benchFanout(b *testing.B, clients int) {
	f := newFakeView()
	hub := NewHub(HubConfig{View: f.view, SendBuffer: 64})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go hub.Run(ctx)
	signer := NewSigner([]byte("bench-key-0123456789abcdef"), "bench")
	srv := httptest.NewServer(NewServer(Deps{Town: "duhu", Tokens: signer, Hub: hub, Metrics: http.NotFoundHandler()}))
	defer srv.Close()

	var applied sync.Map // seq → time applied
	var mu sync.Mutex
	var newest, oldest []time.Duration
	frames := 0

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	hdr := http.Header{"Authorization": {"Bearer bench"}}
	conns := make([]*websocket.Conn, clients)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := websocket.DefaultDialer.Dial(url, hdr)
			require.NoError(b, err)
			_, _, err = c.ReadMessage() // the snapshot
			require.NoError(b, err)
			conns[i] = c
		}()
	}
	wg.Wait()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perClient := float64(after.HeapInuse-before.HeapInuse) / float64(clients)

	for _, c := range conns {
		go func() {
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				now := time.Now()
				// The frame starts {"type":"delta","from":F,"to":T: read only that, so
				// that the clients (in this process too) cost little CPU.
				var fr struct{ From, To uint64 }
				head := msg[:min(len(msg), 80)]
				if i := bytes.Index(head, []byte(`,"timeline"`)); i < 0 {
					if j := bytes.Index(head, []byte(`,"set"`)); j > 0 {
						head = head[:j]
					} else if j := bytes.Index(head, []byte(`,"upsert"`)); j > 0 {
						head = head[:j]
					}
				}
				if json.Unmarshal(append(head, '}'), &fr) != nil || fr.To == 0 {
					continue
				}
				t1, ok1 := applied.Load(fr.To)
				t0, ok0 := applied.Load(fr.From + 1)
				mu.Lock()
				frames++
				if ok1 {
					newest = append(newest, now.Sub(t1.(time.Time)))
				}
				if ok0 {
					oldest = append(oldest, now.Sub(t0.(time.Time)))
				}
				mu.Unlock()
			}
		}()
	}

	b.ResetTimer()
	dur := 3 * time.Second
	began := time.Now()
	for range b.N {
		start := time.Now()
		for i := 0; time.Since(start) < dur; i++ { // 1,000 events/s
			f.mu.Lock()
			f.seq++
			seq := f.seq
			f.items["incidents"][fmt.Sprint("i-", i%300)] = map[string]any{"id": fmt.Sprint("i-", i%300), "status": "open", "n": i}
			applied.Store(seq, time.Now())
			hub.Applied(seq, "flood.duhu.incident", "applied", "flood.incident.reported")
			f.mu.Unlock()
			time.Sleep(time.Until(start.Add(time.Duration(i+1) * time.Millisecond)))
		}
	}
	b.StopTimer()
	time.Sleep(500 * time.Millisecond)
	window := time.Since(began)
	for _, c := range conns {
		c.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	p99 := func(d []time.Duration) float64 {
		if len(d) == 0 {
			return -1
		}
		slices.Sort(d)
		return float64(d[len(d)*99/100].Microseconds()) / 1000
	}
	b.ReportMetric(p99(newest), "p99_newest_ms")
	b.ReportMetric(p99(oldest), "p99_oldest_ms")
	b.ReportMetric(float64(frames)/float64(clients)/window.Seconds(), "frames/client/s")
	b.ReportMetric(perClient/1024, "KiB/client")
	b.ReportMetric(0, "ns/op")
}
