package mongodb_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// The embedded engine's patched SQLite backend (third_party/ferretdb, PATCHES.md) pushes
// equality on top-level fields down to SQL. MongoDB's equality also matches an array holding
// the value, and numbers of other types with the same value; these tests hold every command
// the stores use to MongoDB's answers, on fields that hold scalars in some documents and
// arrays in others. They pass unchanged against a real MongoDB (MONGODB_TEST_URI).
func TestEqualityMatchesLikeMongoDB(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	coll := db.DB.Collection("pushdown")
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "k", Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	const tricky = "a<b>&\"c\"\\ \u2028é🎉\x01"
	docs := []any{
		bson.D{{Key: "_id", Value: "scalar"}, {Key: "k", Value: "x"}},
		bson.D{{Key: "_id", Value: "array"}, {Key: "k", Value: bson.A{"w", "x"}}},
		bson.D{{Key: "_id", Value: "otherArray"}, {Key: "k", Value: bson.A{"w"}}},
		bson.D{{Key: "_id", Value: "emptyArray"}, {Key: "k", Value: bson.A{}}},
		bson.D{{Key: "_id", Value: "other"}, {Key: "k", Value: "y"}},
		bson.D{{Key: "_id", Value: "missing"}},
		bson.D{{Key: "_id", Value: "doc"}, {Key: "k", Value: bson.D{{Key: "x", Value: "x"}}}},
		bson.D{{Key: "_id", Value: "tricky"}, {Key: "k", Value: tricky}},
		bson.D{{Key: "_id", Value: "trickyArray"}, {Key: "k", Value: bson.A{1, tricky}}},
		bson.D{{Key: "_id", Value: "int32"}, {Key: "k", Value: int32(5)}},
		bson.D{{Key: "_id", Value: "int64"}, {Key: "k", Value: int64(5)}},
		bson.D{{Key: "_id", Value: "double"}, {Key: "k", Value: 5.0}},
		bson.D{{Key: "_id", Value: "numArray"}, {Key: "k", Value: bson.A{1.5, int64(5)}}},
		bson.D{{Key: "_id", Value: "zero"}, {Key: "k", Value: int32(0)}},
		bson.D{{Key: "_id", Value: "negZero"}, {Key: "k", Value: math.Copysign(0, -1)}},
		bson.D{{Key: "_id", Value: "big64"}, {Key: "k", Value: int64(1) << 60}},
		bson.D{{Key: "_id", Value: "bigDouble"}, {Key: "k", Value: float64(int64(1) << 60)}},
		bson.D{{Key: "_id", Value: "true"}, {Key: "k", Value: true}},
		bson.D{{Key: "_id", Value: "one"}, {Key: "k", Value: int32(1)}},
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		filter bson.D
		want   []string
	}{
		{bson.D{{Key: "k", Value: "x"}}, []string{"array", "scalar"}},
		{bson.D{{Key: "k", Value: bson.D{{Key: "$eq", Value: "x"}}}}, []string{"array", "scalar"}},
		{bson.D{{Key: "k", Value: bson.D{{Key: "$in", Value: bson.A{"x", "y"}}}}}, []string{"array", "other", "scalar"}},
		{bson.D{{Key: "k", Value: "w"}}, []string{"array", "otherArray"}},
		{bson.D{{Key: "k", Value: tricky}}, []string{"tricky", "trickyArray"}},
		{bson.D{{Key: "k", Value: int32(5)}}, []string{"double", "int32", "int64", "numArray"}},
		{bson.D{{Key: "k", Value: int64(5)}}, []string{"double", "int32", "int64", "numArray"}},
		{bson.D{{Key: "k", Value: 5.0}}, []string{"double", "int32", "int64", "numArray"}},
		{bson.D{{Key: "k", Value: 1.5}}, []string{"numArray"}},
		{bson.D{{Key: "k", Value: int32(0)}}, []string{"negZero", "zero"}},
		{bson.D{{Key: "k", Value: int64(1) << 60}}, []string{"big64", "bigDouble"}},
		{bson.D{{Key: "k", Value: true}}, []string{"true"}},
		{bson.D{{Key: "k", Value: int32(1)}}, []string{"one", "trickyArray"}},
		{bson.D{{Key: "_id", Value: "scalar"}, {Key: "k", Value: "x"}}, []string{"scalar"}},
		{bson.D{{Key: "_id", Value: "scalar"}, {Key: "k", Value: "y"}}, nil},
		{bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{"scalar", "other", "nope"}}}}}, []string{"other", "scalar"}},
		{bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{"array", "scalar"}}}}, {Key: "k", Value: "w"}}, []string{"array"}},
	} {
		t.Run(fmt.Sprint(tc.filter), func(t *testing.T) {
			if got := findIDs(t, coll, tc.filter); !slices.Equal(got, tc.want) {
				t.Errorf("find: %v, want %v", got, tc.want)
			}
			n, err := coll.CountDocuments(ctx, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if int(n) != len(tc.want) {
				t.Errorf("countDocuments = %d, want %d", n, len(tc.want))
			}
		})
	}

	// Writes select their documents the same way.
	res, err := coll.UpdateMany(ctx, bson.D{{Key: "k", Value: "x"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "hit", Value: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ModifiedCount != 2 {
		t.Errorf("updateMany {k: x} modified %d, want 2", res.ModifiedCount)
	}
	var one bson.M
	err = coll.FindOneAndUpdate(ctx, bson.D{{Key: "k", Value: "w"}, {Key: "hit", Value: true}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "w", Value: true}}}}).Decode(&one)
	if err != nil || one["_id"] != "array" {
		t.Errorf("findOneAndUpdate {k: w, hit: true} = %v, %v; want the array document", one, err)
	}
	del, err := coll.DeleteMany(ctx, bson.D{{Key: "k", Value: int64(5)}})
	if err != nil {
		t.Fatal(err)
	}
	if del.DeletedCount != 4 {
		t.Errorf("deleteMany {k: 5} deleted %d, want 4", del.DeletedCount)
	}
	cur, err := coll.Aggregate(ctx, mongo.Pipeline{{{Key: "$match", Value: bson.D{{Key: "k", Value: "w"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var agg []bson.M
	if err := cur.All(ctx, &agg); err != nil {
		t.Fatal(err)
	}
	if len(agg) != 2 {
		t.Errorf("aggregate $match {k: w} returned %d documents, want 2", len(agg))
	}

	// A compare-and-swap on a stale version changes nothing.
	upd, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "scalar"}, {Key: "v", Value: int64(3)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "k", Value: "z"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if upd.MatchedCount != 0 {
		t.Errorf("stale compare-and-swap matched %d", upd.MatchedCount)
	}
}

// A compound index serves equality on its keys; arrays in any key still match.
func TestCompoundEqualityMatchesLikeMongoDB(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	coll := db.DB.Collection("compound")
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "p", Value: 1}, {Key: "u", Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	docs := []any{
		bson.D{{Key: "_id", Value: "pu"}, {Key: "p", Value: "p1"}, {Key: "u", Value: "u1"}},
		bson.D{{Key: "_id", Value: "pOtherU"}, {Key: "p", Value: "p1"}, {Key: "u", Value: "u2"}},
		bson.D{{Key: "_id", Value: "pArrayU"}, {Key: "p", Value: "p1"}, {Key: "u", Value: bson.A{"u2", "u1"}}},
		bson.D{{Key: "_id", Value: "arrayPU"}, {Key: "p", Value: bson.A{"p0", "p1"}}, {Key: "u", Value: "u1"}},
		bson.D{{Key: "_id", Value: "arrayPArrayU"}, {Key: "p", Value: bson.A{"p1"}}, {Key: "u", Value: bson.A{"u1"}}},
		bson.D{{Key: "_id", Value: "arrayPOtherU"}, {Key: "p", Value: bson.A{"p1"}}, {Key: "u", Value: "u3"}},
		bson.D{{Key: "_id", Value: "otherP"}, {Key: "p", Value: "p2"}, {Key: "u", Value: "u1"}},
		bson.D{{Key: "_id", Value: "noU"}, {Key: "p", Value: "p1"}},
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		filter bson.D
		want   []string
	}{
		{bson.D{{Key: "p", Value: "p1"}, {Key: "u", Value: "u1"}}, []string{"arrayPArrayU", "arrayPU", "pArrayU", "pu"}},
		{bson.D{{Key: "u", Value: "u1"}, {Key: "p", Value: "p1"}}, []string{"arrayPArrayU", "arrayPU", "pArrayU", "pu"}},
		{bson.D{{Key: "p", Value: "p1"}}, []string{"arrayPArrayU", "arrayPOtherU", "arrayPU", "noU", "pArrayU", "pOtherU", "pu"}},
		{bson.D{{Key: "p", Value: "p1"}, {Key: "u", Value: bson.D{{Key: "$in", Value: bson.A{"u2", "u3"}}}}}, []string{"arrayPOtherU", "pArrayU", "pOtherU"}},
	} {
		if got := findIDs(t, coll, tc.filter); !slices.Equal(got, tc.want) {
			t.Errorf("find %v: %v, want %v", tc.filter, got, tc.want)
		}
	}
	if plan := explainFind(t, db.DB, "compound", bson.D{{Key: "p", Value: "p1"}, {Key: "u", Value: "u1"}}); db.Embedded &&
		!strings.Contains(plan, "(<expr>=? AND <expr>=?)") {
		t.Errorf("{p, u} does not search both keys of the index:\n%s", plan)
	}
}

func findIDs(t *testing.T, coll *mongo.Collection, filter bson.D) []string {
	t.Helper()
	cur, err := coll.Find(context.Background(), filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	return ids
}

// EXPLAIN QUERY PLAN (FerretDB's explain answers with SQLite's plan) shows `_id` lookups and
// equality on an indexed field searching their index; an unindexed field still scans, which
// shows the check can fail. On MongoDB the winning plan must be an index scan.
func TestEqualityLookupsUseTheIndex(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	coll := db.DB.Collection("plans")
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}, {Key: "at", Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("d", i)}, {Key: "userId", Value: fmt.Sprint("u", i%5)},
			{Key: "at", Value: int64(i)}, {Key: "free", Value: "f"}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		filter  bson.D
		indexed bool
	}{
		{bson.D{{Key: "_id", Value: "d3"}}, true},
		{bson.D{{Key: "_id", Value: "d3"}, {Key: "version", Value: int64(2)}}, true},
		{bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{"d1", "d2"}}}}}, true},
		{bson.D{{Key: "userId", Value: "u1"}}, true},
		{bson.D{{Key: "userId", Value: "u1"}, {Key: "at", Value: bson.D{{Key: "$gte", Value: int64(10)}}}}, true},
		{bson.D{{Key: "userId", Value: bson.D{{Key: "$in", Value: bson.A{"u1", "u2"}}}}}, true},
		{bson.D{{Key: "free", Value: "f"}}, false},
	} {
		plan := explainFind(t, db.DB, "plans", tc.filter)
		var indexed bool
		if db.Embedded {
			indexed = strings.Contains(plan, "USING INDEX") && !strings.Contains(plan, "SCAN")
		} else {
			indexed = strings.Contains(plan, "IXSCAN") || strings.Contains(plan, "IDHACK") || strings.Contains(plan, "EXPRESS")
		}
		if indexed != tc.indexed {
			t.Errorf("find %v: indexed = %v, want %v; plan:\n%s", tc.filter, indexed, tc.indexed, plan)
		}
	}
}

func explainFind(t *testing.T, db *mongo.Database, coll string, filter bson.D) string {
	t.Helper()
	res, err := db.RunCommand(context.Background(), bson.D{{Key: "explain", Value: bson.D{
		{Key: "find", Value: coll}, {Key: "filter", Value: filter},
	}}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	if plan, err := res.LookupErr("queryPlanner", "Plan"); err == nil { // FerretDB: SQLite's plan rows
		vals, _ := plan.Array().Values()
		var lines []string
		for _, v := range vals {
			lines = append(lines, v.StringValue())
		}
		return strings.Join(lines, "\n")
	}
	return res.Lookup("queryPlanner", "winningPlan").String()
}
