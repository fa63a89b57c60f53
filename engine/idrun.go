package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync/atomic"
)

// An idRun is an immutable file of dedup entries sorted by key, in pages of
// runPageBytes: runPageEntries entries of 24 bytes (the key's 16, the
// sequence's 8, little-endian), zeros, and the CRC-32C of the page's first
// runPageBytes-4 bytes. In memory it keeps only the first key of each page
// (its fence: 0.09 bytes an id) and a filter of its keys (1.25 bytes an id),
// so a lookup of a new id almost never reads the disk, and a lookup the filter
// lets through reads exactly one page (pread; the page cache does the rest).
//
// Run files live only as long as the process: a start rebuilds the index
// from the snapshot or the log (natsjs), so a run file is never decoded from
// another process's writing; the CRC catches a disk that rots under it.
type idRun struct {
	f      *os.File
	path   string
	n      int
	fences []idKey // fences[p] is page p's first key
	filter idFilter
	refs   atomic.Int32 // the index's own, and each snapshot draft reading it
}

const (
	runPageBytes   = 4096
	runPageEntries = (runPageBytes - 4) / idEntryBytes // 170
)

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// errRunCorrupt is a page whose checksum or order is wrong.
var errRunCorrupt = errors.New("dedup run file corrupt")

// pages is how many pages n entries take.
func pages(n int) int { return (n + runPageEntries - 1) / runPageEntries }

// lookup returns the sequence k was applied at, if it is in the run; page is
// a buffer of runPageBytes. An error means the run cannot answer.
func (r *idRun) lookup(k idKey, page []byte) (uint64, bool, error) {
	if r.n == 0 || !r.filter.has(k) {
		return 0, false, nil
	}
	// The last page whose first key is at most k.
	i, j := 0, len(r.fences)
	for i < j {
		h := int(uint(i+j) >> 1)
		if lessKey(k, r.fences[h]) {
			j = h
		} else {
			i = h + 1
		}
	}
	if i == 0 {
		return 0, false, nil // below the run's first key
	}
	p := i - 1
	entries, err := r.readPage(p, page)
	if err != nil {
		return 0, false, err
	}
	lo, hi := 0, entries
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if lessKey(entryKey(page, h), k) {
			lo = h + 1
		} else {
			hi = h
		}
	}
	if lo < entries && entryKey(page, lo) == k {
		return binary.LittleEndian.Uint64(page[lo*idEntryBytes+16:]), true, nil
	}
	return 0, false, nil
}

// readPage reads page p into page and checks it, returning its entry count.
func (r *idRun) readPage(p int, page []byte) (int, error) {
	if _, err := r.f.ReadAt(page[:runPageBytes], int64(p)*runPageBytes); err != nil {
		return 0, fmt.Errorf("%s page %d: %w", r.path, p, err)
	}
	if err := checkPage(page[:runPageBytes]); err != nil {
		return 0, fmt.Errorf("%s page %d: %w", r.path, p, err)
	}
	return min(runPageEntries, r.n-p*runPageEntries), nil
}

func checkPage(page []byte) error {
	if crc32.Checksum(page[:runPageBytes-4], crc32c) != binary.LittleEndian.Uint32(page[runPageBytes-4:]) {
		return errRunCorrupt
	}
	return nil
}

func entryKey(page []byte, i int) idKey { return idKey(page[i*idEntryBytes : i*idEntryBytes+16]) }

// acquire keeps the run's file open for a reader other than the index.
func (r *idRun) acquire() { r.refs.Add(1) }

// release drops a reference; the last closes and removes the file.
func (r *idRun) release() {
	if r.refs.Add(-1) == 0 {
		_ = r.f.Close()
		_ = os.Remove(r.path)
		r.filter.release() // the last reference: no lookup can reach it any more
	}
}

// runReader reads a run's entries in order, a batch of pages at a time.
type runReader struct {
	r    *idRun
	buf  []byte
	page int // the next page to read
	at   int // the next entry, of those in buf
	have int // entries in buf
	read int // entries handed out
}

const readerPages = 16

func (r *idRun) reader() *runReader {
	return &runReader{r: r, buf: make([]byte, readerPages*runPageBytes)}
}

// next is the next entry; ok false at the end.
func (rr *runReader) next() (idEntry, bool, error) {
	if rr.read >= rr.r.n {
		return idEntry{}, false, nil
	}
	if rr.at >= rr.have {
		np := min(readerPages, pages(rr.r.n)-rr.page)
		b := rr.buf[:np*runPageBytes]
		if _, err := rr.r.f.ReadAt(b, int64(rr.page)*runPageBytes); err != nil && !(errors.Is(err, io.EOF) && len(b) > 0) {
			return idEntry{}, false, fmt.Errorf("%s page %d: %w", rr.r.path, rr.page, err)
		}
		// Compact the pages' entries to the front of buf.
		rr.have = 0
		for p := range np {
			pg := b[p*runPageBytes : (p+1)*runPageBytes]
			if err := checkPage(pg); err != nil {
				return idEntry{}, false, fmt.Errorf("%s page %d: %w", rr.r.path, rr.page+p, err)
			}
			m := min(runPageEntries, rr.r.n-(rr.page+p)*runPageEntries)
			copy(rr.buf[rr.have*idEntryBytes:], pg[:m*idEntryBytes])
			rr.have += m
		}
		rr.page += np
		rr.at = 0
	}
	e := rr.buf[rr.at*idEntryBytes:]
	rr.at++
	rr.read++
	return idEntry{key: idKey(e[:16]), seq: binary.LittleEndian.Uint64(e[16:24])}, true, nil
}

