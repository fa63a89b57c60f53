package natsjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/semaphore"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
)

// ErrFenced means another engine has written decisions for the town: this one
// must stop rather than interleave its decisions with the other's.
var ErrFenced = errors.New("another engine is writing decisions for this town")

// Config configures an engine.
type Config struct {
	Town   string
	JS     jetstream.JetStream
	Stream jetstream.Stream
	Domain *engine.Domain
	Logger *slog.Logger
	// Now is the clock for decisions (timeouts); the fold never reads it.
	Now func() time.Time
	// Tick is how often the engine reconsiders without new input (ack timeouts).
	Tick time.Duration
	// Metrics receives counts; nil records nothing.
	Metrics *Metrics
	// OnAppend, if set, hears the outcome of each append of the engine's own
	// (nil, or why the log did not take it), for readiness.
	OnAppend func(error)
	// OnApplied, if set, is called after each message is folded, under the write lock.
	OnApplied func(seq uint64, subject string, outcome engine.Outcome, typ string)
	// Snapshots, when its Store is set: start from the newest usable snapshot
	// of the fold and write one every so often (engine_snapshot.go).
	Snapshots SnapshotConfig
}

// Engine is the single writer of a town: it folds the log and appends decisions.
type Engine struct {
	cfg   Config
	pub   *Publisher
	log   engine.Log // the town's stream: read in order, appended a round at a time
	mu    sync.RWMutex
	state *engine.State

	ready   atomic.Bool
	applied atomic.Uint64
	// filters are the subjects a round's expectations name (voidingFilters;
	// the first is the fence on decisions), lastSeqOf the newest sequence of each.
	filters   []string
	lastSeqOf map[string]uint64
	filtersOf map[string]uint64   // subject → which filters it falls under (matchFilters)
	batches   chan []prepared     // folded batches for the reader to fill again (keepBatch)
	room      *semaphore.Weighted // records the reader may still hand the loop (maxQueued)
	pending   map[string]struct{} // decisions appended, not yet read back
	// unsure holds the ids of rounds whose append failed with an unknown
	// outcome once the log has been re-read past the failure: the server may
	// still commit such a round later (its commit was queued behind a flood
	// longer than appendTimeout), and it is then ours, not another engine's.
	unsure map[string]struct{}
	aid    aidForwarder // sends the aid outbox apart from this loop (aid_forward.go)
	snaps  snapshots    // fold snapshots: loaded at start, written in the background
	// resync is set after an append with an unknown outcome: no decision until
	// the log has been read up to resyncTo-1, so the fence and the state are exact again.
	resync   bool
	resyncTo uint64
	// stale counts rounds refused in a row because inputs arrived while they
	// were decided; redecide asks the next pass to decide even without a
	// change (the refused round, or the rest of a capped one, is owed).
	stale      int
	staleSince time.Time
	staleAt    uint64    // the folded sequence the last stale round was decided at
	busyUntil  time.Time // rounds until then go fenced on inputs (see decide)
	redecide   bool
	// foreign names a decision read live that this engine did not append.
	foreign string
	// fencedRounds counts rounds appended fenced on decisions only.
	fencedRounds atomic.Int64
	// deciding is set while a round is decided and appended (tests wait for quiet on it).
	deciding atomic.Bool

	// The watchdog: a reader that stops delivering while the log grows (a
	// consumer lost with a restarted server, never told) is made to start over.
	reader       readerControl
	lastProgress time.Time
}

// readerControl lets the engine loop stop the log reader's current iterator.
type readerControl struct {
	mu      sync.Mutex
	stop    func()
	stalled atomic.Bool
}

func (c *readerControl) set(stop func()) {
	c.mu.Lock()
	c.stop = stop
	c.mu.Unlock()
}

// restart stops the current iterator; the reader resumes on a fresh consumer.
func (c *readerControl) restart() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stop != nil {
		c.stalled.Store(true)
		c.stop()
	}
}

// stallAfter is how long the reader may deliver nothing while the log is ahead of it.
const stallAfter = 3 * time.Second

// unsureLimit bounds the ids kept of rounds whose append outcome was unknown:
// past it they are dropped (a round not committed by then is not coming).
const unsureLimit = 4 * engine.RoundLimit

// New returns an engine; Run starts it.
func New(cfg Config) *Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tick == 0 {
		cfg.Tick = time.Second
	}
	return &Engine{cfg: cfg, pub: NewPublisher(cfg.JS), log: &Log{JS: cfg.JS, Stream: cfg.Stream}, state: engine.NewState(cfg.Town, cfg.Domain),
		pending: map[string]struct{}{}, unsure: map[string]struct{}{},
		filters: engine.VoidingFilters(cfg.Town), lastSeqOf: map[string]uint64{}}
}

