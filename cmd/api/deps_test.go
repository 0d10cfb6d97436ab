package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The cold build's cuts stay cut (docs/benchmarks.md, "Cold build"): the API links neither
// the Firebase Admin SDK's root package (Firestore, Cloud Storage and their gRPC stacks) nor
// the MongoDB Go driver v1 (FerretDB's handler used one struct of it) nor FerretDB's other
// backends' drivers.
func TestColdBuildCutsStayCut(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the build's packages")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("go list -deps listed only %d packages", len(deps))
	}
	for _, pkg := range deps {
		switch {
		case pkg == "firebase.google.com/go/v4",
			strings.HasPrefix(pkg, "cloud.google.com/go/firestore"),
			strings.HasPrefix(pkg, "cloud.google.com/go/storage"),
			strings.HasPrefix(pkg, "go.mongodb.org/mongo-driver/") && !strings.HasPrefix(pkg, "go.mongodb.org/mongo-driver/v2"),
			strings.HasPrefix(pkg, "github.com/jackc/pgx"),
			strings.HasPrefix(pkg, "github.com/go-sql-driver/mysql"),
			strings.HasPrefix(pkg, "github.com/SAP/go-hdb"):
			t.Errorf("cmd/api links %s again", pkg)
		}
	}
}
