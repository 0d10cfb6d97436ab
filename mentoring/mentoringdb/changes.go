package mentoringdb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/mentoring"
)

// Added for evidence (issue 12): the check-in scheduler follows pairings as they start,
// change and end, by reading the pairings changed since its last round (a range on
// updatedAt: bounded by the changes, not by the number of pairings).

// ChangeIndexes lists the index ChangedSince needs.
func ChangeIndexes() []mongodb.Index {
	return []mongodb.Index{ix(Pairings, k("updatedAt", 1, "_id", 1), false)}
}

// ChangedSince lists up to limit pairings with (updatedAt, _id) after (at, id), in that order.
func (s *Store) ChangedSince(ctx context.Context, at time.Time, id string, limit int) ([]mentoring.Pairing, error) {
	f := k("$or", bson.A{
		k("updatedAt", k("$gt", at.UTC())),
		k("updatedAt", at.UTC(), "_id", k("$gt", id)),
	})
	cur, err := s.c(Pairings).Find(ctx, f, options.Find().SetSort(k("updatedAt", 1, "_id", 1)).SetLimit(int64(limit)))
	docs, err := all[pairingDoc](ctx, cur, err, "changed pairings")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Pairing, len(docs))
	for i, d := range docs {
		out[i] = d.toPairing()
	}
	return out, nil
}
