package learningdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/learning/learningdb"
)

// A sweep that finds no old lease only reads: it used to send a delete of {_id: {$in: []},
// until: {$lt: ...}} anyway, which the embedded engine cannot search (an empty $in is not
// pushed down), so every sweep round decoded the whole of learning_claims while holding the
// one connection (14-16 s a round at 3,000 mentees in bench/scale, every 15 s).
func TestSweepWithNothingDueOnlyReads(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, learningdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)
	s := learningdb.New(db.DB)
	s.Now = func() time.Time { return now }
	// A recent processed event: its lease is kept, nothing is due for sweeping.
	e := learning.Event{ID: "recent", Kind: learning.LessonCompleted, UserID: "u1", ProgrammeID: "p1", ItemKind: learning.KindLesson,
		ItemID: "l1", OccurredAt: now, RecordedAt: now}
	if err := s.SeedProcessed(ctx, []learning.Event{e}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SweepLeases(ctx, now); err != nil { // the first looks back 90 days
		t.Fatal(err)
	}
	cctx, counter := dbcount.WithCounter(ctx)
	if n, err := s.SweepLeases(cctx, now.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("swept %d (%v), want nothing", n, err)
	}
	if n := counter.Load(); n != 1 {
		t.Errorf("a sweep with nothing due took %d commands, want 1 (the read of the due hours)", n)
	}
}
