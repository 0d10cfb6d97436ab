package mongotest_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// A snapshot carries every document of every collection, byte for byte and in order, into
// another database, in more than one insert batch when a collection is large.
func TestSnapshotCopiesEveryDocument(t *testing.T) {
	ctx := context.Background()
	from, to := mongotest.DB(t), mongotest.DB(t)
	want := map[string][]bson.D{
		"a": {{{Key: "_id", Value: "x"}, {Key: "n", Value: int32(1)}}, {{Key: "_id", Value: "y"}, {Key: "tags", Value: bson.A{"p", "q"}}}},
		"b": {{{Key: "_id", Value: int32(7)}, {Key: "sub", Value: bson.D{{Key: "k", Value: "v"}}}}},
	}
	for coll, docs := range want {
		for _, d := range docs {
			if _, err := from.DB.Collection(coll).InsertOne(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 1200 { // more than one insert batch
		if _, err := from.DB.Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: int32(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := mongotest.TakeSnapshot(ctx, from.DB)
	if err != nil {
		t.Fatal(err)
	}
	if n := snap.Documents(); n != 1203 {
		t.Fatalf("snapshot holds %d documents, want 1203", n)
	}
	if err := snap.Restore(ctx, to.DB); err != nil {
		t.Fatal(err)
	}
	for coll, docs := range want {
		cur, err := to.DB.Collection(coll).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var got []bson.D
		if err := cur.All(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if !rawEqual(t, bson.D{{Key: "docs", Value: got}}, bson.D{{Key: "docs", Value: docs}}) {
			t.Errorf("%s: got %v, want %v", coll, got, docs)
		}
	}
	if n, err := to.DB.Collection("c").CountDocuments(ctx, bson.D{}); err != nil || n != 1200 {
		t.Errorf("c: %d documents (%v), want 1200", n, err)
	}
}

func rawEqual(t *testing.T, a, b bson.D) bool {
	t.Helper()
	x, err := bson.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := bson.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(x) == string(y)
}
