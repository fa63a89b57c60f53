package natsjs

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"sync"
)

var (
	exeOnce sync.Once
	exeID   string
)

// executableID is SHA-256 of the running binary (its first 16 hex digits),
// computed once: what names a build that Go could not stamp with a clean revision.
func executableID() string {
	exeOnce.Do(func() {
		exeID = "unknown-binary"
		path, err := os.Executable()
		if err != nil {
			return
		}
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err == nil {
			exeID = hex.EncodeToString(h.Sum(nil))[:16]
		}
	})
	return exeID
}
