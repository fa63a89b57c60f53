package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallRuns makes a paged index write a run every base ids, so a test of a
// few thousand ids goes through many runs and merges.
func smallRuns(x idSet, base int) {
	p := x.(*pagedIndex)
	p.base, p.flushAt = base, base
}

// TestPagedIndexIsExact checks the paged index against a plain map over
// random inserts and lookups, across flushes, merges and restarts (the ids
// through a snapshot's bytes into a new index in another directory, as a
// start from a snapshot does): a new id is never taken for a repeat, a seen
// id is always caught with the sequence it was first applied at.
func TestPagedIndexIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 42))
	var x idSet = newPagedIndex(t.TempDir())
	smallRuns(x, 40)
	want := map[string]uint64{}
	var ids []string
	seq := uint64(0)
	merged := 0
	for restart := range 4 {
		for i := range 12_000 {
			switch r := rng.IntN(10); {
			case r < 6 || len(ids) == 0:
				id := fmt.Sprintf("r%d-%d-%d", restart, i, rng.Uint64())
				seq++
				_, dup := x.seenKey(keyOf(id))
				require.False(t, dup, "a new id taken for a repeat: %s", id)
				x.addNew(keyOf(id), seq)
				want[id] = seq
				ids = append(ids, id)
			case r < 9:
				id := ids[rng.IntN(len(ids))]
				got, ok := x.seenKey(keyOf(id))
				require.True(t, ok, "a seen id missed: %s", id)
				require.Equal(t, want[id], got, id)
			default:
				_, ok := x.seenKey(keyOf(fmt.Sprintf("never-%d", rng.Uint64())))
				require.False(t, ok, "an id never added found")
			}
			if p := x.(*pagedIndex); len(p.runs) > 0 && p.runs[0].n > 40*runFanIn {
				merged++
			}
		}
		require.Equal(t, len(want), x.len())
		p := x.(*pagedIndex)
		p.settle()
		require.NoError(t, p.failed)
		t.Logf("restart %d: %d ids in %d runs and %d newest; %d bytes resident besides the newest", restart, x.len(), len(p.runs), p.recent.len(), p.residentBytes())
		assert.Negative(t, p.mergeable(), "runs of one size are merged once the merges caught up")
		assert.LessOrEqual(t, len(p.runs), (runFanIn-1)*(runLevel(x.len(), p.base)+2), "runs stay logarithmically few")

		// A restart: the ids as a snapshot carries them, into a new directory.
		view := x.sorted()
		var buf bytes.Buffer
		require.NoError(t, SnapshotDraft{ids: view}.writeIDs(&buf))
		view.release()
		require.Equal(t, len(want)*idEntryBytes, buf.Len())
		x.discard()
		st := &State{idDir: t.TempDir()}
		y, err := st.readIndex(&buf, len(want))
		require.NoError(t, err)
		x = y
		smallRuns(x, 40)
	}
	require.Positive(t, merged, "the test went through merges")
	for id, s := range want {
		got, ok := x.seenKey(keyOf(id))
		require.True(t, ok, id)
		require.Equal(t, s, got, id)
	}
}

// TestPagedStateSnapshotsAsInMemory: a state whose index is paged to disk
// folds a log to the same snapshot bytes as one all in memory, and
// snapshot + tail into a paged state is the full replay, byte for byte.
func TestPagedStateSnapshotsAsInMemory(t *testing.T) {
	log := simLog(t, 3, 60)
	full := NewState("duhu", sealedDuhu(t))
	foldSim(full, log, 0, len(log))
	wantSnap := mustSnapshot(t, full)
	paged := func() *State {
		d := sealedDuhu(t)
		d.SetIDIndexDir(t.TempDir())
		st := NewState("duhu", d)
		smallRuns(st.applied, 8)
		return st
	}
	live, mem := paged(), NewState("duhu", sealedDuhu(t))
	done := 0
	for _, k := range []int{0, 1, len(log) / 3, len(log) / 2, len(log) - 1, len(log)} {
		foldSim(live, log, done, k)
		foldSim(mem, log, done, k)
		done = k
		snap := mustSnapshot(t, live)
		if want := mustSnapshot(t, mem); !bytes.Equal(want, snap) {
			t.Fatalf("cut %d: the paged state's snapshot differs from the in-memory one's:\n%s", k, firstDiff(want, snap))
		}
		tail := paged()
		require.NoError(t, tail.Restore(snap), "cut %d", k)
		foldSim(tail, log, k, len(log))
		if got := mustSnapshot(t, tail); !bytes.Equal(wantSnap, got) {
			t.Fatalf("cut %d of %d: snapshot + tail (paged) differs from the full replay:\n%s", k, len(log), firstDiff(wantSnap, got))
		}
	}
	require.Greater(t, len(live.applied.(*pagedIndex).runs), 1, "the log went through several runs")
}

