package contentdb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentdb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/learning/learningdb"
)

// A batch that runs out of time records its first chunks and answers the rest
// ErrNotReached, with nothing of them written; the whole batch sent again records the rest
// and answers the first part as replays.
func TestSyncStopsBetweenChunks(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, append(contentdb.Indexes(), learningdb.Indexes()...)); err != nil {
		t.Fatal(err)
	}
	store := contentdb.New(db.DB)
	svc := &content.Service{Store: store, Events: learningdb.New(db.DB), Now: time.Now}
	lesson := item("l1", "p", content.KindLesson, "Listening", content.StatusPublished)
	if err := store.CreateItem(ctx, lesson); err != nil {
		t.Fatal(err)
	}
	var events []content.SyncEvent
	for i := range 250 {
		events = append(events, content.SyncEvent{Item: lesson, Lesson: &content.LessonProgress{
			EventID: fmt.Sprintf("0b6c7a52-0000-4000-8000-%012d", i), OccurredAt: time.Now().Add(-time.Duration(250-i) * time.Minute),
			State: content.LessonStarted}})
	}
	chunks := 0
	once := func() bool { chunks++; return chunks == 1 }
	got, err := svc.Sync(ctx, "u1", events, once)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		if done := i < 100; done != (r.Err == nil) || (!done && !errors.Is(r.Err, content.ErrNotReached)) {
			t.Fatalf("event %d: %+v, want the first 100 recorded and the rest not reached", i, r)
		}
	}
	acts, err := store.Activities(ctx, "u1", nil)
	if err != nil || len(acts) != 100 {
		t.Fatalf("%d records after the first chunk (%v), want 100", len(acts), err)
	}
	got, err = svc.Sync(ctx, "u1", events, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		if r.Err != nil || r.Recorded.Duplicate != (i < 100) {
			t.Fatalf("resent event %d: %+v", i, r)
		}
	}
	if acts, _ := store.Activities(ctx, "u1", nil); len(acts) != 250 {
		t.Errorf("%d records after the resend, want 250", len(acts))
	}
}
