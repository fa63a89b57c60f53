// Package engine folds a town's event log into its current state and decides
// what to do about it. The fold is deterministic: the same log gives the same
// state, so a restart, a drill or an after-action review is a replay. The
// engine's own decisions are events in the log too, recorded and never recomputed.
package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/events"
)

// Outcome is what the fold made of one message.
type Outcome string

// Outcomes of applying one message of the log.
const (
	Applied   Outcome = "applied"   // a valid input, folded into state
	Refused   Outcome = "rejected"  // an invalid input; a rejection is owed
	Duplicate Outcome = "duplicate" // an id already applied; ignored, a notice is owed
	Decision  Outcome = "decision"  // one of the engine's own decisions
	Notice    Outcome = "notice"    // a rejection notice, already published
	Void      Outcome = "void"      // one of the engine's decisions, void when folded (see void.go)
)

// rejectionsKept bounds the rejections listed in the state for the board.
const rejectionsKept = 200

// State is a town's state: a fold of its log up to Seq.
type State struct {
	Town string
	Seq  uint64

	applied idSet  // event id → sequence where it was applied: dedup forever
	idDir   string // where applied keeps its older ids ("": all in memory)
	gate    events.DecisionGate
	// owed are inputs refused whose rejection notice is not yet in the log:
	// notices are published only when live, and a crash between the two is healed on replay.
	owed       map[uint64]events.Rejected
	rejections []events.Rejected
	counts     map[string]int
	domain     *Domain
	drill      DrillView
	code       string // the build whose snapshots this state writes and reads (snapshot.go)
}

// DrillView says whether the log holds exercise events (a replayed storm, a
// tabletop drill): the board shows a DRILL banner and CAP says Exercise.
type DrillView struct {
	Events int       `json:"events"`
	Last   time.Time `json:"last,omitempty"`
}

// NewState returns the empty state of a town over its domain.
func NewState(town string, d *Domain) *State {
	s := &State{Town: town, idDir: d.idDir, owed: map[uint64]events.Rejected{}, counts: map[string]int{}, domain: d}
	s.applied = s.newIDSet()
	return s
}

// newIDSet is an empty dedup index: paged to the state's directory if it has one.
func (s *State) newIDSet() idSet {
	if s.idDir == "" {
		return newIDIndex()
	}
	return newPagedIndex(s.idDir)
}

// Apply folds the message at seq. It never panics on input and never reads the clock.
func (s *State) Apply(seq uint64, subject string, raw []byte) (Outcome, string) {
	return s.ApplyPrepared(seq, Prepare(s.Town, subject, raw))
}

// Prepared is a message of the log decoded for the fold: its subject parsed,
// its event validated (or its envelope decoded, for the engine's own) and its
// id hashed for the dedup index. Prepare depends on nothing but its arguments,
// so the log's reader runs it on its own goroutine while the fold applies the
// messages before: decoding and folding then take a core each.
type Prepared struct {
	town, subject string
	raw           []byte
	addr          events.Address
	own           bool         // a decision or a rejection notice of the engine's
	in            events.Input // an input, valid when err is nil
	ev            events.Event // the envelope of one of the engine's own
	err           error
	key           idKey
}

// Prepare decodes the message on subject for town's fold (see Prepared).
func Prepare(town, subject string, raw []byte) Prepared {
	p := Prepared{town: town, subject: subject, raw: raw}
	addr, err := events.ParseSubject(subject)
	if err == nil && !addr.IsInput() {
		p.addr, p.own = addr, true
		p.ev, p.err = events.DecodeEnvelope(raw)
		return p
	}
	p.in, p.err = events.Validate(town, subject, raw)
	if p.err == nil {
		p.key = keyOf(p.in.Event.ID)
	}
	return p
}

