package programmedb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/programme"
)

// MembershipsIn returns the memberships of userIDs in programmeID that exist, by _id
// (programme:user), at most mongodb.MaxIn to a read: the reports' sweeper reads a batch of members
// in one command.
func (s *Store) MembershipsIn(ctx context.Context, programmeID string, userIDs []string) ([]programme.Membership, error) {
	var out []programme.Membership
	for start := 0; start < len(userIDs); start += mongodb.MaxIn {
		ids := make([]string, 0, min(mongodb.MaxIn, len(userIDs)-start))
		for _, u := range userIDs[start:min(start+mongodb.MaxIn, len(userIDs))] {
			ids = append(ids, programmeID+":"+u)
		}
		cur, err := s.db.Collection(memberships).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return nil, fmt.Errorf("find memberships: %w", err)
		}
		var docs []membershipDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, fmt.Errorf("find memberships: %w", err)
		}
		for _, d := range docs {
			out = append(out, d.toMembership())
		}
	}
	return out, nil
}
