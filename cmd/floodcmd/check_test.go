package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckScenario(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"check", "--scenario", "duhu", "--replay", "storm-2022-05-12.jsonl"}, os.Getenv, &out))
	assert.Contains(t, out.String(), "都斛镇 Duhu (duhu): OK")
	assert.Contains(t, out.String(), "55 town-level, 94 village-level")
	assert.Contains(t, out.String(), "2027 events")

	// A town's folder with mistakes: every problem is listed, and the command fails.
	dir := t.TempDir()
	entries, err := os.ReadDir("../../scenario/duhu")
	require.NoError(t, err)
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join("../../scenario/duhu", e.Name()))
		require.NoError(t, err)
		if e.Name() == "shelters.geojson" {
			raw = []byte(strings.Replace(string(raw), `"capacity_night":`, `"capacity_night":-1,"x":`, 2))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), raw, 0o644))
	}
	out.Reset()
	err = run(context.Background(), []string{"check", "--scenario", dir}, os.Getenv, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "problems")
	assert.Equal(t, 2, strings.Count(out.String(), `"capacity_night" is negative`), out.String())
}
