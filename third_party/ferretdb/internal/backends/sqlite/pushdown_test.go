// Copyright 2021 FerretDB Inc.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

// This file is not part of upstream FerretDB v1.24.0: it tests microlearn's patch (see
// PATCHES.md at the module root).

package sqlite

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/iterator"
	"github.com/FerretDB/FerretDB/internal/util/must"
	"github.com/FerretDB/FerretDB/internal/util/state"
	"github.com/FerretDB/FerretDB/internal/util/testutil"
)

func TestPrepareWhereClause(t *testing.T) {
	t.Parallel()

	col := func(f string) string { return fmt.Sprintf("%s->%q", metadata.DefaultColumn, f) }
	eq := func(f string) string { return col(f) + " = (? -> '$')" }
	arr := func(f string) string { return fmt.Sprintf(`(%s >= '[' AND %s < '\')`, col(f), col(f)) }
	eqOrArray := func(f string) string { return "(" + eq(f) + " OR " + arr(f) + ")" }
	index := func(unique bool, fields ...string) metadata.IndexInfo {
		ix := metadata.IndexInfo{Name: strings.Join(fields, "_"), Unique: unique}
		for _, f := range fields {
			ix.Key = append(ix.Key, metadata.IndexKeyPair{Field: f})
		}
		return ix
	}
	idIndex := index(true, "_id")
	oid := types.ObjectID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	date := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

	for name, tc := range map[string]struct {
		filter  *types.Document
		indexes []metadata.IndexInfo
		where   string
		args    []any
	}{
		"Nil":      {filter: nil},
		"Empty":    {filter: must.NotFail(types.NewDocument())},
		"IDString": {filter: must.NotFail(types.NewDocument("_id", "a")), where: ` WHERE ` + eq("_id"), args: []any{`"a"`}},
		"IDObjectID": {
			filter: must.NotFail(types.NewDocument("_id", oid)),
			where:  ` WHERE ` + eq("_id"),
			args:   []any{`"0102030405060708090a0b0c"`},
		},
		"IDAloneWhateverElse": {
			filter:  must.NotFail(types.NewDocument("v", int64(3), "_id", "a", "x", must.NotFail(types.NewDocument("$gt", int32(1))))),
			indexes: []metadata.IndexInfo{idIndex, index(false, "v")},
			where:   ` WHERE ` + eq("_id"),
			args:    []any{`"a"`},
		},
		"IDIn": {
			filter: must.NotFail(types.NewDocument("_id", must.NotFail(types.NewDocument("$in", must.NotFail(types.NewArray("a", "b")))))),
			where:  ` WHERE ` + col("_id") + ` IN ((? -> '$'), (? -> '$'))`,
			args:   []any{`"a"`, `"b"`},
		},
		"NoIndexEveryKey": {
			filter:  must.NotFail(types.NewDocument("userId", "u1", "done", true, "at", date)),
			indexes: []metadata.IndexInfo{idIndex, index(false, "other")},
			where:   ` WHERE ` + eqOrArray("userId") + ` AND ` + eqOrArray("done") + ` AND ` + eqOrArray("at"),
			args:    []any{`"u1"`, `true`, fmt.Sprint(date.UnixMilli())},
		},
		"IndexedKeyOnly": {
			filter:  must.NotFail(types.NewDocument("other", "x", "k", "v")),
			indexes: []metadata.IndexInfo{idIndex, index(false, "k")},
			where:   ` WHERE (` + eq("k") + ` OR ` + arr("k") + `)`,
			args:    []any{`"v"`},
		},
		"CompoundPrefixInIndexOrder": {
			filter:  must.NotFail(types.NewDocument("c", "z", "b", "y", "a", "x")),
			indexes: []metadata.IndexInfo{idIndex, index(false, "a"), index(false, "a", "b", "d")},
			where: ` WHERE (` + eq("a") + ` AND ` + eq("b") +
				` OR ` + arr("a") +
				` OR ` + eq("a") + ` AND ` + arr("b") + `)`,
			args: []any{`"x"`, `"y"`, `"x"`},
		},
		"UniquePreferred": {
			filter:  must.NotFail(types.NewDocument("a", "x", "b", "y")),
			indexes: []metadata.IndexInfo{index(false, "a"), index(true, "b")},
			where:   ` WHERE (` + eq("b") + ` OR ` + arr("b") + `)`,
			args:    []any{`"y"`},
		},
		"FieldEqOperator": {
			filter: must.NotFail(types.NewDocument("k", must.NotFail(types.NewDocument("$eq", "v", "$ne", "w")))),
			where:  ` WHERE ` + eqOrArray("k"),
			args:   []any{`"v"`},
		},
		"FieldIn": {
			filter:  must.NotFail(types.NewDocument("k", must.NotFail(types.NewDocument("$in", must.NotFail(types.NewArray("v", "w")))))),
			indexes: []metadata.IndexInfo{index(false, "k")},
			where:   fmt.Sprintf(` WHERE (%s IN ((? -> '$'), (? -> '$')) OR %s)`, col("k"), arr("k")),
			args:    []any{`"v"`, `"w"`},
		},
		"Numbers": {
			filter: must.NotFail(types.NewDocument("a", int32(7), "b", int64(-9), "c", 2.5, "d", float64(1<<53))),
			where:  ` WHERE ` + eqOrArray("a") + ` AND ` + eqOrArray("b") + ` AND ` + eqOrArray("c") + ` AND ` + eqOrArray("d"),
			args:   []any{`7`, `-9`, `2.5`, `9007199254740992`},
		},
		"NotPushed": {
			filter: must.NotFail(types.NewDocument(
				"zero32", int32(0), "zero64", int64(0), "negzero", math.Copysign(0, -1),
				"big", int64(1<<53+1), "bigf", float64(1<<54), "nan", math.NaN(), "inf", math.Inf(1),
				"null", types.Null, "re", types.Regex{Pattern: "^a"}, "doc", must.NotFail(types.NewDocument("a", "b")),
				"arr", must.NotFail(types.NewArray("a")), "bin", types.Binary{B: []byte{1}},
				"ts", types.Timestamp(1), "a.b", "dotted", "$or", must.NotFail(types.NewArray()),
				"sp ace", "x", "quo\"te", "x", "_ferretdb_sjson", "x",
				"inEmpty", must.NotFail(types.NewDocument("$in", must.NotFail(types.NewArray()))),
				"inMixed", must.NotFail(types.NewDocument("$in", must.NotFail(types.NewArray("a", types.Null)))),
				"eqNull", must.NotFail(types.NewDocument("$eq", types.Null)),
				"gt", must.NotFail(types.NewDocument("$gt", "a")),
			)),
		},
		"DuplicateKeyNotPushed": {
			filter: must.NotFail(types.NewDocument("k", "a", "k", "b")), // possible in BSON
		},
	} {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			where, args := prepareWhereClause(tc.filter, tc.indexes)
			assert.Equal(t, tc.where, where)
			assert.Equal(t, tc.args, args)
		})
	}
}

