package events

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamName is the JetStream stream holding a town's log: inputs and decisions.
func StreamName(town string) string {
	return "FLOOD_" + strings.ToUpper(strings.NewReplacer("-", "_").Replace(town))
}

// DedupWindow is how long JetStream drops a repeated Nats-Msg-Id by itself; the
// engine remembers applied ids forever beyond it.
const DedupWindow = 10 * time.Minute

// EnsureStream creates the town's stream, or updates it to the current
// configuration, and returns it. Safe to call at every start.
func EnsureStream(ctx context.Context, js jetstream.JetStream, town string, replicas int) (jetstream.Stream, error) {
	if !ValidSlug(town) {
		return nil, fmt.Errorf("town %q: %w", town, Invalidf("town", town, "a slug of lower-case letters, digits, '-' or '_'"))
	}
	if replicas < 1 {
		replicas = 1
	}
	cfg := jetstream.StreamConfig{
		Name:        StreamName(town),
		Description: "floodcmd log of town " + town + ": inputs and decisions",
		Subjects:    TownSubjects(town),
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		Duplicates:  DedupWindow,
		// Each decision round is one atomic batch (nats-server ≥ 2.12).
		AllowAtomicPublish: true,
		Replicas:           replicas,
		// The log is the town's record: nothing ages out by default.
		MaxAge: 0,
	}
	s, err := js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w", cfg.Name, err)
	}
	return s, nil
}
