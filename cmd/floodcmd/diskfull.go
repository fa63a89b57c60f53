package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/ui"
)

// diskRoomToResume is the free space --data needs before JetStream is enabled
// again after a full disk made the embedded server disable it.
const diskRoomToResume = 4 << 20

// diskWatch keeps the embedded server taking events through a full disk. When
// a write finds no room, nats-server disables JetStream (and would stay so
// until restarted); then every input is refused at once with the reason (HTTP
// 507 through townHealth; NATS publishers get a JetStream error reply, code
// 507), /readyz says why, and once the disk has room again JetStream is
// enabled again from its files, which hold every acknowledged event.
type diskWatch struct {
	ns   *server.Server
	nc   *nats.Conn
	dir  string // --data, the embedded server's StoreDir
	town string
	log  *slog.Logger
	// maxMemory is the server's JetStream memory limit, kept for enabling it again.
	maxMemory int64

	mu    sync.Mutex
	off   time.Time // when JetStream was found disabled; zero while it runs
	subs  []*nats.Subscription
	tries int
}

func newDiskWatch(ns *server.Server, nc *nats.Conn, dir, town string, log *slog.Logger) *diskWatch {
	d := &diskWatch{ns: ns, nc: nc, dir: dir, town: town, log: log}
	if c := ns.JetStreamConfig(); c != nil {
		d.maxMemory = c.MaxMemory
	}
	return d
}

// disabled reports whether the embedded server's JetStream is off.
func (d *diskWatch) disabled() bool { return !d.ns.JetStreamEnabled() }

// full says why the log takes nothing now, or nil while JetStream runs.
func (d *diskWatch) full() *ui.NotReady {
	if !d.disabled() {
		return nil
	}
	return &ui.NotReady{Check: ui.CheckStorage, Status: http.StatusInsufficientStorage,
		Message: fmt.Sprintf("the disk of --data %s is full (%s free): the town's log takes nothing until there is room; "+
			"free space there and floodcmd resumes by itself (it needs %d MiB)", d.dir, mib(freeBytes(d.dir)), diskRoomToResume>>20)}
}

// run looks twice a second until ctx ends.
func (d *diskWatch) run(ctx context.Context) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			d.refuse(false)
			return
		case <-t.C:
			d.look()
		}
	}
}

func (d *diskWatch) look() {
	if !d.disabled() {
		d.mu.Lock()
		off := d.off
		d.off = time.Time{}
		d.mu.Unlock()
		if !off.IsZero() {
			d.log.Info("JetStream taking events again after the full disk", "town", d.town, "data", d.dir,
				"stopped_for", time.Since(off).Round(time.Millisecond), "free", mib(freeBytes(d.dir)))
		}
		return
	}
	d.mu.Lock()
	if d.off.IsZero() {
		d.off = time.Now()
		d.log.Error("the disk of --data is full: JetStream is disabled, inputs are refused until there is room",
			"town", d.town, "data", d.dir, "free", mib(freeBytes(d.dir)))
	}
	d.mu.Unlock()
	d.refuse(true)
	if freeBytes(d.dir) < diskRoomToResume {
		return
	}
	d.refuse(false) // the stream answers publishers again, not us
	// The server may still be shutting JetStream down; EnableJetStream says so and we retry.
	err := d.ns.EnableJetStream(&server.JetStreamConfig{StoreDir: d.dir, MaxMemory: d.maxMemory})
	d.mu.Lock()
	d.tries++
	d.mu.Unlock()
	if err != nil {
		d.log.Warn("could not enable JetStream again yet", "town", d.town, "err", err)
	}
}

// refuse answers (on) or stops answering (off) the town's input subjects
// with a JetStream error reply, so that a publisher waiting for its ack learns
// at once why its event is not taken.
func (d *diskWatch) refuse(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !on {
		for _, s := range d.subs {
			_ = s.Unsubscribe()
		}
		d.subs = nil
		return
	}
	if d.subs != nil {
		return
	}
	for _, subject := range events.TownSubjects(d.town) {
		s, err := d.nc.Subscribe(subject, d.answer)
		if err != nil {
			d.log.Warn("cannot answer publishers while the disk is full", "subject", subject, "err", err)
			continue
		}
		d.subs = append(d.subs, s)
	}
}

// answer replies to one publish with JetStream's error shape (code 507,
// err_code 10047: insufficient storage resources), as the nats CLI and every
// JetStream client print it.
func (d *diskWatch) answer(m *nats.Msg) {
	if m.Reply == "" {
		return
	}
	nr := d.full()
	if nr == nil {
		return
	}
	reply, _ := json.Marshal(map[string]any{"error": map[string]any{"code": http.StatusInsufficientStorage, "err_code": 10047,
		"description": "floodcmd " + d.town + ": " + nr.Message}})
	_ = m.Respond(reply)
}

// freeBytes is the space left for us on the filesystem holding dir.
func freeBytes(dir string) uint64 {
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) != nil {
		return 0
	}
	return st.Bavail * uint64(st.Bsize)
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
