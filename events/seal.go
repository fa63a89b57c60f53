package events

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"
)

// Defence in depth behind the NATS permissions: a town's engine seals every
// decision it appends (an HMAC-SHA256 over subject, id, type, source, time and
// data, in the CloudEvents extension attribute "floodcmdseal") with the town's
// decision key, kept in the town's key-value bucket where only the town's own
// credentials reach. The fold admits a decision on flood.<town>.out.> only if
// its seal is right, so a decision forged by a client that got past the
// server's permissions (a misconfigured external cluster, an open one) is
// counted and ignored, never folded.

// SealKeyName is the key of the decision key in the town's bucket.
const SealKeyName = "seal.key"

// SealDecision returns ev sealed for subject with the town's decision key
// (unchanged with no key: a fold that checks no seals, in tests of the fold).
func SealDecision(key []byte, subject string, ev Event) Event {
	if key != nil {
		ev.Seal = seal(key, subject, ev)
	}
	return ev
}

func seal(key []byte, subject string, ev Event) string {
	m := hmac.New(sha256.New, key)
	for _, part := range []string{subject, ev.ID, ev.Type, ev.Source, ev.Time.UTC().Format(time.RFC3339Nano)} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	var data bytes.Buffer
	if json.Compact(&data, ev.Data) != nil {
		data.Write(ev.Data)
	}
	m.Write(data.Bytes())
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// DecisionGate is the fold's check of the decisions it reads. It admits
// unsealed decisions only until the first sealed one (logs written before
// sealing began); from then on a decision without a valid seal is refused.
// It is part of the fold's state: a replay makes the same choices.
type DecisionGate struct {
	sealed bool
}

// Admit reports whether the decision ev read on subject may be folded, with
// key the town's decision key (nil: this fold checks no seals, in tests of
// the fold alone). The key is the fold's own, not the process's: two towns,
// or a test's replay beside an in-process server, each check their own.
func (g *DecisionGate) Admit(key []byte, subject string, ev Event) bool {
	if key == nil {
		return true
	}
	if ev.Seal == "" {
		return !g.sealed
	}
	if !hmac.Equal([]byte(ev.Seal), []byte(seal(key, subject, ev))) {
		return false
	}
	g.sealed = true
	return true
}

// AdmitAt is Admit for a decision the fold has parsed the subject of.
func (g *DecisionGate) AdmitAt(key []byte, addr Address, ev Event) bool {
	return g.Admit(key, OutSubject(addr.Town, addr.Rest...), ev)
}
