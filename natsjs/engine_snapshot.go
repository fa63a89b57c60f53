package natsjs

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/floodcmd/floodcmd/engine"
)

// Defaults of how often the engine snapshots its fold.
const (
	DefaultSnapshotEvery    = 50_000
	DefaultSnapshotInterval = 5 * time.Minute
)

// SnapshotConfig is how the engine keeps snapshots of its fold (nil Store: none).
type SnapshotConfig struct {
	Store *SnapshotStore
	// Every: a snapshot once this many messages were folded since the last;
	// Interval: or once this long has passed with any folded.
	Every    uint64
	Interval time.Duration
	// Code names the build (engine.State.SetSnapshotCode); "" takes BuildCode().
	Code    string
	Metrics *SnapshotMetrics
}

// BuildCode names this build for its snapshots: the module version and VCS
// revision Go stamped into the binary. A build from a modified tree, or
// without VCS information, is named by its executable's build ID as well, so
// that two different builds never take each other's snapshots.
func BuildCode() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	code := bi.Main.Version
	modified := true
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			code += "@" + s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified {
		code += "+" + executableID()
	}
	return code
}

// StartInfo says how the engine started: from which snapshot, how many
// messages it folded after it, and how long it took to be ready.
type StartInfo struct {
	// SnapshotSeq is the sequence of the snapshot loaded (0: the log replayed in full).
	SnapshotSeq uint64 `json:"snapshot_seq"`
	// Found is how many snapshots (slots with a manifest) the start found.
	Found int `json:"snapshots_found"`
	// Skipped says why a snapshot found was not used.
	Skipped      string  `json:"snapshot_skipped,omitempty"`
	LoadSeconds  float64 `json:"snapshot_load_seconds"`
	TailEvents   uint64  `json:"tail_events"`
	ReadySeconds float64 `json:"ready_seconds"`
	// LastWrittenSeq is the newest snapshot this engine wrote.
	LastWrittenSeq uint64 `json:"last_snapshot_written_seq"`
}

// SnapshotMetrics are the snapshot series.
type SnapshotMetrics struct {
	LoadedSeq, ReadySeconds, WrittenSeq, Bytes, WriteSeconds prometheus.Gauge
	Written                                                  *prometheus.CounterVec
}

// NewSnapshotMetrics registers the snapshot series on reg.
func NewSnapshotMetrics(reg prometheus.Registerer, town string) *SnapshotMetrics {
	labels := prometheus.Labels{"town": town}
	g := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels})
	}
	m := &SnapshotMetrics{
		LoadedSeq:    g("floodcmd_snapshot_loaded_seq", "Sequence of the fold snapshot the engine started from (0: the log replayed in full)."),
		ReadySeconds: g("floodcmd_engine_start_seconds", "Seconds from the engine's start to caught up with the log (snapshot loaded, tail folded)."),
		WrittenSeq:   g("floodcmd_snapshot_written_seq", "Sequence of the newest fold snapshot written."),
		Bytes:        g("floodcmd_snapshot_bytes", "Size of the newest fold snapshot written."),
		WriteSeconds: g("floodcmd_snapshot_write_seconds", "Seconds the newest snapshot took to seal and write (outside the fold's lock)."),
		Written: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "floodcmd_snapshots_written_total",
			Help: "Fold snapshots written, by outcome (ok, failed).", ConstLabels: labels}, []string{"outcome"}),
	}
	reg.MustRegister(m.LoadedSeq, m.ReadySeconds, m.WrittenSeq, m.Bytes, m.WriteSeconds, m.Written)
	return m
}

// snapshots is the engine's side of its snapshots.
type snapshots struct {
	cfg     SnapshotConfig
	created time.Time // the log's creation time, stamped on each snapshot
	lastSeq uint64
	lastAt  time.Time
	writing atomic.Bool
	mu      sync.Mutex
	info    StartInfo
	began   time.Time
}

// StartInfo says how this engine started (for /readyz).
func (e *Engine) StartInfo() any {
	e.snaps.mu.Lock()
	defer e.snaps.mu.Unlock()
	return e.snaps.info
}

