package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/natsjs"
)

// serveConfig is what `floodcmd serve` is told.
type serveConfig struct {
	town       string
	httpAddr   string
	natsListen string
	natsURL    string
	dataDir    string
	db         string
	scenario   string
	replay     string
	speed      float64
	simulate   bool
	replicas   int
	adminToken string
	origins    string
	secret     string
	// startTimeout bounds the wait at start for NATS, JetStream, the stream and the lease.
	startTimeout time.Duration
	natsCreds    string
	natsCA       string
	tlsCert      string
	tlsKey       string
	// ackTimeout: an assignment not accepted within this time goes to the next best responder.
	ackTimeout time.Duration
	// retention: how long finished work stays in the live view (log time).
	retention time.Duration
	// snapshots: keep fold snapshots in NATS, every snapshotEvery messages or snapshotInterval.
	snapshots        bool
	snapshotEvery    uint64
	snapshotInterval time.Duration
}

// serveFlags declares the flags of `floodcmd serve` on c.
func serveFlags(c *serveConfig, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.town, "town", "duhu", "town this instance owns (its slug)")
	fs.StringVar(&c.httpAddr, "http", ":8080", "HTTP listen address for the board and API")
	fs.StringVar(&c.natsListen, "nats-listen", "127.0.0.1:4222", `embedded NATS listen address for outside clients ("-": none)`)
	fs.StringVar(&c.natsURL, "nats-url", "", "use this NATS server or cluster instead of the embedded one")
	fs.StringVar(&c.dataDir, "data", "./data", "directory for the embedded JetStream files")
	fs.StringVar(&c.db, "db", "", "PostgreSQL URL to project the log into (optional)")
	fs.StringVar(&c.scenario, "scenario", "duhu", "built-in scenario name or a scenario directory")
	fs.StringVar(&c.replay, "replay", "", "replay file to play onto the log as a drill")
	fs.Float64Var(&c.speed, "speed", 60, "replay speed-up factor")
	fs.BoolVar(&c.simulate, "simulate", false, "drill only: simulated responders answer their assignments and households reach their shelters")
	fs.StringVar(&c.origins, "allowed-origins", "", "other origins (comma-separated) that may open the board's websocket")
	fs.DurationVar(&c.ackTimeout, "ack-timeout", dispatch.DefaultConfig().AckTimeout,
		"an assignment not accepted within this time (a person's time, wall clock) goes to the next best responder")
	fs.DurationVar(&c.retention, "retention", engine.DefaultRetention,
		"how long (log time) a resolved incident and its assignments stay on the board and in /api/state; the rest is in /api/history (--db)")
	fs.BoolVar(&c.snapshots, "snapshots", true,
		"keep snapshots of the fold in the town's NATS (bucket FLOODCMD_TOWN_<TOWN>, keys snapshot.>): a start loads the newest and folds only the log after it")
	fs.Uint64Var(&c.snapshotEvery, "snapshot-every", natsjs.DefaultSnapshotEvery, "write a fold snapshot after this many messages of the log")
	fs.DurationVar(&c.snapshotInterval, "snapshot-interval", natsjs.DefaultSnapshotInterval,
		"or after this long (wall clock) when any message came in (0: by count only)")
	fs.IntVar(&c.replicas, "replicas", 1, "JetStream replicas of the town's stream (3 on a cluster)")
	fs.DurationVar(&c.startTimeout, "start-timeout", 2*time.Minute,
		"how long start-up waits, with back-off, for NATS, a JetStream meta leader, the town's stream and its lease before giving up")
	fs.StringVar(&c.natsCreds, "nats-creds", "", "with --nats-url: the .creds file this town's floodcmd authenticates with (floodcmd creds --role town)")
	fs.StringVar(&c.natsCA, "nats-ca", "", "with --nats-url: PEM file of the CA that signed the NATS servers' TLS certificates")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate: serve the board over HTTPS (with --tls-key)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	return fs
}

