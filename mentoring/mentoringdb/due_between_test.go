package mentoringdb_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
)

// DueBetween (the reminder scheduler's read) finds exactly the open assignments due in a
// window, at the edges of its hours (a millisecond either side), across pages, including
// assignments written before the hour bucket existed (backfilled once), and a window too
// long for the bucket list falls back to the range.
func TestDueBetweenSearchesHourBucketsAndMatchesTheRange(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, mentoringdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	store := mentoringdb.New(db.DB)
	base := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var as []mentoring.MenteeAssignment
	for i := range 120 {
		// every 37 minutes from 30 hours before base, and some a millisecond around hours
		due := base.Add(-30*time.Hour + time.Duration(i)*37*time.Minute)
		if i%10 == 0 {
			due = due.Truncate(time.Hour).Add(time.Duration(i%3-1) * time.Millisecond)
		}
		state := mentoring.AssignmentOpen
		if i%7 == 0 {
			state = mentoring.AssignmentCompleted
		}
		as = append(as, mentoring.MenteeAssignment{ID: fmt.Sprintf("a%03d:e", i), AssignmentID: fmt.Sprintf("a%03d", i), ProgrammeID: "p",
			PairingID: "g", MentorID: "m", MenteeID: "e", Title: "t", DueAt: due, Timezone: "Europe/London", State: state, CreatedAt: base})
	}
	if err := store.InsertAssignments(ctx, as); err != nil {
		t.Fatal(err)
	}
	// A fifth were written before the bucket existed.
	var legacy []string
	for i := 0; i < len(as); i += 5 {
		legacy = append(legacy, as[i].ID)
	}
	if _, err := db.DB.Collection(mentoringdb.Assignments).UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: legacy}}}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "dueHour", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	want := func(from, to time.Time) []string {
		var ids []string
		for _, a := range as {
			if a.State == mentoring.AssignmentOpen && !a.DueAt.Before(from) && a.DueAt.Before(to) {
				ids = append(ids, a.ID)
			}
		}
		return ids
	}
	windows := [][2]time.Time{
		{base, base.Add(48 * time.Hour)},
		{base.Add(-7 * 24 * time.Hour), base},
		{base.Add(-12*time.Hour - time.Millisecond), base.Add(-11*time.Hour + time.Millisecond)},
		{base.Add(-20 * time.Hour), base.Add(-20 * time.Hour)}, // empty
		{time.Time{}, base}, // too many hours: the range
	}
	for _, w := range windows {
		var got []string
		var after *mentoring.Cursor
		for {
			page, err := store.DueBetween(ctx, w[0], w[1], after, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				got = append(got, a.ID)
			}
			if len(page) < 7 {
				break
			}
			last := page[len(page)-1]
			after = &mentoring.Cursor{At: last.DueAt, ID: last.ID}
		}
		slices.Sort(got)
		if exp := want(w[0], w[1]); !slices.Equal(got, exp) {
			t.Errorf("due in [%v, %v): got %d %v, want %d %v", w[0], w[1], len(got), got, len(exp), exp)
		}
	}
}
