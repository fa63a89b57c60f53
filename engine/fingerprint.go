package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"

	"github.com/floodcmd/floodcmd/dispatch"
)

// origin is the scenario and policy a domain was built from. A snapshot is
// restored only onto a domain of the same fingerprint: a roster, registry,
// road or rule changed since makes a full replay, which folds the log over
// the new scenario as the snapshot's state never did.
type origin struct {
	town *Town
	cfg  dispatch.Config
	once sync.Once
	sum  string
}

// Fingerprint is SHA-256 over the town's scenario (geography, roster,
// households, warning, evacuation and aid policy, neighbours' roads) and the
// dispatcher's configuration, computed once.
func (d *Domain) Fingerprint() string {
	o := &d.origin
	o.once.Do(func() {
		h := sha256.New()
		enc := json.NewEncoder(h)
		for _, part := range []any{o.town.Scenario, o.town.Roster, o.town.Households, o.town.Warning, o.town.Evac,
			o.town.Aid, o.town.NeighbourRoads, o.cfg} {
			if err := enc.Encode(part); err != nil {
				// Not expected (plain data); a fingerprint no snapshot has means a full replay.
				o.sum = "unfingerprinted: " + err.Error()
				return
			}
		}
		o.sum = hex.EncodeToString(h.Sum(nil))
	})
	return o.sum
}
