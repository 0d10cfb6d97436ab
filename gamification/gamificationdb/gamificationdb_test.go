package gamificationdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/gamification/gamificationdb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// Every field of a player survives the round trip through its document, and the
// compare-and-swap refuses a stale version.
func TestPlayerRoundTripAndCompareAndSwap(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, gamificationdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	s := gamificationdb.New(db.DB)
	at := time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)
	p := gamification.Player{ProgrammeID: "prog", UserID: "u1", XP: 123, Level: 2,
		Days:   []gamification.DayRecord{{Date: "2026-09-01", XP: 20, GoalMet: true}, {Date: "2026-09-02", XP: 5}},
		Active: []gamification.DateRange{{From: "2026-08-30", To: "2026-09-02"}},
		Streak: gamification.Streak{Current: 4, Best: 9, Freezes: 1, LastActive: "2026-09-02", Frozen: []string{"2026-08-20"}},
		Zones:  []gamification.ZoneChange{{Zone: "Europe/London"}, {From: at, Zone: "Australia/Sydney"}},
		Weeks:  []gamification.PeriodXP{{Key: "w2026-08-31", XP: 25}}, Months: []gamification.PeriodXP{{Key: "m2026-09", XP: 25}},
		Done:    map[string]bool{"lesson:l1": true, "quiz:q1": true},
		Tally:   gamification.Tally{Lessons: 1, QuizzesPassed: 1, PerfectQuizzes: 1, Checklists: 2, Paths: 3, Assignments: 4, AssignmentsOnTime: 5, PairingsAllOnTime: 6},
		Domains: map[string]int{"cognitive": 2}, Badges: []gamification.EarnedBadge{{ID: "first-lesson", At: at, EventID: "e1"}},
		Bars:   []gamification.Bar{{Kind: "path", ID: "p1", Done: 1, Total: 3}},
		Recent: []gamification.Recent{{Kind: "xp", Rule: "lesson_completed", XP: 10, At: at, EventID: "e1"}, {Kind: "level", Level: 2, At: at, EventID: "e1"}},
		Seen:   []gamification.SeenEvent{{ID: "e1", At: at}},
		Applied: []gamification.Applied{{EventID: "e1", At: at, Occurred: at, Day: "2026-09-02", Week: "w2026-08-31", Month: "m2026-09",
			Ledger: []gamification.LedgerItem{{Rule: "lesson_completed", XP: 10}}, Badges: []string{"first-lesson"}, Levels: []int{2}}},
		DisplayName: "Ada", Visibility: gamification.Anonymous, UpdatedAt: at}
	saved, err := s.SavePlayer(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Players(ctx, []gamification.PlayerKey{p.Key()})
	if err != nil {
		t.Fatal(err)
	}
	p.Version = 1
	if diff := cmp.Diff(p, got[p.Key()]); diff != "" {
		t.Errorf("round trip (-saved +read):\n%s", diff)
	}
	if _, err := s.SavePlayer(ctx, gamification.Player{ProgrammeID: "prog", UserID: "u1"}); !errors.Is(err, gamification.ErrVersionConflict) {
		t.Errorf("second insert: %v, want a version conflict", err)
	}
	saved.XP = 200
	if _, err := s.SavePlayer(ctx, saved); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SavePlayer(ctx, saved); !errors.Is(err, gamification.ErrVersionConflict) {
		t.Errorf("stale write: %v, want a version conflict", err)
	}
	// Two versions were committed (the losers deleted their own states): one is garbage.
	if n, err := s.CollectGarbage(ctx, 0); err != nil || n != 1 {
		t.Errorf("collected %d states (%v), want 1", n, err)
	}
	fresh := gamificationdb.New(db.DB) // another process: nothing cached
	again, err := fresh.Players(ctx, []gamification.PlayerKey{p.Key()})
	if err != nil || again[p.Key()].XP != 200 || again[p.Key()].Streak.Best != 9 {
		t.Errorf("after collection: %+v %v", again[p.Key()], err)
	}
	st, err := s.Standings(ctx, "prog", nil)
	if err != nil || len(st) != 1 || st[0].XP != 200 || st[0].ScoreFor("w2026-08-31") != 25 || st[0].Visibility != gamification.Anonymous {
		t.Errorf("standings %+v %v", st, err)
	}
}

// Garbage collection reads what was written, not every player: the states a writer
// superseded go at once, and an hour's remaining states are checked against their heads once
// the hour is old enough, which catches states superseded by another process and states of
// writers that died before moving the head.
func TestGarbageCollectionSweepsHoursOfWrites(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, gamificationdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)
	clock := t0
	writer := gamificationdb.New(db.DB) // a process that dies after its writes
	writer.Now = func() time.Time { return clock }
	p, err := writer.SavePlayer(ctx, gamification.Player{ProgrammeID: "prog", UserID: "u1", XP: 10})
	if err != nil {
		t.Fatal(err)
	}
	p.XP = 20
	if p, err = writer.SavePlayer(ctx, p); err != nil { // version 1's state is now garbage
		t.Fatal(err)
	}
	states := db.DB.Collection(gamificationdb.States)
	var live struct {
		Player string `bson:"player"`
	}
	if err := states.FindOne(ctx, map[string]any{}).Decode(&live); err != nil {
		t.Fatal(err)
	}
	// A writer that died between inserting its state and moving the head.
	if _, err := states.InsertOne(ctx, map[string]any{"_id": live.Player + "#3#dead", "player": live.Player, "state": []byte{},
		"at": t0, "hour": t0.Format("2006-01-02T15")}); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		n, err := states.CountDocuments(ctx, map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 3 {
		t.Fatalf("%d states before collection, want 3", n)
	}
	gc := gamificationdb.New(db.DB) // another process, which remembers nothing
	gc.Now = func() time.Time { return t0.Add(30 * time.Minute) }
	if n, err := gc.CollectGarbage(ctx, time.Minute); err != nil || n != 0 {
		t.Fatalf("collected %d (%v) while the hour is recent, want 0", n, err)
	}
	gc.Now = func() time.Time { return t0.Add(3 * time.Hour) }
	if n, err := gc.CollectGarbage(ctx, time.Minute); err != nil || n != 2 {
		t.Fatalf("collected %d (%v) once the hour is old, want 2", n, err)
	}
	got, err := gc.Players(ctx, []gamification.PlayerKey{p.Key()})
	if err != nil || got[p.Key()].XP != 20 || count() != 1 {
		t.Errorf("after collection: %+v, %v, %d states", got[p.Key()], err, count())
	}
}
