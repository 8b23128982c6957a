package sched

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// allowedImports is everything the scheduler may import. The package must
// stay pure and deterministic (no clock, randomness, I/O or goroutines) and
// must not import other flurm packages: the caller converts its state into
// a Snapshot.
var allowedImports = map[string]bool{
	"cmp": true, "errors": true, "fmt": true, "math": true, "slices": true,
}

func TestTidy(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowedImports[path] {
				t.Errorf("%s imports %q; the scheduler must stay pure", name, path)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n.(type) {
			case *ast.GoStmt, *ast.SelectStmt:
				t.Errorf("%s: goroutine or select at %s", name, fset.Position(n.Pos()))
			}
			return true
		})
	}
}
