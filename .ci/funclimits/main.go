// Command funclimits lists the production functions (not tests) of the Go files given, or of
// every tracked .go file under the current directory, that are longer than -lines lines or
// whose cyclomatic complexity exceeds -complexity, and exits 1 when it found any.
//
// Complexity is counted as gocyclo counts it: 1, plus one for each if, for, range, case
// (non-default) and comm clause, and each && and ||. Lines are from the func keyword to the
// closing brace. Function literals count towards the function that contains them.
//
// -allow names a file of functions allowed over the limits for now, one a line:
// "path/file.go (Type).Method  why it may stay", blank lines and # comments ignored. An
// allowance that is no longer needed is reported but does not fail the check.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type finding struct {
	pos        token.Position
	name       string
	lines, cyc int
}

func main() {
	maxLines := flag.Int("lines", 80, "longest allowed function, in lines")
	maxCyc := flag.Int("complexity", 20, "highest allowed cyclomatic complexity")
	all := flag.Bool("all", false, "list every function with its size, not only those over the limits")
	allowFile := flag.String("allow", "", "file of functions allowed over the limits")
	flag.Parse()
	allowed, err := readAllowances(*allowFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	files := flag.Args()
	if len(files) == 0 {
		files = goFiles(".")
	}
	fset := token.NewFileSet()
	var out []finding
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			fd := finding{pos: fset.Position(fn.Pos()), name: funcName(fn), cyc: complexity(fn)}
			fd.lines = fset.Position(fn.End()).Line - fd.pos.Line + 1
			if *all || fd.lines > *maxLines || fd.cyc > *maxCyc {
				out = append(out, fd)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].cyc*1000+out[i].lines > out[j].cyc*1000+out[j].lines })
	over := 0
	for _, f := range out {
		note := ""
		if key := allowKey(f.pos.Filename, f.name); allowed[key] != "" && !*all {
			note = "\tallowed: " + allowed[key]
			delete(allowed, key)
		} else {
			over++
		}
		fmt.Printf("%s:%d\t%s\tlines %d\tcomplexity %d%s\n", f.pos.Filename, f.pos.Line, f.name, f.lines, f.cyc, note)
	}
	for key := range allowed {
		fmt.Printf("%s: within the limits now; drop it from %s\n", key, *allowFile)
	}
	if !*all && over > 0 {
		fmt.Printf("%d functions over %d lines or complexity %d: split them into named steps (or, with a reason, list them in %s)\n",
			over, *maxLines, *maxCyc, *allowFile)
		os.Exit(1)
	}
}

func allowKey(file, name string) string { return filepath.ToSlash(filepath.Clean(file)) + " " + name }

// readAllowances reads the -allow file: "path/file.go (Type).Method  reason" per line.
func readAllowances(name string) (map[string]string, error) {
	out := map[string]string{}
	if name == "" {
		return out, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("%s:%d: want \"path function reason\"", name, i+1)
		}
		out[allowKey(f[0], f[1])] = strings.Join(f[2:], " ")
	}
	return out, nil
}

// goFiles lists the .go files under dir, skipping hidden directories, testdata,
// third_party (vendored code is not ours to split) and the helper packages only tests use.
func goFiles(dir string) []string {
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && p != dir && (strings.HasPrefix(name, ".") || name == "testdata" || name == "third_party" || name == "vendor" ||
			testOnly(name)) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".go") {
			files = append(files, p)
		}
		return nil
	})
	return files
}

// testOnly reports whether a directory holds a helper package that only tests import (by
// the repository's naming: apitest, mongotest, smtptest, fcmfake, ...).
func testOnly(name string) bool {
	return strings.HasSuffix(name, "test") || strings.HasSuffix(name, "fake")
}

func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	t := fn.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if ix, ok := t.(*ast.IndexListExpr); ok {
		t = ix.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return "(" + id.Name + ")." + fn.Name.Name
	}
	return fn.Name.Name
}

func complexity(fn *ast.FuncDecl) int {
	c := 1
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt, *ast.ForStmt, *ast.RangeStmt:
			c++
		case *ast.CaseClause:
			if n.List != nil {
				c++
			}
		case *ast.CommClause:
			if n.Comm != nil {
				c++
			}
		case *ast.BinaryExpr:
			if n.Op == token.LAND || n.Op == token.LOR {
				c++
			}
		}
		return true
	})
	return c
}
