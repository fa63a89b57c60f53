package cap

import (
	"crypto/sha256"
	"encoding/hex"
)

// Key is CAP's identity of a message: sender, identifier and sent, joined as
// <references> joins them. Two senders may use one identifier, and one sender
// sends an identifier again with a later sent (an Update).
func (a Alert) Key() string { return a.Sender + "," + a.Identifier + "," + a.Sent }

// EventID derives the log's event id for an alert from its Key: a hash, so
// that identifiers of any length (CAP sets none) stay whole in the data while
// the id keeps to the contract's 200 characters, and a resent alert (same
// sender, identifier and sent) is the same event.
func EventID(a Alert) string {
	sum := sha256.Sum256([]byte(a.Key()))
	return "cap-" + hex.EncodeToString(sum[:20])
}
