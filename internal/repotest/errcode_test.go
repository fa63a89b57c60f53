package repotest

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errcode is the error vocabulary of every package, the domain packages
// included: it may import the standard library only.
func TestErrcodeImportsTheStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
		"github.com/floodcmd/floodcmd/errcode").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, []string{"github.com/floodcmd/floodcmd/errcode"}, strings.Fields(string(out)))
}
