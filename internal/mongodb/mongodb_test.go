package mongodb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// The command monitor counts exactly the commands issued with a counting context.
func TestCommandCounter(t *testing.T) {
	db := mongotest.DB(t)
	ctx, c := dbcount.WithCounter(context.Background())
	coll := db.DB.Collection("things")
	if _, err := coll.InsertOne(ctx, bson.M{"_id": "a"}); err != nil {
		t.Fatal(err)
	}
	if err := coll.FindOne(ctx, bson.M{"_id": "a"}).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.InsertOne(context.Background(), bson.M{"_id": "b"}); err != nil {
		t.Fatal(err)
	}
	if got := c.Load(); got != 2 {
		t.Fatalf("counted %d commands, want 2", got)
	}
}

// With one pooled connection, concurrent $inc on one document loses nothing (on FerretDB 1.24
// with several connections most of them would be lost silently).
func TestConcurrentIncrementsAreNotLost(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	coll := db.DB.Collection("counters")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				if _, err := coll.UpdateOne(ctx, bson.M{"_id": "n"}, bson.M{"$inc": bson.M{"n": 1}}, upsert()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	var doc struct{ N int }
	if err := coll.FindOne(ctx, bson.M{"_id": "n"}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.N != 200 {
		t.Fatalf("n = %d, want 200", doc.N)
	}
}

func TestEnsureIndexesIsIdempotentAndDuplicatesAreDetected(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	ix := []mongodb.Index{{Collection: "u", Model: uniqueOn("email")}}
	for i := 0; i < 2; i++ {
		if err := mongodb.EnsureIndexes(ctx, db.DB, ix); err != nil {
			t.Fatalf("ensure #%d: %v", i, err)
		}
	}
	coll := db.DB.Collection("u")
	if _, err := coll.InsertOne(ctx, bson.M{"email": "a@x"}); err != nil {
		t.Fatal(err)
	}
	_, err := coll.InsertOne(ctx, bson.M{"email": "a@x"})
	if !mongodb.IsDuplicate(err) {
		t.Fatalf("second insert: %v, want a duplicate-key error", err)
	}
}

// A marker is unset until set, and setting it twice keeps one marker.
func TestMarkers(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if set, err := db.HasMarker(ctx, "seeded"); err != nil || set {
		t.Fatalf("fresh database: set=%v err=%v", set, err)
	}
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for range 2 {
		if err := db.SetMarker(ctx, "seeded", at); err != nil {
			t.Fatal(err)
		}
	}
	if set, err := db.HasMarker(ctx, "seeded"); err != nil || !set {
		t.Fatalf("after SetMarker: set=%v err=%v", set, err)
	}
	if set, _ := db.HasMarker(ctx, "other"); set {
		t.Fatal("a marker never set reads as set")
	}
	if n, err := db.DB.Collection("meta").CountDocuments(ctx, bson.M{}); err != nil || n != 1 {
		t.Fatalf("%d marker documents, want 1 (%v)", n, err)
	}
}
