package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The newest ids' table answers as a map does, through growth and resets,
// for keys that collide on their low bits (the slot they probe from) and for
// the all-zero key, which marks empty slots and so is kept apart.
func TestRecentIDsIsAMap(t *testing.T) {
	var only recentIDs
	only.put(idKey{}, 7)
	_, ok := only.get(idKey{1})
	require.False(t, ok, "a table holding the zero key only")
	seq, ok := only.get(idKey{})
	require.True(t, ok)
	require.Equal(t, uint64(7), seq)

	rng := rand.New(rand.NewPCG(5, 8))
	var r recentIDs
	want := map[idKey]uint64{}
	key := func() idKey {
		var k idKey
		switch rng.IntN(20) {
		case 0:
			return k // the zero key
		case 1, 2:
			k[8] = byte(rng.IntN(4)) // the same low bits as many others
			k[0] = byte(rng.IntN(256))
		default:
			for i := range k {
				k[i] = byte(rng.IntN(256))
			}
		}
		return k
	}
	for step := range 20000 {
		if step%7000 == 6999 {
			r.reset()
			clear(want)
		}
		k := key()
		got, ok := r.get(k)
		seq, had := want[k]
		require.Equal(t, had, ok, "step %d: has %x", step, k)
		require.Equal(t, seq, got, "step %d: sequence of %x", step, k)
		if !had {
			want[k] = uint64(step)
			r.put(k, uint64(step))
		}
		require.Equal(t, len(want), r.len())
	}
	all := r.appendTo(nil)
	require.Len(t, all, len(want))
	for _, e := range all {
		require.Equal(t, want[e.key], e.seq)
	}
}