// Ready reports whether the engine has caught up with the log as it was at start.
func (e *Engine) Ready() bool { return e.ready.Load() }

// AppliedSeq is the last stream sequence folded into state.
func (e *Engine) AppliedSeq() uint64 { return e.applied.Load() }

// Read calls f with the state under the read lock.
func (e *Engine) Read(f func(*engine.State)) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	f(e.state)
}

// Run folds the log from the start, then follows it, deciding when caught up,
// until ctx ends (nil) or the engine is fenced or the log fails (an error).
func (e *Engine) Run(ctx context.Context) error {
	startTail, err := e.log.LastSeq(ctx)
	if err != nil {
		return err
	}
	e.snaps.cfg = e.cfg.Snapshots
	if e.restoreSnapshot(ctx) {
		if err := e.fenceAfterSnapshot(ctx); err != nil {
			return err
		}
		if startTail, err = e.log.LastSeq(ctx); err != nil { // the tail as of now, after the fences
			return err
		}
	}
	if startTail <= e.applied.Load() {
		e.caughtUp()
		e.ready.Store(true)
	}
	msgs := make(chan []prepared, maxQueued) // never full: room counts the records in it
	e.room = semaphore.NewWeighted(maxQueued)
	e.batches = make(chan []prepared, 32)
	readErr := make(chan error, 1)
	go func() { readErr <- e.read(ctx, msgs) }()
	ticker := time.NewTicker(e.cfg.Tick)
	defer ticker.Stop()
	// The watchdog counts from now: a reader that has delivered nothing yet is
	// not one that stopped three seconds ago.
	e.lastProgress = time.Now()
	e.cfg.Logger.Info("engine replaying log", "town", e.cfg.Town, "tail", startTail)
	for {
		tick := false
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			if ctx.Err() != nil || err == nil {
				return nil
			}
			return fmt.Errorf("read log: %w", err)
		case m := <-msgs:
			e.applyBatch(m, msgs)
			if e.foreign != "" {
				return fmt.Errorf("town %s: %w (%s)", e.cfg.Town, ErrFenced, e.foreign)
			}
		case <-ticker.C:
			tick = true
			e.watchReader(ctx, len(msgs))
		}
		if !e.ready.Load() && e.applied.Load() >= startTail {
			e.ready.Store(true)
			e.cfg.Logger.Info("engine caught up", "town", e.cfg.Town, "seq", e.applied.Load())
			e.caughtUp()
		}
		if e.resync && !e.resynced(ctx) {
			continue
		}
		if e.ready.Load() && len(e.pending) == 0 {
			started := time.Now()
			err := e.decide(ctx, tick, len(msgs) > 0)
			if err == nil && len(e.pending) == 0 {
				err = e.forward(ctx)
			}
			// The watchdog does not count the time the loop spent appending: a
			// round queued seconds behind a flood is no stalled reader.
			e.lastProgress = e.lastProgress.Add(time.Since(started))
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				var te *transientError
				if !errors.As(err, &te) {
					return err
				}
				e.cfg.Logger.Warn("append failed; re-reading the log before deciding again", "town", e.cfg.Town, "err", err)
				e.resync, e.resyncTo = true, 0
			}
		}
		e.maybeSnapshot(ctx) // after the round: a snapshot's copy never delays a decision
	}
}

// watchReader restarts the log reader when it has delivered nothing for a while
// although the log holds messages the engine has not folded.
func (e *Engine) watchReader(ctx context.Context, queued int) {
	if queued > 0 {
		// Messages wait for the loop: the reader delivers, the loop was busy
		// (a long round, a burst folded); that is no stall.
		e.lastProgress = time.Now()
		return
	}
	if time.Since(e.lastProgress) < stallAfter {
		return
	}
	ictx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	last, err := e.log.LastSeq(ictx)
	if err != nil || last <= e.applied.Load() {
		e.lastProgress = time.Now() // nothing missed (or nothing to tell): look again later
		return
	}
	e.lastProgress = time.Now()
	e.reader.restart()
}

// read feeds the log to the engine loop in order. When the server goes away (a
// restart, a cluster node lost) it resumes after the last message it passed on,
// so the engine neither stops nor sees a message twice or out of order.
func (e *Engine) read(ctx context.Context, msgs chan<- []prepared) error {
	next := e.applied.Load() + 1 // after the snapshot, if one was loaded
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := e.follow(ctx, msgs, &next)
		if ctx.Err() != nil {
			return nil
		}
		if e.reader.stalled.Swap(false) {
			e.cfg.Logger.Warn("log reader stalled while the log grew; starting it over", "town", e.cfg.Town, "from_seq", next)
			continue
		}
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) || errors.Is(err, nats.ErrConnectionClosed) {
			return err // the connection is closed for good: nothing to resume on
		}
		e.cfg.Logger.Warn("log reader lost; resuming", "town", e.cfg.Town, "from_seq", next, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	return nil
}

