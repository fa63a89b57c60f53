package engine

import "encoding/binary"

// recentIDs holds an idIndex's newest ids until they are merged into its
// sorted chunks: an open-addressing table on the key's low 64 bits, probed
// linearly, at most half full. The keys are SHA-256 bits already, spread
// evenly, so there is no hash to compute, and a lookup is one cache line
// where a Go map of 16-byte keys hashed the key and went through its control
// words first: in a season's replay every event looks here once and most
// find nothing.
type recentIDs struct {
	slots []idEntry // a zero key is an empty slot
	n     int
	// The all-zero key cannot mark itself, so it is kept apart (a SHA-256
	// starting with 128 zero bits is not expected; it is still exact).
	hasZero bool
	zeroSeq uint64
}

const recentMinSlots = 1 << 10

func (r *recentIDs) len() int { return r.n }

// slot is where k is, or the empty slot where it would go.
func (r *recentIDs) slot(k idKey) int {
	mask := len(r.slots) - 1
	for i := int(binary.LittleEndian.Uint64(k[8:])) & mask; ; i = (i + 1) & mask {
		if s := &r.slots[i]; s.key == k || s.key == (idKey{}) {
			return i
		}
	}
}

func (r *recentIDs) get(k idKey) (uint64, bool) {
	if k == (idKey{}) {
		return r.zeroSeq, r.hasZero
	}
	if len(r.slots) == 0 {
		return 0, false // nothing put yet but, perhaps, the zero key
	}
	s := &r.slots[r.slot(k)]
	return s.seq, s.key == k
}

// put records k, which get has just not found.
func (r *recentIDs) put(k idKey, seq uint64) {
	if k == (idKey{}) {
		r.hasZero, r.zeroSeq = true, seq
		r.n++
		return
	}
	if 2*(r.n+1) > len(r.slots) {
		r.grow()
	}
	r.slots[r.slot(k)] = idEntry{k, seq}
	r.n++
}

func (r *recentIDs) grow() {
	old := r.slots
	r.slots = make([]idEntry, max(recentMinSlots, 2*len(old)))
	for _, e := range old {
		if e.key != (idKey{}) {
			r.slots[r.slot(e.key)] = e
		}
	}
}

// sorted is a copy of the entries, sorted by key.
func (r *recentIDs) sorted() []idEntry {
	es := r.appendTo(make([]idEntry, 0, r.n))
	sortEntries(es)
	return es
}

// appendTo appends every entry, in no order.
func (r *recentIDs) appendTo(out []idEntry) []idEntry {
	if r.hasZero {
		out = append(out, idEntry{seq: r.zeroSeq})
	}
	for _, e := range r.slots {
		if e.key != (idKey{}) {
			out = append(out, e)
		}
	}
	return out
}

// reset empties the table, keeping its slots for the next ids.
func (r *recentIDs) reset() {
	clear(r.slots)
	r.n, r.hasZero, r.zeroSeq = 0, false, 0
}
