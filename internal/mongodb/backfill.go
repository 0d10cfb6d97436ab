package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// EnsureBackfilled runs the bucket's Backfill once per database: it returns at once when the
// "meta" collection says the backfill was done (one _id read), else backfills and says so.
// For stores that search an hour bucket of a time (not only to sweep) and must also find
// documents written before the bucket existed. Two processes may both backfill; the
// backfill's writes are idempotent.
func (sw HourSweep) EnsureBackfilled(ctx context.Context, db *mongo.Database) error {
	return OnceMarked(ctx, db, "backfill:"+sw.Collection+"."+sw.Bucket, func() error {
		_, err := sw.Backfill(ctx, db)
		return err
	})
}

// OnceMarked runs fn unless the "meta" collection holds the marker id (one _id read), and
// sets the marker once fn succeeded: a one-time pass over a database, such as a backfill. Two
// processes may both run fn, so fn must be idempotent.
func OnceMarked(ctx context.Context, db *mongo.Database, id string, fn func() error) error {
	n, err := db.Collection(markers).CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return fmt.Errorf("%s: read the mark: %w", id, err)
	}
	if n > 0 {
		return nil
	}
	if err := fn(); err != nil {
		return err
	}
	_, err = db.Collection(markers).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "at", Value: time.Now().UTC()}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("%s: make the mark: %w", id, err)
	}
	return nil
}

// HoursBetween lists the hour buckets (HourOf) of the times in [from, to), at most max of
// them; ok is false when there are more (the caller then falls back to a range query).
func HoursBetween(from, to time.Time, max int) (hours []string, ok bool) {
	for h := from.UTC().Truncate(time.Hour); h.Before(to); h = h.Add(time.Hour) {
		if len(hours) == max {
			return nil, false
		}
		hours = append(hours, HourOf(h))
	}
	return hours, true
}
