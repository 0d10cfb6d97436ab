package evidencedb_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/evidence/evidencedb"
	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// outcomesDB is a store whose programme p has n pairing aggregates (IDs of several shapes:
// hex, short, prefixes of each other), another programme's beside them, and p's programme
// aggregate; it returns the pairing aggregates' IDs in order.
func outcomesDB(t testing.TB, n int) (*mongodb.DB, *evidencedb.Store, []string) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, evidencedb.Indexes()); err != nil {
		t.Fatal(err)
	}
	s := evidencedb.New(db.DB)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	var want []string
	add := func(pid, pairing string) {
		key := evidence.AggregateKey{Level: evidence.LevelPairing, ProgrammeID: pid, PairingID: pairing}
		if _, err := s.ApplyDelta(ctx, key, 0, "opening:"+pairing, map[string]int{"opened": 1}, now); err != nil {
			t.Fatal(err)
		}
		if pid == "p" {
			want = append(want, key.ID())
		}
	}
	for i := range n {
		add("p", fmt.Sprintf("%016x%08x", uint64(i+1)*0x9e3779b97f4a7c15, i))
	}
	for _, id := range []string{"a", "ab", "abc", "b", "demo-pairing-1"} {
		add("p", id)
	}
	add("other", "a0")
	if _, err := s.ApplyDelta(ctx, evidence.AggregateKey{Level: evidence.LevelProgramme, ProgrammeID: "p"}, 0, "opening:x", map[string]int{"opened": 1}, now); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	return db, s, want
}

// Pages of a programme's pairing outcomes hold every pairing aggregate once, in _id order,
// whether the band directory was kept from the start or built from older data (no bands,
// no directory), and a page reads bands by an index search.
func TestPairingOutcomePagesAcrossBands(t *testing.T) {
	db, s, want := outcomesDB(t, 300)
	ctx := context.Background()
	page := func(limit int) []string {
		var got []string
		after := ""
		for {
			gs, err := s.PairingAggregates(ctx, "p", after, limit)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range gs {
				got = append(got, g.Key.ID())
			}
			if len(gs) < limit {
				return got
			}
			after = gs[len(gs)-1].Key.ID()
		}
	}
	for _, limit := range []int{7, 200, 1000} {
		if got := page(limit); !slices.Equal(got, want) {
			t.Fatalf("pages of %d: %d aggregates, want %d (first difference near %v)", limit, len(got), len(want), firstDiff(got, want))
		}
	}
	// Data from before the bands: none on the documents, no directory.
	if _, err := db.DB.Collection(evidencedb.Outcomes).UpdateMany(ctx, bson.D{}, bson.D{{Key: "$unset", Value: bson.D{{Key: "band", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DB.Collection(evidencedb.Outcomes).DeleteMany(ctx, bson.D{{Key: "level", Value: "bands"}}); err != nil {
		t.Fatal(err)
	}
	if got := page(50); !slices.Equal(got, want) {
		t.Fatalf("after the bands were built from older data: %d aggregates, want %d", len(got), len(want))
	}
	for _, scan := range mongotest.ScannedFinds(db) {
		t.Errorf("the embedded engine scans: %s", scan)
	}
	// A page is the directory and a few reads of bands.
	cctx, c := dbcount.WithCounter(ctx)
	if _, err := s.PairingAggregates(cctx, "p", want[100], 200); err != nil {
		t.Fatal(err)
	}
	if c.Load() > 4 {
		t.Errorf("a page of 200 cost %d commands, want at most 4", c.Load())
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " / " + b[i]
		}
	}
	return "the end"
}

// BenchmarkPairingOutcomePage times the first page (200) of a programme's pairing outcomes:
// "all" is the read before bands (every pairing aggregate of the programme, sorted and
// limited in Go), "bands" PairingAggregates now.
//
//	nice -n 19 go test -run '^$' -bench PairingOutcomePage -benchtime 10x ./evidence/evidencedb/
func BenchmarkPairingOutcomePage(b *testing.B) {
	for _, n := range []int{100, 1000, 6000} {
		db, s, _ := outcomesDB(b, n)
		ctx := context.Background()
		if _, err := s.PairingAggregates(ctx, "p", "", 200); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("all/%d", n), func(b *testing.B) {
			for range b.N {
				cur, err := db.DB.Collection(evidencedb.Outcomes).Find(ctx, bson.D{{Key: "programmeId", Value: "p"}, {Key: "level", Value: evidence.LevelPairing}},
					optionsSortLimit())
				var docs []bson.Raw
				if err != nil || cur.All(ctx, &docs) != nil || len(docs) != min(200, n+5) {
					b.Fatalf("all: %d, %v", len(docs), err)
				}
			}
		})
		b.Run(fmt.Sprintf("bands/%d", n), func(b *testing.B) {
			for range b.N {
				if gs, err := s.PairingAggregates(ctx, "p", "", 200); err != nil || len(gs) != min(200, n+5) {
					b.Fatalf("bands: %d, %v", len(gs), err)
				}
			}
		})
	}
}

func optionsSortLimit() *options.FindOptionsBuilder {
	return options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(200)
}