// pushdownColl makes a collection with the index {k: 1} and returns it with its backend's
// database, for running EXPLAIN QUERY PLAN on the statements the backend issues.
func pushdownColl(t *testing.T) (context.Context, backends.Collection, *collection) {
	t.Helper()

	ctx := testutil.Ctx(t)

	sp, err := state.NewProvider("")
	require.NoError(t, err)

	r, err := metadata.NewRegistry(testutil.TestSQLiteURI(t, ""), 100, testutil.Logger(t), sp)
	require.NoError(t, err)
	t.Cleanup(r.Close)

	raw := &collection{r: r, dbName: testutil.DatabaseName(t), name: testutil.CollectionName(t)}
	c := newCollection(r, raw.dbName, raw.name)

	_, err = c.CreateIndexes(ctx, &backends.CreateIndexesParams{Indexes: []backends.IndexInfo{
		{Name: "k_1", Key: []backends.IndexKeyPair{{Field: "k"}}},
		{Name: "k_1_n_1", Key: []backends.IndexKeyPair{{Field: "k"}, {Field: "n"}}},
	}})
	require.NoError(t, err)

	return ctx, c, raw
}

func explainPlan(t *testing.T, ctx context.Context, c backends.Collection, filter *types.Document) string {
	t.Helper()

	res, err := c.Explain(ctx, &backends.ExplainParams{Filter: filter})
	require.NoError(t, err)

	plan := must.NotFail(res.QueryPlanner.Get("Plan")).(*types.Array)

	var lines []string
	for i := 0; i < plan.Len(); i++ {
		lines = append(lines, must.NotFail(plan.Get(i)).(string))
	}

	return strings.Join(lines, "\n")
}

