package repotest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wallClock are the functions of package time that read the wall clock or wait
// on it. The fold decides at the time its runner hands it, so a replay gives
// the same state; a domain package that read the clock would not.
var wallClock = map[string]bool{"Now": true, "Since": true, "Until": true, "After": true, "AfterFunc": true,
	"Tick": true, "NewTicker": true, "NewTimer": true, "Sleep": true}

// wallClockUses lists, as file:line: time.F, every use of a wallClock function
// in the non-test Go files of dir (under whatever name the file imports time).
func wallClockUses(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var uses []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		timeNames := map[string]bool{}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == "time" {
				local := "time"
				if imp.Name != nil {
					local = imp.Name.Name
				}
				timeNames[local] = true
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && timeNames[id.Name] && wallClock[sel.Sel.Name] {
				pos := fset.Position(sel.Pos())
				uses = append(uses, fmt.Sprintf("%s:%d: time.%s", filepath.Base(pos.Filename), pos.Line, sel.Sel.Name))
			}
			return true
		})
	}
	return uses, nil
}

// The contract, the fold and the domain packages read no wall clock: time is
// what the log's events say and what the runner passes to Decide.
func TestPurePackagesReadNoWallClock(t *testing.T) {
	for pkg, dir := range purePackages(t) {
		t.Run(pkg, func(t *testing.T) {
			uses, err := wallClockUses(dir)
			require.NoError(t, err)
			assert.Empty(t, uses, "%s reads the wall clock outside its tests (the runner passes the time)", pkg)
		})
	}
}

// The check finds the clock however time is imported, and passes over tests,
// other packages' Now and a time.Time that is only a type.
func TestWallClockCheckFindsTheClock(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600))
	}
	write("fold.go", "package fold\n\nimport \"time\"\n\nfunc stamp() time.Time { return time.Now() }\n")
	write("wait.go", "package fold\n\nimport clock \"time\"\n\nfunc wait() { clock.Sleep(clock.Second) }\n")
	write("fine.go", "package fold\n\nimport \"time\"\n\ntype replayer struct{}\n\nfunc (replayer) Now() time.Time { return time.Time{} }\n\nfunc at(r replayer) time.Time { return r.Now() }\n")
	write("fold_test.go", "package fold\n\nimport \"time\"\n\nvar started = time.Now()\n")
	uses, err := wallClockUses(dir)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"fold.go:5: time.Now", "wait.go:5: time.Sleep"}, uses)
}
