package main

import (
	"flag"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

type compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Ports       []string          `yaml:"ports"`
		Environment map[string]string `yaml:"environment"`
		DependsOn   map[string]any    `yaml:"depends_on"`
	} `yaml:"services"`
}

// Docker does not run here, so the compose file is checked for what would break
// it: the services exist, floodcmd is built from the Dockerfile, and the flags it
// is given point at the services and ports that the file publishes.
func TestComposeAgreesWithTheFlags(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	require.NoError(t, err)
	var c compose
	require.NoError(t, yaml.Unmarshal(raw, &c))
	for _, name := range []string{"nats", "postgres", "floodcmd"} {
		require.Contains(t, c.Services, name)
	}
	fc := c.Services["floodcmd"]
	assert.NotNil(t, fc.Build, "floodcmd is built by the Dockerfile")
	_, err = os.Stat("../../Dockerfile")
	require.NoError(t, err)
	assert.Contains(t, fc.DependsOn, "nats")
	assert.Contains(t, fc.DependsOn, "postgres")

	natsURL := fc.Environment["FLOODCMD_NATS_URL"]
	assert.Equal(t, "nats://nats:4222", natsURL)
	assert.Contains(t, strings.Join(c.Services["nats"].Ports, " "), "4222:4222")
	assert.Contains(t, strings.Join(c.Services["nats"].Command, " "), "-js", "NATS must run JetStream")

	db := fc.Environment["FLOODCMD_DB"]
	assert.True(t, strings.HasPrefix(db, "postgres://"), db)
	assert.Contains(t, db, "@postgres:5432/")
	pg := c.Services["postgres"].Environment
	assert.Contains(t, db, pg["POSTGRES_USER"]+":"+pg["POSTGRES_PASSWORD"]+"@")
	assert.Contains(t, db, "/"+pg["POSTGRES_DB"])

	_, port, err := net.SplitHostPort(fc.Environment["FLOODCMD_HTTP"])
	require.NoError(t, err)
	assert.Contains(t, fc.Ports, port+":"+port, "the board's port is published")
	// Every FLOODCMD_ variable names a real flag of `floodcmd serve`.
	flags := map[string]bool{"ADMIN_TOKEN": true}
	var c0 serveConfig
	serveFlags(&c0, io.Discard).VisitAll(func(f *flag.Flag) {
		flags[strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))] = true
	})
	for k := range fc.Environment {
		name, ok := strings.CutPrefix(k, "FLOODCMD_")
		require.True(t, ok, k)
		assert.True(t, flags[name], "%s is not a flag of floodcmd serve", k)
	}
}