func TestPushdownUsesIndexes(t *testing.T) {
	t.Parallel()

	ctx, c, raw := pushdownColl(t)

	_, err := c.InsertAll(ctx, &backends.InsertAllParams{Docs: []*types.Document{
		must.NotFail(types.NewDocument("_id", "a", "k", "x", "n", int32(1))),
	}})
	require.NoError(t, err)

	tableName := raw.r.CollectionGet(ctx, raw.dbName, raw.name).TableName

	for name, tc := range map[string]struct {
		filter *types.Document
		want   []string // every line must be in the plan
	}{
		"ID": {
			filter: must.NotFail(types.NewDocument("_id", "a")),
			want:   []string{"SEARCH " + tableName + " USING INDEX " + tableName + "__id_ (<expr>=?)"},
		},
		"IDAndVersion": {
			filter: must.NotFail(types.NewDocument("_id", "a", "v", int64(3))),
			want:   []string{"USING INDEX " + tableName + "__id_ (<expr>=?)"},
		},
		"IDIn": {
			filter: must.NotFail(types.NewDocument("_id", must.NotFail(types.NewDocument("$in", must.NotFail(types.NewArray("a", "b")))))),
			want:   []string{"SEARCH " + tableName + " USING INDEX " + tableName + "__id_ (<expr>=?)"},
		},
		"Field": {
			filter: must.NotFail(types.NewDocument("k", "x")),
			want:   []string{"MULTI-INDEX OR", "(<expr>=?)", "(<expr>>? AND <expr><?)"},
		},
		"FieldIn": {
			filter: must.NotFail(types.NewDocument("k", must.NotFail(types.NewDocument("$in", must.NotFail(types.NewArray("x", "y")))))),
			want:   []string{"MULTI-INDEX OR", "(<expr>=?)", "(<expr>>? AND <expr><?)"},
		},
		"Compound": {
			filter: must.NotFail(types.NewDocument("n", int32(1), "k", "x", "other", "y")),
			want: []string{
				"MULTI-INDEX OR",
				"USING INDEX " + tableName + "_k_1_n_1 (<expr>=? AND <expr>=?)",
				"USING INDEX " + tableName + "_k_1_n_1 (<expr>=? AND <expr>>? AND <expr><?)",
				"(<expr>>? AND <expr><?)",
			},
		},
	} {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			plan := explainPlan(t, ctx, c, tc.filter)
			assert.NotContains(t, plan, "SCAN", "plan:\n%s", plan)
			for _, w := range tc.want {
				assert.Contains(t, plan, w, "plan:\n%s", plan)
			}
		})
	}

	t.Run("NoIndexScans", func(t *testing.T) {
		t.Parallel()

		plan := explainPlan(t, ctx, c, must.NotFail(types.NewDocument("other", "x")))
		assert.Contains(t, plan, "SCAN "+tableName)
	})

	// UpdateAll and DeleteAll address documents by _id through metadata.IDColumn.
	t.Run("UpdateAndDeleteByID", func(t *testing.T) {
		t.Parallel()

		db := raw.r.DatabaseGetExisting(ctx, raw.dbName)
		for _, q := range []string{
			fmt.Sprintf(`UPDATE %q SET %s = ? WHERE %s = ?`, tableName, metadata.DefaultColumn, metadata.IDColumn),
			fmt.Sprintf(`DELETE FROM %q WHERE %s IN (?, ?)`, tableName, metadata.IDColumn),
		} {
			rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, "{}", `"a"`)
			require.NoError(t, err)

			var details []string
			for rows.Next() {
				var id, parent, notused int32
				var detail string
				require.NoError(t, rows.Scan(&id, &parent, &notused, &detail))
				details = append(details, detail)
			}
			require.NoError(t, rows.Err())
			require.NoError(t, rows.Close())

			plan := strings.Join(details, "\n")
			assert.Contains(t, plan, "USING INDEX "+tableName+"__id_", "%s:\n%s", q, plan)
		}
	})
}

