package mongotest_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest/samplestore"
)

// The index check fails a test whose store issues a query shape no declared index serves,
// and passes it once the index is declared; a declared scan passes.
func TestIndexCheckCatchesAnUnindexedQuery(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	_ = samplestore.ByOwner(ctx, db.DB, "ann")
	_ = samplestore.ByColour(ctx, db.DB, "red")
	_ = samplestore.All(ctx, db.DB)
	got := mongotest.Unserved(db)
	if len(got) != 2 || !strings.Contains(got[0], "find sample_things {colour: eq}") ||
		!strings.Contains(got[0], "samplestore.go") || !strings.Contains(got[1], "find sample_things {owner: eq}") {
		t.Fatalf("unserved shapes before the indexes exist: %q", got)
	}

	if err := mongodb.EnsureIndexes(ctx, db.DB, samplestore.Indexes()); err != nil {
		t.Fatal(err)
	}
	if got := mongotest.Unserved(db); len(got) != 1 || !strings.Contains(got[0], "{colour: eq}") {
		t.Fatalf("unserved shapes with {owner: 1} declared: %q", got)
	}
	mongotest.ForgetShapes(db) // the unserved query is this test's point, not a failure
}

// Queries a test makes itself, to look at the data, are not checked.
func TestIndexCheckIgnoresTestsOwnQueries(t *testing.T) {
	db := mongotest.DB(t)
	_ = db.DB.Collection(samplestore.Things).FindOne(context.Background(), map[string]string{"colour": "red"}).Err()
	if got := mongotest.Unserved(db); !slices.Equal(got, nil) {
		t.Fatalf("unserved: %q", got)
	}
}

// A delete or update the embedded engine would scan (a range, even on an indexed field; an
// empty $in) fails the check unless it says "scan:"; one with an equality on an index's
// first key passes.
func TestEmbeddedCheckCatchesAScannedWrite(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, append(samplestore.Indexes(), samplestore.Indexes2()...)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() error{
		func() error { return samplestore.PruneByRange(ctx, db.DB, 5) },
		func() error { return samplestore.PruneByRangeSaid(ctx, db.DB, 5) },
		func() error { return samplestore.PruneOwner(ctx, db.DB, "ann", 5) },
		func() error { return samplestore.DeleteIDs(ctx, db.DB, []string{"a"}) },
		func() error { return samplestore.DeleteIDs(ctx, db.DB, []string{}) },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	if got := mongotest.Unserved(db); len(got) != 0 {
		t.Fatalf("unserved: %q", got)
	}
	got := mongotest.ScannedWrites(db)
	if len(got) != 2 || !strings.Contains(got[0], "delete sample_things {_id: eq} emptyIn {_id}") ||
		!strings.Contains(got[1], "delete sample_things {at: range}") || !strings.Contains(got[1], "samplestore.go") ||
		!strings.Contains(got[1], "never pushes a range down") {
		t.Fatalf("scanned writes: %q", got)
	}
	mongotest.ForgetShapes(db) // the scanned write is this test's point, not a failure
}
