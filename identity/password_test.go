package identity

import (
	"strings"
	"testing"
)

// Production hashes use the tuned cost; a service that names none uses it too, so only a
// caller that sets Service.Cost (tests) hashes more cheaply.
func TestProductionPasswordCost(t *testing.T) {
	want := PasswordCost{Time: 2, MemoryKiB: 32 * 1024, Threads: 2}
	if got := DefaultPasswordCost(); got != want {
		t.Fatalf("DefaultPasswordCost() = %+v, want %+v", got, want)
	}
	if got := (&Service{}).cost(); got != want {
		t.Fatalf("a Service without Cost hashes at %+v, want %+v", got, want)
	}
	h, err := DefaultPasswordCost().Hash("correct-horse-battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=32768,t=2,p=2$") {
		t.Fatalf("hash %q does not carry the production parameters", h)
	}
	if !CheckPassword(h, "correct-horse-battery") || CheckPassword(h, "correct-horse-batterz") {
		t.Fatal("a production hash must accept its password and only it")
	}
}

// A hash carries its own cost: one made cheaply verifies, and the unknown-email path checks
// a dummy hash of the service's own cost (as long as a known email's check).
func TestCheapPasswordCostVerifies(t *testing.T) {
	cheap := PasswordCost{Time: 1, MemoryKiB: 64, Threads: 1}
	h, err := cheap.Hash("correct-horse-battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "$m=64,t=1,p=1$") {
		t.Fatalf("hash %q does not carry its cost", h)
	}
	if !CheckPassword(h, "correct-horse-battery") || CheckPassword(h, "wrong-horse-battery") {
		t.Fatal("a cheap hash must accept its password and only it")
	}
	if d := dummyHash(cheap); !strings.Contains(d, "$m=64,t=1,p=1$") || dummyHash(cheap) != d {
		t.Fatalf("dummy hash %q is not one stable hash at the service's cost", d)
	}
	if d := dummyHash(DefaultPasswordCost()); !strings.Contains(d, "$m=32768,t=2,p=2$") {
		t.Fatalf("production dummy hash %q", d)
	}
}
