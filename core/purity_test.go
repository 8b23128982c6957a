package core

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Imports that would give core a clock, randomness, goroutine-free
// concurrency escapes or the operating system.
var bannedImports = map[string]bool{
	"net": true, "os": true, "os/exec": true, "syscall": true,
	"math/rand": true, "math/rand/v2": true, "crypto/rand": true,
	"net/http": true, "os/signal": true, "unsafe": true,
}

// Functions of package time that read or wait on the wall clock.
var bannedTimeFuncs = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
	"AfterFunc": true, "NewTimer": true, "NewTicker": true, "Tick": true,
}

// TestCoreIsPure parses every non-test Go file under core and fails on a
// banned import, a wall-clock call, a go statement or a select statement.
func TestCoreIsPure(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		for _, v := range violations(fset, f) {
			t.Error(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("only %d files checked: the walk is broken", files)
	}
}

func violations(fset *token.FileSet, f *ast.File) []string {
	var out []string
	bad := func(pos token.Pos, format string, args ...any) {
		out = append(out, fset.Position(pos).String()+": "+fmt.Sprintf(format, args...))
	}
	timeName := ""
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if bannedImports[path] {
			bad(imp.Pos(), "imports %q", path)
		}
		if path == "time" {
			timeName = "time"
			if imp.Name != nil {
				timeName = imp.Name.Name
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			bad(n.Pos(), "go statement")
		case *ast.SelectStmt:
			bad(n.Pos(), "select statement")
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && timeName != "" && id.Name == timeName && bannedTimeFuncs[n.Sel.Name] {
				bad(n.Pos(), "calls time.%s", n.Sel.Name)
			}
		}
		return true
	})
	return out
}

// TestPurityCheckBites makes sure the checker itself catches each banned
// construct, so a broken checker cannot pass silently.
func TestPurityCheckBites(t *testing.T) {
	src := `package x
import ("os"; t "time")
func f() { go f(); select {}; _ = t.Now(); _ = os.Args }`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := violations(fset, f)
	if len(got) != 4 {
		t.Fatalf("want 4 violations (import os, go, select, time.Now), got %d: %v", len(got), got)
	}
}
