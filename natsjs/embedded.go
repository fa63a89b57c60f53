package natsjs

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedConfig configures the in-process NATS server of `floodcmd serve`.
type EmbeddedConfig struct {
	// Listen is host:port for outside clients (the nats CLI, gauges, phones);
	// port 0 picks a free one, "-" listens on no port at all (in-process only).
	Listen string
	// StoreDir holds JetStream's files.
	StoreDir string
	// SyncAlways fsyncs every write: a message acknowledged is on disk.
	SyncAlways bool
	// Auth, when set, makes every client authenticate with a user JWT of its
	// account (see auth.go); nil runs an open server, for tests of other parts only.
	Auth *Authority
}

// StartEmbedded starts a NATS server with JetStream in this process and waits
// until it accepts connections.
func StartEmbedded(cfg EmbeddedConfig) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "floodcmd",
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		SyncAlways: cfg.SyncAlways,
		NoSigs:     true,
		NoLog:      true,
		// JetStream acks are our durability promise; give slow disks time.
		JetStreamMaxMemory: 256 << 20,
	}
	if cfg.Auth != nil {
		if err := cfg.Auth.Configure(opts); err != nil {
			return nil, fmt.Errorf("embedded NATS accounts: %w", err)
		}
	}
	if cfg.Listen == "-" {
		opts.DontListen = true
	} else {
		host, portStr, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("--nats-listen %q: want host:port: %w", cfg.Listen, err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil || port < 0 || port > 65535 {
			return nil, fmt.Errorf("--nats-listen %q: port must be 0…65535", cfg.Listen)
		}
		if port != 0 {
			// The server would only log a bind failure; check first so the operator gets a clear error.
			l, err := net.Listen("tcp", cfg.Listen)
			if err != nil {
				return nil, fmt.Errorf("--nats-listen %s: cannot listen (is another NATS or floodcmd running? choose another with --nats-listen or FLOODCMD_NATS_LISTEN): %w", cfg.Listen, err)
			}
			_ = l.Close()
		} else {
			port = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, port
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("embedded NATS did not become ready within 30 s (see --nats-listen and --data)")
	}
	return ns, nil
}