// restoreSnapshot loads the newest snapshot that fits the log, if any, and
// reports whether it did. A snapshot of another build, schema, scenario or
// town, a corrupt one, or one the log does not match (ahead of it: the log
// was purged or made again) is passed over with a log line saying why.
func (e *Engine) restoreSnapshot(ctx context.Context) bool {
	s := &e.snaps
	s.began = time.Now()
	if s.cfg.Code == "" {
		s.cfg.Code = BuildCode()
	}
	e.state.SetSnapshotCode(s.cfg.Code)
	s.lastAt = time.Now()
	if s.cfg.Store == nil {
		return false
	}
	log := e.cfg.Logger.With("town", e.cfg.Town)
	info, err := e.cfg.Stream.Info(ctx)
	if err != nil {
		log.Warn("the log's stream info not read: no fold snapshot is loaded or written", "err", err)
		s.cfg.Store = nil
		return false
	}
	s.created = info.Created
	ms, err := s.cfg.Store.Manifests(ctx)
	if err != nil {
		log.Warn("fold snapshots not readable; replaying the log in full", "err", err)
		return false
	}
	s.mu.Lock()
	s.info.Found = len(ms)
	s.mu.Unlock()
	if len(ms) == 0 {
		log.Info("no fold snapshot yet; replaying the log in full")
		return false
	}
	for _, m := range ms {
		why := ""
		switch {
		case m.Seq > info.State.LastSeq:
			why = fmt.Sprintf("it is of sequence %d, ahead of the log (last %d): the log was purged or made again", m.Seq, info.State.LastSeq)
		case !m.StreamCreated.Equal(info.Created):
			why = fmt.Sprintf("it is of a log created %s, this log was created %s: the log was made again", m.StreamCreated.Format(time.RFC3339), info.Created.Format(time.RFC3339))
		}
		if why == "" {
			t0 := time.Now()
			st := engine.NewState(e.cfg.Town, e.cfg.Domain)
			st.SetSnapshotCode(s.cfg.Code)
			h, err := st.RestoreFrom(s.cfg.Store.Open(ctx, m))
			switch {
			case err != nil:
				why = err.Error()
			case h.Seq != m.Seq:
				st.Discard()
				why = fmt.Sprintf("its manifest says sequence %d, the snapshot %d", m.Seq, h.Seq)
			default:
				e.mu.Lock()
				e.state = st
				e.mu.Unlock()
				e.applied.Store(h.Seq)
				s.lastSeq = h.Seq
				s.mu.Lock()
				s.info.SnapshotSeq, s.info.LoadSeconds = h.Seq, time.Since(t0).Seconds()
				s.mu.Unlock()
				if s.cfg.Metrics != nil {
					s.cfg.Metrics.LoadedSeq.Set(float64(h.Seq))
				}
				log.Info("fold snapshot loaded; folding the log after it", "seq", h.Seq, "slot", m.Slot, "bytes", m.Bytes,
					"ids", h.IDs, "took", time.Since(t0).Round(time.Millisecond), "tail", info.State.LastSeq-h.Seq)
				return true
			}
		}
		log.Warn("fold snapshot not used", "slot", m.Slot, "seq", m.Seq, "why", why)
		s.mu.Lock()
		s.info.Skipped = why
		s.mu.Unlock()
	}
	log.Warn("no usable fold snapshot; replaying the log in full")
	return false
}

// fenceAfterSnapshot sets the newest sequence of each fence filter as the log
// holds it now: a snapshot does not carry the runner's bookkeeping, and no
// round is decided before the log is folded up to the tail read after this.
func (e *Engine) fenceAfterSnapshot(ctx context.Context) error {
	for _, f := range e.filters {
		m, err := e.cfg.Stream.GetLastMsgForSubject(ctx, f)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("last message of %s: %w", f, err)
		}
		if m.Sequence > e.lastSeqOf[f] {
			e.lastSeqOf[f] = m.Sequence
		}
	}
	return nil
}

// caughtUp records how the start went, once the engine is ready.
func (e *Engine) caughtUp() {
	s := &e.snaps
	s.mu.Lock()
	s.info.ReadySeconds = time.Since(s.began).Seconds()
	s.info.TailEvents = e.applied.Load() - s.info.SnapshotSeq
	info := s.info
	s.mu.Unlock()
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.ReadySeconds.Set(info.ReadySeconds)
	}
	e.cfg.Logger.Info("engine ready", "town", e.cfg.Town, "snapshot_seq", info.SnapshotSeq, "tail", info.TailEvents,
		"took", time.Duration(info.ReadySeconds*float64(time.Second)).Round(time.Millisecond))
}

// maybeSnapshot writes a snapshot in the background when one is due: the
// state is copied under the read lock (the fold waits only for the copy), the
// checksum and the write to NATS happen outside it, one at a time.
func (e *Engine) maybeSnapshot(ctx context.Context) {
	s := &e.snaps
	applied := e.applied.Load()
	if s.cfg.Store == nil || !e.ready.Load() || applied <= s.lastSeq || s.writing.Load() {
		return
	}
	if applied-s.lastSeq < max(s.cfg.Every, 1) && (s.cfg.Interval <= 0 || time.Since(s.lastAt) < s.cfg.Interval) {
		return
	}
	e.mu.RLock()
	draft, err := e.state.SnapshotDraft()
	e.mu.RUnlock()
	s.lastSeq, s.lastAt = applied, time.Now()
	if err != nil {
		e.cfg.Logger.Error("fold snapshot not made", "town", e.cfg.Town, "err", err)
		return
	}
	s.writing.Store(true)
	go func() {
		defer s.writing.Store(false)
		defer draft.Release()
		t0 := time.Now()
		m, err := s.cfg.Store.WriteFrom(ctx, draft, draft.Seq(), s.created, time.Now())
		took := time.Since(t0)
		if err != nil {
			if ctx.Err() == nil {
				e.cfg.Logger.Warn("fold snapshot not written; the previous one stays", "town", e.cfg.Town, "seq", draft.Seq(), "err", err)
			}
			if s.cfg.Metrics != nil {
				s.cfg.Metrics.Written.WithLabelValues("failed").Inc()
			}
			return
		}
		s.mu.Lock()
		s.info.LastWrittenSeq = m.Seq
		s.mu.Unlock()
		if mt := s.cfg.Metrics; mt != nil {
			mt.Written.WithLabelValues("ok").Inc()
			mt.WrittenSeq.Set(float64(m.Seq))
			mt.Bytes.Set(float64(m.Bytes))
			mt.WriteSeconds.Set(took.Seconds())
		}
		e.cfg.Logger.Info("fold snapshot written", "town", e.cfg.Town, "seq", m.Seq, "slot", m.Slot, "bytes", m.Bytes,
			"took", took.Round(time.Millisecond))
	}()
}
