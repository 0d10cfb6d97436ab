package learningdb_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/learning/learningdb"
)

func ids(ds []learning.Delivery) []string {
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
	cctx, counter := dbcount.WithCounter(ctx)
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

// Sweeping moves the leases of processed events into the log, and only deletes those of
// events still queued or parked; a sweep that died after its log insert is done again
// without logging twice.
func TestSweepLogsProcessedEventsOnly(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, learningdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)
	s := learningdb.New(db.DB)
	s.Now = func() time.Time { return now }
	for _, id := range []string{"done", "parked", "stuck"} {
		e := learning.Event{ID: id, Kind: learning.LessonCompleted, UserID: "u1", ProgrammeID: "p1", ItemKind: learning.KindLesson,
			ItemID: "l-" + id, OccurredAt: now, RecordedAt: now}
		if err := s.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := s.Claim(ctx, "w", now, time.Minute, 10)
	if err != nil || len(ds) != 3 {
		t.Fatalf("claimed %d (%v), want 3", len(ds), err)
	}
	byID := map[string]learning.Delivery{}
	for _, d := range ds {
		byID[d.Event.ID] = d
	}
	if err := s.Done(ctx, []learning.Delivery{byID["done"]}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx, "parked", "w", now, "broken", true); err != nil {
		t.Fatal(err)
	}
	// "stuck" stays queued with its lease (its worker died and none ran since).
	logCount := func() int64 {
		n, err := db.DB.Collection(learningdb.Events).CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	published := func() string {
		es, err := s.Published(ctx, "u1")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		slices.Sort(out)
		return fmt.Sprint(out)
	}
	if got := published(); got != "[done parked stuck]" {
		t.Errorf("published before the sweep: %s", got)
	}
	// The sweep died after its log insert: the entry is there, the lease too.
	if _, err := db.DB.Collection(learningdb.Events).InsertOne(ctx, learningdb.FromEvent(byID["done"].Event)); err != nil {
		t.Fatal(err)
	}
	later := now.Add(learningdb.MarkerRetention + 2*time.Minute)
	if n, err := s.SweepLeases(ctx, later); err != nil || n != 3 {
		t.Fatalf("swept %d (%v), want all 3 leases", n, err)
	}
	if n := logCount(); n != 1 {
		t.Errorf("%d log entries, want only the processed event's, once", n)
	}
	if got := published(); got != "[done parked stuck]" {
		t.Errorf("published after the sweep: %s", got)
	}
	if n, err := s.SweepLeases(ctx, later); err != nil || n != 0 {
		t.Errorf("second sweep removed %d (%v)", n, err)
	}
}

// A lease made before leases held their events (an event in retry back-off at the upgrade)
// gets the event when it is taken over, so the processed event is still recorded; and a
// replay queued when the sweep runs does not stop the processed event being logged.
func TestOldLeaseAndQueuedReplayAreStillLogged(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, learningdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)
	s := learningdb.New(db.DB)
	s.Now = func() time.Time { return now }
	e := learning.Event{ID: "e1", Kind: learning.LessonCompleted, UserID: "u1", ProgrammeID: "p1", ItemKind: learning.KindLesson,
		ItemID: "l1", OccurredAt: now, RecordedAt: now}
	if err := s.Publish(ctx, e); err != nil {
		t.Fatal(err)
	}
	if ds, err := s.Claim(ctx, "old", now, time.Minute, 1); err != nil || len(ds) != 1 {
		t.Fatalf("claimed %d (%v)", len(ds), err)
	}
	claims := db.DB.Collection(learningdb.Claims)
	if _, err := claims.UpdateOne(ctx, bson.D{{Key: "_id", Value: "e1"}}, bson.D{{Key: "$unset", Value: bson.D{{Key: "event", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx, "e1", "old", now.Add(time.Second), "retry", false); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Second)
	ds, err := s.Claim(ctx, "new", now, time.Minute, 1)
	if err != nil || len(ds) != 1 {
		t.Fatalf("retry claimed %d (%v)", len(ds), err)
	}
	if err := s.Done(ctx, ds, now); err != nil {
		t.Fatal(err)
	}
	// A client replays the event (new publication) just before the sweep.
	now = now.Add(learningdb.MarkerRetention + 2*time.Minute)
	if err := s.Publish(ctx, e); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SweepLeases(ctx, now); err != nil || n != 1 {
		t.Fatalf("swept %d (%v), want 1", n, err)
	}
	if n, err := db.DB.Collection(learningdb.Events).CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
		t.Errorf("%d log entries (%v), want the processed event's", n, err)
	}
	// The queued replay went with its lease: without it, it would be claimed as new.
	if q, _, err := s.Pending(ctx); err != nil || q != 0 {
		t.Errorf("%d events still queued (%v), want the replay dropped", q, err)
	}
}
