package programmedb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ProgrammeIDs lists up to limit programme IDs after afterID, in ID order: a walk over every
// programme, for operator tools (the reports' rebuild).
func (s *Store) ProgrammeIDs(ctx context.Context, afterID string, limit int) ([]string, error) {
	f := bson.D{}
	if afterID != "" {
		f = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: afterID}}}}
	}
	cur, err := s.db.Collection(programmes).Find(ctx, f, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).
		SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}).SetComment("scan: an operator tool walks every programme"))
	if err != nil {
		return nil, fmt.Errorf("list programmes: %w", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list programmes: %w", err)
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out, nil
}
