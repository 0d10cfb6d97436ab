package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// QueueStat reads the size of a queue collection and how long its first due item has been
// due, with two bounded commands whatever the collection holds: an estimated count (from
// collection metadata on MongoDB) and one read of the first document in dueField order,
// which the queue's index on dueField serves (its claim's index). dueField "" reads only
// the count and reports an age of -1. Metrics call it; it never scans.
func QueueStat(ctx context.Context, db *mongo.Database, coll, dueField string, now time.Time) (int64, time.Duration, error) {
	c := db.Collection(coll)
	n, err := c.EstimatedDocumentCount(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("count %s: %w", coll, err)
	}
	if dueField == "" {
		return n, -1, nil
	}
	if n == 0 {
		return 0, 0, nil
	}
	var first bson.Raw
	err = c.FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: dueField, Value: 1}}).
		SetProjection(bson.D{{Key: dueField, Value: 1}})).Decode(&first)
	if IsNotFound(err) {
		return n, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("first due in %s: %w", coll, err)
	}
	due, ok := first.Lookup(dueField).TimeOK()
	if !ok || !due.Before(now) {
		return n, 0, nil
	}
	return n, now.Sub(due), nil
}
