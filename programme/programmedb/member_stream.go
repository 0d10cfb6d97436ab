package programmedb

import (
	"context"
	"fmt"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/programme"
)

// StreamBatch is how many memberships one reply of a streamed read carries. A programme of
// fewer members comes whole in the find's first reply, so listing it is one command; each
// further StreamBatch members cost one getMore. The engines' defaults are far smaller
// (FerretDB answers 101 documents to a find and 250 to a getMore), which would make the
// command count grow with the programme again. A reply of IDs is a few hundred kB.
const StreamBatch = 10_000

// EachMember calls fn with the user ID of every member of programmeID, each once, in no
// particular order, from ONE find on the equality programmeId (the unique (programmeId,
// userId) index serves it, on the embedded engine too). Members' pages after a user ID cost
// a read of the whole programme each on the embedded engine, whose ranges are not index
// searches; this read costs one. fn's error stops the walk and is returned.
func (s *Store) EachMember(ctx context.Context, programmeID string, fn func(userID string) error) error {
	cur, err := s.db.Collection(memberships).Find(ctx, bson.D{{Key: "programmeId", Value: programmeID}},
		options.Find().SetProjection(bson.D{{Key: "userId", Value: 1}, {Key: "_id", Value: 0}}).SetBatchSize(StreamBatch))
	return each(ctx, cur, err, "list members", func(d membershipDoc) error { return fn(d.UserID) })
}

// MembersWithRole lists every member of programmeID who holds role, in user ID order, from
// ONE find on the equalities (programmeId, role), which the (programmeId, role) index
// serves; the order is made here, in memory (a sort is never an index search on the
// embedded engine, and the whole list is wanted anyway).
func (s *Store) MembersWithRole(ctx context.Context, programmeID string, role programme.Role) ([]programme.Membership, error) {
	cur, err := s.db.Collection(memberships).Find(ctx, bson.D{{Key: "programmeId", Value: programmeID}, {Key: "role", Value: string(role)}},
		options.Find().SetBatchSize(StreamBatch))
	var out []programme.Membership
	err = each(ctx, cur, err, "list members by role", func(d membershipDoc) error {
		out = append(out, d.toMembership())
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UserID < out[j].UserID })
	return out, nil
}

// each decodes the cursor's documents one at a time into fn, closes the cursor and checks
// its error; err is the Find's.
func each[T any](ctx context.Context, cur *mongo.Cursor, err error, what string, fn func(T) error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d T
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