// TestPagedIndexCorruptRunStopsTheFold: a run file that rots under the index
// is never read as "not seen": a lookup that reaches the bad page stops the
// fold (the next start rebuilds the index from the snapshot or the log), and
// a snapshot drawn from it fails instead of leaving ids out.
func TestPagedIndexCorruptRunStopsTheFold(t *testing.T) {
	dir := t.TempDir()
	x := newPagedIndex(dir)
	smallRuns(x, 500)
	for i := range 2000 {
		addID(x, fmt.Sprintf("ev-%d", i), uint64(i+1))
	}
	x.settle()
	require.NotEmpty(t, x.runs)
	r := x.runs[0]
	f, err := os.OpenFile(r.path, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte{0xff, 0x00, 0xff}, runPageBytes+100) // page 1
	require.NoError(t, err)
	require.NoError(t, f.Close())
	page := make([]byte, runPageBytes)
	var hit string
	for i := range 2000 { // an id on page 1
		id := fmt.Sprintf("ev-%d", i)
		k := keyOf(id)
		if len(r.fences) > 2 && !lessKey(k, r.fences[1]) && lessKey(k, r.fences[2]) {
			hit = id
			break
		}
	}
	require.NotEmpty(t, hit)
	_, _, err = r.lookup(keyOf(hit), page)
	require.ErrorIs(t, err, errRunCorrupt)
	assert.PanicsWithValue(t, fmt.Sprintf("dedup index unreadable, the fold stops: %s page 1: %v", r.path, errRunCorrupt),
		func() { x.seenKey(keyOf(hit)) })
	view := x.sorted()
	defer view.release()
	assert.ErrorIs(t, SnapshotDraft{ids: view}.writeIDs(&bytes.Buffer{}), errRunCorrupt)
}

// TestPagedIndexFilesGone: run files deleted under a running index (an
// operator cleaning the data directory) change nothing while it runs: they
// are open. And a disk that refuses a new run keeps the newest in memory,
// exact, until it takes one again.
func TestPagedIndexFilesGone(t *testing.T) {
	dir := t.TempDir()
	x := newPagedIndex(dir)
	smallRuns(x, 100)
	for i := range 1000 {
		addID(x, fmt.Sprintf("ev-%d", i), uint64(i+1))
	}
	runs, err := filepath.Glob(filepath.Join(dir, "*.run"))
	require.NoError(t, err)
	require.NotEmpty(t, runs)
	require.NoError(t, os.RemoveAll(dir))
	for i := range 1000 {
		seq, ok := x.seenKey(keyOf(fmt.Sprintf("ev-%d", i)))
		require.True(t, ok)
		require.Equal(t, uint64(i+1), seq)
	}
	for i := 1000; i < 1300; i++ { // the directory is gone: no new run can be written
		addID(x, fmt.Sprintf("ev-%d", i), uint64(i+1))
	}
	require.Error(t, x.failed)
	assert.GreaterOrEqual(t, x.recent.len(), 200, "the newest kept in memory")
	require.NoError(t, os.MkdirAll(dir, 0o750))
	for i := 1300; i < 1500; i++ {
		addID(x, fmt.Sprintf("ev-%d", i), uint64(i+1))
	}
	x.settle()
	require.NoError(t, x.failed, "written once the disk takes it")
	for i := range 1500 {
		seq, ok := x.seenKey(keyOf(fmt.Sprintf("ev-%d", i)))
		require.True(t, ok, i)
		require.Equal(t, uint64(i+1), seq)
	}
	_, ok := x.seenKey(keyOf("ev-1500"))
	assert.False(t, ok)
}

// TestIDFilter: no key added is ever refused, and about 1 % of others pass.
func TestIDFilter(t *testing.T) {
	const n = 100_000
	f := newIDFilter(n)
	for i := range n {
		f.add(keyOf(fmt.Sprintf("in-%d", i)))
	}
	for i := range n {
		require.True(t, f.has(keyOf(fmt.Sprintf("in-%d", i))))
	}
	fp := 0
	for i := range n {
		if f.has(keyOf(fmt.Sprintf("out-%d", i))) {
			fp++
		}
	}
	rate := float64(fp) / n
	t.Logf("false positives %.2f %% at %d bits a key (%d bytes for %d keys)", 100*rate, filterBitsPerKey, f.bytes(), n)
	assert.Less(t, rate, 0.02)
	assert.Positive(t, fp, "a filter of 10 bits a key that never says maybe is not hashing")
}

// TestPagedIndexConcurrentLookups: readers under the state's read lock
// (State.Applied from HTTP) look up at the same time; run with -race.
func TestPagedIndexConcurrentLookups(t *testing.T) {
	x := newPagedIndex(t.TempDir())
	smallRuns(x, 200)
	for i := range 3000 {
		addID(x, fmt.Sprintf("ev-%d", i), uint64(i+1))
	}
	x.settle()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < 3000; i += 4 {
				if seq, ok := x.seenKey(keyOf(fmt.Sprintf("ev-%d", i))); !ok || seq != uint64(i+1) {
					t.Errorf("ev-%d: %v %d", i, ok, seq)
					return
				}
			}
		}()
	}
	wg.Wait()
}
