package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// module writes a throwaway module whose command prints word; a fresh word makes its
// packages new to the build cache, so start has something to compile.
func module(t *testing.T, word string, broken bool) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":       "module example.com/startfixture\n\ngo 1.22\n",
		"lib/lib.go":   fmt.Sprintf("package lib\n\nconst Word = %q\n", word),
		"cmd/x/x.go":   "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/startfixture/lib\"\n)\n\nfunc main() { fmt.Println(lib.Word) }\n",
		"cmd/bad/b.go": "package main\n\nfunc main() { undefinedThing() }\n",
	}
	if !broken {
		delete(files, "cmd/bad/b.go")
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func goTool(t *testing.T) string {
	t.Helper()
	g, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command") // start itself refuses without one (tested in TestNoGoCommand)
	}
	return g
}

// A build says what it compiles: the number of packages first, a count while it runs, and
// the time at the end; the binary it leaves runs. A second build of the same sources says
// it is up to date.
func TestBuildReportsProgress(t *testing.T) {
	g := goTool(t)
	word := fmt.Sprintf("w%d", time.Now().UnixNano())
	dir := module(t, word, false)
	out := filepath.Join(t.TempDir(), "x")
	var progress bytes.Buffer
	b := build{goTool: g, dir: dir, pkg: "./cmd/x", out: out, progress: &progress, every: time.Millisecond}
	if err := b.run(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, &progress)
	}
	text := progress.String()
	for _, want := range []string{"microlearn: preparing ./cmd/x", "microlearn: compiling 2 packages", "/2] ", "microlearn: built ./cmd/x in "} {
		if !strings.Contains(text, want) {
			t.Errorf("progress lacks %q:\n%s", want, text)
		}
	}
	got, err := exec.Command(out).Output()
	if err != nil || strings.TrimSpace(string(got)) != word {
		t.Fatalf("built binary printed %q, %v; want %q", got, err, word)
	}
	progress.Reset()
	if err := b.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "./cmd/x is up to date") {
		t.Errorf("second build:\n%s", &progress)
	}
}

// The counter counts each package go build names, not the other lines.
func TestCounter(t *testing.T) {
	c := &counter{total: 3}
	c.started("a")
	c.started("b")
	if n, last := c.get(); n != 2 || last != "b" {
		t.Errorf("got %d %q", n, last)
	}
}

// A compile error is passed through, and the build fails.
func TestCompileErrorsPassThrough(t *testing.T) {
	g := goTool(t)
	dir := module(t, "w", true)
	var progress bytes.Buffer
	b := build{goTool: g, dir: dir, pkg: "./cmd/bad", out: filepath.Join(t.TempDir(), "bad"), progress: &progress, every: time.Hour}
	err := b.run(context.Background())
	if err == nil {
		t.Fatal("a broken package built")
	}
	if !strings.Contains(progress.String(), "undefined: undefinedThing") {
		t.Errorf("the compiler's message was not passed through:\n%s", &progress)
	}
}

// Without a go command start says what it needs.
func TestNoGoCommand(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := run(nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "the go command is needed") {
		t.Fatalf("got %v", err)
	}
}
