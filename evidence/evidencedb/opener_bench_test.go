package evidencedb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/evidence/evidencedb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// BenchmarkDueToOpen times one opener read over n scheduled check-ins, spread over the
// programme's coming year, of which 10 are due: "range" is the read before opensHour
// ({state: scheduled, opensAt: {$lte: now}} sorted on opensAt), "bucket" is DueToOpen.
//
//	nice -n 19 go test -run '^$' -bench DueToOpen -benchtime 20x ./evidence/evidencedb/
func BenchmarkDueToOpen(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		now := time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC)
		db, s := openerDB(b, n, func(i int) time.Time {
			if i < 10 {
				return now.Add(-time.Duration(i+1) * time.Minute)
			}
			return now.Add(time.Duration(i+1) * (365 * 24 * time.Hour / time.Duration(n)))
		}, now)
		ctx := context.Background()
		if _, err := s.DueToOpen(ctx, now, 200); err != nil { // makes the mark
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("range/%d", n), func(b *testing.B) {
			for range b.N {
				cur, err := db.DB.Collection(evidencedb.Checkins).Find(ctx,
					bson.D{{Key: "state", Value: "scheduled"}, {Key: "opensAt", Value: bson.D{{Key: "$lte", Value: now}}}},
					options.Find().SetSort(bson.D{{Key: "opensAt", Value: 1}}).SetLimit(200))
				var docs []bson.Raw
				if err != nil || cur.All(ctx, &docs) != nil || len(docs) != 10 {
					b.Fatalf("range read: %d, %v", len(docs), err)
				}
			}
		})
		b.Run(fmt.Sprintf("bucket/%d", n), func(b *testing.B) {
			for range b.N {
				got, err := s.DueToOpen(ctx, now, 200)
				if err != nil || len(got) != 10 {
					b.Fatalf("bucket read: %d, %v", len(got), err)
				}
			}
		})
	}
}

// BenchmarkDueToOpenBacklog times one page (200) of the opener's read when n scheduled
// check-ins are all due at once (a bulk import's baselines): "sorted" is the read with the
// sort on opensAt it had, "streamed" DueToOpen without it.
//
//	nice -n 19 go test -run '^$' -bench DueToOpenBacklog -benchtime 10x ./evidence/evidencedb/
func BenchmarkDueToOpenBacklog(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		now := time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC)
		db, s := openerDB(b, n, func(i int) time.Time { return now.Add(-time.Duration(i%1500) * time.Second) }, now)
		ctx := context.Background()
		if _, err := s.DueToOpen(ctx, now, 200); err != nil { // makes the mark
			b.Fatal(err)
		}
		hours := bson.A{mongodb.HourOf(now.Add(-time.Hour)), mongodb.HourOf(now)}
		b.Run(fmt.Sprintf("sorted/%d", n), func(b *testing.B) {
			for range b.N {
				cur, err := db.DB.Collection(evidencedb.Checkins).Find(ctx, bson.D{{Key: "opensHour", Value: bson.D{{Key: "$in", Value: hours}}},
					{Key: "state", Value: "scheduled"}, {Key: "opensAt", Value: bson.D{{Key: "$lte", Value: now}}}},
					options.Find().SetSort(bson.D{{Key: "opensAt", Value: 1}}).SetLimit(200))
				var docs []bson.Raw
				if err != nil || cur.All(ctx, &docs) != nil || len(docs) != 200 {
					b.Fatalf("sorted read: %d, %v", len(docs), err)
				}
			}
		})
		b.Run(fmt.Sprintf("streamed/%d", n), func(b *testing.B) {
			for range b.N {
				got, err := s.DueToOpen(ctx, now, 200)
				if err != nil || len(got) != 200 {
					b.Fatalf("streamed read: %d, %v", len(got), err)
				}
			}
		})
	}
}

// openerDB is a database of n scheduled check-ins, the ith opening at opensAt(i), written a
// month before now.
func openerDB(b *testing.B, n int, opensAt func(i int) time.Time, now time.Time) (*mongodb.DB, *evidencedb.Store) {
	db := mongotest.DB(b)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, evidencedb.Indexes()); err != nil {
		b.Fatal(err)
	}
	s := evidencedb.New(db.DB)
	cs := make([]evidence.CheckIn, n)
	for i := range cs {
		cs[i] = scheduled(fmt.Sprintf("c%05d", i), opensAt(i), now.Add(-30*24*time.Hour))
	}
	for i := 0; i < n; i += 1000 {
		if err := s.InsertCheckins(ctx, cs[i:min(n, i+1000)]); err != nil {
			b.Fatal(err)
		}
	}
	return db, s
}
