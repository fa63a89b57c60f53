package engine

import (
	"strings"

	"github.com/floodcmd/floodcmd/events"
)

// A decision round is what one pass of the runner appends to the log as one
// atomic batch: its decisions, then owed rejection notices. The sizes and the
// subjects that can void a decision are the fold's knowledge; how the batch is
// written (natsjs) is the runner's.
const (
	// RoundLimit caps the messages of one round below the server's default
	// atomic batch size (1,000). What a round leaves out is decided again
	// from the next state: every domain decides from state, not from a queue.
	RoundLimit = 996
	// NoticesPerRound caps the rejection notices that ride behind a round's
	// decisions: a flood of invalid inputs never delays a decision.
	NoticesPerRound = 500
)

// VoidingFilters are the subjects whose messages can make a decision void,
// each checked as its own expectation when a round is fenced on inputs. The
// first is the fence on decisions; flood.<town>.*.* covers responder and
// shelter reports (and decisions of four tokens, ours, which the fold counts too).
func VoidingFilters(town string) []string {
	return []string{events.OutFilter(town), events.Subject(town, "*", "*"), events.Subject(town, events.ChanCommand),
		events.Prefix + ".aid." + town + ".*"}
}

// TypeRoundDecided marks a round appended fenced on inputs with fewer
// messages than expectations: each message carries one. It changes no state.
const TypeRoundDecided = events.TypeRoundDecided

// RoundDecided is the data of a round marker.
type RoundDecided struct {
	DecidedAt uint64 `json:"decided_at"` // the sequence the round was decided at
	Filter    string `json:"filter"`     // the expectation this marker carries
}

// SubjectMatches reports whether a NATS subject matches filter (* one token, > the rest).
func SubjectMatches(filter, subject string) bool {
	for {
		f, frest, fmore := strings.Cut(filter, ".")
		s, srest, smore := strings.Cut(subject, ".")
		switch {
		case f == ">":
			return true
		case f != "*" && f != s:
			return false
		case !fmore || !smore:
			return fmore == smore
		}
		filter, subject = frest, srest
	}
}

// Round is what one pass of the runner appends: its decisions, then owed
// rejection notices.
type Round struct {
	Decisions []Outgoing
	Notices   []Outgoing
}

// Size is the number of messages in the round.
func (r Round) Size() int { return len(r.Decisions) + len(r.Notices) }

// NewRound caps decisions and notices to what one atomic batch takes.
func NewRound(decisions, notices []Outgoing) Round {
	if len(decisions) > RoundLimit {
		decisions = decisions[:RoundLimit]
	}
	n := min(len(notices), NoticesPerRound, RoundLimit-len(decisions))
	return Round{Decisions: decisions, Notices: notices[:n]}
}
