package store

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func seed(t *testing.T) uint64 {
	if v, err := strconv.ParseUint(os.Getenv("FLOODCMD_SEED"), 10, 64); err == nil {
		return v
	}
	s := uint64(time.Now().UnixNano())
	t.Logf("seed %d (FLOODCMD_SEED=%d to repeat)", s, s)
	return s
}

// The tables say what the log says, after a random storm, whatever the batch size.
func TestProjectionMatchesLog(t *testing.T) {
	for _, tc := range []struct {
		name  string
		batch int
	}{{"row by row", 1}, {"batched", 64}} {
		t.Run(tc.name, func(t *testing.T) {
			st := testStore(t)
			l := newTestLog(t, "duhu")
			s := newStorm(t, l, seed(t))
			for range 300 {
				s.step()
			}
			p := startProjector(t, st, Config{Town: "duhu", Stream: l.stream, BatchSize: tc.batch, BatchWait: 5 * time.Millisecond})
			// More while it runs: the projector follows the live log too.
			for range 300 {
				s.step()
			}
			waitProjected(t, p.Projector, l.lastSeq(t), 30*time.Second)
			s.check(t, st)
			lag, err := p.Lag(context.Background())
			require.NoError(t, err)
			assert.Zero(t, lag)
			assert.True(t, p.CaughtUp())
		})
	}
}

// gapless checks that events holds every sequence of the stream exactly once.
func gapless(tb testing.TB, st *Store, last uint64) {
	tb.Helper()
	var n, distinct int
	var lo, hi int64
	require.NoError(tb, st.pool.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT seq), coalesce(min(seq),0), coalesce(max(seq),0) FROM events`).Scan(&n, &distinct, &lo, &hi))
	assert.Equal(tb, []int64{int64(last), int64(last), 1, int64(last)}, []int64{int64(n), int64(distinct), lo, hi},
		"count, distinct, min, max of events.seq")
}

// A projector stopped in the middle of a batch — its context cancelled, or its
// transaction failing — and started again leaves no gap and no duplicate.
func TestProjectorInterruptedMidBatch(t *testing.T) {
	st := testStore(t)
	l := newTestLog(t, "duhu")
	s := newStorm(t, l, seed(t))
	for range 1500 {
		s.step()
	}
	last := l.lastSeq(t)

	// 1. Killed: the context ends inside the third batch's transaction.
	ctx, cancel := context.WithCancel(context.Background())
	batches, committed := 0, uint64(0)
	p := NewProjector(st, Config{Town: "duhu", Stream: l.stream, BatchSize: 100, BatchWait: time.Millisecond,
		beforeCommit: func(first, last uint64) error {
			batches++
			if batches == 3 {
				cancel()
				return context.Canceled
			}
			committed = last
			return nil
		}})
	require.NoError(t, p.Run(ctx))
	gapless(t, st, committed) // two batches committed, the third not

	// 2. A transaction that fails now and then: the projector retries by itself.
	failures, calls := 0, 0
	r := startProjector(t, st, Config{Town: "duhu", Stream: l.stream, BatchSize: 100, BatchWait: time.Millisecond,
		beforeCommit: func(first, last uint64) error {
			calls++
			if calls%3 == 2 && failures < 3 {
				failures++
				return errors.New("injected failure before commit")
			}
			return nil
		}})
	waitProjected(t, r.Projector, last, 30*time.Second)
	r.Stop()
	assert.Equal(t, 3, failures)
	gapless(t, st, last)
	s.check(t, st)

	// 3. Restarted once more with nothing new: nothing is written twice.
	r = startProjector(t, st, Config{Town: "duhu", Stream: l.stream})
	for range 50 {
		s.step()
	}
	waitProjected(t, r.Projector, l.lastSeq(t), 10*time.Second)
	gapless(t, st, l.lastSeq(t))
	s.check(t, st)
}

// Two projectors of one town never both write a batch: the position row fences them.
func TestTwoProjectorsOneTown(t *testing.T) {
	st := testStore(t)
	l := newTestLog(t, "duhu")
	s := newStorm(t, l, seed(t))
	a := startProjector(t, st, Config{Town: "duhu", Stream: l.stream, BatchSize: 50, MaxBackoff: 50 * time.Millisecond})
	b := startProjector(t, st, Config{Town: "duhu", Stream: l.stream, BatchSize: 50, MaxBackoff: 50 * time.Millisecond})
	for range 800 {
		s.step()
	}
	last := l.lastSeq(t)
	require.Eventually(t, func() bool {
		return count(t, st, `SELECT seq FROM projector_position`) == int(last)
	}, 30*time.Second, 20*time.Millisecond)
	a.Stop()
	b.Stop()
	gapless(t, st, last)
	s.check(t, st)
}
