package natsjs

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/floodcmd/floodcmd/engine"
)

// Log is a town's JetStream stream as an engine.Log: a round is one atomic
// batch (the stream allows atomic publish, nats-server ≥ 2.12), its
// expectations JetStream's expected-last-sequence headers, read by an ordered
// consumer.
type Log struct {
	JS     jetstream.JetStream
	Stream jetstream.Stream
}

var _ engine.Log = (*Log)(nil)

// Append implements engine.Log. A refusal of JetStream's fences is
// engine.ErrExpectation, with the server's error wrapped too.
func (l *Log) Append(ctx context.Context, round []engine.Entry) (uint64, error) {
	msgs := make([]*nats.Msg, len(round))
	for i, e := range round {
		m := nats.NewMsg(e.Subject)
		m.Data = e.Data
		m.Header.Set(HeaderMsgID, e.ID)
		m.Header.Set("Content-Type", "application/cloudevents+json")
		if e.Expect.LastSeq != nil {
			m.Header.Set(jetstream.ExpectedLastSeqHeader, strconv.FormatUint(*e.Expect.LastSeq, 10))
		}
		if e.Expect.Filter != "" {
			m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(e.Expect.FilterSeq, 10))
			m.Header.Set(jetstream.ExpectedLastSubjSeqSubjHeader, e.Expect.Filter)
		}
		msgs[i] = m
	}
	if len(msgs) == 1 {
		return l.appendOne(ctx, msgs[0])
	}
	// The first message is acknowledged before the rest is sent only for large
	// rounds: a small round costs one round trip, a large one cannot overrun the server.
	timeout := appendTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	flow := jetstreamext.BatchFlowControl{AckFirst: len(msgs) > 64, AckTimeout: timeout}
	ack, err := jetstreamext.PublishMsgBatch(ctx, l.JS, msgs, flow)
	if err != nil {
		return 0, asRefusal(err)
	}
	return ack.Sequence, nil
}

// asRefusal is err as Append returns it: a fence JetStream found broken is
// engine.ErrExpectation, the server's error wrapped too; any other as it is.
func asRefusal(err error) error {
	if isWrongLastSeq(err) {
		return fmt.Errorf("%w: %w", engine.ErrExpectation, err)
	}
	return err
}

// appendOne writes a round of one message as a plain publish under the same
// expectation headers: one message is atomic by itself, and on an R1 file
// stream an atomic batch stages its messages in a file store of its own
// (created, flushed with fsync, removed) before the commit, which costs 15 to
// 20 times a plain publish here (BenchmarkAppendOne). A publish whose id the
// stream already holds stores nothing; the original is beyond what the round
// was decided on, so it is refused like a round whose log moved on.
func (l *Log) appendOne(ctx context.Context, m *nats.Msg) (uint64, error) {
	ack, err := l.JS.PublishMsg(ctx, m)
	if err != nil {
		return 0, asRefusal(err)
	}
	if ack.Duplicate {
		return 0, fmt.Errorf("%w: message %s is already in the log at sequence %d", engine.ErrExpectation, m.Header.Get(HeaderMsgID), ack.Sequence)
	}
	return ack.Sequence, nil
}

// Read implements engine.Log over an ordered consumer from sequence from.
//
// It consumes with a handler (Consume), not an iterator (Messages): each of
// an iterator's Next calls arms and stops a heartbeat timer of its own, which
// a replay of a season paid a million times. f runs on the consumer's
// goroutine, one record at a time, and is never called again once it has
// failed or Read has returned.
func (l *Log) Read(ctx context.Context, from uint64, f func(engine.Record) error) error {
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 1 {
		cfg = jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from}
	}
	cons, err := l.Stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("create ordered consumer: %w", err)
	}
	var (
		mu     sync.Mutex // held while f runs: Read returns only between records
		ended  bool
		failed = make(chan error, 1)
	)
	fail := func(err error) {
		select {
		case failed <- err:
		default:
		}
	}
	handle := func(m jetstream.Msg) {
		mu.Lock()
		defer mu.Unlock()
		if ended {
			return
		}
		seq, pending, ok := logPosition(m.Reply())
		if !ok {
			meta, err := m.Metadata()
			if err != nil {
				return // not a log message
			}
			seq, pending = meta.Sequence.Stream, meta.NumPending
		}
		if err := f(engine.Record{Seq: seq, Subject: m.Subject(), ID: m.Headers().Get(HeaderMsgID), Data: m.Data(),
			Pending: pending}); err != nil {
			ended = true
			fail(err)
		}
	}
	// Heartbeats every second: a server that went away is noticed in seconds,
	// not after the default 30, and Read fails so that its caller resumes
	// (so does any error the consumer reports: resuming is always right).
	cc, err := cons.Consume(handle, jetstream.PullMaxMessages(1024), jetstream.PullExpiry(5*time.Second),
		jetstream.PullHeartbeat(time.Second), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) { fail(err) }))
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	defer cc.Stop()
	select {
	case <-ctx.Done():
		err = nil
	case err = <-failed:
		if ctx.Err() != nil {
			err = nil
		}
	}
	mu.Lock()
	ended = true
	mu.Unlock()
	return err
}

// LastSeq implements engine.Log.
func (l *Log) LastSeq(ctx context.Context) (uint64, error) {
	info, err := l.Stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("read stream info: %w", err)
	}
	return info.State.LastSeq, nil
}
