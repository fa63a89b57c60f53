package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/natsjs"
	"github.com/floodcmd/floodcmd/ui"
)

// townSecrets opens the town's key-value bucket (FLOODCMD_TOWN_<TOWN>): its
// decision key seals and checks the engine's decisions (events/seal.go), and
// every token revoked there is refused, before the first request and as
// `floodcmd token --revoke` adds more.
func townSecrets(ctx context.Context, js jetstream.JetStream, cfg serveConfig, domain *engine.Domain, tokens *ui.Signer, log *slog.Logger) error {
	kv, err := townBucket(ctx, js, cfg.town, cfg.replicas)
	if err != nil {
		return err
	}
	key, err := decisionKey(ctx, kv)
	if err != nil {
		return err
	}
	domain.SetDecisionKey(key)
	return tokens.Revoked().Follow(ctx, kv, log)
}

// decisionKey reads the town's decision key, making it the first time: every
// floodcmd that runs the town, on whatever machine, seals with the same key.
func decisionKey(ctx context.Context, kv jetstream.KeyValue) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	_, err := kv.Create(ctx, events.SealKeyName, key)
	if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, fmt.Errorf("the town's decision key: %w", err)
	}
	entry, err := kv.Get(ctx, events.SealKeyName)
	if err != nil {
		return nil, fmt.Errorf("the town's decision key: %w", err)
	}
	if len(entry.Value()) < 16 {
		return nil, fmt.Errorf("the town's decision key in %s is %d bytes; it must be 32", kv.Bucket(), len(entry.Value()))
	}
	return entry.Value(), nil
}

// townBucket opens (creating it the first time) the town's key-value bucket.
func townBucket(ctx context.Context, js jetstream.JetStream, town string, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: natsjs.TownBucket(town),
		Description: "floodcmd: town " + town + "'s own keys (revoked tokens)", Storage: jetstream.FileStorage,
		Replicas: max(replicas, 1)})
	if err != nil {
		return nil, fmt.Errorf("the town's bucket %s: %w", natsjs.TownBucket(town), err)
	}
	return kv, nil
}
