package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// dedupDir is where the town's dedup index keeps its older ids (run files,
// engine/idrun.go): <data>/dedup/<town>, emptied at every start, because the
// index is rebuilt from the fold snapshot or the log and never read back (a
// run file of a process killed mid-write is never trusted).
func dedupDir(dataDir, town string) (string, error) {
	dir, err := filepath.Abs(filepath.Join(dataDir, "dedup", town))
	if err != nil {
		return "", fmt.Errorf("--data %s: %w", dataDir, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("dedup index %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("dedup index %s: %w", dir, err)
	}
	return dir, nil
}
