package natsjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Await calls try until it succeeds, fails for good (ErrConflict, or an error
// Permanent says is), or timeout passes; in between it waits with back-off
// (250 ms doubling to 5 s) and logs what it waits for, as a cluster starting
// up answers "no meta leader yet" or nothing for a while. Each try gets at most
// 4 s.
func Await[T any](ctx context.Context, log *slog.Logger, timeout time.Duration, what string, try func(context.Context) (T, error)) (T, error) {
	deadline := time.Now().Add(timeout)
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		tctx, cancel := context.WithTimeout(ctx, min(4*time.Second, max(time.Until(deadline), time.Second)))
		v, err := try(tctx)
		cancel()
		if err == nil {
			if attempt > 1 {
				log.Info("available", "what", what, "attempts", attempt)
			}
			return v, nil
		}
		if errors.Is(err, ErrConflict) || errors.Is(err, errPermanent) || ctx.Err() != nil {
			return v, err
		}
		if time.Now().Add(wait).After(deadline) {
			return v, fmt.Errorf("%s: still not available after %s (%s; see --start-timeout): %w", what, timeout, WaitingFor(err), err)
		}
		log.Warn("waiting", "for", what, "reason", WaitingFor(err), "retry_in", wait, "err", err)
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

var errPermanent = errors.New("permanent")

// Permanent marks err as one Await must not retry.
func Permanent(err error) error { return fmt.Errorf("%w (%w)", err, errPermanent) }

// WaitingFor says in words what a start-up error from NATS means.
func WaitingFor(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrJetStreamNotEnabled),
		errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount):
		return "JetStream is not answering yet"
	case strings.Contains(msg, "temporarily unavailable"), strings.Contains(msg, "10008"):
		return "no JetStream meta leader yet: the cluster is still electing one"
	case strings.Contains(msg, "insufficient resources"), strings.Contains(msg, "no suitable peers"):
		return "not enough JetStream servers up for the replicas asked"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return "no answer from JetStream in time (meta leader not elected yet, or the stream or bucket not yet placed)"
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, nats.ErrDisconnected):
		return "not connected to NATS yet"
	}
	return "the stream or bucket is not yet available"
}
