package mongotest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A dead test binary's database directory is removed; a live one's (this binary's) and a
// directory of another naming are kept.
func TestRemoveOrphansKeepsLiveBinariesDirectories(t *testing.T) {
	parent := t.TempDir()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatalf("run true to get a dead process ID: %v", err)
	}
	dead := filepath.Join(parent, fmt.Sprintf("microlearn-test-db-%d-1", cmd.Process.Pid))
	live := filepath.Join(parent, fmt.Sprintf("microlearn-test-db-%d-2", os.Getpid()))
	other := filepath.Join(parent, "microlearn-test-db-123abc")
	for _, d := range []string{dead, live, other} {
		if err := os.MkdirAll(filepath.Join(d, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	removeOrphans(parent)
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("dead binary's directory still there (%v)", err)
	}
	for _, d := range []string{live, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s removed: %v", filepath.Base(d), err)
		}
	}
}
