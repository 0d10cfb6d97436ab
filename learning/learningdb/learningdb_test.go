package learningdb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/learning/learningdb"
)

func ids(ds []gamification.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Event.ID)
	}
	return out
}

// An event leased by another worker is tried once: later claims skip it until its lease
// ends (saving an insert and a read each), and then take it over.
func TestClaimSkipsEventsHeldElsewhere(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, learningdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	other, mine := learningdb.New(db.DB), learningdb.New(db.DB) // two processes
	other.Now, mine.Now = clock, clock
	publish := func(n int) {
		e := learning.Event{ID: fmt.Sprintf("e%d", n), Kind: learning.LessonCompleted, UserID: "u1", ProgrammeID: "p1",
			ItemKind: learning.KindLesson, ItemID: "l1", OccurredAt: now, RecordedAt: now}
		if err := other.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Millisecond) // queued in order
	}
	for i := 1; i <= 3; i++ {
		publish(i)
	}
	lease := 30 * time.Second
	if got, err := other.Claim(ctx, "other", now, lease, 1); err != nil || fmt.Sprint(ids(got)) != "[e1]" {
		t.Fatalf("other claimed %v (%v), want e1", ids(got), err)
	}
	if got, err := mine.Claim(ctx, "mine", now, lease, 1); err != nil || fmt.Sprint(ids(got)) != "[e2]" {
		t.Fatalf("first claim: %v (%v), want e2 (e1 is held)", ids(got), err)
	}
	cctx, counter := mongodb.WithCounter(ctx)
	if got, err := mine.Claim(cctx, "mine", now, lease, 1); err != nil || fmt.Sprint(ids(got)) != "[e3]" {
		t.Fatalf("second claim: %v (%v), want e3", ids(got), err)
	}
	if n := counter.Load(); n != 2 {
		t.Errorf("the second claim took %d commands, want 2 (a find and an insert; e1 not tried again)", n)
	}
	now = now.Add(lease)
	if got, err := mine.Claim(ctx, "mine", now, lease, 1); err != nil || fmt.Sprint(ids(got)) != "[e1]" {
		t.Fatalf("after the lease ended: %v (%v), want e1 taken over", ids(got), err)
	}
}
