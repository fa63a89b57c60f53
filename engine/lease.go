package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// LeaseBucket is the JetStream key-value bucket where each town's engine holds its lease.
const LeaseBucket = "FLOODCMD_ENGINES"

// LeaseTTL is how long a lease outlives its holder: an engine that died is
// replaced by another one at most this long after (at once by itself, restarted).
const LeaseTTL = 15 * time.Second

// ErrTownTaken means another engine holds the town: this one must not start.
var ErrTownTaken = errors.New("another floodcmd already runs this town")

// leaseValue says who holds a town.
type leaseValue struct {
	Holder string    `json:"holder"`
	Since  time.Time `json:"since"`
}

// Lease is a town's single-writer lease. The log's fence already refuses a
// second writer's decisions; the lease refuses a second engine at start, with
// a message an operator can act on, instead of at its first decision.
type Lease struct {
	kv     jetstream.KeyValue
	town   string
	holder string
	value  []byte
	rev    uint64
	log    *slog.Logger
}

// AcquireLease takes the town's lease for holder (the same holder — the same
// data directory — takes it back at once after a crash), or fails with ErrTownTaken.
func AcquireLease(ctx context.Context, js jetstream.JetStream, town, holder string, replicas int, log *slog.Logger) (*Lease, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: LeaseBucket, TTL: LeaseTTL,
		Storage: jetstream.FileStorage, Replicas: max(replicas, 1), Description: "floodcmd: which process runs each town"})
	if err != nil {
		return nil, fmt.Errorf("lease bucket: %w", err)
	}
	value, _ := json.Marshal(leaseValue{Holder: holder, Since: time.Now().UTC()})
	l := &Lease{kv: kv, town: town, holder: holder, value: value, log: log}
	rev, err := kv.Create(ctx, town, value)
	if errors.Is(err, jetstream.ErrKeyExists) {
		entry, gerr := kv.Get(ctx, town)
		if gerr != nil {
			return nil, fmt.Errorf("read the lease of %s: %w", town, gerr)
		}
		var held leaseValue
		_ = json.Unmarshal(entry.Value(), &held)
		if held.Holder != holder {
			return nil, fmt.Errorf("%w: town %s is run by %s (lease renewed %s ago); stop that one first, or wait %s after it stopped: %w",
				ErrTownTaken, town, held.Holder, time.Since(entry.Created()).Round(time.Second), LeaseTTL, err)
		}
		rev, err = kv.Update(ctx, town, value, entry.Revision())
	}
	if err != nil {
		return nil, fmt.Errorf("take the lease of %s: %w", town, err)
	}
	l.rev = rev
	return l, nil
}

// Keep renews the lease until ctx ends, then gives it up. It returns
// ErrTownTaken if another engine took the town meanwhile.
func (l *Lease) Keep(ctx context.Context) error {
	t := time.NewTicker(LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = l.kv.Delete(rctx, l.town, jetstream.LastRevision(l.rev))
			return nil
		case <-t.C:
			rctx, cancel := context.WithTimeout(ctx, LeaseTTL/3)
			rev, err := l.kv.Update(rctx, l.town, l.value, l.rev)
			cancel()
			switch {
			case err == nil:
				l.rev = rev
			case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyNotFound):
				// Expired while we could not renew (NATS unreachable), or taken: take it
				// back only if nobody else holds it; the log's fence guards the writes.
				if rev, cerr := l.kv.Create(ctx, l.town, l.value); cerr == nil {
					l.rev = rev
					continue
				}
				return fmt.Errorf("%w: the lease of %s was taken while this one could not renew it", ErrTownTaken, l.town)
			default:
				l.log.Warn("could not renew the town's lease; retrying", "town", l.town, "err", err)
			}
		}
	}
}
