package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/ui"
)

// diskRoomToResume is the free space --data needs before JetStream is started
// again after a full disk stopped the town's stream.
const diskRoomToResume = 4 << 20

// diskRoomToRefuse is the free space under which inputs are refused before a
// write fails: a write that fails leaves the stream stopped until restarted.
const diskRoomToRefuse = 1 << 20

// diskWatch keeps the embedded server taking events through a full disk. When
// a write finds no room, nats-server stops the stream for good (a "critical
// write error", no answer to publishers, until a restart). From then on,
// and as soon as the disk is nearly full, every input is refused at once with
// the reason (HTTP 507 through townHealth; NATS publishers get a JetStream
// error reply, code 507), /readyz says why; once the disk has room again,
// JetStream is restarted in-process from its files, which hold every
// acknowledged event (SyncAlways).
type diskWatch struct {
	ns   *server.Server
	nc   *nats.Conn
	dir  string // --data, the embedded server's StoreDir
	town string
	log  *slog.Logger
	// maxMemory is the server's JetStream memory limit, kept for starting it again.
	maxMemory int64

	mu sync.Mutex
	// off is when the log was found unable to write (zero while it can);
	// why says what failed.
	off  time.Time
	why  string
	subs []*nats.Subscription
}

func newDiskWatch(ns *server.Server, nc *nats.Conn, dir, town string, log *slog.Logger) *diskWatch {
	d := &diskWatch{ns: ns, nc: nc, dir: dir, town: town, log: log}
	if c := ns.JetStreamConfig(); c != nil {
		d.maxMemory = c.MaxMemory
	}
	return d
}

// disabled reports whether the embedded server cannot write the log now.
func (d *diskWatch) disabled() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.off.IsZero() || !d.ns.JetStreamEnabled()
}

// full says why the log takes nothing now, or nil while it can write.
func (d *diskWatch) full() *ui.NotReady {
	free := freeBytes(d.dir)
	if !d.disabled() && free >= diskRoomToRefuse {
		return nil
	}
	return &ui.NotReady{Check: ui.CheckStorage, Status: http.StatusInsufficientStorage,
		Message: fmt.Sprintf("the disk of --data %s is full (%s free): the town's log takes nothing until there is room; "+
			"free space there and floodcmd resumes by itself (it needs %d MiB)", d.dir, mib(free), diskRoomToResume>>20)}
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

// writeFailure is the embedded server's word that a stream cannot write ("" if none).
func (d *diskWatch) writeFailure() string {
	if !d.ns.JetStreamEnabled() {
		return "JetStream is disabled"
	}
	for _, e := range d.ns.Healthz(&server.HealthzOptions{Details: true}).Errors {
		if strings.Contains(e.Error, "write error") {
			return e.Error
		}
	}
	return ""
}

func (d *diskWatch) look() {
	free := freeBytes(d.dir)
	why := d.writeFailure()
	d.mu.Lock()
	off := d.off
	switch {
	case why == "" && !off.IsZero():
		d.off, d.why = time.Time{}, ""
		d.log.Info("the town's log takes events again after the full disk", "town", d.town, "data", d.dir,
			"stopped_for", time.Since(off).Round(time.Millisecond), "free", mib(free))
	case why != "" && off.IsZero():
		d.off, d.why = time.Now(), why
		d.log.Error("the town's log cannot write: inputs are refused until the disk of --data has room",
			"town", d.town, "data", d.dir, "free", mib(free), "server", why)
	}
	broken := !d.off.IsZero()
	d.mu.Unlock()
	if !broken {
		d.refuse(false)
		return
	}
	d.refuse(true)
	if free < diskRoomToResume {
		return
	}
	// Room again: restart JetStream in-process, which reopens the stream from
	// its files; the stream answers publishers again, not us.
	d.refuse(false)
	if d.ns.JetStreamEnabled() {
		if err := d.ns.ShutdownJetStream(); err != nil {
			d.log.Warn("could not stop JetStream to restart it", "town", d.town, "err", err)
			return
		}
	}
	if err := d.ns.EnableJetStream(&server.JetStreamConfig{StoreDir: d.dir, MaxMemory: d.maxMemory, SyncAlways: true}); err != nil {
		d.log.Warn("could not start JetStream again yet; retrying", "town", d.town, "err", err)
		return
	}
	d.log.Info("JetStream restarted in-process after the full disk", "town", d.town, "free", mib(freeBytes(d.dir)))
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
