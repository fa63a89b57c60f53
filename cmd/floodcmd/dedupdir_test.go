package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDedupDirEmptiedAtStart: run files left by an earlier process (killed
// mid-write, or corrupt) are never read back: the start empties the
// directory, and the index is rebuilt from the snapshot or the log.
func TestDedupDirEmptiedAtStart(t *testing.T) {
	data := t.TempDir()
	stale := filepath.Join(data, "dedup", "duhu", "ids-123.run")
	require.NoError(t, os.MkdirAll(filepath.Dir(stale), 0o750))
	require.NoError(t, os.WriteFile(stale, []byte("half a page of an earlier process"), 0o640))
	other := filepath.Join(data, "dedup", "chixi", "ids-9.run")
	require.NoError(t, os.MkdirAll(filepath.Dir(other), 0o750))
	require.NoError(t, os.WriteFile(other, nil, 0o640))
	dir, err := dedupDir(data, "duhu")
	require.NoError(t, err)
	assert.Equal(t, filepath.Dir(stale), dir)
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left, "nothing of the earlier process is kept")
	assert.FileExists(t, other, "another town's directory is not touched")
}
