package engine

import (
	"fmt"
	"sync"
)

// pagedIndex is the dedup index with its older ids on local disk: the newest
// (up to flushAt) in an in-memory idIndex, the rest in immutable sorted run
// files (idrun.go), merged size-tiered so they stay few. Exact as idIndex is:
// the same 128-bit keys, every "maybe" of a run's filter checked on its page.
//
// Resident: the run's filters and fences, about 1.34 bytes an id, plus the
// newest (at most flushAt ids, about 5 MiB). On disk: 24.1 bytes an id, twice
// that for a moment while runs are merged (in the background: the fold waits
// only for the newest to be written out, about 3 MiB).
type pagedIndex struct {
	dir    string
	recent *idIndex
	runs   []*idRun // oldest (largest) first
	// base is how many of the newest are written out as a run (idFlushAt;
	// less in tests). flushAt is when: after a failed write (the disk full)
	// they stay in memory, exact still, and the write is tried again base ids later.
	base, flushAt int
	failed        error
	merging       chan runMerge // the merge in flight, if any (startMerge)
}

// SetIDIndexDir makes every State built over the domain from now on (NewState)
// keep the older ids of its dedup index in run files in dir, which must
// exist and be the process's own (serve empties it at start: the index is
// rebuilt from the fold snapshot or the log, never read back). "" keeps them
// all in memory, as tests and the soak do.
func (d *Domain) SetIDIndexDir(dir string) { d.idDir = dir }

// Discard removes the files of a state not used after all (a restored
// snapshot the runner refuses): its dedup index's runs.
func (s *State) Discard() { s.applied.discard() }

const (
	// idFlushAt is how many of the newest ids are held in memory.
	idFlushAt = 1 << 17
	// runFanIn runs of a size merge into one of the next size.
	runFanIn = 4
	// maxRuns bounds the runs a lookup goes through while merges catch up.
	maxRuns = 16
)

func newPagedIndex(dir string) *pagedIndex {
	return &pagedIndex{dir: dir, recent: newIDIndex(), base: idFlushAt, flushAt: idFlushAt}
}

// pageBuffers are the lookups' page buffers: readers under the state's read
// lock (State.Applied) may look up at the same time.
var pageBuffers = sync.Pool{New: func() any { return new([runPageBytes]byte) }}

// seenKey looks in the newest, then in the runs, newest first.
func (x *pagedIndex) seenKey(k idKey) (uint64, bool) {
	if seq, ok := x.recent.seenKey(k); ok {
		return seq, true
	}
	for i := len(x.runs) - 1; i >= 0; i-- {
		if !x.runs[i].filter.has(k) {
			continue
		}
		page := pageBuffers.Get().(*[runPageBytes]byte)
		seq, ok, err := x.runs[i].lookup(k, page[:])
		pageBuffers.Put(page)
		if err != nil {
			// The fold cannot tell a repeat from a new report: stop rather
			// than guess. The start after rebuilds the index from the fold
			// snapshot or the log.
			panic(fmt.Sprintf("dedup index unreadable, the fold stops: %v", err))
		}
		if ok {
			return seq, true
		}
	}
	return 0, false
}

// addNew records a key seenKey has just not found.
func (x *pagedIndex) addNew(k idKey, seq uint64) {
	x.recent.addNew(k, seq)
	if x.merging != nil {
		select {
		case m := <-x.merging:
			x.install(m)
		default:
		}
	}
	if x.recent.len() >= x.flushAt {
		x.flush()
	}
}

// flush writes the newest out as a run (a few milliseconds: at most base
// ids), then merges runs of one size in the background.
func (x *pagedIndex) flush() {
	r, err := writeRun(x.dir, x.recent.len(), x.recent.sorted().each)
	if err != nil {
		x.failed = err
		x.flushAt = x.recent.len() + x.base
		return
	}
	x.runs = append(x.runs, r)
	x.recent.reset()
	x.flushAt, x.failed = x.base, nil
	if len(x.runs) >= maxRuns {
		x.settle() // the merges fell behind: wait, so a lookup never checks more than maxRuns filters
	}
	x.startMerge()
}

// runMerge is a merge of runs done in the background: from, the runs it
// read (consecutive in x.runs), into to.
type runMerge struct {
	from []*idRun
	to   *idRun
	err  error
}

// startMerge merges runFanIn consecutive runs of one size (mergeable), on a
// goroutine of its own: a merge of a season's runs writes a hundred
// megabytes, which the fold should not wait for. The runs it reads are
// immutable and stay in use for lookups until the merged one is installed;
// lookups answer the same either way, so the fold stays deterministic.
func (x *pagedIndex) startMerge() {
	at := -1
	if x.merging == nil {
		at = x.mergeable()
	}
	if at < 0 {
		return
	}
	from := append([]*idRun(nil), x.runs[at:at+runFanIn]...)
	n := 0
	for _, r := range from {
		r.acquire()
		n += r.n
	}
	done := make(chan runMerge, 1)
	x.merging = done
	go func() {
		to, err := writeRun(x.dir, n, sortedIDs{runs: from}.each)
		done <- runMerge{from: from, to: to, err: err}
	}()
}

