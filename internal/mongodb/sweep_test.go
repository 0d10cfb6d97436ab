package mongodb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

var sweep = mongodb.HourSweep{Collection: "swept", Field: "at", Bucket: "atHour"}

func putAt(t *testing.T, coll *mongo.Collection, id string, at time.Time, bucket bool) {
	t.Helper()
	d := bson.D{{Key: "_id", Value: id}, {Key: "at", Value: at}}
	if bucket {
		d = append(d, bson.E{Key: "atHour", Value: mongodb.HourOf(at)})
	}
	if _, err := coll.InsertOne(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

func ids(t *testing.T, coll *mongo.Collection) []string {
	t.Helper()
	cur, err := coll.Find(context.Background(), bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, d := range docs {
		out = append(out, d.ID)
	}
	return out
}

func sweepBefore(t *testing.T, db *mongo.Database, before time.Time, want int64) {
	t.Helper()
	n, err := sweep.DeleteBefore(context.Background(), db, before)
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("sweep before %s deleted %d, want %d", before.Format(time.RFC3339Nano), n, want)
	}
}

// The sweep deletes exactly what {at: {$lt: before}} matches, at the edges of its hour
// buckets too: the last millisecond of an hour, the first of the next, a time inside the hour
// being swept; and what it left in a partly swept hour goes on a later run.
func TestHourSweepAtTheBucketEdges(t *testing.T) {
	db, _ := sweepDB(t)
	coll := db.DB.Collection(sweep.Collection)
	h := time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC)
	putAt(t, coll, "a-10:59:59.999", h.Add(-time.Millisecond), true)
	putAt(t, coll, "b-11:00", h, true)
	putAt(t, coll, "c-11:30", h.Add(30*time.Minute), true)
	putAt(t, coll, "d-12:00", h.Add(time.Hour), true)
	putAt(t, coll, "e-13:00", h.Add(2*time.Hour), true)

	sweepBefore(t, db.DB, h.Add(-time.Millisecond), 0) // strictly before: a stays
	sweepBefore(t, db.DB, h, 1)                        // the hour's first millisecond is not before it
	if got, want := ids(t, coll), []string{"b-11:00", "c-11:30", "d-12:00", "e-13:00"}; !slices.Equal(got, want) {
		t.Fatalf("after sweeping before 11:00: %v, want %v", got, want)
	}
	sweepBefore(t, db.DB, h.Add(30*time.Minute), 1) // inside the hour: b goes, c (at 11:30) stays
	sweepBefore(t, db.DB, h.Add(30*time.Minute+time.Millisecond), 1)
	sweepBefore(t, db.DB, h.Add(time.Hour+time.Millisecond), 1) // the next hour's first document
	if got, want := ids(t, coll), []string{"e-13:00"}; !slices.Equal(got, want) {
		t.Fatalf("after sweeping before 12:00:00.001: %v, want %v", got, want)
	}
	// A document written into an hour just swept (a write in flight, another process's
	// clock) is still found by the next sweep.
	putAt(t, coll, "f-11:45", h.Add(45*time.Minute), true)
	sweepBefore(t, db.DB, h.Add(2*time.Hour), 1)
	if got, want := ids(t, coll), []string{"e-13:00"}; !slices.Equal(got, want) {
		t.Fatalf("after the late write: %v, want %v", got, want)
	}
}

// The first sweep of a database fills in the bucket of documents written before it existed,
// deletes the expired ones among them, and the rest go when they expire; a long pause
// between sweeps (more hours than one $in holds) loses nothing.
func TestHourSweepBackfillsAndSpansLongPauses(t *testing.T) {
	db, ctx := sweepDB(t)
	coll := db.DB.Collection(sweep.Collection)
	now := time.Date(2026, 12, 2, 13, 20, 0, 0, time.UTC)
	putAt(t, coll, "old-400d", now.Add(-400*24*time.Hour), false) // lacks the bucket
	putAt(t, coll, "old-3d", now.Add(-3*24*time.Hour), false)
	putAt(t, coll, "new-1d", now.Add(-24*time.Hour), false)
	putAt(t, coll, "new-now", now, true)
	sweepBefore(t, db.DB, now.Add(-2*24*time.Hour), 2)
	if got, want := ids(t, coll), []string{"new-1d", "new-now"}; !slices.Equal(got, want) {
		t.Fatalf("after the first sweep: %v, want %v", got, want)
	}
	var d bson.M
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "new-1d"}}).Decode(&d); err != nil || d["atHour"] != mongodb.HourOf(now.Add(-24*time.Hour)) {
		t.Fatalf("backfilled bucket: %v (%v)", d, err)
	}
	// 90 days later (2,160 hours: three $in chunks), everything written meanwhile goes.
	for i := 0; i < 90; i++ {
		putAt(t, coll, fmt.Sprintf("day-%02d", i), now.Add(time.Duration(i)*24*time.Hour), true)
	}
	later := now.Add(90 * 24 * time.Hour)
	sweepBefore(t, db.DB, later, 92)
	if got := ids(t, coll); len(got) != 0 {
		t.Fatalf("after 90 days: %v left", got)
	}
}

