package engine

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"slices"
)

// idIndex remembers every event id the town has applied, for ever, exactly
// and compactly: an id is kept as the first 128 bits of its SHA-256 with the
// sequence it was applied at, 24 bytes in a sorted array (plus a small map of
// the newest). A collision-resistant hash, not a probabilistic filter: a new
// report is taken for a repeat only if someone finds a SHA-256 collision on
// 128 bits, and a repeat is always caught.
type idIndex struct {
	recent map[idKey]uint64
	sorted []idEntry // by key; recent is merged in when it grows (see addNew)
	// dir[p] is the first entry of sorted whose key's top dirBits bits are p
	// (see index); it is used only while dirLen == len(sorted).
	dir     []uint32
	dirBits uint
	dirLen  int
}

type idKey [16]byte

type idEntry struct {
	key idKey
	seq uint64
}

// mergeAt is the fewest of the newest ids (about 60 bytes an id in the map) before they
// are merged into the sorted array (24 bytes an id).
const mergeAt = 1 << 14

func newIDIndex() *idIndex { return &idIndex{recent: map[idKey]uint64{}} }

func keyOf(id string) idKey {
	sum := sha256.Sum256([]byte(id))
	return idKey(sum[:16])
}

// seen returns the sequence id was applied at, if it was.
func (x *idIndex) seen(id string) (uint64, bool) { return x.seenKey(keyOf(id)) }

// seenKey is seen for an id's key (the fold hashes each id once).
func (x *idIndex) seenKey(k idKey) (uint64, bool) {
	if seq, ok := x.recent[k]; ok {
		return seq, true
	}
	hi, lo := binary.BigEndian.Uint64(k[:8]), binary.BigEndian.Uint64(k[8:])
	i, j := 0, len(x.sorted)
	if x.dirLen == len(x.sorted) && len(x.dir) > 1 {
		// The directory narrows the search to the keys sharing the top bits:
		// a few entries, instead of twenty steps over the whole array.
		p := hi >> (64 - x.dirBits)
		i, j = int(x.dir[p]), int(x.dir[p+1])
	}
	// A binary search by the key's two halves as big-endian numbers: the
	// order of bytes.Compare, without a call per step.
	for i < j {
		h := int(uint(i+j) >> 1)
		e := &x.sorted[h].key
		ehi, elo := binary.BigEndian.Uint64(e[:8]), binary.BigEndian.Uint64(e[8:])
		if ehi < hi || ehi == hi && elo < lo {
			i = h + 1
		} else {
			j = h
		}
	}
	if i < len(x.sorted) && x.sorted[i].key == k {
		return x.sorted[i].seq, true
	}
	return 0, false
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
	x.recent[k] = seq
	// The newest ids are merged in when they are a thirty-second of the rest
	// (at least mergeAt): each merge copies the whole array, so a fixed batch
	// would make a season's fold quadratic; this keeps it about 33 copies an
	// id, for at most 2 bytes an id more in the map.
	if len(x.recent) >= max(mergeAt, len(x.sorted)/32) {
		x.merge()
	}
}

// merge moves the newest ids into the sorted array, merging from its end in
// place: the array grows by an eighth when it is full, so a merge allocates
// nothing most of the time and leaves no 24-byte-an-id array behind as garbage.
func (x *idIndex) merge() {
	add := make([]idEntry, 0, len(x.recent))
	for k, s := range x.recent {
		add = append(add, idEntry{k, s})
	}
	slices.SortFunc(add, func(a, b idEntry) int { return compareKeys(a.key, b.key) })
	n, m := len(x.sorted), len(add)
	if cap(x.sorted) < n+m {
		grown := make([]idEntry, n, n+m+(n+m)/8)
		copy(grown, x.sorted)
		x.sorted = grown
	}
	x.sorted = x.sorted[:n+m]
	i, j := n-1, m-1
	for k := n + m - 1; j >= 0; k-- {
		if i >= 0 && compareKeys(add[j].key, x.sorted[i].key) < 0 {
			x.sorted[k] = x.sorted[i]
			i--
		} else {
			x.sorted[k] = add[j]
			j--
		}
	}
	clear(x.recent)
	x.index()
}

// index rebuilds the directory: for each value of a key's top dirBits bits,
// where its keys start in the sorted array (about 16 keys a slot, a quarter
// of a byte an id).
func (x *idIndex) index() {
	bits := uint(0)
	for bits < 32 && len(x.sorted)>>(bits+4) > 1 {
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
		for e < len(x.sorted) && binary.BigEndian.Uint64(x.sorted[e].key[:8])>>(64-bits) < uint64(p) {
			e++
		}
		x.dir[p] = uint32(e)
	}
	x.dir[slots] = uint32(len(x.sorted))
	x.dirBits, x.dirLen = bits, len(x.sorted)
}

// compareKeys orders keys as bytes.Compare does.
func compareKeys(a, b idKey) int {
	if c := cmp.Compare(binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])); c != 0 {
		return c
	}
	return cmp.Compare(binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:]))
}

// len is how many ids are remembered.
func (x *idIndex) len() int { return len(x.recent) + len(x.sorted) }