// install puts a finished merge in place of the runs it read.
func (x *pagedIndex) install(m runMerge) {
	x.merging = nil
	for _, r := range m.from {
		r.release() // the merge's own reference
	}
	if m.err != nil {
		x.failed = m.err // the runs stay as they were: still exact
		return
	}
	at := -1
	for i, r := range x.runs {
		if r == m.from[0] {
			at = i
			break
		}
	}
	if at < 0 || at+len(m.from) > len(x.runs) {
		m.to.release() // cannot happen: only a merge takes runs out
		return
	}
	for i, r := range m.from {
		if x.runs[at+i] != r {
			m.to.release()
			return
		}
	}
	for _, r := range m.from {
		r.release()
	}
	x.runs = append(x.runs[:at], append([]*idRun{m.to}, x.runs[at+len(m.from):]...)...)
	x.startMerge() // the merged run may make a size class of runFanIn
}

// settle waits for a merge in flight and installs it (tests, discard).
func (x *pagedIndex) settle() {
	for x.merging != nil {
		x.install(<-x.merging)
	}
}

// runLevel is a run's size class: runFanIn times base per level.
func runLevel(n, base int) int {
	l := 0
	for n >= base*runFanIn {
		n /= runFanIn
		l++
	}
	return l
}

// mergeable is where runFanIn consecutive runs of one size class start, the
// oldest such (so that runs stay ordered by size, largest first), or -1.
func (x *pagedIndex) mergeable() int {
	for i := 0; i+runFanIn <= len(x.runs); i++ {
		same := true
		for _, r := range x.runs[i+1 : i+runFanIn] {
			same = same && runLevel(r.n, x.base) == runLevel(x.runs[i].n, x.base)
		}
		if same {
			return i
		}
	}
	return -1
}

// writeRun writes the n entries each gives (in key order) as a new run.
func writeRun(dir string, n int, each func(func(idEntry) error) error) (*idRun, error) {
	w, err := newRunWriter(dir, n)
	if err != nil {
		return nil, fmt.Errorf("dedup run: %w", err)
	}
	if err := each(w.add); err != nil {
		w.abort()
		return nil, fmt.Errorf("dedup run: %w", err)
	}
	r, err := w.finish()
	if err != nil {
		w.abort()
		return nil, fmt.Errorf("dedup run: %w", err)
	}
	if r.n != n {
		r.release()
		return nil, fmt.Errorf("dedup run: %d entries, %d expected", r.n, n)
	}
	return r, nil
}

func (x *pagedIndex) len() int {
	n := x.recent.len()
	for _, r := range x.runs {
		n += r.n
	}
	return n
}

// sorted is a view of every entry in key order that stays as it is while the
// index moves on: the newest copied, the runs (immutable) held open.
func (x *pagedIndex) sorted() sortedIDs {
	s := x.recent.sorted()
	s.runs = append([]*idRun(nil), x.runs...)
	for _, r := range s.runs {
		r.acquire()
	}
	s.held = true
	return s
}

// discard removes the index's files (a restore that failed after writing them).
func (x *pagedIndex) discard() {
	x.settle()
	for _, r := range x.runs {
		r.release()
	}
	x.runs, x.recent = nil, newIDIndex()
}

// residentBytes is what the index holds in memory besides the newest.
func (x *pagedIndex) residentBytes() int {
	b := 0
	for _, r := range x.runs {
		b += r.filter.bytes() + len(r.fences)*16
	}
	return b
}

// restorePaged reads n sorted entries into a run in dir (see readIndex).
func restorePaged(dir string, next func() (idEntry, error), n int) (*pagedIndex, error) {
	x := newPagedIndex(dir)
	if n == 0 {
		return x, nil
	}
	r, err := writeRun(dir, n, func(add func(idEntry) error) error {
		for range n {
			e, err := next()
			if err != nil {
				return err
			}
			if err := add(e); err != nil {
				return unusable("ids: %v", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	x.runs = []*idRun{r}
	return x, nil
}

// sortedIDs is entries in key order from a sorted slice and runs (each
// sorted, no key in two of them), merged as they are read.
type sortedIDs struct {
	mem  []idEntry
	runs []*idRun
	held bool // the runs were acquired for this view: release them
}

// each calls f with every entry in key order, stopping at the first error.
func (s sortedIDs) each(f func(idEntry) error) error {
	type source struct {
		cur idEntry
		ok  bool
		rr  *runReader
	}
	srcs := make([]source, 0, len(s.runs)+1)
	mi := 0
	if len(s.mem) > 0 {
		srcs = append(srcs, source{cur: s.mem[0], ok: true})
	}
	for _, r := range s.runs {
		rr := r.reader()
		e, ok, err := rr.next()
		if err != nil {
			return err
		}
		if ok {
			srcs = append(srcs, source{cur: e, ok: true, rr: rr})
		}
	}
	var last idKey
	first := true
	for {
		best := -1
		for i := range srcs {
			if srcs[i].ok && (best < 0 || lessKey(srcs[i].cur.key, srcs[best].cur.key)) {
				best = i
			}
		}
		if best < 0 {
			return nil
		}
		e := srcs[best].cur
		if !first && !lessKey(last, e.key) {
			return fmt.Errorf("%w: a key twice across runs", errRunCorrupt)
		}
		last, first = e.key, false
		if err := f(e); err != nil {
			return err
		}
		src := &srcs[best]
		if src.rr == nil {
			mi++
			src.ok = mi < len(s.mem)
			if src.ok {
				src.cur = s.mem[mi]
			}
			continue
		}
		var err error
		src.cur, src.ok, err = src.rr.next()
		if err != nil {
			return err
		}
	}
}

// len is how many entries the view holds.
func (s sortedIDs) len() int {
	n := len(s.mem)
	for _, r := range s.runs {
		n += r.n
	}
	return n
}

// release lets the runs go (their files are removed once merged away).
func (s sortedIDs) release() {
	if s.held {
		for _, r := range s.runs {
			r.release()
		}
	}
}
