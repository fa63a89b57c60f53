package aid

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/events"
)

// Mutual aid's part of a fold snapshot: the records (with what the fold keeps
// beside them), what incidents still want from neighbours, the guests'
// reports owed home and the outbox. The policy (Config), the town and the
// dispatcher are what the State is built with, not state: Restore keeps them.
// Guests and lent responders are the dispatcher's, in its own snapshot.
type snap struct {
	Items   []itemSnap    `json:"items"` // by creation order
	Seq     int           `json:"seq"`
	Sent    int           `json:"sent"`
	Wants   []wantSnap    `json:"wants"` // by incident
	WantSeq int           `json:"want_seq"`
	Reports []events.Aid  `json:"reports"`
	Outbox  []messageSnap `json:"outbox"`
}

type itemSnap struct {
	Key      string      `json:"key"`
	Record   Record      `json:"record"`
	Seq      int         `json:"seq"`
	Early    []earlySnap `json:"early,omitempty"`
	Declined bool        `json:"declined,omitempty"`
	Release  bool        `json:"release,omitempty"`
	Why      string      `json:"why,omitempty"`
	LastSent time.Time   `json:"last_sent"`
}

type earlySnap struct {
	Kind string     `json:"kind"`
	Msg  events.Aid `json:"msg"`
	Time time.Time  `json:"time"`
}

type wantSnap struct {
	Key      string           `json:"key"`
	Incident string           `json:"incident"`
	At       orb.Point        `json:"at"`
	Needs    []events.AidNeed `json:"needs"`
	Town     string           `json:"town,omitempty"`
	Manual   bool             `json:"manual,omitempty"`
	Asked    []string         `json:"asked"`
	Seq      int              `json:"seq"`
}

type messageSnap struct {
	Subject string       `json:"subject"`
	Event   events.Event `json:"event"`
}

// State is one of the fold's Snapshotters (engine.Snapshotter, structurally:
// a domain package does not import the engine).
var _ interface {
	Snapshot() ([]byte, error)
	Restore([]byte) error
} = (*State)(nil)

// Snapshot is mutual aid's fold state as deterministic bytes: the same state
// gives the same bytes (records by creation order, wants by incident, the
// outbox and reports in log order), and no clock is read.
func (a *State) Snapshot() ([]byte, error) {
	s := snap{Seq: a.seq, Sent: a.sent, WantSeq: a.wantSeq, Items: make([]itemSnap, 0, len(a.items)),
		Wants: make([]wantSnap, 0, len(a.wants)), Reports: make([]events.Aid, 0, len(a.reports)),
		Outbox: make([]messageSnap, 0, len(a.outbox))}
	for k, it := range a.items {
		is := itemSnap{Key: k, Record: it.Record, Seq: it.seq, Declined: it.declined, Release: it.release, Why: it.why, LastSent: it.lastSent}
		for _, e := range it.early {
			is.Early = append(is.Early, earlySnap{Kind: e.kind, Msg: e.msg, Time: e.t})
		}
		s.Items = append(s.Items, is)
	}
	sort.Slice(s.Items, func(i, j int) bool {
		return s.Items[i].Seq < s.Items[j].Seq || (s.Items[i].Seq == s.Items[j].Seq && s.Items[i].Key < s.Items[j].Key)
	})
	for k, w := range a.wants {
		s.Wants = append(s.Wants, wantSnap{Key: k, Incident: w.incident, At: w.at, Needs: w.needs, Town: w.town,
			Manual: w.manual, Asked: w.asked, Seq: w.seq})
	}
	sort.Slice(s.Wants, func(i, j int) bool { return s.Wants[i].Key < s.Wants[j].Key })
	s.Reports = append(s.Reports, a.reports...)
	for _, o := range a.outbox {
		s.Outbox = append(s.Outbox, messageSnap{Subject: o.Subject, Event: o.Event})
	}
	return json.Marshal(s)
}

// Restore replaces mutual aid's fold state by a snapshot's, exactly or not at
// all: unknown fields or trailing data refuse it and leave the state as it was.
func (a *State) Restore(raw []byte) error {
	var s snap
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return fmt.Errorf("aid snapshot: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("aid snapshot: trailing data after the snapshot")
	}
	items := make(map[string]*item, len(s.Items))
	for _, is := range s.Items {
		if _, dup := items[is.Key]; dup {
			return fmt.Errorf("aid snapshot: request %q twice", is.Key)
		}
		if is.Key != is.Record.Request || len(is.Record.History) == 0 {
			// every record is made with its first step: this one was not ours
			return fmt.Errorf("aid snapshot: record %q is not a record this town made", is.Key)
		}
		it := &item{Record: is.Record, seq: is.Seq, declined: is.Declined, release: is.Release, why: is.Why, lastSent: is.LastSent}
		for _, e := range is.Early {
			it.early = append(it.early, early{kind: e.Kind, msg: e.Msg, t: e.Time})
		}
		items[is.Key] = it
	}
	wants := make(map[string]*want, len(s.Wants))
	for _, w := range s.Wants {
		if _, dup := wants[w.Key]; dup {
			return fmt.Errorf("aid snapshot: incident %q wants twice", w.Key)
		}
		wants[w.Key] = &want{incident: w.Incident, at: w.At, needs: w.Needs, town: w.Town, manual: w.Manual, asked: w.Asked, seq: w.Seq}
	}
	a.items, a.seq, a.sent, a.wants, a.wantSeq = items, s.Seq, s.Sent, wants, s.WantSeq
	a.reports = nil
	if len(s.Reports) > 0 {
		a.reports = s.Reports
	}
	a.outbox = nil
	for _, o := range s.Outbox {
		a.outbox = append(a.outbox, Message{Subject: o.Subject, Event: o.Event})
	}
	return nil
}