func parseServe(args []string, getenv func(string) string, out io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := serveFlags(&c, out)
	if err := parseFlags(fs, args, getenv); err != nil {
		return c, err
	}
	if c.simulate && c.replay == "" {
		// Simulated people answering real assignments would hide real ones: only in a drill.
		return c, errors.New("--simulate is for drills: it needs --replay (simulated responders must never answer a real emergency)")
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if !events.ValidSlug(c.town) {
		return c, fmt.Errorf("--town %q: a slug of lower-case letters, digits, '-' or '_'", c.town)
	}
	if c.snapshotEvery == 0 || c.snapshotInterval < 0 {
		return c, fmt.Errorf("--snapshot-every %d, --snapshot-interval %s: at least one message, and a duration ≥ 0 (turn snapshots off with --snapshots=false)", c.snapshotEvery, c.snapshotInterval)
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, errors.New("--tls-cert and --tls-key go together (a PEM certificate and its private key)")
	}
	c.adminToken = getenv("FLOODCMD_ADMIN_TOKEN")
	c.secret = getenv("FLOODCMD_TOKEN_SECRET")
	return c, nil
}

// serve is `floodcmd serve`: the town's server, run until ctx ends or a part fails.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := parseServe(args, getenv, stdout)
	if err != nil {
		return err
	}
	s, err := newServer(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	runErr := s.Run(ctx)
	return errors.Join(runErr, s.Close())
}

// connectNATS joins --nats-url, or starts the embedded server (returned, else
// nil) and connects in-process.
func connectNATS(cfg serveConfig, log *slog.Logger) (*nats.Conn, *server.Server, func(), error) {
	opts := []nats.Option{nats.Name("floodcmd " + cfg.town), nats.MaxReconnects(-1),
		// Replies (the log the consumers deliver) come to this town's own inbox prefix:
		// its credentials let only it subscribe there.
		nats.CustomInboxPrefix(natsjs.InboxPrefix(cfg.town)),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Error("NATS refused an operation", "err", err)
		})}
	if cfg.natsURL != "" {
		if cfg.natsCreds != "" {
			opts = append(opts, nats.UserCredentials(cfg.natsCreds))
		}
		if cfg.natsCA != "" {
			opts = append(opts, nats.RootCAs(cfg.natsCA))
		}
		// Servers still starting are waited for (--start-timeout), not an error.
		nc, err := nats.Connect(cfg.natsURL, append(opts, nats.RetryOnFailedConnect(true))...)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("--nats-url %s: %w (a secured NATS needs --nats-creds: floodcmd creds --role town --town %s, run where that NATS's keys are)", cfg.natsURL, err, cfg.town)
		}
		return nc, nil, func() { _ = nc.Drain() }, nil
	}
	if cfg.natsCreds != "" || cfg.natsCA != "" {
		return nil, nil, nil, errors.New("--nats-creds and --nats-ca are for joining another NATS: give --nats-url too")
	}
	dir, err := filepath.Abs(cfg.dataDir)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, nil, nil, fmt.Errorf("--data %s: %w", dir, err)
	}
	auth, err := natsjs.LoadAuthority(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	engineUser, err := auth.Issue(natsjs.NatsEngine, cfg.town, 0, time.Now())
	if err != nil {
		return nil, nil, nil, err
	}
	ns, err := natsjs.StartEmbedded(natsjs.EmbeddedConfig{Listen: cfg.natsListen, StoreDir: dir, SyncAlways: true, Auth: auth})
	if err != nil {
		return nil, nil, nil, err
	}
	if cfg.natsListen != "-" {
		log.Info("embedded NATS listening; every client needs credentials", "url", ns.ClientURL(), "data", dir,
			"get_credentials", fmt.Sprintf("floodcmd creds --role gauge|field|operator|viewer|town --town %s --data %s > role.creds; nats --creds role.creds …", cfg.town, cfg.dataDir))
	}
	opts = append(opts, nats.UserJWTAndSeed(engineUser.JWT, engineUser.Seed))
	nc, err := nats.Connect("", append(opts, nats.InProcessServer(ns))...)
	if err != nil {
		ns.Shutdown()
		return nil, nil, nil, fmt.Errorf("connect to embedded NATS: %w", err)
	}
	return nc, ns, func() {
		_ = nc.Drain()
		shutdownEmbedded(ns)
	}, nil
}

func shutdownEmbedded(ns *server.Server) {
	ns.Shutdown()
	ns.WaitForShutdown()
}

func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if ok && (tcp.IP == nil || tcp.IP.IsUnspecified()) {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return a.String()
}

// readReplay reads a replay file from disk, or from the scenario folder
// (e.g. --replay storm-2022-05-12.jsonl with --scenario duhu).
func readReplay(name string, scenarioFS fs.FS, town string) ([]events.Event, error) {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		var ferr error
		var sf fs.File
		if sf, ferr = scenarioFS.Open(filepath.Base(name)); ferr == nil {
			defer sf.Close()
			evs, err := events.ReadReplay(sf, town)
			return evs, wrapReplay(name, err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("--replay %s: %w", name, err)
	}
	defer f.Close()
	evs, err := events.ReadReplay(f, town)
	return evs, wrapReplay(name, err)
}

func wrapReplay(name string, err error) error {
	if err != nil {
		return fmt.Errorf("--replay %s: %w", name, err)
	}
	return nil
}

// playDrill plays a replay onto the log once the engine has caught up, skipping
// what an earlier run already played.
func playDrill(ctx context.Context, log *slog.Logger, eng *natsjs.Engine, r *natsjs.Replayer, drill []events.Event) {
	for !eng.Ready() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	r.Done = func(id string) bool {
		var done bool
		eng.Read(func(s *engine.State) { done = s.Applied(id) })
		return done
	}
	r.Progress = func(n, total int, ev events.Event) {
		if n == 1 || n%200 == 0 || n == total {
			log.Info("drill replay (演练)", "published", n, "of", total, "event_time", ev.Time.Format(time.RFC3339))
		}
	}
	log.Info("drill replay starting", "events", len(drill), "speed", r.Speed,
		"from", drill[0].Time.Format(time.RFC3339), "to", drill[len(drill)-1].Time.Format(time.RFC3339))
	if err := r.Play(ctx, drill); err != nil && ctx.Err() == nil {
		log.Error("drill replay stopped", "err", err)
		return
	}
	if ctx.Err() == nil {
		log.Info("drill replay finished", "events", len(drill))
	}
}

// splitList reads a comma-separated flag.
func splitList(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// publishFunc adapts a function to drill.Publisher.
type publishFunc func(ctx context.Context, subject string, ev events.Event) error

func (f publishFunc) Publish(ctx context.Context, subject string, ev events.Event) error {
	return f(ctx, subject, ev)
}

// leaseHolder names this process for the town's lease: the machine and the data
// directory (which this process holds locked), its pid and a random instance
// id, so a restart on the same data takes the town back at once and a second
// live process never does.
func leaseHolder(dataDir string) (natsjs.LeaseHolder, error) {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return natsjs.LeaseHolder{}, err
	}
	host, _ := os.Hostname()
	return natsjs.LeaseHolder{Place: host + ":" + dir, PID: os.Getpid(), Instance: natsjs.NewInstance(), PlaceLocked: true}, nil
}
