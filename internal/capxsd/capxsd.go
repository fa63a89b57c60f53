// Package capxsd checks documents against the official OASIS CAP 1.2 schema
// (CAP-v1.2.xsd, copied unchanged from docs.oasis-open.org by way of
// github.com/IBM/cap resources/, commit 5f5f07c) with libxml2's xmllint, for tests.
package capxsd

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

//go:embed CAP-v1.2.xsd
var schema []byte

// Validate runs xmllint --schema over every document and fails tb with what it
// reports. A missing xmllint fails too (`make xmllint` installs it): a schema
// check that did not run must not pass.
func Validate(tb testing.TB, docs map[string][]byte) {
	tb.Helper()
	if len(docs) == 0 {
		tb.Fatal("capxsd: no documents to validate")
	}
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		tb.Fatal("capxsd: xmllint not found: run `make xmllint` (apt-get install libxml2-utils)")
	}
	dir := tb.TempDir()
	xsd := filepath.Join(dir, "CAP-v1.2.xsd")
	if err := os.WriteFile(xsd, schema, 0o600); err != nil {
		tb.Fatal(err)
	}
	args := []string{"--noout", "--nonet", "--schema", xsd}
	i := 0
	for name, doc := range docs {
		path := filepath.Join(dir, fmt.Sprintf("%04d-%s.xml", i, sanitize(name)))
		i++
		if err := os.WriteFile(path, doc, 0o600); err != nil {
			tb.Fatal(err)
		}
		args = append(args, path)
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("capxsd: not valid against CAP-v1.2.xsd (%v):\n%s", err, out)
	}
	if got := strings.Count(string(out), " validates"); got != len(docs) {
		tb.Fatalf("capxsd: %d of %d documents validated:\n%s", got, len(docs), out)
	}
}

func sanitize(name string) string {
	s := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, name)
	return s[:min(len(s), 60)]
}
