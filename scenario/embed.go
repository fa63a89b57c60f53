// Package scenario embeds the built-in scenario folders (duhu, chixi) and
// opens either a built-in scenario or a folder on disk for geo.LoadScenario.
package scenario

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// FS holds the built-in scenarios, one folder per town slug.
//
//go:embed duhu chixi
var FS embed.FS

// Names lists the built-in scenarios.
func Names() []string { return []string{"duhu", "chixi"} }

// Open returns the files of a scenario: the embedded folder for a built-in
// name ("duhu"), or the directory itself when name is an existing directory
// path (write "./duhu" to prefer a folder on disk over the built-in one).
func Open(name string) (fs.FS, error) {
	if !strings.ContainsAny(name, `/\`) && name != "." && name != ".." {
		if _, err := fs.Stat(FS, name); err == nil {
			return fs.Sub(FS, name)
		}
	}
	if st, err := os.Stat(name); err == nil && st.IsDir() {
		return os.DirFS(name), nil
	}
	return nil, fmt.Errorf("scenario %q: not a built-in scenario (%s) nor a directory", name, strings.Join(Names(), ", "))
}
