package natsjs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Snapshots of a town's fold live in the town's own key-value bucket
// FLOODCMD_TOWN_<TOWN> under snapshot.>, in the same JetStream as its log and
// with the same replicas, so they replicate with it; only the town's own
// credentials read that bucket (a snapshot holds personal data). Not an
// object store: replacing an object purges its old chunks through
// $JS.API.STREAM.PURGE, which no credential may send (a log must not be
// erasable over NATS); a key-value bucket that keeps one value per key
// replaces old bytes by itself.
//
// Two slots, a and b, take turns: a snapshot is written to the slot not
// holding the newest one, as chunks snapshot.<slot>.00000 … under its
// manifest snapshot.manifest.<slot>, which is deleted first and written last. A crash while
// writing (kill -9) leaves that slot without a manifest, or with chunks
// that fail the snapshot's own SHA-256: the start uses the other slot, the
// previous valid snapshot, or replays the log.

// SnapshotChunk is the size of one chunk: well within NATS's default 1 MiB payload.
const SnapshotChunk = 256 << 10

// SnapshotManifest describes the snapshot in one slot.
type SnapshotManifest struct {
	Slot   string `json:"slot"`
	Seq    uint64 `json:"seq"`
	Bytes  int64  `json:"bytes"`
	Chunks int    `json:"chunks"`
	// StreamCreated is the log's creation time when the snapshot was taken: a
	// log deleted and made again (same name, new history) is another log.
	StreamCreated time.Time `json:"stream_created"`
	// Written is when (wall clock), for operators; the start does not look at it.
	Written time.Time `json:"written"`
}

// SnapshotStore reads and writes a town's fold snapshots.
type SnapshotStore struct {
	kv jetstream.KeyValue
}

// NewSnapshotStore keeps snapshots in kv, the town's bucket (TownBucket),
// which keeps one value per key (History 1).
func NewSnapshotStore(kv jetstream.KeyValue) *SnapshotStore { return &SnapshotStore{kv: kv} }

// SnapshotKeys is the part of the town's bucket the snapshots take.
const SnapshotKeys = "snapshot."

func manifestKey(slot string) string     { return SnapshotKeys + "manifest." + slot }
func chunkKey(slot string, i int) string { return fmt.Sprintf("%s%s.%05d", SnapshotKeys, slot, i) }

// Manifests lists the slots' manifests, newest snapshot first.
func (s *SnapshotStore) Manifests(ctx context.Context) ([]SnapshotManifest, error) {
	var out []SnapshotManifest
	for _, slot := range []string{"a", "b"} {
		e, err := s.kv.Get(ctx, manifestKey(slot))
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("snapshot manifest %s: %w", slot, err)
		}
		var m SnapshotManifest
		if err := json.Unmarshal(e.Value(), &m); err != nil || m.Slot != slot {
			continue // unreadable: as if absent
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out, nil
}

// Write stores snap (of the fold at seq) in the slot not holding the newest
// snapshot; the one it does not touch stays valid throughout.
func (s *SnapshotStore) Write(ctx context.Context, snap []byte, seq uint64, streamCreated, now time.Time) (SnapshotManifest, error) {
	return s.WriteFrom(ctx, bytes.NewReader(snap), seq, streamCreated, now)
}

// WriteFrom is Write of a snapshot src writes out (engine.SnapshotDraft
// streams its ids from disk): one chunk in memory at a time.
func (s *SnapshotStore) WriteFrom(ctx context.Context, src io.WriterTo, seq uint64, streamCreated, now time.Time) (SnapshotManifest, error) {
	have, err := s.Manifests(ctx)
	if err != nil {
		return SnapshotManifest{}, err
	}
	slot := "a"
	if len(have) > 0 && have[0].Slot == "a" {
		slot = "b"
	}
	if err := s.kv.Delete(ctx, manifestKey(slot)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return SnapshotManifest{}, fmt.Errorf("snapshot slot %s: %w", slot, err)
	}
	w := &chunkWriter{ctx: ctx, s: s, m: SnapshotManifest{Slot: slot, Seq: seq, StreamCreated: streamCreated, Written: now.UTC()},
		buf: make([]byte, 0, SnapshotChunk)}
	if _, err := src.WriteTo(w); err != nil {
		return w.m, err
	}
	if err := w.put(); err != nil {
		return w.m, err
	}
	raw, _ := json.Marshal(w.m)
	if _, err := s.kv.Put(ctx, manifestKey(slot), raw); err != nil {
		return w.m, fmt.Errorf("snapshot manifest %s: %w", slot, err)
	}
	return w.m, nil
}

// chunkWriter puts what it is given as chunks of SnapshotChunk bytes.
type chunkWriter struct {
	ctx context.Context
	s   *SnapshotStore
	m   SnapshotManifest
	buf []byte
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), SnapshotChunk-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == SnapshotChunk {
			if err := w.put(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// put writes the chunk in hand, if any.
func (w *chunkWriter) put() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.s.kv.Put(w.ctx, chunkKey(w.m.Slot, w.m.Chunks), w.buf); err != nil {
		return fmt.Errorf("snapshot chunk %s: %w", chunkKey(w.m.Slot, w.m.Chunks), err)
	}
	w.m.Chunks++
	w.m.Bytes += int64(len(w.buf))
	w.buf = w.buf[:0]
	return nil
}

// Open streams the snapshot a manifest describes, one chunk in memory at a
// time. A chunk missing or of the wrong size is an error of the reader; a
// chunk overwritten by a later, unfinished write is caught by the snapshot's
// own checksum.
func (s *SnapshotStore) Open(ctx context.Context, m SnapshotManifest) io.Reader {
	return &chunkReader{ctx: ctx, s: s, m: m}
}

type chunkReader struct {
	ctx  context.Context
	s    *SnapshotStore
	m    SnapshotManifest
	next int
	read int64
	cur  *bytes.Reader
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for r.cur == nil || r.cur.Len() == 0 {
		if r.next >= r.m.Chunks {
			if r.read != r.m.Bytes {
				return 0, fmt.Errorf("snapshot slot %s: %d bytes of %d", r.m.Slot, r.read, r.m.Bytes)
			}
			return 0, io.EOF
		}
		e, err := r.s.kv.Get(r.ctx, chunkKey(r.m.Slot, r.next))
		if err != nil {
			return 0, fmt.Errorf("snapshot chunk %s: %w", chunkKey(r.m.Slot, r.next), err)
		}
		r.next++
		r.read += int64(len(e.Value()))
		r.cur = bytes.NewReader(e.Value())
	}
	return r.cur.Read(p)
}
