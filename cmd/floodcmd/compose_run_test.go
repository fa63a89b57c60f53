package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/internal/testproc"
	"github.com/floodcmd/floodcmd/natsjs"
)

// TestComposeServicesRunWithoutDocker runs what docker-compose.yml would run,
// without Docker: the keys services' commands with the binary, nats-server
// with the nats service's own command line (parsed by nats-server's flag
// parser), and floodcmd with the floodcmd service's environment. Volumes
// become temporary directories and service host names the test's addresses.
// The NATS port must refuse anonymous clients, and a field credential made
// from the same keys must get an incident dispatched.
func TestComposeServicesRunWithoutDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: nats-server and a floodcmd process")
	}
	raw, err := os.ReadFile("../../docker-compose.yml")
	require.NoError(t, err)
	var c compose
	require.NoError(t, yaml.Unmarshal(raw, &c))
	keys, natsData := t.TempDir(), t.TempDir()
	paths := strings.NewReplacer("/keys", keys, "/data", natsData)
	mount := func(args []string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			out[i] = paths.Replace(a)
		}
		return out
	}

	for _, name := range []string{"keys", "town-creds"} {
		svc, ok := c.Services[name]
		require.True(t, ok, "service %s", name)
		out, err := exec.Command(testproc.Binary(t), mount(svc.Command)...).CombinedOutput()
		require.NoError(t, err, "service %s: %s", name, out)
	}

	// nats-server as the nats service starts it, on a free port.
	fs := flag.NewFlagSet("nats-server", flag.ContinueOnError)
	opts, err := server.ConfigureOptions(fs, mount(c.Services["nats"].Command), func() {}, func() {}, func() {})
	require.NoError(t, err, "the nats service's command line")
	require.True(t, opts.JetStream, "the nats service runs JetStream")
	addr := testproc.FreeAddr(t)
	host, port, _ := strings.Cut(addr, ":")
	opts.Host, opts.HTTPPort, opts.NoSigs, opts.NoLog = host, 0, true, true
	_, err = fmt.Sscan(port, &opts.Port)
	require.NoError(t, err)
	ns, err := server.NewServer(opts)
	require.NoError(t, err)
	go ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	require.True(t, ns.ReadyForConnections(10*time.Second))
	url := ns.ClientURL()

	_, err = nats.Connect(url, nats.Timeout(2*time.Second))
	require.Error(t, err, "the compose NATS refuses anonymous clients")

	// floodcmd with the service's environment (the board's port, the database
	// and the data directory are the test's own).
	fc := c.Services["floodcmd"]
	var env []string
	for k, v := range fc.Environment {
		switch k {
		case "FLOODCMD_HTTP", "FLOODCMD_DB", "FLOODCMD_DATA", "FLOODCMD_ADMIN_TOKEN":
			continue
		case "FLOODCMD_NATS_URL":
			v = strings.Replace(v, "nats://nats:4222", url, 1)
		}
		env = append(env, k+"="+paths.Replace(v))
	}
	p := startServe(t, t.TempDir(), env, "--nats-listen", "-")
	p.waitReady(t)

	field, err := nats.Connect(url, nats.UserCredentials(mintCreds(t, keys, natsjs.NatsField, "duhu")))
	require.NoError(t, err)
	defer field.Close()
	js, err := jetstream.New(field)
	require.NoError(t, err)
	_, err = js.Publish(context.Background(), "flood.duhu.incident", incident("compose-1", 3), jetstream.WithMsgID("compose-1"))
	require.NoError(t, err, "a field phone reports")
	require.Eventually(t, func() bool {
		var v engine.View
		getJSON(t, p.url("/api/state"), &v)
		for _, a := range v.Assignments {
			if a.Incident == "compose-1" {
				return true
			}
		}
		return false
	}, 15*time.Second, 50*time.Millisecond, "the incident was not dispatched")
}
