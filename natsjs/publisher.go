package natsjs

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/floodcmd/floodcmd/events"
)

// HeaderMsgID is JetStream's de-duplication header; it always carries the CloudEvents id.
const HeaderMsgID = jetstream.MsgIDHeader

// Publisher appends events to JetStream with Nats-Msg-Id set to the event id.
type Publisher struct {
	js jetstream.JetStream
}

// NewPublisher wraps a JetStream context.
func NewPublisher(js jetstream.JetStream) *Publisher { return &Publisher{js: js} }

// Message builds the NATS message for an event on subject.
func Message(subject string, ev events.Event) (*nats.Msg, error) {
	body, err := ev.Encode()
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", ev.ID, err)
	}
	msg := nats.NewMsg(subject)
	msg.Data = body
	msg.Header.Set(HeaderMsgID, ev.ID)
	msg.Header.Set("Content-Type", "application/cloudevents+json")
	return msg, nil
}

// Publish appends ev on subject and waits for the stream's acknowledgement.
// ack.Duplicate is true when the id was already in the log within the dedup window.
func (p *Publisher) Publish(ctx context.Context, subject string, ev events.Event, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	msg, err := Message(subject, ev)
	if err != nil {
		return nil, err
	}
	ack, err := p.js.PublishMsg(ctx, msg, opts...)
	if err != nil {
		return nil, fmt.Errorf("publish %s on %s: %w", ev.ID, subject, err)
	}
	return ack, nil
}

// PublishAsync appends ev without waiting; the future resolves with the ack.
func (p *Publisher) PublishAsync(subject string, ev events.Event) (jetstream.PubAckFuture, error) {
	msg, err := Message(subject, ev)
	if err != nil {
		return nil, err
	}
	return p.js.PublishMsgAsync(msg)
}
