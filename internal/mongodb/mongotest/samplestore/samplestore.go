// Package samplestore is a store in miniature for the index check's own tests
// (mongotest/shapes_test.go): its queries are issued from a non-test file, as a real store's
// are.
package samplestore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
)

// Things is the collection.
const Things = "sample_things"

// Indexes serves ByOwner.
func Indexes() []mongodb.Index {
	return []mongodb.Index{{Collection: Things, Model: mongo.IndexModel{Keys: bson.D{{Key: "owner", Value: 1}}}}}
}

// ByOwner is served by Indexes.
func ByOwner(ctx context.Context, db *mongo.Database, owner string) error {
	return db.Collection(Things).FindOne(ctx, bson.D{{Key: "owner", Value: owner}}).Err()
}

// ByColour is a query no index serves.
func ByColour(ctx context.Context, db *mongo.Database, colour string) error {
	return db.Collection(Things).FindOne(ctx, bson.D{{Key: "colour", Value: colour}}).Err()
}

// All reads the whole collection, and says so.
func All(ctx context.Context, db *mongo.Database) error {
	cur, err := db.Collection(Things).Find(ctx, bson.D{}, options.Find().SetComment("scan: the sample's export"))
	if err != nil {
		return err
	}
	return cur.Close(ctx)
}

// Indexes2 adds an index on a time, which MongoDB can range-scan and the embedded engine
// cannot search.
func Indexes2() []mongodb.Index {
	return []mongodb.Index{{Collection: Things, Model: mongo.IndexModel{Keys: bson.D{{Key: "at", Value: 1}}}}}
}

// PruneByRange deletes by a range on an indexed time: served on MongoDB, a scan on the
// embedded engine.
func PruneByRange(ctx context.Context, db *mongo.Database, before int) error {
	_, err := db.Collection(Things).DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}})
	return err
}

// PruneByRangeSaid is PruneByRange declared as a scan.
func PruneByRangeSaid(ctx context.Context, db *mongo.Database, before int) error {
	_, err := db.Collection(Things).DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}},
		options.DeleteMany().SetComment("scan: the sample's prune"))
	return err
}

// PruneOwner deletes by an owner's range: the owner's equality is searched.
func PruneOwner(ctx context.Context, db *mongo.Database, owner string, before int) error {
	_, err := db.Collection(Things).UpdateMany(ctx, bson.D{{Key: "owner", Value: owner}, {Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "old", Value: true}}}})
	return err
}

// DeleteIDs deletes by IDs, sending the command even when there are none (which the
// embedded engine cannot search).
func DeleteIDs(ctx context.Context, db *mongo.Database, ids []string) error {
	_, err := db.Collection(Things).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	return err
}
