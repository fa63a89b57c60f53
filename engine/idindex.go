package engine

import (
	"bytes"
	"crypto/sha256"
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
	sorted []idEntry // by key; recent is merged in when it grows past mergeAt
}

type idKey [16]byte

type idEntry struct {
	key idKey
	seq uint64
}

// mergeAt bounds the map of the newest ids (about 60 bytes an id) before they
// are merged into the sorted array (24 bytes an id).
const mergeAt = 1 << 14

func newIDIndex() *idIndex { return &idIndex{recent: map[idKey]uint64{}} }

func keyOf(id string) idKey {
	sum := sha256.Sum256([]byte(id))
	return idKey(sum[:16])
}

// seen returns the sequence id was applied at, if it was.
func (x *idIndex) seen(id string) (uint64, bool) {
	k := keyOf(id)
	if seq, ok := x.recent[k]; ok {
		return seq, true
	}
	i, ok := slices.BinarySearchFunc(x.sorted, k, func(e idEntry, k idKey) int { return bytes.Compare(e.key[:], k[:]) })
	if ok {
		return x.sorted[i].seq, true
	}
	return 0, false
}

// add records id as applied at seq (the first time only).
func (x *idIndex) add(id string, seq uint64) {
	if _, dup := x.seen(id); dup {
		return
	}
	x.recent[keyOf(id)] = seq
	if len(x.recent) >= mergeAt {
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
