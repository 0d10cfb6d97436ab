package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// markers is the collection of one-off facts about the database itself, such as "the demo
// data is seeded", each a document keyed by its name.
const markers = "meta"

// HasMarker reports whether the marker name was set (a lookup by _id).
func (d *DB) HasMarker(ctx context.Context, name string) (bool, error) {
	n, err := d.DB.Collection(markers).CountDocuments(ctx, bson.D{{Key: "_id", Value: name}})
	if err != nil {
		return false, fmt.Errorf("read marker %s: %w", name, err)
	}
	return n > 0, nil
}

// SetMarker sets the marker name, recording when; setting it again moves that time.
func (d *DB) SetMarker(ctx context.Context, name string, at time.Time) error {
	_, err := d.DB.Collection(markers).UpdateOne(ctx, bson.D{{Key: "_id", Value: name}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: at.UTC()}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("set marker %s: %w", name, err)
	}
	return nil
}
