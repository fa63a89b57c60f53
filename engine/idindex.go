package engine

import (
	"crypto/sha256"
	"encoding/binary"
)

// idIndex remembers every event id the town has applied, for ever, exactly
// and compactly: an id is kept as the first 128 bits of its SHA-256 with the
// sequence it was applied at, 24 bytes in a sorted array (plus a small table
// of the newest). A collision-resistant hash, not a probabilistic filter: a new
// report is taken for a repeat only if someone finds a SHA-256 collision on
// 128 bits, and a repeat is always caught.
//
// The sorted array is kept in chunks of chunkLen entries: it grows by a chunk,
// never by copying the whole of it into a larger one, so a season's index
// never needs twice its size at the moment it grows.
type idIndex struct {
	recent recentIDs   // the newest, not yet merged (idrecent.go)
	chunks [][]idEntry // the sorted entries, chunkLen a chunk; n of them are in use
	n      int
	// dir[p] is the first sorted entry whose key's top dirBits bits are p
	// (see index); it is used only while dirLen == n.
	dir     []uint32
	dirBits uint
	dirLen  int
}

type idKey [16]byte

type idEntry struct {
	key idKey
	seq uint64
}

// mergeAt is the fewest of the newest ids (24 to 48 bytes an id in their table)
// before they are merged into the sorted chunks (24 bytes an id).
const mergeAt = 1 << 16

// chunkBits sizes a chunk of the sorted entries: 65,536 entries, 1.5 MiB.
const (
	chunkBits = 16
	chunkLen  = 1 << chunkBits
)

func newIDIndex() *idIndex { return &idIndex{} }

func keyOf(id string) idKey {
	sum := sha256.Sum256([]byte(id))
	return idKey(sum[:16])
}

// at is the i-th sorted entry.
func (x *idIndex) at(i int) *idEntry { return &x.chunks[i>>chunkBits][i&(chunkLen-1)] }

// seen returns the sequence id was applied at, if it was.
func (x *idIndex) seen(id string) (uint64, bool) { return x.seenKey(keyOf(id)) }

// seenKey is seen for an id's key (the fold hashes each id once).
func (x *idIndex) seenKey(k idKey) (uint64, bool) {
	if seq, ok := x.recent.get(k); ok {
		return seq, true
	}
	hi, lo := halves(k)
	i, j := 0, x.n
	if x.dirLen == x.n && len(x.dir) > 1 {
		// The directory narrows the search to the keys sharing the top bits:
		// a few entries, instead of twenty steps over the whole array.
		p := hi >> (64 - x.dirBits)
		i, j = int(x.dir[p]), int(x.dir[p+1])
	}
	// A binary search by the key's two halves as big-endian numbers: the
	// order of bytes.Compare, without a call per step.
	for i < j {
		h := int(uint(i+j) >> 1)
		ehi, elo := halves(x.at(h).key)
		if ehi < hi || ehi == hi && elo < lo {
			i = h + 1
		} else {
			j = h
		}
	}
	if i < x.n && x.at(i).key == k {
		return x.at(i).seq, true
	}
	return 0, false
}

// reset empties the index, keeping its memory (its chunks and table) for
// the ids that come next.
func (x *idIndex) reset() {
	x.recent.reset()
	x.n = 0
	x.index()
}

// add records id as applied at seq (the first time only).
func (x *idIndex) add(id string, seq uint64) {
	k := keyOf(id)
	if _, dup := x.seenKey(k); dup {
		return
	}
	x.addNew(k, seq)
}

// addNew records a key seenKey has just not found.
func (x *idIndex) addNew(k idKey, seq uint64) {
	x.recent.put(k, seq)
	// The newest ids are merged in when they are a sixteenth of the rest (at
	// least mergeAt): each merge moves the sorted entries above the smallest
	// new key, nearly all of them, so a fixed batch would make a season's
	// fold quadratic; this keeps it about 17 moves an id, for at most 3 bytes
	// an id more in the map.
	if x.recent.len() >= max(mergeAt, x.n/16) {
		x.merge()
	}
}

// merge moves the newest ids into the sorted chunks, merging from the end in
// place; a chunk is added when they are full.
func (x *idIndex) merge() {
	add := x.recent.sorted()
	n, m := x.n, len(add)
	for len(x.chunks)*chunkLen < n+m {
		x.chunks = append(x.chunks, make([]idEntry, chunkLen))
	}
	i, j := n-1, m-1
	for k := n + m - 1; j >= 0; k-- {
		if i >= 0 && lessKey(add[j].key, x.at(i).key) {
			*x.at(k) = *x.at(i)
			i--
		} else {
			*x.at(k) = add[j]
			j--
		}
	}
	x.n = n + m
	x.recent.reset()
	x.index()
}

