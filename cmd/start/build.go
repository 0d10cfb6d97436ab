package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// build compiles pkg into out, reporting on progress: first `go list` finds the packages
// to compile (downloading the modules they need; go prints each download), then `go build
// -v` names each package as it starts compiling it, which start counts and reports every
// few seconds and at the end. Anything else go says (compile errors) is passed through.
type build struct {
	goTool, dir, pkg, out string
	progress              io.Writer
	every                 time.Duration
}

func (b build) run(ctx context.Context) error {
	start := time.Now()
	b.say("preparing %s (a first build downloads modules and compiles everything; later starts take seconds)", b.pkg)
	stale, libraries, err := b.stalePackages(ctx)
	if err != nil {
		return err
	}
	if libraries > 0 {
		b.say("compiling %s", plural(len(stale), "package"))
	}
	n, err := b.compile(ctx, stale, start)
	if err != nil {
		return err
	}
	if n == 0 {
		b.say("%s is up to date", b.pkg)
	} else {
		b.say("built %s in %s; starting it", b.pkg, since(start))
	}
	return nil
}

func (b build) say(format string, args ...any) {
	fmt.Fprintf(b.progress, "microlearn: "+format+"\n", args...)
}

// stalePackages lists the packages of pkg's build that are not in the build cache, and how
// many of them are not main packages. (A main package counts as stale whenever `go install`
// would write it, whatever the file start keeps; go build -v then names it only if it
// really compiles it.)
func (b build) stalePackages(ctx context.Context) (map[string]bool, int, error) {
	cmd := exec.CommandContext(ctx, b.goTool, "list", "-deps", "-f", "{{if .Stale}}{{.ImportPath}} {{.Name}}{{end}}", b.pkg)
	cmd.Dir, cmd.Stderr = b.dir, b.progress
	out, err := cmd.Output()
	if err != nil {
		return nil, 0, fmt.Errorf("go list %s: %w", b.pkg, err)
	}
	stale, libraries := map[string]bool{}, 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, name, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		stale[path] = true
		if name != "main" {
			libraries++
		}
	}
	return stale, libraries, nil
}

// compile runs go build -v and counts the packages it names.
func (b build) compile(ctx context.Context, stale map[string]bool, start time.Time) (int, error) {
	cmd := exec.CommandContext(ctx, b.goTool, "build", "-v", "-o", b.out, b.pkg)
	cmd.Dir = b.dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("go build: %w", err)
	}
	c := &counter{total: len(stale)}
	done := make(chan struct{})
	go b.report(c, start, done)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if line := sc.Text(); stale[line] {
			c.started(line)
		} else {
			fmt.Fprintln(b.progress, line)
		}
	}
	err = cmd.Wait()
	close(done)
	if err != nil {
		return 0, fmt.Errorf("go build %s: %w", b.pkg, err)
	}
	n, _ := c.get()
	return n, nil
}

// report prints the count every b.every while the build runs.
func (b build) report(c *counter, start time.Time, done <-chan struct{}) {
	t := time.NewTicker(b.every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			switch n, last := c.get(); {
			case n >= c.total:
				b.say("[%d/%d] %s  linking", n, c.total, since(start))
			case n > 0:
				b.say("[%d/%d] %s  compiling %s", n, c.total, since(start), last)
			}
		}
	}
}

// counter is the number of packages go build has started, and the last one.
type counter struct {
	mu    sync.Mutex
	total int
	n     int
	last  string
}

func (c *counter) started(pkg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.last = pkg
}

func (c *counter) get() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.last
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Second) }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
