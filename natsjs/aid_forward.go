package natsjs

import (
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
)

// forwardTimeout bounds one send to another town's inbox.
const forwardTimeout = 3 * time.Second

// Back-off of a town whose inbox did not take a message: the first retry after
// forwardRetryMin, doubling up to forwardRetryMax.
const (
	forwardRetryMin = time.Second
	forwardRetryMax = time.Minute
)

// forwardPoll is how often the forwarder looks at the outbox without being woken.
const forwardPoll = 500 * time.Millisecond

// aidForwarder sends the town's outbox to other towns' inboxes on goroutines of
// its own, one per recipient town, so that a partner that is down, slow, or
// whose subject a plain subscriber listens to (a publish then waits for an ack
// that never comes) delays neither the engine's loop nor the other partners.
// The loop only appends the delivered markers of what the forwarder has sent.
// Its zero value is ready; it starts on the loop's first call of forward.
type aidForwarder struct {
	once sync.Once
	wake chan struct{}

	mu        sync.Mutex
	delivered []delivery          // sent and acknowledged, marker not yet appended
	sent      map[string]bool     // event ids sent (marker pending): not sent again
	links     map[string]*aidLink // recipient town → its sender
}

// delivery is an outbox message the recipient's stream acknowledged.
type delivery struct {
	out engine.Outgoing
	ack *jetstream.PubAck
}

// aidLink sends the messages to one recipient town, in log order, backing off
// while the town does not take them.
type aidLink struct {
	town  string
	wake  chan struct{}
	mu    sync.Mutex
	queue []engine.Outgoing
}

// forward is called by the engine's loop after each decision round: it wakes
// the forwarder and appends a delivered marker (fenced like every decision) for
// each message a recipient's stream has acknowledged, which takes it out of the
// outbox. Every outgoing aid message recorded in the log is published to the
// recipient's inbox (flood.aid.<town>.<kind>) with Nats-Msg-Id = the event id;
// after a crash the fold rebuilds the outbox from the log, so whatever has no
// marker is sent again: the recipient's stream drops the repeat inside its
// dedup window and its engine ignores the id for ever after.
func (e *Engine) forward(ctx context.Context) error {
	f := &e.aid
	f.once.Do(func() {
		f.wake = make(chan struct{}, 1)
		f.sent = map[string]bool{}
		f.links = map[string]*aidLink{}
		go e.runForwarder(ctx)
	})
	poke(f.wake)
	f.mu.Lock()
	done := f.delivered
	f.delivered = nil
	f.mu.Unlock()
	now := e.cfg.Now()
	waiting := map[string]bool{} // the loop is the fold's only writer: no lock needed here
	for _, o := range e.state.AidOutbox() {
		waiting[o.Event.ID] = true
	}
	for i, d := range done {
		o := d.out
		if !waiting[o.Event.ID] {
			continue // its marker is in the log already (appended before an append failed)
		}
		mark, err := events.New(o.Event.ID+"-delivered", "floodcmd/"+e.cfg.Town, events.TypeAidDelivered, now,
			events.AidDelivered{Event: o.Event.ID, Subject: o.Subject, To: addressee(o.Subject), Stream: d.ack.Stream, Seq: d.ack.Sequence})
		if err == nil {
			err = e.append(ctx, events.OutSubject(e.cfg.Town, events.ChanAid, "delivered"), mark)
		}
		if err != nil {
			f.mu.Lock()
			f.delivered = append(done[i:], f.delivered...) // appended on the next round
			f.mu.Unlock()
			return err
		}
		e.cfg.Logger.Info("aid message delivered", "town", e.cfg.Town, "event", o.Event.ID, "subject", o.Subject,
			"duplicate", d.ack.Duplicate)
	}
	return nil
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// runForwarder hands the outbox to one link per recipient town whenever the
// loop wakes it, or every forwardPoll.
func (e *Engine) runForwarder(ctx context.Context) {
	f := &e.aid
	t := time.NewTicker(forwardPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
		case <-t.C:
		}
		e.mu.RLock()
		out := e.state.AidOutbox()
		e.mu.RUnlock()
		byTown := map[string][]engine.Outgoing{}
		inOutbox := map[string]bool{}
		f.mu.Lock()
		for _, o := range out {
			inOutbox[o.Event.ID] = true
			if !f.sent[o.Event.ID] {
				to := addressee(o.Subject)
				byTown[to] = append(byTown[to], o)
			}
		}
		for id := range f.sent {
			if !inOutbox[id] {
				delete(f.sent, id) // its marker is folded: forget it
			}
		}
		for to, msgs := range byTown {
			l := f.links[to]
			if l == nil {
				l = &aidLink{town: to, wake: make(chan struct{}, 1)}
				f.links[to] = l
				go e.runLink(ctx, l)
			}
			l.mu.Lock()
			l.queue = msgs
			l.mu.Unlock()
			poke(l.wake)
		}
		f.mu.Unlock()
	}
}

// runLink sends one town's messages in order. The first failure after a
// success is logged once (a warning naming the town), later ones not; the link
// then waits, doubling the wait up to forwardRetryMax, and says so when the
// town takes messages again.
func (e *Engine) runLink(ctx context.Context, l *aidLink) {
	f := &e.aid
	backoff := time.Duration(0)
	var retryAt time.Time // zero: not backing off
	down := false
	for {
		var wait <-chan time.Time
		if !retryAt.IsZero() {
			wait = time.After(time.Until(retryAt))
		}
		select {
		case <-ctx.Done():
			return
		case <-wait:
		case <-l.wake:
			if !retryAt.IsZero() && time.Now().Before(retryAt) {
				continue // still backing off: the timer decides when to try again
			}
		}
		retryAt = time.Time{}
		l.mu.Lock()
		queue := l.queue
		l.queue = nil
		l.mu.Unlock()
		failed := false
		for i, o := range queue {
			f.mu.Lock()
			already := f.sent[o.Event.ID]
			f.mu.Unlock()
			if already {
				continue
			}
			pctx, cancel := context.WithTimeout(ctx, forwardTimeout)
			// No retries inside the client: a town that is not running answers "no
			// responders" at once, and the link's back-off decides when to try again.
			// The sender's slug goes last: NATS lets this town publish only flood.aid.*.*.<itself>.
			ack, err := e.pub.Publish(pctx, events.AidInboxFrom(o.Subject, e.cfg.Town), o.Event, jetstream.WithRetryAttempts(0))
			cancel()
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				if !down {
					e.cfg.Logger.Warn("neighbour's inbox not reachable; aid messages wait in the outbox, retried with back-off",
						"town", e.cfg.Town, "neighbour", l.town, "waiting", len(queue)-i, "err", err)
				}
				down, failed = true, true
				backoff = min(max(2*backoff, forwardRetryMin), forwardRetryMax)
				retryAt = time.Now().Add(backoff)
				l.mu.Lock()
				if l.queue == nil {
					l.queue = queue[i:] // tried again after the back-off unless the outbox says otherwise
				}
				l.mu.Unlock()
				break
			}
			if down {
				e.cfg.Logger.Info("neighbour's inbox reachable again", "town", e.cfg.Town, "neighbour", l.town)
				down = false
			}
			f.mu.Lock()
			f.sent[o.Event.ID] = true
			f.delivered = append(f.delivered, delivery{out: o, ack: ack})
			f.mu.Unlock()
		}
		if !failed {
			backoff = 0
		}
	}
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
	return e.appendRound(ctx, engine.Round{Decisions: []engine.Outgoing{{Subject: subject, Event: ev}}}, fenceDecisions, 0)
}
