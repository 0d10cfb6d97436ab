package mongodb_test

import (
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/internal/mongodb"
)

// raw parses a command written in extended JSON (key order is kept).
func raw(t *testing.T, cmd string) bson.Raw {
	t.Helper()
	var r bson.Raw
	if err := bson.UnmarshalExtJSON([]byte(cmd), false, &r); err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return r
}

func TestShapesOfCommands(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{`{"find": "c", "filter": {"u": "x", "at": {"$gte": 1}, "s": {"$ne": 2}}, "sort": {"at": -1}, "limit": 20}`,
			[]string{"find c {u: eq, at: range, s: other} sort {at} limited"}},
		{`{"find": "c", "filter": {"k": {"$in": [1, 2]}, "r": {"$regularExpression": {"pattern": "^a", "options": ""}}}}`,
			[]string{"find c {k: eq, r: range}"}},
		{`{"find": "c", "filter": {"$and": [{"$or": [{"p": 1}, {"q": 1, "r": {"$lt": 3}}]}, {"kind": "x"}]}}`,
			[]string{"find c {kind: eq, $or: [{p} {q r}]}"}},
		{`{"aggregate": "c", "pipeline": [{"$match": {"u": "x"}}, {"$sort": {"at": 1}}, {"$limit": 5}]}`,
			[]string{"aggregate c {u: eq} sort {at} limited"}},
		{`{"aggregate": "c", "pipeline": [{"$group": {"_id": "$u"}}]}`, []string{"aggregate c {}"}},
		{`{"count": "c", "query": {"u": "x"}}`, []string{"count c {u: eq}"}},
		{`{"count": "c"}`, nil},
		{`{"distinct": "c", "key": "k", "query": {"u": "x"}}`, []string{"distinct c {u: eq}"}},
		{`{"update": "c", "updates": [{"q": {"_id": "a", "v": 2}, "u": {}}, {"q": {"u": "x"}, "u": {}, "multi": true}]}`,
			[]string{"update c {_id: eq, v: eq} limited", "update c {u: eq}"}},
		{`{"delete": "c", "deletes": [{"q": {"at": {"$lt": 5}}, "limit": 0}]}`, []string{"delete c {at: range}"}},
		{`{"findAndModify": "c", "query": {"dueAt": {"$lte": 5}}, "sort": {"dueAt": 1}}`,
			[]string{"findAndModify c {dueAt: range} sort {dueAt} limited"}},
		{`{"delete": "c", "deletes": [{"q": {"_id": {"$in": []}, "until": {"$lt": 5}}, "limit": 0}]}`,
			[]string{"delete c {_id: eq, until: range} emptyIn {_id}"}},
		{`{"insert": "c", "documents": [{"_id": 1}]}`, nil},
	} {
		var got []string
		for _, s := range mongodb.ShapesOf(raw(t, tc.cmd)) {
			got = append(got, s.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.cmd, got, tc.want)
		}
	}
}

func TestServedByAnIndex(t *testing.T) {
	ix := []mongodb.IndexKeys{{"userId", "at"}, {"dueAt"}, {"programmeId", "sortKey"}}
	for _, tc := range []struct {
		s    mongodb.Shape
		want bool
	}{
		{mongodb.Shape{Equal: []string{"_id", "version"}}, true},
		{mongodb.Shape{Equal: []string{"status", "userId"}, Range: []string{"at"}}, true},
		{mongodb.Shape{Equal: []string{"at"}}, false}, // the index's second key alone
		{mongodb.Shape{Range: []string{"dueAt"}, Sort: []string{"dueAt"}, Limited: true}, true},
		{mongodb.Shape{Range: []string{"at"}}, false},
		{mongodb.Shape{Equal: []string{"kind"}, Or: [][][]string{{{"programmeId", "status"}, {"programmeId"}}}}, true},
		{mongodb.Shape{Or: [][][]string{{{"programmeId"}, {"title"}}}}, false},
		{mongodb.Shape{Sort: []string{"_id"}, Limited: true}, true},
		{mongodb.Shape{Sort: []string{"_id"}}, false},
		{mongodb.Shape{}, false},
		{mongodb.Shape{Comment: "scan: operator export"}, true},
	} {
		if got, why := mongodb.Served(tc.s, ix); got != tc.want {
			t.Errorf("%s: served = %v (%s), want %v", tc.s, got, why, tc.want)
		}
	}
}

func TestSearchedByTheEmbeddedEngine(t *testing.T) {
	ix := []mongodb.IndexKeys{{"userId", "at"}, {"dueAt"}, {"atHour"}}
	for _, tc := range []struct {
		s    mongodb.Shape
		want bool
	}{
		{mongodb.Shape{Equal: []string{"_id"}, Range: []string{"until"}}, true},
		{mongodb.Shape{Equal: []string{"atHour"}, Range: []string{"at"}}, true},
		{mongodb.Shape{Equal: []string{"userId", "kind"}}, true},
		{mongodb.Shape{Equal: []string{"at"}}, false}, // the index's second key alone
		{mongodb.Shape{Range: []string{"dueAt"}, Sort: []string{"dueAt"}, Limited: true}, false},
		{mongodb.Shape{Range: []string{"dueAt"}, Comment: "scan: the queue is small"}, true},
		{mongodb.Shape{Or: [][][]string{{{"userId"}, {"dueAt"}}}}, false},
		{mongodb.Shape{Sort: []string{"_id"}, Limited: true}, false},
		{mongodb.Shape{}, false},
		{mongodb.Shape{Equal: []string{"_id"}, EmptyIn: []string{"_id"}, Range: []string{"until"}}, false},
		{mongodb.Shape{Equal: []string{"_id", "userId"}, EmptyIn: []string{"_id"}}, true},
	} {
		if got, why := mongodb.Searched(tc.s, ix); got != tc.want {
			t.Errorf("%s: searched = %v (%s), want %v", tc.s, got, why, tc.want)
		}
	}
}
