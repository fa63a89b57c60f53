package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/internal/testproc"
	"github.com/floodcmd/floodcmd/natsjs"
)

// testCA makes a certificate authority and a server certificate for
// 127.0.0.1/localhost signed by it, as PEM files in dir.
func testCA(tb testing.TB, dir string) (caFile, certFile, keyFile string) {
	tb.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "floodcmd test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	require.NoError(tb, err)
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "nats"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(tb, err)
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &srvKey.PublicKey, caKey)
	require.NoError(tb, err)
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	require.NoError(tb, err)
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		require.NoError(tb, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
		return path
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", leafDER), write("server-key.pem", "EC PRIVATE KEY", keyDER)
}

// securedCluster starts a 3-node nats-server cluster from configuration
// files that include what `floodcmd creds --server-config` printed, with TLS
// for clients; it returns the client URLs.
func securedCluster(tb testing.TB, authData string) (urls []string, caFile string) {
	tb.Helper()
	dir := tb.TempDir()
	out, err := exec.Command(testproc.Binary(tb), "creds", "--server-config", "--data", authData).Output()
	require.NoError(tb, err)
	require.NoError(tb, os.WriteFile(filepath.Join(dir, "floodcmd-auth.conf"), out, 0o600))
	caFile, certFile, keyFile := testCA(tb, dir)
	const n = 3
	routes := make([]string, n)
	for i := range routes {
		routes[i] = "nats://" + testproc.FreeAddr(tb)
	}
	for i := range n {
		conf := fmt.Sprintf(`server_name: n%d
listen: %q
jetstream { store_dir: %q }
cluster { name: floodcmd-secure, listen: %q, routes: [%s] }
tls { cert_file: %q, key_file: %q, timeout: 5 }
include "floodcmd-auth.conf"
`, i+1, testproc.FreeAddr(tb), tb.TempDir(), strings.TrimPrefix(routes[i], "nats://"), strings.Join(routes, ", "), certFile, keyFile)
		path := filepath.Join(dir, fmt.Sprintf("n%d.conf", i+1))
		require.NoError(tb, os.WriteFile(path, []byte(conf), 0o600))
		opts, err := server.ProcessConfigFile(path)
		require.NoError(tb, err, "node %d configuration", i+1)
		require.EqualValues(tb, natsjs.MaxControlLine, opts.MaxControlLine, "the generated configuration lets the longest credentials connect")
		opts.NoSigs, opts.NoLog = true, true
		ns, err := server.NewServer(opts)
		require.NoError(tb, err)
		go ns.Start()
		tb.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		require.True(tb, ns.ReadyForConnections(10*time.Second), "node %d not ready", i+1)
		urls = append(urls, strings.Replace(ns.ClientURL(), "nats://", "tls://", 1))
	}
	return urls, caFile
}

