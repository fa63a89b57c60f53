package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	drillsim "github.com/floodcmd/floodcmd/drill"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/natsjs"
	"github.com/floodcmd/floodcmd/scenario"
	"github.com/floodcmd/floodcmd/ui"
)

// townServer is one town's `floodcmd serve`: newServer does everything that can
// fail at start (the data directory, NATS, the stream, the lease, the scenario,
// the HTTP listener), Run runs the engine, the board, the projector and the
// lease until its context ends or one of them fails, and Close gives back what
// newServer took. End-to-end tests run it in-process as the binary does.
type townServer struct {
	cfg    serveConfig
	log    *slog.Logger
	stdout io.Writer

	js       jetstream.JetStream
	eng      *natsjs.Engine
	hub      *ui.Hub
	proj     *projection
	health   *townHealth
	lease    *natsjs.Lease
	replayer *natsjs.Replayer
	drill    []events.Event
	tokens   *ui.Signer
	http     *http.Server
	ln       net.Listener

	// life is the context of what outlives a single call (the watch of revoked
	// tokens); Close ends it.
	life context.Context
	stop context.CancelFunc
	// closers give back what newServer took, the last taken first.
	closers []func() error
	ran     bool
	once    sync.Once
	err     error
}

// newServer prepares the town's serve from cfg; ctx bounds the waits at start
// (NATS, a JetStream meta leader, the stream, the lease). On an error it has
// given back everything it took.
func newServer(ctx context.Context, cfg serveConfig, stdout io.Writer) (_ *townServer, err error) {
	s := &townServer{cfg: cfg, stdout: stdout,
		log: slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	s.life, s.stop = context.WithCancel(ctx)
	s.closers = append(s.closers, func() error { s.stop(); return nil })
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	log := s.log
	holder, err := leaseHolder(cfg.dataDir)
	if err != nil {
		return nil, err
	}
	// One process per data directory, before anything in it is opened.
	unlock, err := lockDataDir(cfg.dataDir)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() error { unlock(); return nil })

	nc, ns, closeNATS, err := connectNATS(cfg, log)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() error { closeNATS(); return nil })
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	s.js = js
	// A cluster just started may have no JetStream meta leader yet: wait, saying for what.
	stream, err := natsjs.Await(ctx, log, cfg.startTimeout, "the town's stream "+natsjs.StreamName(cfg.town),
		func(ctx context.Context) (jetstream.Stream, error) {
			return natsjs.EnsureStream(ctx, js, cfg.town, cfg.replicas)
		})
	if err != nil {
		return nil, err
	}
	s.lease, err = natsjs.Await(ctx, log, cfg.startTimeout, "the town's lease in "+natsjs.LeaseBucket,
		func(ctx context.Context) (*natsjs.Lease, error) {
			l, err := natsjs.AcquireLease(ctx, js, cfg.town, holder, cfg.replicas, log)
			if errors.Is(err, natsjs.ErrTownTaken) {
				err = natsjs.Permanent(err)
			}
			return l, err
		})
	if err != nil {
		return nil, err
	}

	fsys, err := scenario.Open(cfg.scenario)
	if err != nil {
		return nil, fmt.Errorf("--scenario: %w", err)
	}
	town, err := engine.LoadTown(fsys, cfg.town)
	if err != nil {
		return nil, fmt.Errorf("--scenario %s: %w", cfg.scenario, err)
	}
	if err := natsjs.StreamNameClash(append([]string{cfg.town}, town.Aid.Neighbours...)); err != nil {
		return nil, fmt.Errorf("--scenario %s: %w", cfg.scenario, err)
	}
	if _, err := engine.AddNeighbourRoads(town, scenario.Open); err != nil {
		return nil, fmt.Errorf("--scenario %s: %w", cfg.scenario, err)
	}
	dcfg := town.Dispatch // the town's dispatch.json over the defaults
	dcfg.AckTimeout = cfg.ackTimeout
	if cfg.replay != "" && cfg.speed > 1 {
		// A drill runs on its own clock, sped up; people answering a phone do
		// not. The ack time-out is a person's time: as long in the wall clock
		// in a drill as live, so it is speed times longer on the drill's clock.
		dcfg.AckTimeout = time.Duration(float64(dcfg.AckTimeout) * cfg.speed)
	}
	domain, err := engine.NewDomain(town, dcfg)
	if err != nil {
		return nil, err
	}
	if cfg.retention <= 0 {
		return nil, fmt.Errorf("--retention %s: must be positive", cfg.retention)
	}
	domain.SetRetention(cfg.retention)
	ids, err := dedupDir(cfg.dataDir, cfg.town)
	if err != nil {
		return nil, err
	}
	domain.SetIDIndexDir(ids)
	log.Info("scenario loaded", "town", town.Scenario.Town.ID, "name", town.Scenario.Town.Name,
		"villages", len(town.Scenario.Villages), "grids", len(town.Scenario.Grids), "shelters", len(town.Scenario.Shelters),
		"responders", len(town.Roster), "road_nodes", town.Graph.Nodes, "road_components", town.Graph.Components,
		"aid_neighbours", strings.Join(town.Aid.Neighbours, ","), "aid_auto", town.Aid.AutoAsk(), "neighbour_roads", len(town.NeighbourRoads))

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := natsjs.NewMetrics(reg, cfg.town)
	s.tokens, err = ui.LoadSigner(cfg.secret, cfg.dataDir, cfg.adminToken)
	if err != nil {
		return nil, err
	}
	s.hub = ui.NewHub(ui.HubConfig{Logger: log, View: func() (seq uint64, v any) {
		s.eng.Read(func(st *engine.State) { seq, v = st.Seq, st.View() })
		return seq, v
	}})
	// A drill's decisions are on the drill's clock, like the events that cause
	// them: response times and ack time-outs are then the drill's own.
	s.replayer = &natsjs.Replayer{Publisher: natsjs.NewPublisher(js), Speed: cfg.speed}
	var clock func() time.Time
	if cfg.replay != "" {
		clock = s.replayer.Now
	}
	s.health = &townHealth{town: cfg.town, nc: nc, stream: stream, pub: natsjs.NewPublisher(js), lease: s.lease}
	snaps := natsjs.SnapshotConfig{Every: cfg.snapshotEvery, Interval: cfg.snapshotInterval, Metrics: natsjs.NewSnapshotMetrics(reg, cfg.town)}
	if cfg.snapshots {
		kv, err := townBucket(ctx, js, cfg.town, cfg.replicas)
		if err != nil {
			return nil, err
		}
		snaps.Store = natsjs.NewSnapshotStore(kv)
	}
	s.eng = natsjs.New(natsjs.Config{Town: cfg.town, JS: js, Stream: stream, Domain: domain, Now: clock,
		Logger: log, Metrics: metrics, OnApplied: s.hub.Applied, OnAppend: s.health.engineAppended, Snapshots: snaps})
	lag := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "floodcmd_engine_lag_events",
		Help: "Messages in the town's log not yet folded by the engine.", ConstLabels: prometheus.Labels{"town": cfg.town}},
		func() float64 {
			info, err := stream.Info(context.Background())
			if err != nil {
				return -1
			}
			return float64(info.State.LastSeq) - float64(s.eng.AppliedSeq())
		})
	reg.MustRegister(lag)
	s.proj, err = newProjection(ctx, cfg, stream, town.Scenario, reg, log)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() error { s.proj.Close(); return nil })

	s.health.proj = s.proj
	if ns != nil {
		dir, _ := filepath.Abs(cfg.dataDir)
		s.health.disk = newDiskWatch(ns, nc, dir, cfg.town, log)
	}
	deps := ui.Deps{Town: cfg.town, Engine: s.eng, Domain: domain, Publisher: s.health,
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), Tokens: s.tokens, Hub: s.hub, AllowedOrigins: splitList(cfg.origins), Logger: log,
		Ready: s.health.Ready}
	if s.proj.store != nil {
		deps.Reports = s.proj.store
	}
	deps.Lags = func(ctx context.Context) map[string]int64 {
		lags := map[string]int64{}
		if info, err := stream.Info(ctx); err == nil {
			lags["engine"] = int64(info.State.LastSeq) - int64(s.eng.AppliedSeq())
		}
		if lag, ok := s.proj.Lag(ctx); ok {
			lags["postgres"] = lag
		}
		return lags
	}
	handler := ui.NewServer(deps)
	s.ln, err = net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		return nil, fmt.Errorf("--http %s: cannot listen (choose another with --http or FLOODCMD_HTTP): %w", cfg.httpAddr, err)
	}
	s.closers = append(s.closers, func() error {
		if err := s.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
	s.http = ui.HTTPServer(handler, ui.DefaultTimeouts)
	if err := townSecrets(s.life, js, cfg, domain, s.tokens, log); err != nil {
		return nil, err
	}
	if cfg.replay != "" {
		if s.drill, err = readReplay(cfg.replay, fsys, cfg.town); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Addr is the address the board and the API listen on.
func (s *townServer) Addr() net.Addr { return s.ln.Addr() }

// Run serves until ctx ends (nil) or a part fails: the engine (fenced, the log
// lost), the HTTP server, the lease (another process took the town) or the
// board's live feed. Its error names the part. The projector to PostgreSQL
// never stops the town: its errors are logged and named by /readyz (see
// projection). Run is called once.
func (s *townServer) Run(ctx context.Context) error {
	if s.ran {
		return errors.New("serve: Run called twice")
	}
	s.ran = true
	cfg, log := s.cfg, s.log
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	engErr := make(chan error, 1)
	go func() { engErr <- s.eng.Run(runCtx) }()
	hubDone := make(chan struct{})
	go func() { s.hub.Run(runCtx); close(hubDone) }()
	projDone := make(chan struct{})
	go func() { s.proj.Run(runCtx, log); close(projDone) }()
	if s.health.disk != nil {
		go s.health.disk.run(runCtx)
	}
	leaseErr, leaseDone := make(chan error, 1), make(chan struct{})
	go func() { leaseErr <- s.lease.Keep(runCtx); close(leaseDone) }()
	if len(s.drill) > 0 {
		go playDrill(runCtx, log, s.eng, s.replayer, s.drill)
	}
	if cfg.simulate {
		log.Warn("drill simulator on: simulated responders and households answer (演练模拟，切勿用于真实应急)")
		pub := natsjs.NewPublisher(s.js)
		sim := &drillsim.Simulator{Town: cfg.town, Engine: s.eng, Speed: cfg.speed, Clock: s.replayer.Now, Logger: log,
			Pub: publishFunc(func(ctx context.Context, subject string, ev events.Event) error {
				_, err := pub.Publish(ctx, subject, ev)
				return err
			})}
		go sim.Run(runCtx)
	}
	httpErr := make(chan error, 1)
	scheme := "http"
	if cfg.tlsCert != "" {
		scheme = "https"
		go func() { httpErr <- s.http.ServeTLS(s.ln, cfg.tlsCert, cfg.tlsKey) }()
	} else {
		go func() { httpErr <- s.http.Serve(s.ln) }()
	}
	log.Info("floodcmd serving", "town", cfg.town, "http", s.ln.Addr().String(), "board", scheme+"://"+displayAddr(s.ln.Addr()), "version", version)
	if tok, generated, err := s.tokens.AdminLogin(time.Now()); err == nil && generated {
		fmt.Fprintf(s.stdout, "\n  operator login (FLOODCMD_ADMIN_TOKEN unset; the link works for %s, then `floodcmd token --role operator --name NAME` makes another):\n  %s://%s/login?token=%s\n\n",
			ui.AdminLoginTTL, scheme, displayAddr(s.ln.Addr()), url.QueryEscape(tok))
	}

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case runErr = <-engErr:
		if runErr != nil {
			log.Error("engine stopped", "err", runErr)
		}
	case runErr = <-httpErr:
	case runErr = <-leaseErr:
		log.Error("lost the town's lease", "err", runErr)
	case <-hubDone:
		// The board would show a picture that no longer moves: stop, so the
		// process is restarted, rather than serve it.
		runErr = errors.New("the board's live feed (websocket hub) stopped")
		log.Error("live feed stopped", "err", runErr)
	}
	shutdownCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	_ = s.http.Shutdown(shutdownCtx)
	cancel()
	select { // give the lease back, so another floodcmd may take the town at once
	case <-leaseDone:
	case <-time.After(3 * time.Second):
	}
	select { // the projector's last transaction commits or rolls back before the pool closes
	case <-projDone:
	case <-time.After(3 * time.Second):
	}
	return runErr
}

// Close gives back what newServer took (the listener, the database pool, NATS,
// the data directory), the last taken first; it may be called more than once.
func (s *townServer) Close() error {
	s.once.Do(func() {
		var errs []error
		for i := len(s.closers) - 1; i >= 0; i-- {
			errs = append(errs, s.closers[i]())
		}
		s.err = errors.Join(errs...)
	})
	return s.err
}