// TestPushdownSuperset checks that what the backend returns for a pushed-down equality holds
// every document MongoDB's equality matches: arrays containing the value, and numbers of
// other types with the same value.
func TestPushdownSuperset(t *testing.T) {
	t.Parallel()

	ctx, c, _ := pushdownColl(t)

	docs := []*types.Document{
		must.NotFail(types.NewDocument("_id", "scalar", "k", "x")),
		must.NotFail(types.NewDocument("_id", "array", "k", must.NotFail(types.NewArray("w", "x")))),
		must.NotFail(types.NewDocument("_id", "otherArray", "k", must.NotFail(types.NewArray("w")))),
		must.NotFail(types.NewDocument("_id", "emptyArray", "k", must.NotFail(types.NewArray()))),
		must.NotFail(types.NewDocument("_id", "other", "k", "y")),
		must.NotFail(types.NewDocument("_id", "missing")),
		must.NotFail(types.NewDocument("_id", "doc", "k", must.NotFail(types.NewDocument("x", "x")))),
		must.NotFail(types.NewDocument("_id", "escaped", "k", "a<b>&\"c\"\\\u2028é🎉\x01")),
		must.NotFail(types.NewDocument("_id", "int32", "k", int32(5))),
		must.NotFail(types.NewDocument("_id", "int64", "k", int64(5))),
		must.NotFail(types.NewDocument("_id", "double", "k", 5.0)),
		must.NotFail(types.NewDocument("_id", "numArray", "k", must.NotFail(types.NewArray(1.5, int64(5))))),
	}
	_, err := c.InsertAll(ctx, &backends.InsertAllParams{Docs: docs})
	require.NoError(t, err)

	query := func(filter *types.Document) []string {
		res, err := c.Query(ctx, &backends.QueryParams{Filter: filter})
		require.NoError(t, err)

		got, err := iterator.ConsumeValues(res.Iter)
		require.NoError(t, err)

		ids := make([]string, len(got))
		for i, d := range got {
			ids[i] = must.NotFail(d.Get("_id")).(string)
		}

		sort.Strings(ids)

		return ids
	}

	assert.Equal(t, []string{"array", "emptyArray", "numArray", "otherArray", "scalar"}, query(must.NotFail(types.NewDocument("k", "x"))))
	assert.Equal(t, []string{"array", "emptyArray", "escaped", "numArray", "otherArray"},
		query(must.NotFail(types.NewDocument("k", "a<b>&\"c\"\\\u2028é🎉\x01"))))

	for _, five := range []any{int32(5), int64(5), 5.0} {
		assert.Equal(t, []string{"array", "double", "emptyArray", "int32", "int64", "numArray", "otherArray"},
			query(must.NotFail(types.NewDocument("k", five))), "%T", five)
	}

	assert.Equal(t, []string{"array", "emptyArray", "numArray", "other", "otherArray", "scalar"},
		query(must.NotFail(types.NewDocument("k", must.NotFail(types.NewDocument("$in", must.NotFail(types.NewArray("x", "y")))))))) //nolint:lll // for readability

	// {k, n} is served by the compound index {k: 1, n: 1}; arrays in either key are returned.
	_, err = c.InsertAll(ctx, &backends.InsertAllParams{Docs: []*types.Document{
		must.NotFail(types.NewDocument("_id", "kn", "k", "x", "n", int32(1))),
		must.NotFail(types.NewDocument("_id", "knArray", "k", "x", "n", must.NotFail(types.NewArray(int32(2), int32(1))))),
		must.NotFail(types.NewDocument("_id", "kArrayN", "k", must.NotFail(types.NewArray("x")), "n", int32(1))),
		must.NotFail(types.NewDocument("_id", "knOther", "k", "x", "n", int32(2))),
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{"array", "emptyArray", "kArrayN", "kn", "knArray", "numArray", "otherArray"},
		query(must.NotFail(types.NewDocument("n", int32(1), "k", "x"))))

	assert.Equal(t, []string{"scalar"}, query(must.NotFail(types.NewDocument("_id", "scalar", "k", "x"))))
	assert.Equal(t, []string{"other", "scalar"},
		query(must.NotFail(types.NewDocument("_id", must.NotFail(types.NewDocument("$in", must.NotFail(types.NewArray("scalar", "other", "nope"))))))))
}
