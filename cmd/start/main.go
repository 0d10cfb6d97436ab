// Command start is the README's first-run command: `go run ./cmd/start` builds cmd/api,
// saying what it is doing while it compiles (a cold build is over a minute of otherwise
// silent work), then runs it with the arguments given, exactly as `go run ./cmd/api` would.
// It needs only Go: it links nothing but the standard library, so it compiles in a second.
package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// target is the command start builds and runs.
const target = "./cmd/api"

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "microlearn:", err)
		os.Exit(1)
	}
}

func run(args []string, progress io.Writer) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command is needed to build microlearn: %w", err)
	}
	root, err := moduleRoot(goTool)
	if err != nil {
		return err
	}
	bin, err := binaryPath(root)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	b := build{goTool: goTool, dir: root, pkg: target, out: bin, progress: progress, every: 5 * time.Second}
	err = b.run(ctx)
	stop()
	if err != nil {
		return err
	}
	return execute(bin, args)
}

// moduleRoot is the directory of the go.mod that holds the current directory.
func moduleRoot(goTool string) (string, error) {
	out, err := exec.Command(goTool, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run this from the microlearn checkout (no go.mod here)")
	}
	return filepath.Dir(mod), nil
}

// binaryPath is where the built command is kept between runs: the user's cache directory,
// one per checkout, so that an unchanged checkout starts without linking again.
func binaryPath(root string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	h := fnv.New64a()
	h.Write([]byte(root))
	dir = filepath.Join(dir, "microlearn", fmt.Sprintf("%016x", h.Sum64()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("a directory for the built binary: %w", err)
	}
	name := "api"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Join(dir, name), nil
}
