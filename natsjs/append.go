package natsjs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
)

// A decision round is appended as one JetStream atomic batch: the log holds all
// of it or none of it, so a crash never leaves half a round behind.
const (
	// A round refused because inputs arrived while it was computed is decided
	// again. Only when rounds have been refused for starveAfter (and at least
	// strictTries times) is one appended fenced on decisions only: a steady
	// stream of responder reports must not starve the town of decisions.
	strictTries = 20
	starveAfter = time.Second
	// busyFactor: after a round refused as stale, rounds go fenced on inputs
	// from the first try for this many times as long as the refused one took.
	busyFactor = 4
)

// fenceMode is the expectation a round is appended under.
type fenceMode int

const (
	// fenceStrict: the stream's last sequence must be the one the state was
	// folded to. Nothing (input or decision) was appended in between, so no
	// decision of the round can be void when folded.
	fenceStrict fenceMode = iota
	// fenceInputs: what may void a decision must be as folded — responder and
	// shelter reports, commands, mutual aid, decisions — while rain, levels,
	// CAP alerts and new incident reports may have arrived in between: they
	// make no decision void (a reading changes the next round, not this one).
	// A flood of readings cannot starve decisions.
	fenceInputs
	// fenceDecisions: only the last decision's sequence must match, so a second
	// engine is still refused but any input may have arrived in between. It is
	// folded first; a decision it made void is recorded as void, never
	// carried out, and whoever saw it is told (see engine/void.go).
	fenceDecisions
)

func (m fenceMode) String() string {
	return [...]string{"strict", "inputs", "decisions"}[m]
}

// errStale is a strict round refused because the log moved on since the state
// it was computed from: read the log, decide again.
var errStale = errors.New("the log moved on while the round was decided")

// appendRound writes a round as one atomic batch under mode, computed from the
// state folded up to foldedSeq. On success every message is pending until read back.
func (e *Engine) appendRound(ctx context.Context, r engine.Round, mode fenceMode, foldedSeq uint64) error {
	all := append(append(make([]engine.Outgoing, 0, r.Size()), r.Decisions...), r.Notices...)
	entries := make([]engine.Entry, 0, len(all))
	for i, o := range all {
		if i < len(r.Decisions) {
			// Sealed with the town's decision key: the fold admits no other (events/seal.go).
			o.Event = events.SealDecision(e.cfg.Domain.DecisionKey(), o.Subject, o.Event)
			all[i] = o
		}
		en, err := entry(o)
		if err != nil {
			return err
		}
		entries = append(entries, en)
	}
	// The stream-wide expectation is checked on the first message of a batch;
	// a per-subject one on any message, so fenceInputs spreads its filters
	// over the round, adding a marker where the round is shorter.
	switch mode {
	case fenceStrict:
		entries[0].Expect.LastSeq = &foldedSeq
	case fenceDecisions:
		entries[0].Expect.Filter, entries[0].Expect.FilterSeq = e.filters[0], e.lastSeqOf[e.filters[0]]
	case fenceInputs:
		for i, f := range e.filters {
			if i == len(entries) {
				now := e.cfg.Now()
				ev, err := events.New(fmt.Sprintf("%s-round-%d-%d-%d", e.cfg.Town, foldedSeq, now.UnixNano(), i), "floodcmd/"+e.cfg.Town,
					engine.TypeRoundDecided, now, engine.RoundDecided{DecidedAt: foldedSeq, Filter: f})
				if err != nil {
					return err
				}
				subject := events.OutSubject(e.cfg.Town, "round")
				o := engine.Outgoing{Subject: subject, Event: events.SealDecision(e.cfg.Domain.DecisionKey(), subject, ev)}
				en, err := entry(o)
				if err != nil {
					return err
				}
				all, entries = append(all, o), append(entries, en) // behind the notices: it only carries f
			}
			entries[i].Expect.Filter, entries[i].Expect.FilterSeq = f, e.lastSeqOf[f]
		}
	}
	actx, cancel := context.WithTimeout(ctx, appendTimeout)
	defer cancel()
	last, err := e.log.Append(actx, entries)
	refused := errors.Is(err, engine.ErrExpectation)
	if e.cfg.OnAppend != nil && !refused {
		e.cfg.OnAppend(err)
	}
	if refused {
		if mode != fenceDecisions {
			// An input moved on, or another engine's decision did: the fold
			// tells them apart (a decision it did not append stops the engine).
			return errStale
		}
		return fmt.Errorf("town %s: %w (round of %d decisions refused by the log's fence)", e.cfg.Town, ErrFenced, len(r.Decisions))
	}
	if err != nil {
		// The round may be in the log all the same: its decisions are ours when read back.
		for _, o := range all {
			e.pending[o.Event.ID] = struct{}{}
		}
		return &transientError{fmt.Errorf("append a round of %d decisions and %d notices: %w", len(r.Decisions), len(r.Notices), err)}
	}
	// A batch is stored contiguously, ending at the commit's sequence: the
	// next append (a delivered marker, before this round is read back) fences on it.
	firstSeq := last - uint64(len(entries)) + 1
	for i, en := range entries {
		e.track(firstSeq+uint64(i), en.Subject)
	}
	for _, o := range all {
		e.pending[o.Event.ID] = struct{}{}
	}
	return nil
}

// entry is an outgoing event as the log appends it.
func entry(o engine.Outgoing) (engine.Entry, error) {
	raw, err := o.Event.Encode()
	if err != nil {
		return engine.Entry{}, fmt.Errorf("encode event %s: %w", o.Event.ID, err)
	}
	return engine.Entry{Subject: o.Subject, ID: o.Event.ID, Data: raw}, nil
}

// track notes the message at seq on subject for the expectations it falls under.
func (e *Engine) track(seq uint64, subject string) {
	under, ok := e.filtersOf[subject]
	if !ok {
		under = e.matchFilters(subject)
	}
	for i, f := range e.filters {
		if under&(1<<i) != 0 && seq > e.lastSeqOf[f] {
			e.lastSeqOf[f] = seq
		}
	}
}

// maxFiltersOf bounds the memo of which filters a subject falls under: a
// town's log has a few dozen distinct subjects (one per gauge, responder,
// shelter), so the memo is cleared only if something sends many more.
const maxFiltersOf = 4096

// matchFilters says which of e.filters subject falls under, one bit each,
// and remembers it: every message of a replay is tracked, and matching
// subjects token by token against each filter cost more than the rest of
// the tracking together.
func (e *Engine) matchFilters(subject string) uint64 {
	var under uint64
	for i, f := range e.filters {
		if engine.SubjectMatches(f, subject) {
			under |= 1 << i
		}
	}
	if e.filtersOf == nil || len(e.filtersOf) >= maxFiltersOf {
		e.filtersOf = make(map[string]uint64)
	}
	e.filtersOf[subject] = under
	return under
}

// appendTimeout bounds one round's append: past it the outcome is unknown and
// the engine re-reads the log before deciding again.
const appendTimeout = 5 * time.Second

// transientError is a failed append whose outcome is unknown (a timeout while
// the cluster elects a leader, a lost connection): the engine stops deciding
// until it has read the log up to its current end, then carries on.
type transientError struct{ err error }

func (t *transientError) Error() string { return t.err.Error() }
func (t *transientError) Unwrap() error { return t.err }

func isWrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}
