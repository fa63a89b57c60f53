package engine

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
	Domain *Domain
	Logger *slog.Logger
	// Now is the clock for decisions (timeouts); the fold never reads it.
	Now func() time.Time
	// Tick is how often the engine reconsiders without new input (ack timeouts).
	Tick time.Duration
	// Metrics receives counts; nil records nothing.
	Metrics *Metrics
	// OnApplied, if set, is called after each message is folded, under the write lock.
	OnApplied func(seq uint64, subject string, outcome Outcome, typ string)
}

// Engine is the single writer of a town: it folds the log and appends decisions.
type Engine struct {
	cfg   Config
	pub   *events.Publisher
	mu    sync.RWMutex
	state *State

	ready      atomic.Bool
	applied    atomic.Uint64
	lastOutSeq uint64              // sequence of the newest decision in the log, the fence
	pending    map[string]struct{} // decisions appended, not yet read back
	retryAt    map[string]time.Time
	aid        aidForwarder // sends the aid outbox apart from this loop (aid_forward.go)
	// resync is set after an append with an unknown outcome: no decision until
	// the log has been read up to resyncTo-1, so the fence and the state are exact again.
	resync   bool
	resyncTo uint64

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
	return &Engine{cfg: cfg, pub: events.NewPublisher(cfg.JS), state: NewState(cfg.Town, cfg.Domain),
		pending: map[string]struct{}{}, retryAt: map[string]time.Time{}}
}

// Ready reports whether the engine has caught up with the log as it was at start.
func (e *Engine) Ready() bool { return e.ready.Load() }

// AppliedSeq is the last stream sequence folded into state.
func (e *Engine) AppliedSeq() uint64 { return e.applied.Load() }

// Read calls f with the state under the read lock.
func (e *Engine) Read(f func(*State)) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	f(e.state)
}

// Run folds the log from the start, then follows it, deciding when caught up,
// until ctx ends (nil) or the engine is fenced or the log fails (an error).
func (e *Engine) Run(ctx context.Context) error {
	info, err := e.cfg.Stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("read stream info: %w", err)
	}
	startTail := info.State.LastSeq
	if startTail == 0 {
		e.ready.Store(true)
	}
	msgs := make(chan jetstream.Msg, 1024)
	readErr := make(chan error, 1)
	go func() { readErr <- e.read(ctx, msgs) }()
	ticker := time.NewTicker(e.cfg.Tick)
	defer ticker.Stop()
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
		case <-ticker.C:
			tick = true
			e.watchReader(ctx)
		}
		if !e.ready.Load() && e.applied.Load() >= startTail {
			e.ready.Store(true)
			e.cfg.Logger.Info("engine caught up", "town", e.cfg.Town, "seq", e.applied.Load())
		}
		if e.resync && !e.resynced(ctx) {
			continue
		}
		if e.ready.Load() && len(e.pending) == 0 {
			err := e.decide(ctx, tick)
			if err == nil && len(e.pending) == 0 {
				err = e.forward(ctx)
			}
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
	}
}

// watchReader restarts the log reader when it has delivered nothing for a while
// although the log holds messages the engine has not folded.
func (e *Engine) watchReader(ctx context.Context) {
	if time.Since(e.lastProgress) < stallAfter {
		return
	}
	ictx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	info, err := e.cfg.Stream.Info(ictx)
	if err != nil || info.State.LastSeq <= e.applied.Load() {
		e.lastProgress = time.Now() // nothing missed (or nothing to tell): look again later
		return
	}
	e.lastProgress = time.Now()
	e.reader.restart()
}

// read feeds the log to the engine loop in order. When the server goes away (a
// restart, a cluster node lost) it resumes after the last message it passed on,
// so the engine neither stops nor sees a message twice or out of order.
func (e *Engine) read(ctx context.Context, msgs chan<- jetstream.Msg) error {
	next := uint64(1)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
		if next > 1 {
			cfg = jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: next}
		}
		err := e.follow(ctx, cfg, msgs, &next)
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

