package natsjs

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// The longest ids a town and a responder may have (63 bytes, events.ValidSlug) make the
// longest credentials: every role must still connect to a server configured by Configure.
// NATS refuses a CONNECT longer than its control line (4 KiB by default); the engine's
// credentials of a 63-byte town are about 6.7 KB.
func TestLongestCredentialsConnect(t *testing.T) {
	auth, err := LoadAuthority(t.TempDir())
	require.NoError(t, err)
	srv, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0", StoreDir: t.TempDir(), Auth: auth})
	require.NoError(t, err)
	t.Cleanup(srv.Shutdown)
	town, responder := strings.Repeat("t", 63), strings.Repeat("r", 63)
	for _, role := range append([]string{NatsEngine}, NatsRoles...) {
		u, err := auth.IssueFor(role, town, map[bool]string{true: responder}[role == NatsResponder], time.Hour, time.Now())
		require.NoError(t, err, role)
		require.Less(t, len(u.JWT)+1024, MaxControlLine, "%s: %d bytes leave room for the rest of CONNECT", role, len(u.JWT))
		nc, err := nats.Connect(srv.ClientURL(), nats.UserJWTAndSeed(u.JWT, u.Seed))
		require.NoError(t, err, "%s connects with %d-byte credentials", role, len(u.JWT))
		require.NoError(t, nc.Flush(), role)
		nc.Close()
	}
}