// TestSecuredExternalCluster: floodcmd joins a 3-node cluster configured by
// `floodcmd creds --server-config`, over TLS with a CA made here, with a town
// credential; its log is replicated 3 times; a field phone's incident is
// dispatched, while anonymous, plain-text and forging clients are refused.
func TestSecuredExternalCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: a NATS cluster and a floodcmd process")
	}
	authData := t.TempDir() // where the cluster's keys live: the county's own floodcmd data
	urls, caFile := securedCluster(t, authData)
	fabric := strings.Join(urls, ",")
	townCreds := mintCreds(t, authData, natsjs.NatsTown, "duhu")
	fieldCreds := mintCreds(t, authData, natsjs.NatsField, "duhu")

	// The JetStream meta group needs a moment to elect a leader: floodcmd
	// retries nothing at start, so wait until a probe with the town's rights works.
	probe, err := nats.Connect(fabric, nats.UserCredentials(townCreds), nats.RootCAs(caFile),
		nats.CustomInboxPrefix(natsjs.InboxPrefix("duhu")))
	require.NoError(t, err)
	pjs, err := jetstream.New(probe)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := pjs.AccountInfo(ctx)
		return err == nil
	}, 30*time.Second, 200*time.Millisecond, "JetStream cluster never formed")
	probe.Close()

	p := startServe(t, t.TempDir(), nil, "--town", "duhu", "--nats-url", fabric, "--nats-creds", townCreds,
		"--nats-ca", caFile, "--replicas", "3")
	p.waitReady(t)

	_, err = nats.Connect(fabric, nats.RootCAs(caFile), nats.Timeout(2*time.Second))
	assert.Error(t, err, "an anonymous client is refused")
	_, err = nats.Connect(strings.ReplaceAll(fabric, "tls://", "nats://"), nats.UserCredentials(fieldCreds), nats.Timeout(2*time.Second))
	assert.Error(t, err, "a client that does not trust the CA is refused (TLS is required)")

	field, err := nats.Connect(fabric, nats.UserCredentials(fieldCreds), nats.RootCAs(caFile))
	require.NoError(t, err)
	defer field.Close()
	fjs, err := jetstream.New(field)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = fjs.Publish(ctx, "flood.duhu.incident", incident("cl-sec-1", 2), jetstream.WithMsgID("cl-sec-1"))
	require.NoError(t, err, "a field phone reports over TLS")
	_, err = fjs.Publish(ctx, "flood.duhu.out.incident.x", []byte(`{}`), jetstream.WithMsgID("cl-forged"))
	assert.Error(t, err, "a field phone cannot write a decision")
	// A phone may look the stream up (to read its assignments from the log) but never change it.
	_, err = fjs.UpdateStream(ctx, jetstream.StreamConfig{Name: natsjs.StreamName("duhu"), Subjects: []string{"flood.duhu.>"}, MaxAge: time.Hour})
	assert.Error(t, err, "nor change the stream's configuration")
	assert.Error(t, fjs.DeleteStream(ctx, natsjs.StreamName("duhu")), "nor delete the town's log")

	var v engine.View
	require.Eventually(t, func() bool {
		getJSON(t, p.url("/api/state"), &v)
		for _, a := range v.Assignments {
			if a.Incident == "cl-sec-1" {
				return true
			}
		}
		return false
	}, 15*time.Second, 50*time.Millisecond, "the incident was not dispatched")

	admin, err := nats.Connect(fabric, nats.UserCredentials(townCreds), nats.RootCAs(caFile),
		nats.CustomInboxPrefix(natsjs.InboxPrefix("duhu")))
	require.NoError(t, err)
	defer admin.Close()
	ajs, err := jetstream.New(admin)
	require.NoError(t, err)
	s, err := ajs.Stream(ctx, natsjs.StreamName("duhu"))
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, info.Config.Replicas)
	require.NotNil(t, info.Cluster)
	assert.Len(t, info.Cluster.Replicas, 2, "a leader and two replicas")
	assert.Error(t, ajs.DeleteStream(ctx, natsjs.StreamName("duhu")), "not even the town's own credential erases its log")
}

// TestServeHTTPS: --tls-cert/--tls-key serve the board over HTTPS; the login
// cookie is Secure and the board cannot be framed.
func TestServeHTTPS(t *testing.T) {
	dir := t.TempDir()
	caFile, certFile, keyFile := testCA(t, dir)
	httpAddr := testproc.FreeAddr(t)
	var out strings.Builder
	cmd := exec.Command(testproc.Binary(t), "serve", "--http", httpAddr, "--nats-listen", "-", "--data", t.TempDir(),
		"--tls-cert", certFile, "--tls-key", keyFile)
	cmd.Env = append(os.Environ(), "FLOODCMD_ADMIN_TOKEN="+testAdminToken)
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	caPEM, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(caPEM))
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := "https://" + httpAddr
	require.Eventually(t, func() bool {
		resp, err := client.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, 30*time.Second, 50*time.Millisecond, "no HTTPS /healthz; output:\n%s", &out)
	resp, err := client.Get(base + "/login?token=" + testAdminToken)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NotEmpty(t, resp.Cookies())
	assert.True(t, resp.Cookies()[0].Secure, "the login cookie is Secure over HTTPS")
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	assert.NotEmpty(t, resp.Header.Get("Strict-Transport-Security"))
	plain, err := http.Get("http://" + httpAddr + "/healthz")
	if err == nil {
		plain.Body.Close()
		assert.NotEqual(t, 200, plain.StatusCode, "no plain HTTP on the HTTPS port")
	}
}
