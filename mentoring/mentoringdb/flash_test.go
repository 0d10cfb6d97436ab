package mentoringdb_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
)

// A live flash pairing written before flashLive existed (flashDue only) is still found due:
// the first read backfills the field once.
func TestDueFlashPairingsBackfillsOlderPairings(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, mentoringdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	due := now.Add(-time.Hour)
	if _, err := db.DB.Collection(mentoringdb.Pairings).InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "old"}, {Key: "programmeId", Value: "p"}, {Key: "mentorId", Value: "m"}, {Key: "menteeIds", Value: bson.A{"e"}},
			{Key: "type", Value: "flash"}, {Key: "status", Value: "active"}, {Key: "flashDue", Value: due}, {Key: "timeboxEndsAt", Value: due}},
		bson.D{{Key: "_id", Value: "ended"}, {Key: "programmeId", Value: "p"}, {Key: "mentorId", Value: "m"}, {Key: "menteeIds", Value: bson.A{"f"}},
			{Key: "type", Value: "flash"}, {Key: "status", Value: "ended"}, {Key: "timeboxEndsAt", Value: due}},
	}); err != nil {
		t.Fatal(err)
	}
	ps, err := mentoringdb.New(db.DB).DueFlashPairings(ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].ID != "old" {
		t.Fatalf("due flash pairings %+v, want the old live one", ps)
	}
}
