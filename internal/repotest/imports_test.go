package repotest

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pureRequired are the packages that must be pure: the contract (events), the
// fold (engine) and the domain packages. pureOptional joins them once it exists.
var (
	pureRequired = []string{"events", "engine", "geo", "dispatch", "evac", "warning", "aid"}
	pureOptional = []string{}
)

// purePackages lists the import paths and directories of the pure packages in the module.
func purePackages(t *testing.T) map[string]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Dir}}", "github.com/floodcmd/floodcmd/...").Output()
	require.NoError(t, err)
	want := map[string]bool{}
	for _, p := range append(append([]string{}, pureRequired...), pureOptional...) {
		want[p] = true
	}
	dirs := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, dir, _ := strings.Cut(line, " ")
		if want[strings.TrimPrefix(path, "github.com/floodcmd/floodcmd/")] {
			dirs[path] = dir
		}
	}
	for _, p := range pureRequired {
		require.Contains(t, dirs, "github.com/floodcmd/floodcmd/"+p, "a pure package is missing: %v", dirs)
	}
	return dirs
}

// The contract, the fold and the domain packages are pure state machines and
// algorithms: no transport, no metrics, no database. The NATS adapter (natsjs)
// runs them; events in particular does not pull in nats-server.
func TestDomainPackagesImportNoTransport(t *testing.T) {
	forbidden := []string{"github.com/nats-io/", "github.com/synadia-io/", "github.com/prometheus/", "github.com/jackc/",
		"net/http", "github.com/gorilla/websocket", "database/sql"}
	for pkg := range purePackages(t) {
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