// Over random writes and sweeps, the sweep leaves exactly the documents a plain
// {at: {$lt: before}} delete leaves.
func TestHourSweepMatchesARangeDelete(t *testing.T) {
	db, ctx := sweepDB(t)
	coll, plain := db.DB.Collection(sweep.Collection), db.DB.Collection("plain")
	r := rand.New(rand.NewPCG(20, 12))
	clock := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	n := 0
	for round := 0; round < 30; round++ {
		for i := r.IntN(8); i > 0; i-- {
			// A time around the clock (up to an hour before the last sweep's time, which is
			// two hours behind the clock), at hour edges often.
			at := clock.Add(time.Duration(r.IntN(12)-3) * time.Hour)
			if r.IntN(2) == 0 {
				at = at.Truncate(time.Hour).Add(time.Duration(r.IntN(3)-1) * time.Millisecond)
			}
			id := fmt.Sprintf("d%03d", n)
			n++
			putAt(t, coll, id, at, true)
			putAt(t, plain, id, at, false)
		}
		clock = clock.Add(time.Duration(r.IntN(150)) * time.Minute)
		before := clock.Add(-2 * time.Hour)
		if _, err := sweep.DeleteBefore(ctx, db.DB, before); err != nil {
			t.Fatal(err)
		}
		if _, err := plain.DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}}); err != nil {
			t.Fatal(err)
		}
		if got, want := ids(t, coll), ids(t, plain); !slices.Equal(got, want) {
			t.Fatalf("round %d, before %s: swept leaves %v, a range delete %v", round, before, got, want)
		}
	}
}

// Documents that already carry their bucket when the first sweep runs (written by this
// code, with times older than the retention, e.g. imported history) are swept too: the
// first sweep starts at the oldest document, not at its own time.
func TestHourSweepFirstRunStartsAtTheOldestDocument(t *testing.T) {
	db, _ := sweepDB(t)
	coll := db.DB.Collection(sweep.Collection)
	now := time.Date(2026, 12, 2, 13, 20, 0, 0, time.UTC)
	for i := 0; i < 60; i++ {
		putAt(t, coll, fmt.Sprintf("day-%02d", i), now.Add(-time.Duration(i)*24*time.Hour), true)
	}
	sweepBefore(t, db.DB, now.Add(-30*24*time.Hour+time.Minute), 30)
	sweepBefore(t, db.DB, now.Add(time.Minute), 30)
}

// A sweep that deletes more documents than one page (here 2,500 in one hour) deletes them
// all, a page at a time; a plain delete of more than 32,766 would fail on the embedded
// engine (SQLite's limit of parameters per statement).
func TestHourSweepDeletesPageByPage(t *testing.T) {
	db, ctx := sweepDB(t)
	coll := db.DB.Collection(sweep.Collection)
	h := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	docs := make([]any, 2500)
	for i := range docs {
		at := h.Add(time.Duration(i) * time.Second)
		docs[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("d%05d", i)}, {Key: "at", Value: at}, {Key: "atHour", Value: mongodb.HourOf(at)}}
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	sweepBefore(t, db.DB, h.Add(-time.Minute), 0)
	sweepBefore(t, db.DB, h.Add(2400*time.Second), 2400)
	sweepBefore(t, db.DB, h.Add(time.Hour), 100)
}

// A sweep whose time lies far behind its mark (a retention lengthened) reads the mark and
// sends nothing else: an empty $in would not be pushed down and would decode the whole
// collection on the embedded engine.
func TestHourSweepBehindItsMarkSendsNothing(t *testing.T) {
	db, ctx := sweepDB(t)
	now := time.Date(2026, 12, 2, 13, 20, 0, 0, time.UTC)
	putAt(t, db.DB.Collection(sweep.Collection), "x", now.Add(-100*24*time.Hour), true)
	sweepBefore(t, db.DB, now, 1)
	cctx, c := dbcount.WithCounter(ctx)
	if n, err := sweep.DeleteBefore(cctx, db.DB, now.Add(-30*24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("sweep behind the mark: %d, %v", n, err)
	}
	if got := c.Load(); got != 1 {
		t.Errorf("a sweep behind its mark sent %d commands, want 1 (the mark)", got)
	}
}

// sweepDB is a test database holding the sweep's index.
func sweepDB(t *testing.T) (*mongodb.DB, context.Context) {
	t.Helper()
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, []mongodb.Index{sweep.Index()}); err != nil {
		t.Fatal(err)
	}
	return db, ctx
}
