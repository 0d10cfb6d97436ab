package api_test

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestMain runs the package's tests with the garbage collector at a quarter of its usual
// pace: the tests (and the embedded FerretDB in the same process) allocate heavily, and at the
// default GOGC=100 marking took a fifth of the package's CPU time; at 400 the package spends
// about 15% less CPU (docs/benchmarks.md, "Test suite time"). The heap stays far below the
// machine's memory.
func TestMain(m *testing.M) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(m.Run())
}
