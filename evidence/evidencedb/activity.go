package evidencedb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// Activity is the CPD activity log: one entry per content learning event, keyed by the
// event, read per person by date.
const Activity = "evidence_activity"

func activityIndexes() []mongodb.Index {
	return []mongodb.Index{ix(Activity, k("userId", 1, "occurredAt", 1), false)} // Completed
}

var _ evidence.ActivityStore = (*Store)(nil)

type activityDoc struct {
	ID          string    `bson:"_id"` // the learning event's ID
	UserID      string    `bson:"userId"`
	ProgrammeID string    `bson:"programmeId"`
	Kind        string    `bson:"kind"`
	ItemID      string    `bson:"itemId"`
	Title       string    `bson:"title"`
	Minutes     int       `bson:"minutes"`
	Domain      string    `bson:"domain"`
	OccurredAt  time.Time `bson:"occurredAt"`
	Score       *int      `bson:"score,omitempty"`
	Passed      bool      `bson:"passed"`
}

// RecordActivity implements evidence.ActivityStore: an insert on the event's ID.
func (s *Store) RecordActivity(ctx context.Context, userID string, c evidence.CPDContent) error {
	_, err := s.c(Activity).InsertOne(ctx, activityDoc{ID: c.EventID, UserID: userID, ProgrammeID: c.ProgrammeID, Kind: c.Kind, ItemID: c.ItemID,
		Title: c.Title, Minutes: c.Minutes, Domain: c.Domain, OccurredAt: c.OccurredAt.UTC(), Score: c.Score, Passed: c.Passed})
	if err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("insert activity: %w", err)
	}
	return nil
}

// Completed implements evidence.ActivityLog.
func (s *Store) Completed(ctx context.Context, userID string, from, to time.Time) ([]evidence.CPDContent, error) {
	cur, err := s.c(Activity).Find(ctx, k("userId", userID, "occurredAt", k("$gte", from.UTC(), "$lt", to.UTC())),
		options.Find().SetSort(k("occurredAt", 1)).SetLimit(5000))
	docs, err := all[activityDoc](ctx, cur, err, "list activity")
	if err != nil {
		return nil, err
	}
	out := make([]evidence.CPDContent, len(docs))
	for i, d := range docs {
		out[i] = evidence.CPDContent{EventID: d.ID, ProgrammeID: d.ProgrammeID, Kind: d.Kind, ItemID: d.ItemID, Title: d.Title,
			Minutes: d.Minutes, Domain: d.Domain, OccurredAt: d.OccurredAt, Score: d.Score, Passed: d.Passed}
	}
	return out, nil
}
