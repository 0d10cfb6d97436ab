package programmedb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/programme"
)

// SeedMembers inserts memberships in bulk (unordered; memberships already stored are
// skipped), for building large data sets (bench/scale): the documents AddMember writes. The
// product adds each member with AddMember (owners also through AdjustOwners, which seeding
// does not do: seed mentors and mentees only).
func (s *Store) SeedMembers(ctx context.Context, ms []programme.Membership) error {
	for i := 0; i < len(ms); i += 1000 {
		docs := make([]any, 0, 1000)
		for _, m := range ms[i:min(len(ms), i+1000)] {
			if m.Role == programme.RoleOwner {
				return fmt.Errorf("seed members: %s is an owner (owners are counted; add them with AddMember)", m.UserID)
			}
			docs = append(docs, fromMembership(m))
		}
		_, err := s.db.Collection(memberships).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		if err != nil && !mongodb.OnlyDuplicates(err) {
			return fmt.Errorf("seed members: %w", err)
		}
	}
	return nil
}