// runWriter writes a new run file of n entries given in strictly increasing
// key order.
type runWriter struct {
	r    *idRun
	out  []byte // whole pages not yet written
	page []byte // the page being filled
	in   int    // entries in page
	last idKey
	off  int64
}

const writerPages = 64

func newRunWriter(dir string, n int) (*runWriter, error) {
	f, err := os.CreateTemp(dir, "ids-*.run")
	if err != nil {
		return nil, err
	}
	r := &idRun{f: f, path: f.Name(), fences: make([]idKey, 0, pages(n)), filter: newIDFilter(n)}
	r.refs.Store(1)
	return &runWriter{r: r, out: make([]byte, 0, writerPages*runPageBytes), page: make([]byte, runPageBytes)}, nil
}

// add appends e, which must sort after the entry before it.
func (w *runWriter) add(e idEntry) error {
	if w.r.n > 0 && !lessKey(w.last, e.key) {
		return fmt.Errorf("%w: entry %d out of order", errRunCorrupt, w.r.n)
	}
	if w.in == 0 {
		w.r.fences = append(w.r.fences, e.key)
	}
	copy(w.page[w.in*idEntryBytes:], e.key[:])
	binary.LittleEndian.PutUint64(w.page[w.in*idEntryBytes+16:], e.seq)
	w.in++
	w.r.n++
	w.last = e.key
	w.r.filter.add(e.key)
	if w.in == runPageEntries {
		return w.endPage()
	}
	return nil
}

func (w *runWriter) endPage() error {
	clear(w.page[w.in*idEntryBytes : runPageBytes-4])
	binary.LittleEndian.PutUint32(w.page[runPageBytes-4:], crc32.Checksum(w.page[:runPageBytes-4], crc32c))
	w.out = append(w.out, w.page...)
	w.in = 0
	if len(w.out) == cap(w.out) {
		return w.flush()
	}
	return nil
}

func (w *runWriter) flush() error {
	if _, err := w.r.f.WriteAt(w.out, w.off); err != nil {
		return err
	}
	w.off += int64(len(w.out))
	w.out = w.out[:0]
	return nil
}

// finish writes what is left and returns the run, open for lookups.
func (w *runWriter) finish() (*idRun, error) {
	if w.in > 0 {
		if err := w.endPage(); err != nil {
			return nil, err
		}
	}
	if err := w.flush(); err != nil {
		return nil, err
	}
	return w.r, nil
}

// abort removes the unfinished run.
func (w *runWriter) abort() { w.r.release() }

// idFilter is a blocked Bloom filter over a run's keys: 10 bits a key in
// blocks of 512 bits (a cache line), 7 bits set a key, about 1 % false
// positives. It only spares the disk: every "maybe" is checked on the page.
// The keys are SHA-256 already, so their own bits choose the block and the
// bits (the key's low half; the fences use its high half).
type idFilter struct {
	blocks [][8]uint64
	free   func() // gives the blocks back (filterBlocks); the filter is unusable after
}

const filterBitsPerKey = 10

func newIDFilter(n int) idFilter {
	blocks, free := filterBlocks(max(1, (n*filterBitsPerKey+511)/512))
	return idFilter{blocks: blocks, free: free}
}

// release gives the filter's memory back; nothing may look it up after.
func (f *idFilter) release() {
	if f.free != nil {
		f.free()
	}
	f.blocks, f.free = nil, nil
}

func (f *idFilter) bits(k idKey) (*[8]uint64, uint64) {
	hi, lo := halves(k)
	b := &f.blocks[(lo>>32)*uint64(len(f.blocks))>>32]
	return b, uint64(uint32(lo))<<32 | hi&0xffffffff // 64 bits: 7 positions of 9
}

func (f *idFilter) add(k idKey) {
	b, h := f.bits(k)
	for range 7 {
		p := h & 511
		b[p>>6] |= 1 << (p & 63)
		h >>= 9
	}
}

func (f *idFilter) has(k idKey) bool {
	b, h := f.bits(k)
	for range 7 {
		p := h & 511
		if b[p>>6]&(1<<(p&63)) == 0 {
			return false
		}
		h >>= 9
	}
	return true
}

// bytes is the filter's memory.
func (f *idFilter) bytes() int { return len(f.blocks) * 64 }
