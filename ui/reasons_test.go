package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryReasonCodeHasWords: every reason code the dispatcher gives
// (dispatch's Code… constants, read from its source) has a Chinese and an
// English template in the board's reasons.js; without one the board falls
// back to a generic phrase and the operator loses the why.
func TestEveryReasonCodeHasWords(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../dispatch/scarcity.go", nil, 0)
	require.NoError(t, err)
	var codes []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Code") || len(vs.Values) != 1 {
			return true
		}
		if lit, ok := vs.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			code, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			codes = append(codes, code)
		}
		return true
	})
	require.GreaterOrEqual(t, len(codes), 10, "the dispatcher's reason codes")
	js, err := os.ReadFile("web/reasons.js")
	require.NoError(t, err)
	for _, code := range codes {
		row := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(code) + `: \['[^']*\p{Han}[^']*', '[^']+'\],`)
		assert.Regexp(t, row, string(js), "reasons.js has no Chinese and English words for %q", code)
	}
}
