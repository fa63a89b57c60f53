package engine

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/floodcmd/floodcmd/events"
)

// forwardTimeout bounds one send to another town's inbox: the engine's loop
// waits for it, and a partner that is down must not stall the town.
const forwardTimeout = 3 * time.Second

// forwardRetry is how long a failed send waits before the next try.
const forwardRetry = 2 * time.Second

// forwardBudget bounds the time one pass of the engine loop spends sending aid
// messages to other towns.
const forwardBudget = 100 * time.Millisecond

// forward is the outbox's forwarder: every outgoing aid message recorded in the
// town's log is published to the recipient's inbox (flood.aid.<town>.<kind>)
// with Nats-Msg-Id = the event id, and once the recipient's stream has
// acknowledged it a delivered marker is appended to our log (fenced like every
// decision), which takes it out of the outbox. After a crash the fold rebuilds
// the outbox from the log, so whatever has no marker is sent again: the
// recipient's stream drops the repeat inside its dedup window and its engine
// ignores the id for ever after.
func (e *Engine) forward(ctx context.Context) error {
	e.mu.RLock()
	out := e.state.domain.AidOutbox()
	e.mu.RUnlock()
	now := e.cfg.Now()
	started := time.Now()
	for _, o := range out {
		if next, ok := e.retryAt[o.Event.ID]; ok && now.Before(next) {
			continue
		}
		if time.Since(started) > forwardBudget {
			break // the rest waits for the next pass: folding inputs comes first
		}
		pctx, cancel := context.WithTimeout(ctx, forwardTimeout)
		// No retries on "no responders": a town that is not running answers at
		// once, and its messages wait in the outbox instead of holding the loop.
		// The sender's slug goes last: NATS lets this town publish only flood.aid.*.*.<itself>.
		ack, err := e.pub.Publish(pctx, events.AidInboxFrom(o.Subject, e.cfg.Town), o.Event, jetstream.WithRetryAttempts(0))
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if _, seen := e.retryAt[o.Event.ID]; !seen {
				e.cfg.Logger.Warn("aid message not delivered yet; retrying", "town", e.cfg.Town, "event", o.Event.ID,
					"subject", o.Subject, "err", err)
			}
			e.retryAt[o.Event.ID] = now.Add(forwardRetry)
			continue
		}
		delete(e.retryAt, o.Event.ID)
		mark, err := events.New(o.Event.ID+"-delivered", "floodcmd/"+e.cfg.Town, events.TypeAidDelivered, now,
			events.AidDelivered{Event: o.Event.ID, Subject: o.Subject, To: addressee(o.Subject), Stream: ack.Stream, Seq: ack.Sequence})
		if err != nil {
			return err
		}
		if err := e.append(ctx, events.OutSubject(e.cfg.Town, events.ChanAid, "delivered"), mark); err != nil {
			return err
		}
		e.cfg.Logger.Info("aid message delivered", "town", e.cfg.Town, "event", o.Event.ID, "subject", o.Subject,
			"duplicate", ack.Duplicate)
	}
	return nil
}

// addressee is the town of an inbox subject flood.aid.<town>.<kind>.
func addressee(subject string) string {
	if a, err := events.ParseSubject(subject); err == nil {
		return a.Town
	}
	return ""
}

// append writes one message of the engine's own (a delivered marker) as a
// round of its own, fenced on the town's decisions only: it holds no choice an
// input could make void.
func (e *Engine) append(ctx context.Context, subject string, ev events.Event) error {
	return e.appendRound(ctx, round{decisions: []Outgoing{{Subject: subject, Event: ev}}}, fenceDecisions, 0)
}
