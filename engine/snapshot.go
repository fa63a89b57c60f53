package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/floodcmd/floodcmd/aid"
	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/internal/snapshotio"
	"github.com/floodcmd/floodcmd/warning"
)

// Snapshotter is a piece of fold state that serialises itself. Snapshot must
// be deterministic (the same state gives the same bytes: maps sorted, no wall
// clock, nothing of shared caches); Restore, on an object freshly built from
// the same scenario, gives a state whose Snapshot is byte-identical.
type Snapshotter interface {
	Snapshot() ([]byte, error)
	Restore([]byte) error
}

var (
	_ Snapshotter = (*State)(nil)
	_ Snapshotter = (*Domain)(nil)
	_ Snapshotter = (*aid.State)(nil)
	_ Snapshotter = (*dispatch.Dispatcher)(nil)
	_ Snapshotter = (*evac.Evacuation)(nil)
	_ Snapshotter = (*warning.Warnings)(nil)
)

// A snapshot of a town's fold is
//
//	snapshotMagic | header: JSON padded with spaces to headerBytes | state JSON | ids
//
// where ids are the dedup index's entries sorted by key, each the id's 128-bit
// hash and the sequence it was applied at (little-endian): 24 bytes an id, read
// straight into the index. The header's sha256 is SHA-256 over all of it with
// the header's own sha256 empty, so a bit flipped anywhere, a truncated write or
// a header edited by hand is refused.
const (
	snapshotMagic = "floodcmd fold snapshot\n"
	headerBytes   = 1024
	idEntryBytes  = 24
	// SnapshotFormat is the layout's version.
	SnapshotFormat = 1
)

// SnapshotHeader says what a snapshot is of; a snapshot is restored only
// into a state of the same format, schema, code, scenario and town.
type SnapshotHeader struct {
	Format int `json:"format"`
	// Schema fingerprints the snapshot's Go types (SnapshotSchema).
	Schema string `json:"schema"`
	// Code is the build that wrote it (SetSnapshotCode): a fold that changed
	// may make another state of the same log.
	Code string `json:"code"`
	// Scenario fingerprints the town's scenario and policy the fold ran on.
	Scenario string `json:"scenario"`
	Town     string `json:"town"`
	Seq      uint64 `json:"seq"`
	// StateBytes and IDs size the body.
	StateBytes int64  `json:"state_bytes"`
	IDs        int64  `json:"ids"`
	SHA256     string `json:"sha256"`
}

// ErrSnapshotUnusable is wrapped by every error of a snapshot that cannot be
// restored (another version, town or scenario; corrupt; truncated): the
// caller replays the log in full instead.
var ErrSnapshotUnusable = errors.New("snapshot not usable")

func unusable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSnapshotUnusable, fmt.Sprintf(format, args...))
}

// SnapshotSchema fingerprints every type a snapshot is made of.
var SnapshotSchema = func() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{snapshotio.Schema(stateSnap{}), dispatch.SnapshotSchema,
		evac.SnapshotSchema, warning.SnapshotSchema, aid.SnapshotSchema}, ",")))
	return hex.EncodeToString(sum[:])
}()

type stateSnap struct {
	Sealed     bool              `json:"sealed"`
	Owed       []events.Rejected `json:"owed"` // by sequence
	Rejections []events.Rejected `json:"rejections"`
	Counts     map[string]int    `json:"counts"`
	Drill      DrillView         `json:"drill"`
	Domain     json.RawMessage   `json:"domain"`
}

type domainSnap struct {
	Seq      uint64             `json:"seq"`
	Drill    bool               `json:"drill"`
	Voids    []voidSnap         `json:"voids"`
	VoidLog  []string           `json:"void_log"`
	DataTime time.Time          `json:"data_time"`
	Closed   []string           `json:"closed"` // roads an operator closed
	Depths   map[string]float64 `json:"depths"`
	Rainfall []rainGaugeSnap    `json:"rainfall"` // by gauge
	Dispatch json.RawMessage    `json:"dispatch"`
	Evac     json.RawMessage    `json:"evac"`
	Warning  json.RawMessage    `json:"warning"`
	Aid      json.RawMessage    `json:"aid"`
}

