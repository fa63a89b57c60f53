package natsjs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/floodcmd/floodcmd/events"
)

// StreamName is the JetStream stream holding a town's log: inputs and decisions.
func StreamName(town string) string {
	return "FLOOD_" + strings.ToUpper(strings.NewReplacer("-", "_").Replace(town))
}

// DedupWindow is how long JetStream drops a repeated Nats-Msg-Id by itself; the
// engine remembers applied ids forever beyond it.
const DedupWindow = 10 * time.Minute

// ErrConflict means a stream or bucket with our name already exists with
// another town's configuration: it is never rewritten, the start is refused.
var ErrConflict = errors.New("already exists with another configuration")

// StreamNameClash returns an error naming the first two of towns that would
// share one stream name (x-1 and x_1 both map to FLOOD_X_1), or nil.
func StreamNameClash(towns []string) error {
	seen := map[string]string{}
	for _, t := range towns {
		name := StreamName(t)
		if other, ok := seen[name]; ok && other != t {
			return fmt.Errorf("towns %q and %q would share one stream %s: give one of them another slug", other, t, name)
		}
		seen[name] = t
	}
	return nil
}

// EnsureStream creates the town's stream, or brings the town's own stream to
// the current configuration, and returns it. Safe to call at every start. A
// stream of that name that captures other subjects (another town's whose slug
// maps to the same name, or someone else's) is left as it is and the start is
// refused with ErrConflict naming both.
func EnsureStream(ctx context.Context, js jetstream.JetStream, town string, replicas int) (jetstream.Stream, error) {
	if !events.ValidSlug(town) {
		return nil, fmt.Errorf("town %q: %w", town, events.Invalidf("town", town, "a slug of lower-case letters, digits, '-' or '_'"))
	}
	if replicas < 1 {
		replicas = 1
	}
	cfg := jetstream.StreamConfig{
		Name:        StreamName(town),
		Description: "floodcmd log of town " + town + ": inputs and decisions",
		Subjects:    events.TownSubjects(town),
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
	s, err := js.Stream(ctx, cfg.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = js.CreateStream(ctx, cfg)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			s, err = js.Stream(ctx, cfg.Name) // another process made it meanwhile: check it as found
		} else if err == nil {
			return s, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", cfg.Name, err)
	}
	have := s.CachedInfo().Config
	if !sameSubjects(have.Subjects, cfg.Subjects) {
		return nil, fmt.Errorf("stream %s %w: it captures %s, town %s needs %s (%q); is another town's slug mapped to the same name? "+
			"floodcmd leaves it as it is: give this town another slug, or remove that stream if it is no one's",
			cfg.Name, ErrConflict, strings.Join(have.Subjects, " "), town, strings.Join(cfg.Subjects, " "), have.Description)
	}
	if have.Replicas == cfg.Replicas && have.Duplicates == cfg.Duplicates && have.Storage == cfg.Storage &&
		have.Retention == cfg.Retention && have.Discard == cfg.Discard && have.Description == cfg.Description {
		return s, nil
	}
	// The town's own stream from an earlier version or another --replicas: bring it up to date.
	if s, err = js.UpdateStream(ctx, cfg); err != nil {
		return nil, fmt.Errorf("update stream %s: %w", cfg.Name, err)
	}
	return s, nil
}

func sameSubjects(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
