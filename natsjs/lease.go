package natsjs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
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

// LeaseHolder names the process that takes a town's lease.
type LeaseHolder struct {
	// Place is where the process runs, as people find it: the machine and its
	// data directory (host:/abs/dir).
	Place string
	// PID is the process's id on that machine, for the message that refuses another.
	PID int
	// Instance is random per process and kept in memory only: no two live
	// processes share one, not even on the same data directory.
	Instance string
	// PlaceLocked says this process holds the data directory's lock (one
	// process per directory): a lease held under the same Place by another
	// instance is then a crashed predecessor's, and is taken back at once.
	PlaceLocked bool
}

// NewInstance returns a random instance id for LeaseHolder.Instance.
func NewInstance() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// leaseValue says who holds a town.
type leaseValue struct {
	Holder   string    `json:"holder"`
	PID      int       `json:"pid,omitempty"`
	Instance string    `json:"instance,omitempty"`
	Since    time.Time `json:"since"`
}

// Lease is a town's single-writer lease. The log's fence already refuses a
// second writer's decisions; the lease refuses a second engine at start, with
// a message an operator can act on, instead of at its first decision.
type Lease struct {
	kv     jetstream.KeyValue
	town   string
	holder LeaseHolder
	value  []byte
	rev    uint64
	log    *slog.Logger
	// renewed is when the lease was last taken or renewed (unix ns).
	renewed atomic.Int64
}

// AcquireLease takes the town's lease for holder, or fails with ErrTownTaken
// naming the live holder. It is taken back at once from a crashed predecessor
// on the same locked data directory; from anyone else, only once their lease
// has expired (LeaseTTL after they stopped renewing it).
func AcquireLease(ctx context.Context, js jetstream.JetStream, town string, holder LeaseHolder, replicas int, log *slog.Logger) (*Lease, error) {
	kv, err := leaseBucket(ctx, js, replicas)
	if err != nil {
		return nil, err
	}
	if holder.Instance == "" {
		holder.Instance = NewInstance()
	}
	value, _ := json.Marshal(leaseValue{Holder: holder.Place, PID: holder.PID, Instance: holder.Instance, Since: time.Now().UTC()})
	l := &Lease{kv: kv, town: town, holder: holder, value: value, log: log}
	rev, err := kv.Create(ctx, town, value)
	if errors.Is(err, jetstream.ErrKeyExists) {
		entry, gerr := kv.Get(ctx, town)
		if gerr != nil {
			return nil, fmt.Errorf("read the lease of %s: %w", town, gerr)
		}
		var held leaseValue
		_ = json.Unmarshal(entry.Value(), &held)
		if !holder.mayTake(held) {
			return nil, fmt.Errorf("%w: town %s is run by %s (pid %d, lease renewed %s ago); stop that one first, or wait %s after it stopped: %w",
				ErrTownTaken, town, held.Holder, held.PID, time.Since(entry.Created()).Round(time.Second), LeaseTTL, err)
		}
		if held.Instance != holder.Instance {
			log.Info("taking back the town's lease from a stopped predecessor on this data directory",
				"town", town, "place", held.Holder, "pid", held.PID)
		}
		rev, err = kv.Update(ctx, town, value, entry.Revision())
	}
	if err != nil {
		return nil, fmt.Errorf("take the lease of %s: %w", town, err)
	}
	l.rev = rev
	l.renewed.Store(time.Now().UnixNano())
	return l, nil
}

// leaseBucket opens the bucket every town shares, or creates it; one that
// exists is never rewritten (another town may have made it with its own
// replicas), but one whose keys never expire would keep a crashed town's lease
// for ever, so that is refused as a conflict.
func leaseBucket(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, LeaseBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: LeaseBucket, TTL: LeaseTTL,
			Storage: jetstream.FileStorage, Replicas: max(replicas, 1), Description: "floodcmd: which process runs each town"})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, LeaseBucket) // another town made it meanwhile
		}
	}
	if err != nil {
		return nil, fmt.Errorf("lease bucket %s: %w", LeaseBucket, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("lease bucket %s: %w", LeaseBucket, err)
	}
	if st.TTL() != LeaseTTL {
		return nil, fmt.Errorf("lease bucket %s %w: its keys live %s, floodcmd needs %s; it is left as it is: remove it (nats kv del %s) once no floodcmd runs",
			LeaseBucket, ErrConflict, st.TTL(), LeaseTTL, LeaseBucket)
	}
	return kv, nil
}

// mayTake says whether h may take a lease held as held while it has not expired.
func (h LeaseHolder) mayTake(held leaseValue) bool {
	return held.Instance == h.Instance || h.PlaceLocked && held.Holder == h.Place
}

// Held reports whether the lease was renewed less than a TTL ago: the town is ours.
func (l *Lease) Held() bool {
	return time.Since(time.Unix(0, l.renewed.Load())) < LeaseTTL
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
				l.renewed.Store(time.Now().UnixNano())
			case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyNotFound):
				// Expired while we could not renew (NATS unreachable), or taken: take it
				// back only if nobody else holds it, or it is still ours (a renewal whose
				// answer was lost); the log's fence guards the writes.
				if rev, cerr := l.kv.Create(ctx, l.town, l.value); cerr == nil {
					l.rev = rev
					l.renewed.Store(time.Now().UnixNano())
					continue
				}
				if entry, gerr := l.kv.Get(ctx, l.town); gerr == nil {
					var held leaseValue
					if json.Unmarshal(entry.Value(), &held) == nil && held.Instance == l.holder.Instance {
						l.rev = entry.Revision()
						continue
					}
				}
				return fmt.Errorf("%w: the lease of %s was taken while this one could not renew it", ErrTownTaken, l.town)
			default:
				l.log.Warn("could not renew the town's lease; retrying", "town", l.town, "err", err)
			}
		}
	}
}
