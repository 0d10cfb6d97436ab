package gamificationdb_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/gamification/gamificationdb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// SeedPlayers (bench/scale) leaves the database as SavePlayer does for new players: the same
// players and the same board entries and counts, in two batches whose count updates match
// stored documents by the hundred (an update command FerretDB 1.24 never answers when it
// holds more than 100 such statements), and a batch written again changes nothing.
func TestSeedPlayersWritesWhatSavePlayerWrites(t *testing.T) {
	ctx := context.Background()
	ps := seedPlayers(10)
	saved, seeded := mongotest.DB(t), mongotest.DB(t)
	for _, db := range []*mongodb.DB{saved, seeded} {
		if err := mongodb.EnsureIndexes(ctx, db.DB, gamificationdb.Indexes()); err != nil {
			t.Fatal(err)
		}
	}
	s := gamificationdb.New(saved.DB)
	for _, p := range ps {
		if _, err := s.SavePlayer(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	seed := gamificationdb.New(seeded.DB)
	for _, batch := range [][]gamification.Player{ps[:5], ps[5:], ps[3:7]} {
		if err := seed.SeedPlayers(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	var keys []gamification.PlayerKey
	for _, p := range ps {
		keys = append(keys, p.Key())
	}
	want, err := s.Players(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	got, err := seed.Players(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("players (-saved +seeded):\n%s", diff)
	}
	wantBoards, gotBoards := boardDocs(t, saved), boardDocs(t, seeded)
	if len(wantBoards) < 150 {
		t.Fatalf("only %d board documents: the test wants updates of more than 100 stored documents", len(wantBoards))
	}
	// Counts are sub-documents whose key order follows the writes' order.
	unordered := cmp.Transformer("unordered", func(d bson.D) map[string]any {
		m := make(map[string]any, len(d))
		for _, e := range d {
			m[e.Key] = e.Value
		}
		return m
	})
	// A saved entry carries the token of the write that made it (its writers' conditions);
	// a seeded one has none, as entries written before tokens were kept.
	for _, d := range wantBoards {
		delete(d, "write")
	}
	if diff := cmp.Diff(wantBoards, gotBoards, unordered); diff != "" {
		t.Errorf("board entries and counts (-saved +seeded):\n%s", diff)
	}
}

// seedPlayers are n mentees with the periods a player keeps (8 weeks, 3 months), scored in
// five groups: player i shares its scores with player i+5, so a second batch of five updates
// the board counts (24 boards) and the score counts (24 x 5) the first batch stored.
func seedPlayers(n int) []gamification.Player {
	at := time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)
	var ps []gamification.Player
	for i := 0; i < n; i++ {
		xp := int64(10 * (i%5 + 1))
		p := gamification.Player{ProgrammeID: "prog", UserID: fmt.Sprintf("u%02d", i), XP: 12 * xp, Level: 2, Role: "mentee",
			DisplayName: fmt.Sprintf("Mentee %d", i), Visibility: gamification.Visible, Done: map[string]bool{"lesson:l1": true},
			Domains: map[string]int{"cognitive": 1}, UpdatedAt: at}
		for w := 0; w < 8; w++ {
			p.Weeks = append(p.Weeks, gamification.PeriodXP{Key: "w" + at.AddDate(0, 0, -7*w).Format(time.DateOnly), XP: xp})
		}
		p.Months = []gamification.PeriodXP{{Key: "m2026-07", XP: xp}, {Key: "m2026-08", XP: 2 * xp}, {Key: "m2026-09", XP: 3 * xp}}
		ps = append(ps, p)
	}
	return ps
}

func boardDocs(t *testing.T, db *mongodb.DB) []bson.M {
	t.Helper()
	cur, err := db.DB.Collection(gamificationdb.BoardEntries).Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.M
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	sort.Slice(docs, func(i, j int) bool { return fmt.Sprint(docs[i]["_id"]) < fmt.Sprint(docs[j]["_id"]) })
	return docs
}
