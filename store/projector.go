package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/floodcmd/floodcmd/natsjs"
)

// Config configures a projector.
type Config struct {
	// Town is the town whose stream is projected.
	Town string
	// Stream is the town's JetStream stream.
	Stream jetstream.Stream
	// BatchSize is the most messages written in one transaction (default 1000);
	// 1 writes each message in its own transaction.
	BatchSize int
	// BatchWait is how long a batch waits to fill once it has a message (default 50 ms).
	BatchWait time.Duration
	// Locate names an incident's village and grid; nil leaves them empty.
	Locate LocateFunc
	// Logger receives reconnects and failures; nil is slog.Default().
	Logger *slog.Logger
	// MaxBackoff bounds the wait between attempts while PostgreSQL is down (default 5 s).
	MaxBackoff time.Duration

	// beforeCommit, for tests, runs inside each transaction just before commit;
	// an error from it rolls the transaction back as a failed commit would.
	beforeCommit func(first, last uint64) error
}

// Projector copies a town's log into PostgreSQL, in order and exactly once.
//
// It reads its position from projector_position, follows the stream with an
// ordered consumer from the next sequence, and writes each batch's rows and
// the new position in one transaction. PostgreSQL is the only place the
// position lives: after a crash, a failed transaction or an outage it starts
// again from what was committed, so nothing is skipped and nothing doubled.
type Projector struct {
	store *Store
	cfg   Config
	log   *slog.Logger

	projected atomic.Uint64
	caughtUp  atomic.Bool
	mu        sync.Mutex
	lastErr   error
}

// NewProjector returns a projector of cfg.Stream into s; Run starts it.
func NewProjector(s *Store, cfg Config) *Projector {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 1000
	}
	if cfg.BatchWait <= 0 {
		cfg.BatchWait = 50 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Projector{store: s, cfg: cfg, log: cfg.Logger}
}

// Projected is the last stream sequence committed to PostgreSQL, as far as this
// process knows (0 before the first read of the position).
func (p *Projector) Projected() uint64 { return p.projected.Load() }

// CaughtUp reports whether the projector has once reached the stream's tail as
// it was when the projector started (a readiness signal, like the engine's replay).
func (p *Projector) CaughtUp() bool { return p.caughtUp.Load() }

// Err is the last error that made the projector retry, nil once a batch commits again.
func (p *Projector) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastErr
}

func (p *Projector) setErr(err error) {
	p.mu.Lock()
	p.lastErr = err
	p.mu.Unlock()
}

// Lag is how many messages of the stream are not yet in PostgreSQL:
// the stream's last sequence minus the last projected one.
func (p *Projector) Lag(ctx context.Context) (uint64, error) {
	info, err := p.cfg.Stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream info: %w", err)
	}
	last, done := info.State.LastSeq, p.projected.Load()
	if done >= last {
		return 0, nil
	}
	return last - done, nil
}

// streamKey names the position row of this projector.
func (p *Projector) streamKey() string { return natsjs.StreamName(p.cfg.Town) }

// Run projects until ctx ends, and returns nil then. Failures of PostgreSQL or
// of the stream are retried with a growing pause (up to MaxBackoff), each time
// from the position committed in PostgreSQL.
func (p *Projector) Run(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	migrated := false
	for {
		err := func() error {
			if !migrated {
				if err := p.store.Migrate(ctx); err != nil {
					return fmt.Errorf("migrate: %w", err)
				}
				migrated = true
			}
			return p.follow(ctx, func() { backoff = 100 * time.Millisecond })
		}()
		if ctx.Err() != nil {
			return nil
		}
		p.setErr(err)
		p.log.Warn("projector retrying", "town", p.cfg.Town, "projected", p.projected.Load(), "in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, p.cfg.MaxBackoff)
	}
}

// position reads (creating if need be) the committed position.
func (p *Projector) position(ctx context.Context) (uint64, error) {
	var seq int64
	err := p.store.pool.QueryRow(ctx, `INSERT INTO projector_position (stream, seq) VALUES ($1, 0)
		ON CONFLICT (stream) DO UPDATE SET stream = EXCLUDED.stream RETURNING seq`, p.streamKey()).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("read position: %w", err)
	}
	return uint64(seq), nil
}