// sortEntries sorts entries by key: a bucket pass on the top bits (the keys
// are SHA-256, spread evenly), then insertion sort within each bucket of a
// few: a few times faster than a comparison sort of 24-byte entries.
func sortEntries(es []idEntry) {
	bits := uint(1)
	for bits < 24 && 1<<bits < len(es) {
		bits++
	}
	count := make([]int, 1<<bits+1)
	for i := range es {
		hi, _ := halves(es[i].key)
		count[hi>>(64-bits)+1]++
	}
	for p := 1; p < len(count); p++ {
		count[p] += count[p-1]
	}
	out := make([]idEntry, len(es))
	next := append([]int(nil), count...)
	for i := range es {
		hi, _ := halves(es[i].key)
		p := hi >> (64 - bits)
		out[next[p]] = es[i]
		next[p]++
	}
	for p := 0; p+1 < len(count); p++ {
		b := out[count[p]:count[p+1]]
		for i := 1; i < len(b); i++ {
			for k := i; k > 0 && lessKey(b[k].key, b[k-1].key); k-- {
				b[k], b[k-1] = b[k-1], b[k]
			}
		}
	}
	copy(es, out)
}

// index rebuilds the directory: for each value of a key's top dirBits bits,
// where its keys start among the sorted entries (about 16 keys a slot, a
// quarter of a byte an id).
func (x *idIndex) index() {
	bits := uint(0)
	for bits < 32 && x.n>>(bits+4) > 1 {
		bits++
	}
	slots := 1 << bits
	if cap(x.dir) >= slots+1 {
		x.dir = x.dir[:slots+1]
	} else {
		x.dir = make([]uint32, slots+1)
	}
	e := 0
	for p := range slots {
		for e < x.n {
			if hi, _ := halves(x.at(e).key); hi>>(64-bits) >= uint64(p) {
				break
			}
			e++
		}
		x.dir[p] = uint32(e)
	}
	x.dir[slots] = uint32(x.n)
	x.dirBits, x.dirLen = bits, x.n
}

// halves are a key's two 64-bit halves, big-endian: compared in order, they
// order keys as bytes.Compare does.
func halves(k idKey) (uint64, uint64) {
	return binary.BigEndian.Uint64(k[:8]), binary.BigEndian.Uint64(k[8:])
}

func lessKey(a, b idKey) bool {
	ahi, alo := halves(a)
	bhi, blo := halves(b)
	return ahi < bhi || ahi == bhi && alo < blo
}

// idIndexOf builds an index over entries already sorted by key, as a fold
// snapshot restores them (each key once). Its whole chunks are the slice's
// own memory, not a copy; only the last, partial one is copied into a chunk
// of its own, so that merges can fill it.
func idIndexOf(sorted []idEntry) *idIndex {
	x := newIDIndex()
	full := len(sorted) / chunkLen * chunkLen
	for c := 0; c < full; c += chunkLen {
		x.chunks = append(x.chunks, sorted[c:c+chunkLen:c+chunkLen])
	}
	if full < len(sorted) {
		last := make([]idEntry, chunkLen)
		copy(last, sorted[full:])
		x.chunks = append(x.chunks, last)
	}
	x.n = len(sorted)
	x.index()
	return x
}

// eachSorted calls f with the sorted entries in key order (the newest, in
// recent, are not among them until merged).
func (x *idIndex) eachSorted(f func(idEntry)) {
	for i := range x.n {
		f(*x.at(i))
	}
}

// sorted copies every entry, sorted by key (the newest merged in on the fly,
// the index itself unchanged): a view that stays as it is while the index
// moves on, 24 bytes an id.
func (x *idIndex) sorted() sortedIDs {
	recent := x.recent.sorted()
	out := make([]idEntry, 0, x.len())
	i, j := 0, 0
	for i < x.n && j < len(recent) {
		if lessKey(x.at(i).key, recent[j].key) {
			out = append(out, *x.at(i))
			i++
		} else {
			out = append(out, recent[j])
			j++
		}
	}
	for ; i < x.n; i++ {
		out = append(out, *x.at(i))
	}
	return sortedIDs{mem: append(out, recent[j:]...)}
}

// discard: the index holds no files.
func (x *idIndex) discard() {}

// idSet is the dedup index the fold uses: all in memory (idIndex) or with
// its older ids paged out to run files on disk (pagedIndex).
type idSet interface {
	// seenKey returns the sequence an id's key was applied at, if it was.
	seenKey(idKey) (uint64, bool)
	// addNew records a key seenKey has just not found.
	addNew(idKey, uint64)
	len() int
	// sorted is every entry in key order, as of now (release it).
	sorted() sortedIDs
	// discard removes what the index keeps on disk.
	discard()
}

var (
	_ idSet = (*idIndex)(nil)
	_ idSet = (*pagedIndex)(nil)
)

// len is how many ids are remembered.
func (x *idIndex) len() int { return x.recent.len() + x.n }