// follow reads one ordered consumer until it fails, advancing next.
func (e *Engine) follow(ctx context.Context, cfg jetstream.OrderedConsumerConfig, msgs chan<- jetstream.Msg, next *uint64) error {
	cons, err := e.cfg.Stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("create ordered consumer: %w", err)
	}
	// Heartbeats every second: a server that went away is noticed in seconds, not
	// after the default 30, and the reader resumes on a fresh consumer.
	it, err := cons.Messages(jetstream.PullMaxMessages(1024), jetstream.PullExpiry(5*time.Second),
		jetstream.PullHeartbeat(time.Second), jetstream.WithMessagesErrOnMissingHeartbeat(true))
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	defer it.Stop()
	e.reader.set(it.Stop)
	defer e.reader.set(nil)
	for {
		m, err := it.Next()
		if err != nil {
			return err
		}
		meta, err := m.Metadata()
		if err != nil || meta.Sequence.Stream < *next {
			continue // not a log message, or one passed on before a resume
		}
		*next = meta.Sequence.Stream + 1
		select {
		case msgs <- m:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// applyBatch folds m and whatever else is already waiting, under one lock.
func (e *Engine) applyBatch(m jetstream.Msg, more <-chan jetstream.Msg) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for n := 0; ; n++ {
		e.applyOne(m)
		if n >= 4096 {
			return
		}
		select {
		case m = <-more:
		default:
			return
		}
	}
}

func (e *Engine) applyOne(m jetstream.Msg) {
	meta, err := m.Metadata()
	if err != nil {
		e.cfg.Logger.Error("message without metadata", "subject", m.Subject(), "err", err)
		return
	}
	seq := meta.Sequence.Stream
	e.lastProgress = time.Now()
	outcome, typ := e.state.Apply(seq, m.Subject(), m.Data())
	e.applied.Store(seq)
	if outcome == Decision || outcome == Notice {
		if addr, err := events.ParseSubject(m.Subject()); err == nil && addr.Channel == events.ChanOut {
			e.lastOutSeq = seq
		}
		delete(e.pending, m.Headers().Get(events.HeaderMsgID))
	}
	e.cfg.Metrics.observe(outcome, typ)
	if e.cfg.OnApplied != nil {
		e.cfg.OnApplied(seq, m.Subject(), outcome, typ)
	}
}

// decide publishes owed rejection notices and the domain's decisions.
func (e *Engine) decide(ctx context.Context, tick bool) error {
	e.mu.RLock()
	owed := e.state.Owed()
	decisions := e.state.Decide(e.cfg.Now(), tick)
	e.mu.RUnlock()
	for _, r := range owed {
		ev, err := events.New(fmt.Sprintf("%s-rejected-%d", e.cfg.Town, r.Seq), "floodcmd/"+e.cfg.Town,
			events.TypeEventRejected, e.cfg.Now(), r)
		if err != nil {
			return err
		}
		// The id is derived from the input's sequence, so a notice re-sent after a
		// crash inside the dedup window is dropped by JetStream; beyond it the fold ignores it.
		if _, err := e.pub.Publish(ctx, events.RejectedSubject(e.cfg.Town), ev); err != nil {
			return &transientError{fmt.Errorf("publish rejection of seq %d: %w", r.Seq, err)}
		}
		e.pending[ev.ID] = struct{}{}
	}
	for _, d := range decisions {
		if err := e.append(ctx, d.Subject, d.Event); err != nil {
			return err
		}
	}
	return nil
}

// resynced reports whether the engine, after an append with an unknown
// outcome, has read the log up to its end as it was after the failure; only
// then are lastOutSeq and the state exact, and deciding may resume.
func (e *Engine) resynced(ctx context.Context) bool {
	if e.resyncTo == 0 {
		ictx, cancel := context.WithTimeout(ctx, forwardTimeout)
		info, err := e.cfg.Stream.Info(ictx)
		cancel()
		if err != nil {
			return false
		}
		e.resyncTo = info.State.LastSeq + 1 // +1: 0 means not known yet
	}
	if e.applied.Load()+1 < e.resyncTo {
		return false
	}
	e.resync, e.resyncTo = false, 0
	// Everything acknowledged before the failure is at or below the end just read.
	clear(e.pending)
	return true
}

func isWrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}
