package mongodb

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// InsertNew inserts docs unordered, chunk at a time, and reports by index which of them
// existed already (a duplicate key on _id or a unique index): how an outbox enqueues, or an
// import creates, idempotently without reading first. Any other write error is returned.
func InsertNew(ctx context.Context, coll *mongo.Collection, docs []any, chunk int) (map[int]bool, error) {
	dup := map[int]bool{}
	for start := 0; start < len(docs); start += chunk {
		part := docs[start:min(start+chunk, len(docs))]
		_, err := coll.InsertMany(ctx, part, options.InsertMany().SetOrdered(false))
		if err == nil {
			continue
		}
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
			return dup, fmt.Errorf("insert into %s: %w", coll.Name(), err)
		}
		for _, we := range bwe.WriteErrors {
			if we.Code != 11000 {
				return dup, fmt.Errorf("insert into %s: %w", coll.Name(), err)
			}
			dup[start+we.Index] = true
		}
	}
	return dup, nil
}