type voidSnap struct {
	Seq     uint64 `json:"seq"`
	Subject string `json:"subject"`
	Notice  Voided `json:"notice"`
}

// rainGaugeSnap is one gauge's sparkline bookkeeping; times are Unix
// nanoseconds (UTC map keys in the fold), by time.
type rainGaugeSnap struct {
	Gauge    string   `json:"gauge"`
	Readings rainSnap `json:"readings"` // by reading end
	Hours    rainSnap `json:"hours"`    // by clock hour
	Latest   int64    `json:"latest"`
}

// rainSnap is a map of time → mm as two lists sorted by time.
type rainSnap struct {
	At []int64   `json:"at"`
	MM []float64 `json:"mm"`
}

// SetSnapshotCode names the build whose snapshots this state writes and
// restores (the runner gives its version and revision): a snapshot written by
// another build is not restored.
func (s *State) SetSnapshotCode(code string) { s.code = code }

// Snapshot is the state as deterministic bytes (the caller holds the read lock).
func (s *State) Snapshot() ([]byte, error) {
	d, err := s.SnapshotDraft()
	if err != nil {
		return nil, err
	}
	return d.Seal(), nil
}

// SnapshotDraft is a snapshot copied out of the state but not yet checksummed:
// the runner copies under the read lock and seals outside it, so the fold waits
// only for the copy. Its ids are a view (sortedIDs) that stays as it was while
// the fold goes on: all of them copied for an index in memory, only the newest
// for one paged to disk (its run files are immutable and held open): WriteTo
// streams them, never all of them in memory at once.
type SnapshotDraft struct {
	head   []byte // magic, room for the header, the state's JSON
	header SnapshotHeader
	ids    sortedIDs
}

// Seq is the sequence the draft's state was folded to.
func (d SnapshotDraft) Seq() uint64 { return d.header.Seq }

// Bytes is the sealed snapshot's size.
func (d SnapshotDraft) Bytes() int64 { return int64(len(d.head)) + d.header.IDs*idEntryBytes }

// SnapshotDraft copies the state into a draft; the caller holds the read lock
// and releases the draft once written (Seal and WriteTo do not).
func (s *State) SnapshotDraft() (SnapshotDraft, error) {
	dom, err := s.domain.Snapshot()
	if err != nil {
		return SnapshotDraft{}, err
	}
	ss := stateSnap{Sealed: s.gate.Sealed(), Owed: s.Owed(), Rejections: s.rejections, Counts: s.counts, Drill: s.drill, Domain: dom}
	if ss.Rejections == nil {
		ss.Rejections = []events.Rejected{}
	}
	js, err := json.Marshal(ss)
	if err != nil {
		return SnapshotDraft{}, fmt.Errorf("snapshot: %w", err)
	}
	ids := s.applied.sorted()
	h := SnapshotHeader{Format: SnapshotFormat, Schema: SnapshotSchema, Code: s.code, Scenario: s.domain.Fingerprint(),
		Town: s.Town, Seq: s.Seq, StateBytes: int64(len(js)), IDs: int64(ids.len())}
	head := make([]byte, len(snapshotMagic)+headerBytes, len(snapshotMagic)+headerBytes+len(js))
	copy(head, snapshotMagic)
	return SnapshotDraft{head: append(head, js...), header: h, ids: ids}, nil
}

// Release lets the draft's view of the ids go.
func (d SnapshotDraft) Release() { d.ids.release() }

// Seal is the snapshot's bytes, all in memory (tests, small states; the
// runner streams with WriteTo).
func (d SnapshotDraft) Seal() []byte {
	var buf bytes.Buffer
	buf.Grow(int(d.Bytes()))
	if _, err := d.WriteTo(&buf); err != nil {
		panic(fmt.Sprintf("snapshot: %v", err)) // a bytes.Buffer does not fail; a run file that does is reported by WriteTo
	}
	return buf.Bytes()
}

