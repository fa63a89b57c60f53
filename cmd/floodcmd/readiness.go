package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/natsjs"
	"github.com/floodcmd/floodcmd/ui"
)

// townHealth knows whether the town can take events now: it answers /readyz
// with every reason it cannot, and it is the HTTP surface's publisher, so an
// input the log cannot take is refused at once with the reason (507 while the
// disk is full, 503 while the stream is gone) instead of hanging or a 500.
type townHealth struct {
	town   string
	nc     *nats.Conn
	stream jetstream.Stream
	pub    ui.EventPublisher
	lease  *natsjs.Lease
	proj   *projection
	// disk watches the embedded server's disk (nil with --nats-url).
	disk *diskWatch

	mu sync.Mutex
	// appendErr is the last append's failure, nil once one succeeded since.
	appendErr *ui.NotReady
	appendAt  time.Time
}

// storageRefusalFor is how long a "storage full" answer from a NATS cluster
// refuses further inputs at once, before the next one is tried again.
const storageRefusalFor = 2 * time.Second

// Ready returns nil, or every reason (a *ui.NotReady each, joined) the town
// cannot take and decide events now.
func (h *townHealth) Ready(ctx context.Context) error {
	var errs []error
	if st := h.nc.Status(); st != nats.CONNECTED {
		errs = append(errs, &ui.NotReady{Check: ui.CheckNATS, Status: http.StatusServiceUnavailable,
			Message: fmt.Sprintf("the connection to NATS is %s", st)})
	}
	if nr := h.storageFull(); nr != nil {
		errs = append(errs, nr)
	}
	ictx, cancel := context.WithTimeout(ctx, 2*time.Second)
	info, err := h.stream.Info(ictx)
	cancel()
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		errs = append(errs, &ui.NotReady{Check: ui.CheckStream, Status: http.StatusServiceUnavailable, Err: err,
			Message: fmt.Sprintf("the town's stream %s does not exist (deleted?): nothing can be recorded; restart floodcmd serve to create it again", natsjs.StreamName(h.town))})
	case err != nil && h.disk == nil || err != nil && !h.disk.disabled():
		errs = append(errs, &ui.NotReady{Check: ui.CheckStream, Status: http.StatusServiceUnavailable, Err: err,
			Message: fmt.Sprintf("the town's stream %s does not answer: %v", natsjs.StreamName(h.town), err)})
	case err == nil && info.Config.Sealed:
		errs = append(errs, &ui.NotReady{Check: ui.CheckStream, Status: http.StatusServiceUnavailable,
			Message: fmt.Sprintf("the town's stream %s is sealed: it takes no more events", natsjs.StreamName(h.town))})
	}
	h.mu.Lock()
	if h.appendErr != nil && h.appendErr.Check != ui.CheckStorage {
		errs = append(errs, &ui.NotReady{Check: ui.CheckAppend, Status: http.StatusServiceUnavailable, Err: h.appendErr,
			Message: fmt.Sprintf("the last append (%s ago) was not answered: %s", time.Since(h.appendAt).Round(time.Second), h.appendErr.Message)})
	}
	h.mu.Unlock()
	if !h.lease.Held() {
		errs = append(errs, &ui.NotReady{Check: ui.CheckLease, Status: http.StatusServiceUnavailable,
			Message: fmt.Sprintf("this process could not renew the town's lease for over %s: another may take the town", natsjs.LeaseTTL)})
	}
	if err := h.proj.Ready(ctx); err != nil {
		errs = append(errs, &ui.NotReady{Check: ui.CheckPostgres, Status: http.StatusServiceUnavailable, Message: err.Error()})
	}
	return errors.Join(errs...)
}

// storageFull says why the log has no room now, or nil.
func (h *townHealth) storageFull() *ui.NotReady {
	if h.disk != nil {
		if nr := h.disk.full(); nr != nil {
			return nr
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.appendErr != nil && h.appendErr.Check == ui.CheckStorage && time.Since(h.appendAt) < storageRefusalFor {
		return h.appendErr
	}
	return nil
}

// Publish appends ev unless the log is known to have no room (refused at
// once); a failure comes back as the *ui.NotReady that says why.
func (h *townHealth) Publish(ctx context.Context, subject string, ev events.Event, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	if nr := h.storageFull(); nr != nil {
		return nil, nr
	}
	ack, err := h.pub.Publish(ctx, subject, ev, opts...)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		h.appendErr = nil
		return ack, nil
	}
	if ctx.Err() != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, err // the client went away: that says nothing about the log
	}
	var nr *ui.NotReady
	if errors.As(ui.AppendFailure(err), &nr) {
		h.appendErr, h.appendAt = nr, time.Now()
		return nil, nr
	}
	return nil, err
}

// engineAppended hears how each of the engine's own appends went: /readyz
// names a decision round the log did not take, as it does an HTTP input.
func (h *townHealth) engineAppended(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		h.appendErr = nil
		return
	}
	var nr *ui.NotReady
	if errors.As(ui.AppendFailure(err), &nr) {
		h.appendErr, h.appendAt = nr, time.Now()
	}
}
