package ui

import (
	"crypto/rand"
	"encoding/hex"
)

// newID returns a random event id with a readable prefix.
func newID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}
