package gamificationdb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/gamification/gamificationdb"
	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// boardPlayer is the i-th player of round r: scores that move between rounds (some to a score
// another player has), two roles, some hidden or anonymous, a week and a month.
func boardPlayer(i, r int) gamification.Player {
	vis := []gamification.Visibility{gamification.Visible, gamification.Visible, gamification.Anonymous, gamification.Hidden}[(i+r)%4]
	xp := int64(10 * ((i*7+r*3)%9 + r))
	return gamification.Player{ProgrammeID: "prog", UserID: fmt.Sprintf("%02x%04d", (i*37)%256, i), Role: []string{"mentee", "mentor"}[i%2],
		XP: xp, Weeks: []gamification.PeriodXP{{Key: "w2026-11-30", XP: xp / 2}}, Months: []gamification.PeriodXP{{Key: "m2026-12", XP: xp}},
		DisplayName: fmt.Sprintf("P%d r%d", i, r), Visibility: vis}
}

// boardDoc is any document of the entries' collection: an entry or a board's counts.
type boardDoc struct {
	ID          string           `bson:"_id"`
	Band        string           `bson:"band"`
	Board       string           `bson:"board"`
	UserID      string           `bson:"userId"`
	Score       int64            `bson:"score"`
	DisplayName string           `bson:"displayName"`
	Visibility  string           `bson:"visibility"`
	N           map[string]int64 `bson:"n"`
}

func boardDocsNonZero(t *testing.T, db *mongodb.DB) []boardDoc {
	t.Helper()
	ctx := context.Background()
	cur, err := db.DB.Collection(gamificationdb.BoardEntries).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var out []boardDoc
	if err := cur.All(ctx, &out); err != nil {
		t.Fatal(err)
	}
	for _, d := range out { // a count that went back to 0 is the same as one never made
		for k, v := range d.N {
			if v == 0 {
				delete(d.N, k)
			}
		}
	}
	return out
}

// Board entries written for a batch of players at once (BatchBoards, as the worker writes a
// claimed batch) are exactly those written player by player: the entries, each board's counts
// per score and each score's per band, over more players than one flush pass takes, with
// scores moving, players hidden and shown, and a player saved twice in one batch.
func TestBatchedBoardsMatchSavesOneByOne(t *testing.T) {
	ctx := context.Background()
	const n = 120
	save := func(s *gamificationdb.Store, ctx context.Context, ps map[int]gamification.Player, r int) {
		for i := 0; i < n; i++ {
			p := boardPlayer(i, r)
			p.Version = ps[i].Version
			saved, err := s.SavePlayer(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			ps[i] = saved
		}
	}
	var dbs [2]*mongodb.DB
	for k, batched := range []bool{false, true} {
		db := mongotest.DB(t)
		if err := mongodb.EnsureIndexes(ctx, db.DB, gamificationdb.Indexes()); err != nil {
			t.Fatal(err)
		}
		s := gamificationdb.New(db.DB)
		ps := map[int]gamification.Player{}
		for _, rounds := range [][]int{{0}, {1, 2}, {3}} {
			wctx, flush := ctx, func(context.Context) {}
			if batched {
				wctx, flush = s.BatchBoards(ctx)
			}
			for _, r := range rounds {
				save(s, wctx, ps, r)
			}
			flush(ctx)
		}
		dbs[k] = db
	}
	one, batch := boardDocsNonZero(t, dbs[0]), boardDocsNonZero(t, dbs[1])
	if len(one) < 3*n {
		t.Fatalf("only %d board documents written one by one", len(one))
	}
	if diff := cmp.Diff(one, batch); diff != "" {
		t.Errorf("board documents (-one by one +batched):\n%s", diff)
	}
}

// BenchmarkBoardWrites is the board writes of one round of saves of 50 players (every score
// moved, as a worker's batch of 50 mentees' events moves them), written player by player or
// batched (BatchBoards), with the database commands of the whole round per op (saves
// included).
func BenchmarkBoardWrites(b *testing.B) {
	for _, batched := range []bool{false, true} {
		b.Run(fmt.Sprintf("batched=%v", batched), func(b *testing.B) {
			ctx := context.Background()
			db := mongotest.DB(b)
			if err := mongodb.EnsureIndexes(ctx, db.DB, gamificationdb.Indexes()); err != nil {
				b.Fatal(err)
			}
			s := gamificationdb.New(db.DB)
			ps := map[int]gamification.Player{}
			round := func(ctx context.Context, r int) {
				wctx, flush := ctx, func(context.Context) {}
				if batched {
					wctx, flush = s.BatchBoards(ctx)
				}
				for i := 0; i < 50; i++ {
					p := boardPlayer(i, r)
					p.Version = ps[i].Version
					saved, err := s.SavePlayer(wctx, p)
					if err != nil {
						b.Fatal(err)
					}
					ps[i] = saved
				}
				flush(ctx)
			}
			round(ctx, 0)
			cctx, n := dbcount.WithCounter(ctx)
			b.ResetTimer()
			for r := 1; r <= b.N; r++ {
				round(cctx, r)
			}
			b.ReportMetric(float64(n.Load())/float64(b.N), "commands/op")
		})
	}
}
