package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/aid"
	"github.com/floodcmd/floodcmd/dispatch"
)

var (
	snapSeeds = flag.Int("snapshot.seeds", 2, "seeds of the snapshot determinism test")
	snapSteps = flag.Int("snapshot.steps", 100, "steps of each seed's simulated log")
	snapCuts  = flag.Int("snapshot.cuts", 8, "cut points per seed")
)

// testSealKeys are the towns' decision keys in these tests: the simulated
// logs are sealed with them, so the gate's state (sealed decisions seen:
// unsealed ones refused) is part of what is checked.
var testSealKeys = map[string][]byte{"duhu": []byte("snapshot-test-key-0123456789abcdef"), "chixi": []byte("snapshot-test-key-chixi-456789abcd")}

// sealedDuhu is Duhu's domain with its test decision key.
func sealedDuhu(tb testing.TB) *Domain {
	d := duhuDomain(tb)
	d.SetDecisionKey(testSealKeys["duhu"])
	return d
}

// The determinism that matters: on seeded random logs, for many cut points k,
// restore(snapshot at k) + fold of the tail has the View, the Snapshot and the
// decisions of the full replay, byte for byte.
func TestSnapshotPlusTailIsFullReplay(t *testing.T) {
	reached := map[string]bool{}
	for seed := range uint64(*snapSeeds) {
		t.Run(fmt.Sprintf("seed-%d", seed+1), func(t *testing.T) { snapshotPlusTail(t, seed+1, reached) })
	}
	var missing []string
	for k, ok := range reached {
		if !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "the simulated logs never reached these parts of the state")
}

func snapshotPlusTail(t *testing.T, seed uint64, reached map[string]bool) {
	log := simLog(t, seed, *snapSteps)
	require.Greater(t, len(log), 200, "a log worth cutting")
	full := NewState("duhu", sealedDuhu(t))
	foldSim(full, log, 0, len(log))
	wantView, wantSnap := viewJSON(t, full), mustSnapshot(t, full)
	end := time.Date(2022, 5, 14, 0, 0, 0, 0, time.UTC)
	wantDecide := decideJSON(t, full, end)
	for k, ok := range coverage(full) {
		reached[k] = reached[k] || ok
	}
	for _, m := range log {
		if bytes.Contains(m.raw, []byte(dispatch.CodePreempted)) || bytes.Contains(m.raw, []byte(dispatch.CodeSwap)) {
			reached["pre-empted or swapped"] = true
		}
	}
	reached["pre-empted or swapped"] = reached["pre-empted or swapped"] || false

	rng := rand.New(rand.NewPCG(seed, 17))
	cuts := []int{0, 1, len(log) - 1, len(log)}
	for range *snapCuts {
		cuts = append(cuts, 1+rng.IntN(len(log)-1))
	}
	sort.Ints(cuts)
	live := NewState("duhu", sealedDuhu(t))
	done := 0
	for _, k := range cuts {
		foldSim(live, log, done, k)
		done = k
		snap := mustSnapshot(t, live)
		for k, ok := range coverage(live) {
			reached[k] = reached[k] || ok
		}
		restored := NewState("duhu", sealedDuhu(t))
		require.NoError(t, restored.Restore(snap), "cut %d", k)
		require.Equal(t, snap, mustSnapshot(t, restored), "cut %d: restore then snapshot gives other bytes", k)
		require.Equal(t, string(viewJSON(t, live)), string(viewJSON(t, restored)), "cut %d: view after restore", k)
		at := time.Date(2022, 5, 13, 12, 0, 0, 0, time.UTC)
		twin := NewState("duhu", sealedDuhu(t))
		foldSim(twin, log, 0, k)
		require.Equal(t, string(decideJSON(t, twin, at)), string(decideJSON(t, restored, at)), "cut %d: decisions after restore", k)

		tail := NewState("duhu", sealedDuhu(t))
		require.NoError(t, tail.Restore(snap))
		foldSim(tail, log, k, len(log))
		require.Equal(t, string(wantView), string(viewJSON(t, tail)), "seed %d cut %d of %d: view of snapshot + tail", seed, k, len(log))
		if got := mustSnapshot(t, tail); !bytes.Equal(wantSnap, got) {
			t.Fatalf("seed %d cut %d of %d: snapshot of snapshot + tail differs from the full replay's:\n%s", seed, k, len(log), firstDiff(wantSnap, got))
		}
		require.Equal(t, string(wantDecide), string(decideJSON(t, tail, end)), "seed %d cut %d: decisions", seed, k)
	}
}

