package evidencedb_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/evidence/evidencedb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

func scheduled(id string, opensAt, written time.Time) evidence.CheckIn {
	return evidence.CheckIn{ID: id, ProgrammeID: "prog", PairingID: "p", Occasion: id, UserID: "u-" + id, Side: "mentee",
		Timezone: "UTC", OpensAt: opensAt, OverdueAt: opensAt.Add(7 * 24 * time.Hour), State: evidence.StateScheduled,
		CreatedAt: written, UpdatedAt: written}
}

// openRound is the worker's opener: it reads what is due and opens each, until a read finds
// fewer than the limit; it counts every opening.
func openRound(t *testing.T, s *evidencedb.Store, now time.Time, opened map[string]int) {
	t.Helper()
	ctx := context.Background()
	for {
		cs, err := s.DueToOpen(ctx, now, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.OpensAt.After(now) {
				t.Fatalf("%s opens at %s, read as due at %s", c.ID, c.OpensAt, now)
			}
			ok, err := s.SetState(ctx, c.ID, evidence.StateOpen, false, now, evidence.StateScheduled)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				opened[c.ID]++
			}
		}
		if len(cs) < 2 {
			return
		}
	}
}

// The opener finds each check-in once its time has come, across hour edges, a restart (a new
// store on the same database, the mark kept in it), a check-in written or rescheduled with an
// opening time long past, and a check-in written before the bucket existed.
func TestOpenerFindsEachDueCheckinOnceAcrossHoursAndRestarts(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, evidencedb.Indexes()); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC)
	edge := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	// Written before opensHour existed: scheduled, due an hour ago, no bucket.
	if _, err := db.DB.Collection(evidencedb.Checkins).InsertOne(ctx, bson.D{{Key: "_id", Value: "legacy"},
		{Key: "state", Value: "scheduled"}, {Key: "opensAt", Value: t0.Add(-time.Hour)}, {Key: "programmeId", Value: "prog"}}); err != nil {
		t.Fatal(err)
	}
	s := evidencedb.New(db.DB)
	in := []evidence.CheckIn{
		scheduled("before-edge", edge.Add(-time.Second), t0),
		scheduled("at-edge", edge, t0),
		scheduled("mid", edge.Add(30*time.Minute), t0),
		scheduled("next-hour", edge.Add(time.Hour), t0),
		scheduled("next-day", edge.Add(24*time.Hour), t0),
		scheduled("moved", edge.Add(48*time.Hour), t0),
	}
	if err := s.InsertCheckins(ctx, in); err != nil {
		t.Fatal(err)
	}
	opened := map[string]int{}
	want := func(now time.Time, ids ...string) {
		t.Helper()
		for _, id := range ids {
			if opened[id] != 1 {
				t.Errorf("at %s: %s opened %d times, want 1 (opened: %v)", now.Format(time.TimeOnly), id, opened[id], opened)
			}
		}
		if len(opened) != len(ids) {
			t.Errorf("at %s: opened %v, want exactly %v", now.Format(time.TimeOnly), opened, ids)
		}
	}
	openRound(t, s, t0, opened)
	want(t0, "legacy")
	openRound(t, s, edge.Add(-time.Second), opened)
	want(edge, "legacy", "before-edge")
	openRound(t, s, edge, opened)
	openRound(t, s, edge.Add(time.Minute), opened)
	want(edge, "legacy", "before-edge", "at-edge")

	// A restart: a new store; the clock jumps past two hour edges.
	s = evidencedb.New(db.DB)
	late := edge.Add(2*time.Hour + 5*time.Minute)
	// Written now with opening times long past: a pairing started last week, a check-in
	// rescheduled to yesterday.
	if err := s.InsertCheckins(ctx, []evidence.CheckIn{scheduled("backdated", late.Add(-7*24*time.Hour), late)}); err != nil {
		t.Fatal(err)
	}
	moved := scheduled("moved", late.Add(-24*time.Hour), late)
	if ok, err := s.Reschedule(ctx, moved); err != nil || !ok {
		t.Fatalf("reschedule: %v %v", ok, err)
	}
	openRound(t, s, late, opened)
	openRound(t, s, late, opened)
	want(late, "legacy", "before-edge", "at-edge", "mid", "next-hour", "backdated", "moved")

	// A day later, after rounds that found nothing in between.
	for h := late; h.Before(late.Add(30 * time.Hour)); h = h.Add(37 * time.Minute) {
		openRound(t, evidencedb.New(db.DB), h, opened)
	}
	want(late, "legacy", "before-edge", "at-edge", "mid", "next-hour", "backdated", "moved", "next-day")
}

// A check-in the opener read but did not open holds the mark back: a restart days later
// still finds it.
func TestOpenerMarkWaitsForWhatWasNotOpened(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, evidencedb.Indexes()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC)
	s := evidencedb.New(db.DB)
	if err := s.InsertCheckins(ctx, []evidence.CheckIn{scheduled("x", now.Add(-time.Minute), now.Add(-2*time.Minute))}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 { // daily rounds that read it but fail to open it (a crash before the write)
		cs, err := s.DueToOpen(ctx, now.Add(time.Duration(i)*24*time.Hour), 200)
		if err != nil || len(cs) != 1 {
			t.Fatalf("round %d: %v %v", i, cs, err)
		}
	}
	cs, err := evidencedb.New(db.DB).DueToOpen(ctx, now.Add(5*24*time.Hour), 200)
	if err != nil || len(cs) != 1 || cs[0].ID != "x" {
		t.Fatalf("after a restart five days later: %v %v", cs, err)
	}
}
