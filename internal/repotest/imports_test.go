package repotest

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The domain packages are pure state machines and algorithms: no transport.
func TestDomainPackagesImportNoTransport(t *testing.T) {
	forbidden := []string{"github.com/nats-io/", "github.com/jackc/", "net/http", "github.com/gorilla/websocket", "database/sql"}
	all, err := exec.Command("go", "list", "github.com/floodcmd/floodcmd/...").Output()
	require.NoError(t, err)
	var domain []string
	for _, p := range strings.Fields(string(all)) {
		switch strings.TrimPrefix(p, "github.com/floodcmd/floodcmd/") {
		case "geo", "dispatch", "evac", "warning":
			domain = append(domain, p)
		}
	}
	require.Len(t, domain, 4, "geo, dispatch, evac and warning: %v", domain)
	for _, pkg := range domain {
		t.Run(pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
			require.NoError(t, err, "%s", out)
			for _, dep := range strings.Fields(string(out)) {
				for _, f := range forbidden {
					assert.False(t, strings.HasPrefix(dep, f), "%s imports %s", pkg, dep)
				}
			}
		})
	}
}
