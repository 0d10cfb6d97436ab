package contentdb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/content"
)

// Pull sync (GET /v1/sync) asks what changed since a time: a person's own activity, by the
// (userId, recordedAt) index, and the items of their programmes' libraries, by the
// (programmeId, updatedAt) index. Both are bounded by the caller's own data and the page.

// ActivitiesSince implements content.Store: userID's activity recorded after since, oldest
// first, at most limit.
func (s *Store) ActivitiesSince(ctx context.Context, userID string, since content.Position, limit int) ([]content.Activity, error) {
	cur, err := s.db.Collection(Activity).Find(ctx, bson.D{{Key: "userId", Value: userID}, after("recordedAt", since)},
		options.Find().SetSort(bson.D{{Key: "recordedAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	var docs []activityDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]content.Activity, len(docs))
	for i, d := range docs {
		out[i] = d.toActivity()
	}
	return out, nil
}

// ItemsChangedSince implements content.Store: the published or archived items of the
// libraries named whose latest version changed after since, oldest change first.
func (s *Store) ItemsChangedSince(ctx context.Context, programmeIDs []string, since content.Position, limit int) ([]content.Item, error) {
	ids := make(bson.A, len(programmeIDs))
	for i, id := range programmeIDs {
		ids[i] = id
	}
	return s.find(ctx, bson.D{{Key: "programmeId", Value: bson.D{{Key: "$in", Value: ids}}},
		after("updatedAt", since),
		{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{string(content.StatusPublished), string(content.StatusArchived)}}}}},
		options.Find().SetSort(bson.D{{Key: "updatedAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// after selects the documents after a position in (field, _id) order.
func after(field string, p content.Position) bson.E {
	return bson.E{Key: "$or", Value: bson.A{
		bson.D{{Key: field, Value: bson.D{{Key: "$gt", Value: p.At.UTC()}}}},
		bson.D{{Key: field, Value: p.At.UTC()}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: p.ID}}}},
	}}
}
