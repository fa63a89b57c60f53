package engine

import (
	"time"

	"github.com/floodcmd/floodcmd/events"
)

// Mutual aid is the domain package aid; the engine only routes to it: inputs
// in Apply and command, recorded decisions in ApplyDecision, and here the
// outbox the forwarder reads and the messages Decide records.

// AidOutbox lists the recorded outgoing aid messages not yet known delivered:
// the forwarder sends them to the recipients' inboxes.
func (d *Domain) AidOutbox() []Outgoing {
	msgs := d.aid.Outbox()
	out := make([]Outgoing, len(msgs))
	for i, m := range msgs {
		out[i] = Outgoing{Subject: m.Subject, Event: m.Event}
	}
	return out
}

// decideAid adds the aid messages the state calls for, each recorded on
// flood.<town>.out.aid.<kind> before the forwarder sends it.
func (d *Domain) decideAid(now time.Time, emit func(owner events.Owner, kind string, data any)) {
	for _, dec := range d.aid.Decide(now, d.graph) {
		emit(events.OwnerAid, dec.Kind, dec.Aid)
	}
}