// coverage says which parts of the state a snapshot must carry the simulated
// log reached: a test that never folds a guest proves nothing about guests.
func coverage(st *State) map[string]bool {
	v := st.View()
	d := st.domain
	guests := 0
	for _, r := range d.dispatch.View().Responders {
		if r.HomeTown != "" {
			guests++
		}
	}
	has := map[string]bool{
		"incidents": len(v.Incidents) > 0, "assignments": len(v.Assignments) > 0, "rejections": len(v.Rejections) > 0,
		"duplicates": st.counts["duplicate"] > 0, "forged": st.counts["forged"] > 0, "sealed": st.gate.Sealed(),
		"void": st.counts["decision_void"] > 0, "roads": len(v.Roads) > 0, "depths": len(d.depths) > 0,
		"evac orders": len(v.EvacOrders) > 0, "rainfall": len(v.Rainfall) > 0, "warnings": len(v.Warnings) > 0,
		"proposals": len(v.Proposals) > 0, "aid": len(v.Aid) > 0, "aid in": hasAid(v, aid.In), "aid out": hasAid(v, aid.Out),
		"cap": len(st.CAPReceived()) > 0, "guests": guests > 0, "owed": len(st.owed) > 0 || st.counts["rejected"] > 0,
		"lent": lent(v), "escort runs": len(v.EscortRuns) > 0, "sheltered": sheltered(v),
	}
	return has
}

func lent(v View) bool {
	for _, r := range v.Responders {
		if r.LentTo != "" {
			return true
		}
	}
	return false
}

func sheltered(v View) bool {
	for _, s := range v.Shelters {
		if s.Occupancy > 0 {
			return true
		}
	}
	return false
}

func hasAid(v View, dir string) bool {
	for _, a := range v.Aid {
		if a.Direction == dir {
			return true
		}
	}
	return false
}

func mustSnapshot(tb testing.TB, st *State) []byte {
	tb.Helper()
	b, err := st.Snapshot()
	require.NoError(tb, err)
	return b
}

// firstDiff shows where two snapshots part, around the first differing byte.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-300)
	return fmt.Sprintf("at byte %d of %d/%d:\nwant …%s…\ngot  …%s…", i, len(a), len(b), a[lo:min(len(a), i+200)], b[lo:min(len(b), i+200)])
}

func TestSnapshotDeterministic(t *testing.T) {
	log := simLog(t, 99, 60)
	a, b := NewState("duhu", duhuDomain(t)), NewState("duhu", duhuDomain(t))
	foldSim(a, log, 0, len(log))
	foldSim(b, log, 0, len(log))
	first := mustSnapshot(t, a)
	for range 5 { // map order differs between calls: the bytes must not
		require.Equal(t, first, mustSnapshot(t, a))
	}
	require.Equal(t, first, mustSnapshot(t, b), "two folds of one log")
}

