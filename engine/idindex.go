package engine

import (
	"bytes"
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
	// A binary search by the key's two halves as big-endian numbers: the
	// order of bytes.Compare, without a call per step.
	hi, lo := binary.BigEndian.Uint64(k[:8]), binary.BigEndian.Uint64(k[8:])
	i, j := 0, len(x.sorted)
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

// merge moves the newest ids into the sorted array, in one linear pass.
func (x *idIndex) merge() {
	add := make([]idEntry, 0, len(x.recent))
	for k, s := range x.recent {
		add = append(add, idEntry{k, s})
	}
	cmp := func(a, b idEntry) int { return bytes.Compare(a.key[:], b.key[:]) }
	slices.SortFunc(add, cmp)
	merged := make([]idEntry, 0, len(x.sorted)+len(add))
	i, j := 0, 0
	for i < len(x.sorted) && j < len(add) {
		if cmp(x.sorted[i], add[j]) < 0 {
			merged = append(merged, x.sorted[i])
			i++
		} else {
			merged = append(merged, add[j])
			j++
		}
	}
	merged = append(append(merged, x.sorted[i:]...), add[j:]...)
	x.sorted = merged
	clear(x.recent)
}

// len is how many ids are remembered.
func (x *idIndex) len() int { return len(x.recent) + len(x.sorted) }
