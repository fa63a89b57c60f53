package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// RevokedPrefix is the key prefix of a revoked token id in the town's
// key-value bucket: revoked.<id> = who revoked it and why.
const RevokedPrefix = "revoked."

// Revocations is the set of revoked token ids, safe for concurrent use.
type Revocations struct {
	mu  sync.RWMutex
	ids map[string]struct{}
}

// NewRevocations returns an empty set.
func NewRevocations() *Revocations { return &Revocations{ids: map[string]struct{}{}} }

// Has reports whether id is revoked.
func (r *Revocations) Has(id string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.ids[id]
	return ok
}

// Add revokes id.
func (r *Revocations) Add(id string) {
	r.mu.Lock()
	r.ids[id] = struct{}{}
	r.mu.Unlock()
}

// Follow keeps r in step with the bucket's revoked.* keys until ctx ends. It
// returns once the keys already there are loaded, so that a token revoked
// before a restart is refused from the first request on.
func (r *Revocations) Follow(ctx context.Context, kv jetstream.KeyValue, log *slog.Logger) error {
	w, err := kv.Watch(ctx, RevokedPrefix+">", jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("watch revoked tokens: %w", err)
	}
	for e := range w.Updates() {
		if e == nil {
			break // the initial values are in
		}
		r.Add(strings.TrimPrefix(e.Key(), RevokedPrefix))
	}
	go func() {
		defer func() { _ = w.Stop() }()
		for e := range w.Updates() {
			if e == nil {
				continue
			}
			id := strings.TrimPrefix(e.Key(), RevokedPrefix)
			r.Add(id)
			log.Info("token revoked", "id", id)
		}
	}()
	return nil
}

// Revoke records id as revoked in the town's bucket.
func Revoke(ctx context.Context, kv jetstream.KeyValue, id, reason string) error {
	if id == "" || strings.ContainsAny(id, ".*> ") {
		return errors.New("a token id is what `floodcmd token` printed as id (letters, digits, '-', '_')")
	}
	_, err := kv.PutString(ctx, RevokedPrefix+id, reason)
	return err
}