// ApplyPrepared folds a prepared message at seq (see Apply).
func (s *State) ApplyPrepared(seq uint64, p Prepared) (Outcome, string) {
	if seq <= s.Seq {
		return Duplicate, "" // the ordered consumer never goes back, but a resubscribe might
	}
	s.Seq = seq
	subject := p.subject
	if p.town != s.Town {
		p = Prepare(s.Town, subject, p.raw) // prepared for another town's address: again, for ours
	}
	if p.own {
		return s.applyOwn(seq, subject, p.addr, p.ev, p.err)
	}
	in, err := p.in, p.err
	if err == nil {
		if first, dup := s.applied.seenKey(p.key); dup {
			s.owe(seq, subject, in.Event.ID, &events.Invalid{Code: errcode.Conflict, Field: "id", Value: in.Event.ID,
				Rule: fmt.Sprintf("duplicate: this event id was applied at sequence %d; ignored", first)})
			s.counts["duplicate"]++
			return Duplicate, in.Event.Type
		}
		err = s.domain.Apply(in)
	}
	if err != nil {
		id, typ := in.Event.ID, in.Event.Type
		s.owe(seq, subject, id, events.RefusalOf(err))
		s.counts["rejected"]++
		return Refused, typ
	}
	s.applied.addNew(p.key, seq)
	s.counts["applied"]++
	if in.Event.Drill {
		s.drill.Events++
		s.drill.Last = in.Event.Time
	}
	return Applied, in.Event.Type
}

func (s *State) owe(seq uint64, subject, id string, inv *events.Invalid) {
	r := events.Rejection(id, subject, seq, inv)
	s.owed[seq] = r
	s.rejections = append(s.rejections, r)
	if len(s.rejections) > rejectionsKept {
		s.rejections = s.rejections[len(s.rejections)-rejectionsKept:]
	}
}

// applyOwn folds what the engine itself wrote: decisions and rejection notices.
func (s *State) applyOwn(seq uint64, subject string, addr events.Address, ev events.Event, err error) (Outcome, string) {
	if err != nil {
		// Someone else wrote garbage under out/rejected; it is not ours to fold.
		s.counts["foreign"]++
		return Notice, ""
	}
	if addr.Channel == events.ChanOut && !s.gate.AdmitAt(s.domain.sealKey, addr, ev) {
		// Not sealed by the town's engine: a forgery that got past the server's
		// permissions. Counted and ignored, and its id not taken, so the real
		// event that uses it later is not refused as a repeat.
		s.counts["forged"]++
		return Notice, ""
	}
	if k := keyOf(ev.ID); !s.remembers(k) {
		s.applied.addNew(k, seq)
	}
	if addr.Channel == events.ChanRejected {
		var r events.Rejected
		if json.Unmarshal(ev.Data, &r) == nil {
			delete(s.owed, r.Seq)
		}
		return Notice, ev.Type
	}
	s.counts["decisions"]++
	if err := s.domain.ApplyDecision(ev); err != nil {
		// A recorded decision that no longer fits (an input that arrived while it
		// was appended closed its incident or took its responder) is kept in the
		// log, never carried out, and a notice that it is void is owed.
		s.counts["decision_void"]++
		s.domain.recordVoid(seq, subject, ev, err)
		return Void, ev.Type
	}
	return Decision, ev.Type
}

// remembers reports whether the dedup index holds key k.
func (s *State) remembers(k idKey) bool {
	_, dup := s.applied.seenKey(k)
	return dup
}

// Voided counts the decisions in the log the fold found void (see void.go).
func (s *State) Voided() int { return s.counts["decision_void"] }

// Applied reports whether an event id has been folded (or was one of the engine's own).
func (s *State) Applied(id string) bool {
	_, ok := s.applied.seenKey(keyOf(id))
	return ok
}

// Owed lists the rejection notices still to publish, in log order.
func (s *State) Owed() []events.Rejected {
	out := make([]events.Rejected, 0, len(s.owed))
	for _, r := range s.owed {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// Decide asks the domain for decisions at now; tick says the clock moved on
// without an event (ack timeouts).
func (s *State) Decide(now time.Time, tick bool) []Outgoing { return s.domain.Decide(now, tick) }

// View is the state as /api/state serves it.
type View struct {
	Town       string            `json:"town"`
	Seq        uint64            `json:"seq"`
	Counts     map[string]int    `json:"counts"`
	Rejections []events.Rejected `json:"rejections"`
	Drill      DrillView         `json:"drill"`
	DomainView
}

// View renders the state; the caller must hold the engine's read lock.
func (s *State) View() View {
	counts := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		counts[k] = v
	}
	rej := append([]events.Rejected{}, s.rejections...)
	return View{Town: s.Town, Seq: s.Seq, Counts: counts, Rejections: rej, Drill: s.drill, DomainView: s.domain.View()}
}
