package programmedb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/programme"
)

// MembershipsOf implements programme.Store: one read by the userId index, bounded by the
// person's own memberships.
func (s *Store) MembershipsOf(ctx context.Context, userID string) ([]programme.Membership, error) {
	cur, err := s.db.Collection(memberships).Find(ctx, bson.D{{Key: "userId", Value: userID}})
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	var docs []membershipDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	out := make([]programme.Membership, len(docs))
	for i, d := range docs {
		out[i] = d.toMembership()
	}
	return out, nil
}