// follow projects from the committed position until an error or ctx ends.
func (p *Projector) follow(ctx context.Context, healthy func()) error {
	pos, err := p.position(ctx)
	if err != nil {
		return err
	}
	p.projected.Store(pos)
	info, err := p.cfg.Stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream info: %w", err)
	}
	tail := info.State.LastSeq
	if pos >= tail {
		p.caughtUp.Store(true)
	}
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
	if pos > 0 {
		cfg = jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: pos + 1}
	}
	cons, err := p.cfg.Stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("ordered consumer: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(2 * p.cfg.BatchSize))
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	defer it.Stop()

	readCtx, stopRead := context.WithCancel(ctx)
	defer stopRead()
	msgs := make(chan Message, 2*p.cfg.BatchSize)
	readErr := make(chan error, 1)
	go func() {
		for {
			m, err := it.Next()
			if err != nil {
				readErr <- err
				return
			}
			meta, err := m.Metadata()
			if err != nil {
				continue // not a stream message; nothing to project
			}
			select {
			case msgs <- Message{Seq: meta.Sequence.Stream, Subject: m.Subject(), Data: m.Data()}:
			case <-readCtx.Done():
				return
			}
		}
	}()

	batch := make([]Message, 0, p.cfg.BatchSize)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			return fmt.Errorf("read stream: %w", err)
		case m := <-msgs:
			batch = append(batch, m)
		}
		timer.Reset(p.cfg.BatchWait)
	fill:
		for len(batch) < p.cfg.BatchSize {
			select {
			case m := <-msgs:
				batch = append(batch, m)
			case <-timer.C:
				break fill
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := p.write(ctx, batch); err != nil {
			return err
		}
		healthy()
		p.setErr(nil)
		if !p.caughtUp.Load() && p.projected.Load() >= tail {
			p.caughtUp.Store(true)
			p.log.Info("projector caught up", "town", p.cfg.Town, "seq", p.projected.Load())
		}
	}
}

// errMoved means the committed position is not where this projector thought:
// another projector wrote, or a previous commit's outcome was unknown.
var errMoved = errors.New("projector position moved under this projector")

// write commits one batch: its rows and the position after it, together.
func (p *Projector) write(ctx context.Context, batch []Message) error {
	first, last := batch[0].Seq, batch[len(batch)-1].Seq
	var r rows
	for _, m := range batch {
		p.add(&r, m)
	}
	err := pgx.BeginFunc(ctx, p.store.pool, func(tx pgx.Tx) error {
		var at int64
		if err := tx.QueryRow(ctx, `SELECT seq FROM projector_position WHERE stream = $1 FOR UPDATE`, p.streamKey()).Scan(&at); err != nil {
			return fmt.Errorf("lock position: %w", err)
		}
		// The row lock fences two projectors of one town; the check makes sure
		// this batch follows exactly what is committed.
		if uint64(at) != p.projected.Load() || first <= uint64(at) {
			return fmt.Errorf("%w: committed %d, this projector at %d, batch from %d", errMoved, at, p.projected.Load(), first)
		}
		if err := copyOrInsert(ctx, tx, "events", []string{"town", "seq", "subject", "type", "event_id", "source", "time", "drill", "data", "raw"}, r.events); err != nil {
			return err
		}
		if err := copyOrInsert(ctx, tx, "rain_readings", []string{"town", "seq", "gauge", "mm", "minutes", "at", "drill"}, r.rain); err != nil {
			return err
		}
		if err := copyOrInsert(ctx, tx, "level_readings", []string{"town", "seq", "gauge", "meters", "at", "drill"}, r.level); err != nil {
			return err
		}
		r.batch.Queue(`UPDATE projector_position SET seq = $2, updated_at = now() WHERE stream = $1`, p.streamKey(), int64(last))
		if err := tx.SendBatch(ctx, &r.batch).Close(); err != nil {
			return fmt.Errorf("write rows: %w", err)
		}
		if p.cfg.beforeCommit != nil {
			if err := p.cfg.beforeCommit(first, last); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("project %d…%d: %w", first, last, err)
	}
	p.projected.Store(last)
	return nil
}

// copyInsertThreshold is where COPY starts to pay for its extra round trip.
const copyInsertThreshold = 8

// copyOrInsert writes bulk rows with COPY, or with one INSERT for a few rows.
func copyOrInsert(ctx context.Context, tx pgx.Tx, table string, cols []string, rows [][]any) error {
	switch {
	case len(rows) == 0:
		return nil
	case len(rows) >= copyInsertThreshold:
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
		return nil
	}
	sql := "INSERT INTO " + table + " ("
	for i, c := range cols {
		if i > 0 {
			sql += ","
		}
		sql += c
	}
	sql += ") VALUES "
	args := make([]any, 0, len(rows)*len(cols))
	for i, row := range rows {
		if i > 0 {
			sql += ","
		}
		sql += "("
		for j := range row {
			if j > 0 {
				sql += ","
			}
			sql += fmt.Sprintf("$%d", len(args)+j+1)
		}
		sql += ")"
		args = append(args, row...)
	}
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("insert %s: %w", table, err)
	}
	return nil
}
