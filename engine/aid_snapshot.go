package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/internal/snapshotio"
)

// Mutual aid's part of a fold snapshot (aidState): records, what incidents
// still want from neighbours, guests' reports owed home and the outbox. It is
// kept apart so that the aid package's own Snapshotter can take its place.

type aidSnap struct {
	Items   []aidItemSnap  `json:"items"` // by creation order
	Seq     int            `json:"seq"`
	Sent    int            `json:"sent"`
	Wants   []aidWantSnap  `json:"wants"` // by incident
	WantSeq int            `json:"want_seq"`
	Reports []events.Aid   `json:"reports"`
	Outbox  []outgoingSnap `json:"outbox"`
}

type aidItemSnap struct {
	Key      string         `json:"key"`
	View     AidView        `json:"view"`
	Seq      int            `json:"seq"`
	Early    []earlyMsgSnap `json:"early,omitempty"`
	Declined bool           `json:"declined,omitempty"`
	Release  bool           `json:"release,omitempty"`
	Why      string         `json:"why,omitempty"`
	LastSent time.Time      `json:"last_sent"`
}

type earlyMsgSnap struct {
	Kind string     `json:"kind"`
	Msg  events.Aid `json:"msg"`
	Time time.Time  `json:"time"`
}

type aidWantSnap struct {
	Key      string           `json:"key"`
	Incident string           `json:"incident"`
	At       orb.Point        `json:"at"`
	Needs    []events.AidNeed `json:"needs"`
	Town     string           `json:"town,omitempty"`
	Manual   bool             `json:"manual,omitempty"`
	Asked    []string         `json:"asked"`
	Seq      int              `json:"seq"`
}

type outgoingSnap struct {
	Subject string       `json:"subject"`
	Event   events.Event `json:"event"`
}

// aidSnapshotSchema fingerprints mutual aid's snapshot types.
var aidSnapshotSchema = snapshotio.Schema(aidSnap{})

// Snapshot is mutual aid's fold state as deterministic bytes.
func (a *aidState) Snapshot() ([]byte, error) {
	s := aidSnap{Seq: a.seq, Sent: a.sent, WantSeq: a.wantSeq, Items: make([]aidItemSnap, 0, len(a.items)),
		Wants: make([]aidWantSnap, 0, len(a.wants)), Reports: make([]events.Aid, 0, len(a.reports)),
		Outbox: make([]outgoingSnap, 0, len(a.outbox))}
	for k, it := range a.items {
		is := aidItemSnap{Key: k, View: it.AidView, Seq: it.seq, Declined: it.declined, Release: it.release, Why: it.why, LastSent: it.lastSent}
		for _, e := range it.early {
			is.Early = append(is.Early, earlyMsgSnap{Kind: e.kind, Msg: e.msg, Time: e.t})
		}
		s.Items = append(s.Items, is)
	}
	sort.Slice(s.Items, func(i, j int) bool {
		return s.Items[i].Seq < s.Items[j].Seq || (s.Items[i].Seq == s.Items[j].Seq && s.Items[i].Key < s.Items[j].Key)
	})
	for k, w := range a.wants {
		s.Wants = append(s.Wants, aidWantSnap{Key: k, Incident: w.incident, At: w.at, Needs: w.needs, Town: w.town,
			Manual: w.manual, Asked: w.asked, Seq: w.seq})
	}
	sort.Slice(s.Wants, func(i, j int) bool { return s.Wants[i].Key < s.Wants[j].Key })
	for _, r := range a.reports {
		s.Reports = append(s.Reports, r.report)
	}
	for _, o := range a.outbox {
		s.Outbox = append(s.Outbox, outgoingSnap{Subject: o.Subject, Event: o.Event})
	}
	return json.Marshal(s)
}

// Restore replaces mutual aid's fold state by a snapshot's; the policy (cfg) stays the scenario's.
func (a *aidState) Restore(raw []byte) error {
	var s aidSnap
	if err := snapshotio.Decode(raw, &s); err != nil {
		return fmt.Errorf("aid snapshot: %w", err)
	}
	items := make(map[string]*aidItem, len(s.Items))
	for _, is := range s.Items {
		it := &aidItem{AidView: is.View, seq: is.Seq, declined: is.Declined, release: is.Release, why: is.Why, lastSent: is.LastSent}
		for _, e := range is.Early {
			it.early = append(it.early, earlyMsg{kind: e.Kind, msg: e.Msg, t: e.Time})
		}
		items[is.Key] = it
	}
	wants := make(map[string]*aidWant, len(s.Wants))
	for _, w := range s.Wants {
		wants[w.Key] = &aidWant{incident: w.Incident, at: w.At, needs: w.Needs, town: w.Town, manual: w.Manual, asked: w.Asked, seq: w.Seq}
	}
	a.items, a.seq, a.sent, a.wants, a.wantSeq = items, s.Seq, s.Sent, wants, s.WantSeq
	a.reports = nil
	for _, r := range s.Reports {
		a.reports = append(a.reports, guestReport{report: r})
	}
	a.outbox = nil
	for _, o := range s.Outbox {
		a.outbox = append(a.outbox, Outgoing{Subject: o.Subject, Event: o.Event})
	}
	return nil
}
