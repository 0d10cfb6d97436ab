package gamificationdb

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// racer is version v of one player whose board entries several writers move at once: its
// score and visibility change from version to version (some versions hidden, some on a score
// another player holds).
func racer(v int64) gamification.Player { return racerNamed("eve", v) }

func racerNamed(user string, v int64) gamification.Player {
	vis := []gamification.Visibility{gamification.Visible, gamification.Anonymous, gamification.Visible, gamification.Hidden}[v%4]
	xp := 10 * (v%7 + 1)
	return gamification.Player{ProgrammeID: "prog", UserID: user, Role: "mentee", Version: v, XP: xp,
		Weeks: []gamification.PeriodXP{{Key: "w2026-11-30", XP: xp / 2}}, DisplayName: fmt.Sprintf("%s v%d", user, v), Visibility: vis}
}

// recount is what the boards' count documents should hold given the entries stored: each
// board's visible entries per score and each score's per band (zero counts left out), and the
// counts stored.
func recount(t *testing.T, s *Store) (want, got map[string]map[string]int64) {
	t.Helper()
	ctx := context.Background()
	cur, err := s.db.Collection(BoardEntries).Find(ctx, bson.D{})
	docs, err := all[bson.Raw](ctx, cur, err)
	if err != nil {
		t.Fatal(err)
	}
	want, got = map[string]map[string]int64{}, map[string]map[string]int64{}
	for _, raw := range docs {
		if _, isEntry := raw.Lookup("band").StringValueOK(); !isEntry {
			var c boardCounts
			if err := bson.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			for k, n := range c.N {
				if n != 0 {
					addDelta(got, c.ID, k, n)
				}
			}
			continue
		}
		var e boardEntry
		if err := bson.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		if e.counted() {
			e.count(want, 1)
		}
	}
	return want, got
}

// Writers that move the same player's board entries at the same time (a save's board write
// runs after its compare-and-swap, so the writes of successive versions can overlap, and
// the later version's can even run first) leave the counts equal to a recount of the
// entries, and the entries at the newest version written. Each round, eight writers carry
// eight successive versions of one player, in shuffled order, while two other players hold
// scores of their own; in every other round the player also hides or shows itself at the same
// time (SetProfile's board write). Batched, each writer writes two players' entries at once
// (BatchBoards' flush), both racing.
func TestRacingBoardWritesKeepCountsExact(t *testing.T) {
	for _, batched := range []bool{false, true} {
		t.Run(fmt.Sprintf("batched=%v", batched), func(t *testing.T) { racingBoardWrites(t, batched) })
	}
}

func racingBoardWrites(t *testing.T, batched bool) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, Indexes()); err != nil {
		t.Fatal(err)
	}
	s := New(db.DB)
	for _, p := range []gamification.Player{
		{ProgrammeID: "prog", UserID: "ada", Role: "mentee", Version: 1, XP: 30, Visibility: gamification.Visible},
		{ProgrammeID: "prog", UserID: "ben", Role: "mentor", Version: 1, XP: 40, Visibility: gamification.Visible},
	} {
		if err := s.updateBoards(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	const writers, rounds = 8, 12
	for r := 0; r < rounds; r++ {
		var wg sync.WaitGroup
		for i := 0; i < writers; i++ {
			v := int64(r*writers + (i*5)%writers + 1) // the versions in shuffled order
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.updateBoards(ctx, racer(v))
				if batched {
					err = s.updateBoardsOf(ctx, []gamification.Player{racer(v), racerNamed("fay", v)})
				}
				if err != nil {
					t.Error(err)
				}
			}()
		}
		profile := r%2 == 1
		if profile {
			wg.Add(1)
			go func() {
				defer wg.Done()
				vis := []gamification.Visibility{gamification.Hidden, gamification.Visible}[r/2%2]
				if err := s.setBoardProfile(ctx, "eve", "Eve", vis); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		want, got := recount(t, s)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round %d: board counts (-recount of the entries +stored):\n%s", r, diff)
		}
		newest := racer(int64((r + 1) * writers))
		var e boardEntry
		board := boardID(gamification.BoardRef{ProgrammeID: "prog", Key: gamification.PeriodAll})
		if err := s.db.Collection(BoardEntries).FindOne(ctx, bson.D{{Key: "_id", Value: board + "|eve"}}).Decode(&e); err != nil {
			t.Fatal(err)
		}
		if e.Score != newest.XP || !profile && e.DisplayName != newest.DisplayName {
			t.Fatalf("round %d: eve's all-time entry is %d (%s), want version %d's %d", r, e.Score, e.DisplayName, newest.Version, newest.XP)
		}
		if !batched {
			continue
		}
		if err := s.db.Collection(BoardEntries).FindOne(ctx, bson.D{{Key: "_id", Value: board + "|fay"}}).Decode(&e); err != nil {
			t.Fatal(err)
		}
		if e.Score != newest.XP || e.Version != newest.Version {
			t.Fatalf("round %d: fay's all-time entry is %d (version %d), want version %d's %d", r, e.Score, e.Version, newest.Version, newest.XP)
		}
	}
}

// Conditioned writes cost no more commands than the plain ones: a player's first entries, a
// move of its scores and of its profile are each one read, one write of the entries and one
// of the counts, and a save that moves no score reads only.
func TestBoardWritesCommands(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, Indexes()); err != nil {
		t.Fatal(err)
	}
	s := New(db.DB)
	for _, step := range []struct {
		name string
		do   func(context.Context) error
		want int64
	}{
		{"first entries", func(ctx context.Context) error { return s.updateBoards(ctx, racer(1)) }, 3},
		{"scores moved", func(ctx context.Context) error { return s.updateBoards(ctx, racer(2)) }, 3},
		{"nothing moved", func(ctx context.Context) error { return s.updateBoards(ctx, racer(2)) }, 1},
		{"profile", func(ctx context.Context) error { return s.setBoardProfile(ctx, "eve", "Eve", gamification.Hidden) }, 3},
	} {
		cctx, n := dbcount.WithCounter(ctx)
		if err := step.do(cctx); err != nil {
			t.Fatal(err)
		}
		if n.Load() != step.want {
			t.Errorf("%s: %d commands, want %d", step.name, n.Load(), step.want)
		}
	}
	want, got := recount(t, s)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("board counts (-recount of the entries +stored):\n%s", diff)
	}
}
