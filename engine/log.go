package engine

import (
	"context"
	"errors"
)

// Log is a town's log as the runner needs it: appended one atomic round at a
// time under the expectations that fence it, read in order from a sequence.
// natsjs.Log is JetStream's; MemLog keeps it in memory. engine/logtest holds
// the contract both pass.
type Log interface {
	// Append writes round as one atomic unit: the log holds all of it or none
	// of it. It returns the sequence of the round's last entry. A round whose
	// expectations do not hold is refused whole, with an error that
	// errors.Is ErrExpectation; any other error leaves the outcome unknown.
	Append(ctx context.Context, round []Entry) (uint64, error)
	// Read calls f with every record from sequence from (1: the start) on, in
	// order, then with each new one as it is appended, until ctx ends (nil) or
	// f returns an error (returned).
	Read(ctx context.Context, from uint64, f func(Record) error) error
	// LastSeq is the sequence of the newest record, 0 for an empty log.
	LastSeq(ctx context.Context) (uint64, error)
}

// Entry is one message of a round.
type Entry struct {
	Subject string
	// ID is the event's id: the log's de-duplication id (Nats-Msg-Id).
	ID   string
	Data []byte
	// Expect is what the log must hold before the round for it to be taken.
	Expect Expect
}

// Expect fences a round on the log as it was when the round was decided.
// Both checks are against the log before the round: the round's own earlier
// entries do not count.
type Expect struct {
	// LastSeq, if set, is the sequence the log must end at (nothing appended
	// since). Only a round's first entry may carry it.
	LastSeq *uint64
	// Filter, if set, is a subject filter (* one token, > the rest) whose
	// newest record must be at FilterSeq (0: none matches). A filter naming a
	// subject an earlier entry of the round writes is refused: its newest
	// record would not be the one decided on.
	Filter    string
	FilterSeq uint64
}

// Record is one message read from the log.
type Record struct {
	Seq     uint64
	Subject string
	ID      string
	Data    []byte
	// Pending is how many records came after this one in the log when the
	// reader got it (0: none, or the log cannot tell). A reader may hold a
	// record with more behind it to pass it on with them; one with none
	// behind it must be passed on at once.
	Pending uint64
}

// ErrExpectation means the log refused a round because an expectation did not
// hold: it moved on since the round was decided.
var ErrExpectation = errors.New("the log refused the round: it moved on since the round was decided")
