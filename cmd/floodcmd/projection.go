package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/store"
)

// projection is the optional projector to PostgreSQL of `serve --db`; the zero
// value (no --db) is ready and runs nothing, so serve needs no branches.
type projection struct {
	store *store.Store
	proj  *store.Projector
	// stopped is why the projector stopped for good while the town ran, or nil.
	stopped atomic.Pointer[error]
}

// newProjection opens --db (without waiting for PostgreSQL: the projector
// connects and catches up when it can) and registers its lag in /metrics.
func newProjection(ctx context.Context, cfg serveConfig, stream jetstream.Stream, sc *geo.Scenario,
	reg prometheus.Registerer, log *slog.Logger) (*projection, error) {
	if cfg.db == "" {
		return &projection{}, nil
	}
	st, err := store.Open(ctx, cfg.db)
	if err != nil {
		return nil, fmt.Errorf("--db: %w", err)
	}
	p := store.NewProjector(st, store.Config{Town: cfg.town, Stream: stream, Locate: store.LocatorFunc(geo.NewLocator(sc)), Logger: log})
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "floodcmd_projector_lag_events",
		Help: "Messages in the town's log not yet projected into PostgreSQL.", ConstLabels: prometheus.Labels{"town": cfg.town}},
		func() float64 {
			lag, err := p.Lag(context.Background())
			if err != nil {
				return -1
			}
			return float64(lag)
		}))
	log.Info("projecting to PostgreSQL", "town", cfg.town, "db", redact(cfg.db))
	return &projection{store: st, proj: p}, nil
}

// Lag is how far the projector is behind the log; false without --db or when
// it cannot be told (the stream or PostgreSQL unreachable).
func (p *projection) Lag(ctx context.Context) (int64, bool) {
	if p.proj == nil {
		return 0, false
	}
	lag, err := p.proj.Lag(ctx)
	if err != nil {
		return 0, false
	}
	return int64(lag), true
}

// Run projects until ctx ends. The projector retries every failure itself
// (logged, and named by Ready while it catches up); should it ever stop for
// good, the error is logged and Ready names it from then on, while the town's
// dispatch goes on without PostgreSQL.
func (p *projection) Run(ctx context.Context, log *slog.Logger) {
	if p.proj == nil {
		return
	}
	err := p.proj.Run(ctx)
	if ctx.Err() != nil {
		return
	}
	if err == nil {
		err = errors.New("it returned without an error")
	}
	log.Error("projector to PostgreSQL stopped; restart floodcmd serve to resume it", "err", err)
	p.stopped.Store(&err)
}

// Ready holds /readyz until the projector has caught up with the log as it was
// at start, as the engine's replay does; a later outage of PostgreSQL does not
// take the board down with it (the lag is in /metrics).
func (p *projection) Ready(ctx context.Context) error {
	if p.proj == nil {
		return nil
	}
	if err := p.stopped.Load(); err != nil {
		return fmt.Errorf("projector to PostgreSQL stopped: %v; restart floodcmd serve to resume it", *err)
	}
	if p.proj.CaughtUp() {
		return nil
	}
	lag, _ := p.proj.Lag(ctx)
	if err := p.proj.Err(); err != nil {
		return fmt.Errorf("projector to PostgreSQL catching up, %d messages behind: %v", lag, err)
	}
	return fmt.Errorf("projector to PostgreSQL catching up, %d messages behind", lag)
}

// Close closes the database pool.
func (p *projection) Close() {
	if p.store != nil {
		p.store.Close()
	}
}

// redact hides a password in a database URL before it is logged.
func redact(db string) string {
	u, err := url.Parse(db)
	if err != nil || u.User == nil {
		return "(key=value DSN)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