// WriteTo writes the sealed snapshot to w: a first pass over the ids for the
// checksum (the header, which carries it, comes first), a second to write them.
func (d SnapshotDraft) WriteTo(w io.Writer) (int64, error) {
	h := d.header
	h.SHA256 = ""
	sum := sha256.New()
	sum.Write(d.head[:len(snapshotMagic)])
	sum.Write(headerBlock(h))
	sum.Write(d.head[len(snapshotMagic)+headerBytes:])
	if err := d.writeIDs(sum); err != nil {
		return 0, fmt.Errorf("snapshot ids: %w", err)
	}
	h.SHA256 = hex.EncodeToString(sum.Sum(nil))
	cw := &countingWriter{w: w}
	cw.Write(d.head[:len(snapshotMagic)])
	cw.Write(headerBlock(h))
	cw.Write(d.head[len(snapshotMagic)+headerBytes:])
	if cw.err == nil {
		if err := d.writeIDs(cw); err != nil && cw.err == nil {
			return cw.n, fmt.Errorf("snapshot ids: %w", err)
		}
	}
	return cw.n, cw.err
}

// writeIDs writes the ids, 24 bytes each, in batches.
func (d SnapshotDraft) writeIDs(w io.Writer) error {
	buf := make([]byte, 0, 4096*idEntryBytes)
	err := d.ids.each(func(e idEntry) error {
		buf = append(buf, e.key[:]...)
		buf = binary.LittleEndian.AppendUint64(buf, e.seq)
		if len(buf) == cap(buf) {
			_, err := w.Write(buf)
			buf = buf[:0]
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = w.Write(buf)
	return err
}

// countingWriter counts what it wrote and keeps the first error.
type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// headerBlock is the header's JSON padded with spaces to headerBytes.
func headerBlock(h SnapshotHeader) []byte {
	js, _ := json.Marshal(h) // plain strings and numbers: cannot fail
	if len(js) > headerBytes {
		js = js[:headerBytes] // refused on restore: Code is far too long
	}
	return append(js, bytes.Repeat([]byte{' '}, headerBytes-len(js))...)
}

// Restore replaces the state by a snapshot's (see RestoreFrom).
func (s *State) Restore(b []byte) error {
	_, err := s.RestoreFrom(bytes.NewReader(b))
	return err
}

// ReadSnapshotHeader reads a snapshot's header (its checksum is checked with the body by RestoreFrom).
func ReadSnapshotHeader(r io.Reader) (SnapshotHeader, []byte, error) {
	var h SnapshotHeader
	head := make([]byte, len(snapshotMagic)+headerBytes)
	if _, err := io.ReadFull(r, head); err != nil {
		return h, nil, unusable("header: %v", err)
	}
	if string(head[:len(snapshotMagic)]) != snapshotMagic {
		return h, nil, unusable("not a floodcmd fold snapshot")
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimRight(head[len(snapshotMagic):], " ")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return h, nil, unusable("header: %v", err)
	}
	return h, head, nil
}

// RestoreFrom reads a snapshot from r into the state, which must be freshly
// built (NewState over a fresh Domain) for the town and scenario. It reads the
// ids straight into the index, with no copy of the whole snapshot in memory.
// Every error wraps ErrSnapshotUnusable; the state is changed only once the
// header matches and the checksum is right (after an error in the domain's own
// restore, which a right checksum makes a bug, build the state afresh).
func (s *State) RestoreFrom(r io.Reader) (SnapshotHeader, error) {
	h, head, err := ReadSnapshotHeader(r)
	if err != nil {
		return h, err
	}
	switch {
	case h.Format != SnapshotFormat:
		return h, unusable("format %d, this build reads %d", h.Format, SnapshotFormat)
	case h.Schema != SnapshotSchema:
		return h, unusable("schema %.12s, this build's is %.12s", h.Schema, SnapshotSchema)
	case h.Code != s.code:
		return h, unusable("written by build %q, this is %q", h.Code, s.code)
	case h.Town != s.Town:
		return h, unusable("of town %q, this is %q", h.Town, s.Town)
	case h.Scenario != s.domain.Fingerprint():
		return h, unusable("of another scenario or policy (%.12s, this one is %.12s)", h.Scenario, s.domain.Fingerprint())
	case h.StateBytes < 0 || h.StateBytes > 1<<31 || h.IDs < 0 || h.IDs > 1<<31:
		return h, unusable("sizes %d, %d out of range", h.StateBytes, h.IDs)
	}
	sum := sha256.New()
	blank := h
	blank.SHA256 = ""
	sum.Write(head[:len(snapshotMagic)])
	sum.Write(headerBlock(blank))
	js := make([]byte, h.StateBytes)
	if _, err := io.ReadFull(r, js); err != nil {
		return h, unusable("state: %v", err)
	}
	sum.Write(js)
	applied, err := s.readIndex(io.TeeReader(r, sum), int(h.IDs))
	if err != nil {
		return h, err
	}
	refuse := func(err error) (SnapshotHeader, error) {
		applied.discard()
		return h, err
	}
	if extra, _ := io.Copy(io.Discard, io.LimitReader(r, 1)); extra > 0 {
		return refuse(unusable("bytes after the ids"))
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != h.SHA256 {
		return refuse(unusable("checksum %.12s, the header says %.12s", got, h.SHA256))
	}
	var ss stateSnap
	if err := snapshotio.Decode(js, &ss); err != nil {
		return refuse(unusable("state: %v", err))
	}
	if ss.Counts == nil {
		return refuse(unusable("state without counts"))
	}
	if err := s.domain.Restore(ss.Domain); err != nil {
		return refuse(unusable("%v", err))
	}
	s.Seq = h.Seq
	s.applied.discard()
	s.applied = applied
	s.gate.RestoreSealed(ss.Sealed)
	s.owed = make(map[uint64]events.Rejected, len(ss.Owed))
	for _, o := range ss.Owed {
		s.owed[o.Seq] = o
	}
	s.rejections, s.counts, s.drill = ss.Rejections, ss.Counts, ss.Drill
	return h, nil
}

// readIndex reads n index entries into a new dedup index like the state's
// (in memory, or streamed into a run file on disk), checking they are sorted
// and distinct (a binary search over them must be right).
func (s *State) readIndex(r io.Reader, n int) (idSet, error) {
	dec := idDecoder{r: r, n: n, chunk: make([]byte, 4096*idEntryBytes)}
	if s.idDir != "" {
		return restorePaged(s.idDir, dec.next, n)
	}
	ids := make([]idEntry, n)
	for i := range ids {
		e, err := dec.next()
		if err != nil {
			return nil, err
		}
		ids[i] = e
	}
	return idIndexOf(ids), nil
}

// idDecoder reads a snapshot's ids one at a time, in batches of 4,096.
type idDecoder struct {
	r        io.Reader
	n, read  int
	chunk    []byte
	at, have int
	last     idKey
}

func (d *idDecoder) next() (idEntry, error) {
	if d.read >= d.n {
		return idEntry{}, unusable("ids: more than %d", d.n)
	}
	if d.at >= d.have {
		m := min(d.n-d.read, 4096)
		if _, err := io.ReadFull(d.r, d.chunk[:m*idEntryBytes]); err != nil {
			return idEntry{}, unusable("ids: %v", err)
		}
		d.at, d.have = 0, m
	}
	b := d.chunk[d.at*idEntryBytes : (d.at+1)*idEntryBytes]
	var e idEntry
	copy(e.key[:], b[:16])
	e.seq = binary.LittleEndian.Uint64(b[16:])
	if d.read > 0 && !lessKey(d.last, e.key) {
		return idEntry{}, unusable("ids out of order at %d", d.read)
	}
	d.last = e.key
	d.at++
	d.read++
	return e, nil
}

// Snapshot is the domain's fold state as deterministic bytes.
func (d *Domain) Snapshot() ([]byte, error) {
	ds := domainSnap{Seq: d.seq, Drill: d.drill, Voids: make([]voidSnap, 0, len(d.voids)), VoidLog: d.voidLog,
		DataTime: d.dataTime, Closed: d.graph.Closures(), Depths: d.depths, Rainfall: d.rainfall.snapshot()}
	for _, v := range d.voids {
		ds.Voids = append(ds.Voids, voidSnap{Seq: v.seq, Subject: v.subject, Notice: v.notice})
	}
	parts := []struct {
		into *json.RawMessage
		of   Snapshotter
	}{{&ds.Dispatch, d.dispatch}, {&ds.Evac, d.evac}, {&ds.Warning, d.warn}, {&ds.Aid, d.aid}}
	for _, p := range parts {
		b, err := p.of.Snapshot()
		if err != nil {
			return nil, err
		}
		*p.into = b
	}
	return json.Marshal(ds)
}

// Restore replaces the domain's fold state by a snapshot's; the domain must be
// freshly built from the same town (its roads all open). It is all or
// nothing: on an error the domain is as it was, so the caller may replay the
// log over it instead.
func (d *Domain) Restore(raw []byte) error {
	var ds domainSnap
	if err := snapshotio.Decode(raw, &ds); err != nil {
		return fmt.Errorf("domain snapshot: %w", err)
	}
	if ds.Depths == nil {
		return errors.New("domain snapshot without depths")
	}
	roads := map[string]bool{}
	for _, r := range append(slices.Clip(d.scenario.Roads), d.origin.town.NeighbourRoads...) {
		roads[r.ID] = true
	}
	for _, id := range ds.Closed {
		if !roads[id] {
			return fmt.Errorf("domain snapshot: closed road %q is not on the map", id)
		}
	}
	for id, m := range ds.Depths {
		if !roads[id] || math.IsNaN(m) {
			return fmt.Errorf("domain snapshot: depth %v on road %q", m, id)
		}
	}
	rain, err := restoreRainfall(ds.Rainfall)
	if err != nil {
		return err
	}
	before, err := d.Snapshot() // to put back if a part refuses its snapshot
	if err != nil {
		return err
	}
	if err := d.restoreParts(ds); err != nil {
		var was domainSnap
		if snapshotio.Decode(before, &was) == nil {
			_ = d.restoreParts(was) // the domain's own bytes of a moment ago: they restore
		}
		return err
	}
	for _, id := range ds.Closed {
		_ = d.graph.CloseRoad(id) // checked above: on the map
	}
	for id, m := range ds.Depths {
		_ = d.graph.SetDepth(id, m)
	}
	d.seq, d.drill, d.voidLog, d.dataTime, d.depths, d.rainfall = ds.Seq, ds.Drill, ds.VoidLog, ds.DataTime, ds.Depths, rain
	d.voids = nil
	for _, v := range ds.Voids {
		d.voids = append(d.voids, void{seq: v.Seq, subject: v.Subject, notice: v.Notice})
	}
	// As after a replay: the first round looks at everything.
	d.changed.Store(true)
	d.readings.Store(true)
	return nil
}

// restoreParts restores the domain packages' parts, each all or nothing.
func (d *Domain) restoreParts(ds domainSnap) error {
	for _, p := range []struct {
		raw json.RawMessage
		to  Snapshotter
	}{{ds.Dispatch, d.dispatch}, {ds.Evac, d.evac}, {ds.Warning, d.warn}, {ds.Aid, d.aid}} {
		if err := p.to.Restore(p.raw); err != nil {
			return err
		}
	}
	return nil
}

func (r *rainfall) snapshot() []rainGaugeSnap {
	pairs := func(m map[int64]float64) rainSnap {
		at := make([]int64, 0, len(m))
		for t := range m {
			at = append(at, t)
		}
		slices.Sort(at)
		out := rainSnap{At: at, MM: make([]float64, len(at))}
		for i, t := range at {
			out.MM[i] = m[t]
		}
		return out
	}
	out := make([]rainGaugeSnap, 0, len(r.hours))
	for _, g := range sortedGauges(r.hours) {
		out = append(out, rainGaugeSnap{Gauge: g, Readings: pairs(r.readings[g]), Hours: pairs(r.hours[g]), Latest: r.latest[g]})
	}
	return out
}

func sortedGauges(m map[string]map[int64]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func restoreRainfall(gs []rainGaugeSnap) (*rainfall, error) {
	r := newRainfall()
	unpair := func(ps rainSnap) map[int64]float64 {
		m := make(map[int64]float64, len(ps.At))
		for i, at := range ps.At {
			m[at] = ps.MM[i]
		}
		return m
	}
	for _, g := range gs {
		if _, dup := r.hours[g.Gauge]; dup || len(g.Readings.At) != len(g.Readings.MM) || len(g.Hours.At) != len(g.Hours.MM) {
			return nil, fmt.Errorf("domain snapshot: rainfall of gauge %q twice or uneven", g.Gauge)
		}
		r.readings[g.Gauge], r.hours[g.Gauge], r.latest[g.Gauge] = unpair(g.Readings), unpair(g.Hours), g.Latest
	}
	return r, nil
}
