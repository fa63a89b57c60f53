package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/floodcmd/floodcmd/internal/testproc"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// natsCluster starts n NATS servers in this process, routed into one cluster,
// each with JetStream on its own store: what a province runs instead of the
// embedded server.
func natsCluster(tb testing.TB, n int) ([]*server.Server, []string) {
	tb.Helper()
	routes := make([]string, n)
	for i := range routes {
		routes[i] = "nats://" + testproc.FreeAddr(tb)
	}
	servers := make([]*server.Server, n)
	urls := make([]string, n)
	for i := range servers {
		host, port := splitHostPort(tb, strings.TrimPrefix(routes[i], "nats://"))
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   tb.TempDir(),
			NoSigs:     true,
			NoLog:      true,
			Cluster:    server.ClusterOpts{Name: "floodcmd-test", Host: host, Port: port},
			Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
		}
		ns, err := server.NewServer(opts)
		require.NoError(tb, err)
		go ns.Start()
		tb.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		require.True(tb, ns.ReadyForConnections(10*time.Second), "server %d not ready", i+1)
		servers[i], urls[i] = ns, ns.ClientURL()
	}
	// JetStream is usable once the meta group has a leader: a probe stream of 3 replicas says so.
	nc, err := nats.Connect(strings.Join(urls, ","))
	require.NoError(tb, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(tb, err)
	require.Eventually(tb, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "PROBE", Subjects: []string{"probe"}, Replicas: n})
		return err == nil
	}, 20*time.Second, 100*time.Millisecond, "JetStream cluster never formed")
	return servers, urls
}

func splitHostPort(tb testing.TB, addr string) (string, int) {
	tb.Helper()
	i := strings.LastIndex(addr, ":")
	var port int
	_, err := fmt.Sscanf(addr[i+1:], "%d", &port)
	require.NoError(tb, err)
	return addr[:i], port
}

// TestMutualAidOnCluster plays the two-town flow on a 3-node JetStream cluster
// with both towns' logs replicated 3 times, and shuts a node down half-way.
func TestMutualAidOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: a NATS cluster and two floodcmd processes")
	}
	servers, urls := natsCluster(t, 3)
	fabric := strings.Join(urls, ",")
	f := &aidFlow{t: t}
	f.duhu = startServe(t, t.TempDir(), nil, "--town", "duhu", "--scenario", "duhu", "--nats-url", fabric, "--replicas", "3")
	f.duhu.waitReady(t)
	f.chixi = startServe(t, t.TempDir(), nil, "--town", "chixi", "--scenario", "chixi", "--nats-url", fabric, "--replicas", "3")
	f.chixi.waitReady(t)
	f.connect(fabric)
	f.run(func() {
		// The first node goes away after the approval: its clients move to the
		// others, the streams keep a quorum of two, nothing is lost.
		servers[0].Shutdown()
	})
	f.exactlyOnce()
}