// follow reads the log from next until the read fails or the watchdog stops
// it, advancing next past what it has passed on.
//
// Records go to the loop in batches while the engine replays the log: a
// record waits only while the records that fill its batch (foldBatch) are in
// the log already behind it, so a replay hands the loop a batch at a time
// (each hand-over wakes the loop's goroutine, which cost a replay more than
// some of its decoding). Once the engine is ready, every record goes at once:
// holding live records, even only those with a batch's worth behind them,
// cost a flood of readings its incidents' p99 and a 2,000-incident burst a
// third of its decisions a second (each round's read-back waited for the
// burst's next records).
func (e *Engine) follow(ctx context.Context, msgs chan<- []prepared, next *uint64) error {
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	e.reader.set(stop)
	defer e.reader.set(nil)
	batch := e.freeBatch()
	err := e.log.Read(fctx, *next, func(r engine.Record) error {
		if r.Seq < *next || len(batch) > 0 && r.Seq <= batch[len(batch)-1].Seq {
			return nil // passed on before a resume
		}
		// Decoded here, on the reader's goroutine, while the loop folds the
		// records before it: a replay decodes on one core and folds on another.
		batch = append(batch, prepared{r, engine.Prepare(e.cfg.Town, r.Subject, r.Data)})
		if !e.ready.Load() && len(batch) < foldBatch && r.Pending >= uint64(foldBatch-len(batch)) {
			return nil // replaying, and what fills the batch is in the log already
		}
		if err := e.room.Acquire(fctx, int64(len(batch))); err != nil {
			return err // the read ends; the batch is read again on a resume
		}
		msgs <- batch
		*next = r.Seq + 1
		batch = e.freeBatch() // the loop owns the one passed on
		return nil
	})
	// A batch not passed on is read again from next on a resume.
	if err == nil && ctx.Err() == nil && !e.reader.stalled.Load() {
		err = errors.New("the log's reader ended") // Read ends by itself only with its context
	}
	return err
}

// foldBatch is the most records the reader hands the loop at once, and
// maxQueued the most waiting for it: the loop's backlog is bounded in
// records, not batches, so that a live record on its own has as much room
// as a replay's full batches.
const (
	foldBatch = 64
	maxQueued = 1024
)

// freeBatch is an empty batch for the reader: one the loop has folded and
// given back (keepBatch), or a new one. A full batch is about 42 KB (a
// prepared record holds its decoded event); made afresh for each, they were
// most of what a replay allocated. Once ready, a new one holds one record:
// live records go one by one, and up to maxQueued of them may wait.
func (e *Engine) freeBatch() []prepared {
	select {
	case b := <-e.batches:
		return b
	default:
		if e.ready.Load() {
			return make([]prepared, 0, 1)
		}
		return make([]prepared, 0, foldBatch)
	}
}

// keepBatch gives a folded full-size batch back to the reader, emptied so
// that it holds on to no event; one more than the reader can use is dropped.
func (e *Engine) keepBatch(b []prepared) {
	clear(b)
	if cap(b) < foldBatch {
		return
	}
	select {
	case e.batches <- b[:0]:
	default:
	}
}

// prepared is a record of the log with its decoding for the fold, both made by the reader.
type prepared struct {
	engine.Record
	prep engine.Prepared
}

// applyBatch folds batch and whatever else is already waiting, under one
// lock, up to about 4,096 records (the loop decides between them).
func (e *Engine) applyBatch(batch []prepared, more <-chan []prepared) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lastProgress = time.Now()
	for n := 0; ; {
		for i := range batch {
			e.applyOne(&batch[i])
		}
		n += len(batch)
		e.room.Release(int64(len(batch)))
		e.keepBatch(batch)
		if n >= 4096 {
			return
		}
		select {
		case batch = <-more:
		default:
			return
		}
	}
}

func (e *Engine) applyOne(m *prepared) {
	seq := m.Seq
	outcome, typ := e.state.ApplyPrepared(seq, m.prep)
	e.applied.Store(seq)
	e.track(seq, m.Subject)
	if outcome == engine.Decision || outcome == engine.Notice || outcome == engine.Void {
		id := m.ID
		if addr, err := events.ParseSubject(m.Subject); err == nil && addr.Channel == events.ChanOut {
			_, ours := e.pending[id]
			if _, late := e.unsure[id]; late {
				ours = true
				delete(e.unsure, id)
			}
			if !ours && outcome != engine.Notice && e.ready.Load() && e.foreign == "" {
				// Live, every decision in the log is one this engine appended:
				// another writer's would interleave with ours.
				e.foreign = fmt.Sprintf("decision %s at sequence %d", id, seq)
			}
		}
		delete(e.pending, id)
	}
	e.cfg.Metrics.observe(outcome, typ)
	if e.cfg.OnApplied != nil {
		e.cfg.OnApplied(seq, m.Subject, outcome, typ)
	}
}

