package engine

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzRestoreIDs feeds arbitrary bytes as a snapshot's ids to both kinds of
// index (the checksum passed, say, by a bug that wrote them): never a panic;
// either a refusal, or an index that holds exactly the entries given, sorted
// and distinct, in memory and paged to a run file alike.
func FuzzRestoreIDs(f *testing.F) {
	sorted := make([]byte, 0, 3*idEntryBytes)
	for i := range 3 {
		var e [idEntryBytes]byte
		e[0] = byte(i + 1)
		binary.LittleEndian.PutUint64(e[16:], uint64(i+7))
		sorted = append(sorted, e[:]...)
	}
	f.Add(sorted, uint8(3))
	f.Add(sorted[:40], uint8(2))
	f.Add(append(sorted[24:48:48], sorted[:24]...), uint8(2))
	f.Fuzz(func(t *testing.T, raw []byte, n uint8) {
		mem, errMem := (&State{}).readIndex(bytes.NewReader(raw), int(n))
		paged, errPaged := (&State{idDir: t.TempDir()}).readIndex(bytes.NewReader(raw), int(n))
		if (errMem == nil) != (errPaged == nil) {
			t.Fatalf("in memory %v, paged %v", errMem, errPaged)
		}
		if errMem != nil {
			return
		}
		defer paged.discard()
		for i := range int(n) {
			e := raw[i*idEntryBytes : (i+1)*idEntryBytes]
			k := idKey(e[:16])
			want := binary.LittleEndian.Uint64(e[16:])
			for name, x := range map[string]idSet{"memory": mem, "paged": paged} {
				if seq, ok := x.seenKey(k); !ok || seq != want {
					t.Fatalf("%s: entry %d: %v %d, want %d", name, i, ok, seq, want)
				}
			}
		}
		var a, b bytes.Buffer
		for buf, x := range map[*bytes.Buffer]idSet{&a: mem, &b: paged} {
			v := x.sorted()
			if err := (SnapshotDraft{ids: v}).writeIDs(buf); err != nil {
				t.Fatal(err)
			}
			v.release()
		}
		if !bytes.Equal(a.Bytes(), raw[:int(n)*idEntryBytes]) || !bytes.Equal(b.Bytes(), a.Bytes()) {
			t.Fatal("the entries written back are not the ones read")
		}
	})
}