func TestSnapshotRefusedWhenCorruptOrForeign(t *testing.T) {
	log := simLog(t, 7, 40)
	st := NewState("duhu", duhuDomain(t))
	foldSim(st, log, 0, len(log))
	snap := mustSnapshot(t, st)
	h, _, err := ReadSnapshotHeader(bytes.NewReader(snap))
	require.NoError(t, err)
	assert.Equal(t, uint64(len(log)), h.Seq)
	assert.Equal(t, "duhu", h.Town)
	assert.Equal(t, SnapshotSchema, h.Schema)
	assert.Len(t, h.SHA256, 64)

	flip := func(i int) []byte {
		b := bytes.Clone(snap)
		b[i] ^= 0x01
		return b
	}
	headerAt := len(snapshotMagic)
	cases := map[string][]byte{
		"empty":           nil,
		"truncated":       snap[:len(snap)-7],
		"header only":     snap[:headerAt+headerBytes],
		"bit in the ids":  flip(len(snap) - 3),
		"bit in the body": flip(headerAt + headerBytes + 40),
		"seq edited":      bytes.Replace(snap, fmt.Appendf(nil, `"seq":%d`, h.Seq), fmt.Appendf(nil, `"seq":%d`, h.Seq-1), 1),
		"trailing bytes":  append(bytes.Clone(snap), 0),
		"not a snapshot":  []byte(`{"hello":"world"}`),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			fresh := NewState("duhu", duhuDomain(t))
			err := fresh.Restore(b)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrSnapshotUnusable), "%v", err)
			assert.Zero(t, fresh.Seq, "a refused snapshot leaves the state as it was")
		})
	}
	t.Run("another build", func(t *testing.T) {
		fresh := NewState("duhu", duhuDomain(t))
		fresh.SetSnapshotCode("v2")
		err := fresh.Restore(snap)
		require.ErrorIs(t, err, ErrSnapshotUnusable)
		assert.Contains(t, err.Error(), "build")
	})
	t.Run("another schema", func(t *testing.T) {
		other := bytes.Replace(snap, []byte(`"schema":"`+SnapshotSchema), []byte(`"schema":"`+strings.Repeat("0", len(SnapshotSchema))), 1)
		require.NotEqual(t, snap, other)
		err := NewState("duhu", duhuDomain(t)).Restore(other)
		require.ErrorIs(t, err, ErrSnapshotUnusable)
		assert.Contains(t, err.Error(), "schema")
	})
	t.Run("another town", func(t *testing.T) {
		err := NewState("chixi", chixiDomain(t)).Restore(snap)
		require.ErrorIs(t, err, ErrSnapshotUnusable)
		assert.Contains(t, err.Error(), "town")
	})
	t.Run("another scenario", func(t *testing.T) {
		town := *duhuTown
		town.Roster = town.Roster[1:]
		d, err := NewDomain(&town, duhuDomain(t).origin.cfg)
		require.NoError(t, err)
		err = NewState("duhu", d).Restore(snap)
		require.ErrorIs(t, err, ErrSnapshotUnusable)
		assert.Contains(t, err.Error(), "scenario")
	})
}

// The fingerprint covers what the fold depends on and nothing that varies between runs.
func TestFingerprintStable(t *testing.T) {
	a, b := duhuDomain(t).Fingerprint(), duhuDomain(t).Fingerprint()
	assert.Equal(t, a, b)
	assert.Len(t, a, 64)
	town := *duhuTown
	town.Households = append(append(town.Households[:0:0], town.Households...), town.Households[0])
	town.Households[len(town.Households)-1].ID = "extra"
	d, err := NewDomain(&town, duhuDomain(t).origin.cfg)
	require.NoError(t, err)
	assert.NotEqual(t, a, d.Fingerprint(), "a household added")
}

// A part that refuses its snapshot leaves the whole domain as it was: the
// runner then replays the log over it.
func TestDomainRestoreAllOrNothing(t *testing.T) {
	log := simLog(t, 11, 40)
	st := NewState("duhu", duhuDomain(t))
	foldSim(st, log, 0, len(log))
	raw, err := st.domain.Snapshot()
	require.NoError(t, err)
	var ds domainSnap
	require.NoError(t, json.Unmarshal(raw, &ds))
	ds.Evac = json.RawMessage(`{"households":[],"shelters":[],"orders":[],"progress":[],"assign_seq":0,"run_count":{},"runs":[],"clock":"0001-01-01T00:00:00Z"}`)
	bad, err := json.Marshal(ds)
	require.NoError(t, err)

	fresh := duhuDomain(t)
	before, err := fresh.Snapshot()
	require.NoError(t, err)
	require.Error(t, fresh.Restore(bad), "the evacuation part names no household of the registry")
	after, err := fresh.Snapshot()
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after), "the dispatcher part, restored first, was put back")
	require.NoError(t, fresh.Restore(raw), "and the good snapshot restores afterwards")
}