// decide appends one round: the domain's decisions at now, then owed rejection
// notices, as one atomic batch computed from the state folded so far (see
// fenceMode). A round refused because the log moved on is dropped and decided
// again once the new messages are folded, fenced then only on the inputs that
// can void a decision; only when that keeps failing for starveAfter does a
// round go in fenced on decisions alone, so inputs can never starve decisions.
//
// While inputs keep coming a strict round would only be refused, and each
// refusal costs an append queued behind the same inputs: under a flood that
// queue is what delays decisions. A round is fenced on inputs from the first
// try when messages already wait behind the state it is decided from, or when
// a round was refused lately: for four times as long as that round took, so a
// refusal in a quiet moment covers the next round or two, and one during a
// flood, whose appends wait seconds in the server's queue, the rounds that
// follow. (Fencing every round of four or more messages on inputs, which needs
// no marker, halved the 2,000-incident burst's decisions/s: rounds then went
// out while the burst was still arriving, smaller and each behind it.) A
// strict round of a single message is a plain publish (see Log.Append).
func (e *Engine) decide(ctx context.Context, tick, behind bool) error {
	e.deciding.Store(true)
	defer e.deciding.Store(false)
	now, started := e.cfg.Now(), time.Now()
	e.mu.RLock()
	folded := e.state.Seq
	if e.stale > 0 && folded == e.staleAt {
		// The round was refused for what the log holds beyond this: fold it first.
		e.mu.RUnlock()
		return nil
	}
	owed := e.state.Owed()
	decisions := e.state.Decide(now, tick || e.redecide)
	e.mu.RUnlock()
	notices := make([]engine.Outgoing, 0, min(len(owed), engine.NoticesPerRound))
	for _, r := range owed[:min(len(owed), engine.NoticesPerRound)] {
		// The id is derived from the input's sequence, so a notice re-sent after a
		// crash inside the dedup window is dropped by JetStream; beyond it the fold ignores it.
		ev, err := events.New(fmt.Sprintf("%s-rejected-%d", e.cfg.Town, r.Seq), "floodcmd/"+e.cfg.Town,
			events.TypeEventRejected, now, r)
		if err != nil {
			return err
		}
		notices = append(notices, engine.Outgoing{Subject: events.RejectedSubject(e.cfg.Town), Event: ev})
	}
	rd := engine.NewRound(decisions, notices)
	e.redecide = len(rd.Decisions) < len(decisions) // what the round left out comes next pass
	if rd.Size() == 0 {
		return nil
	}
	mode := fenceStrict
	switch {
	case e.stale >= strictTries && time.Since(e.staleSince) >= starveAfter:
		mode = fenceDecisions
	case e.stale > 0, behind, time.Now().Before(e.busyUntil):
		mode = fenceInputs
	}
	err := e.appendRound(ctx, rd, mode, folded)
	if errors.Is(err, errStale) {
		if e.stale == 0 {
			e.staleSince = time.Now()
		}
		e.stale++
		e.staleAt = folded
		e.busyUntil = time.Now().Add(min(busyFactor*time.Since(started), appendTimeout))
		e.redecide = true
		e.cfg.Metrics.round("stale")
		return nil
	}
	if err == nil {
		if mode == fenceDecisions {
			e.fencedRounds.Add(1)
			e.cfg.Logger.Info("round appended fenced on decisions only: inputs kept arriving while it was decided",
				"town", e.cfg.Town, "refused", e.stale, "for", time.Since(e.staleSince).Round(time.Millisecond))
		}
		e.stale = 0
		e.cfg.Metrics.round(mode.String())
	}
	return err
}

// resynced reports whether the engine, after an append with an unknown
// outcome, has read the log up to its end as it was after the failure; only
// then are the fence and the state exact, and deciding may resume.
func (e *Engine) resynced(ctx context.Context) bool {
	if e.resyncTo == 0 {
		ictx, cancel := context.WithTimeout(ctx, forwardTimeout)
		last, err := e.log.LastSeq(ictx)
		cancel()
		if err != nil {
			return false
		}
		e.resyncTo = last + 1 // +1: 0 means not known yet
	}
	if e.applied.Load()+1 < e.resyncTo {
		return false
	}
	e.resync, e.resyncTo = false, 0
	// Everything acknowledged before the failure is at or below the end just
	// read; what is still pending was not acknowledged and may come later.
	if len(e.unsure)+len(e.pending) > unsureLimit {
		clear(e.unsure)
	}
	for id := range e.pending {
		e.unsure[id] = struct{}{}
	}
	clear(e.pending)
	return true
}
