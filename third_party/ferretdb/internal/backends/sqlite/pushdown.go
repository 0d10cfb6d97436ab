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

// This file is not part of upstream FerretDB v1.24.0: it is microlearn's patch (see
// PATCHES.md at the module root).

package sqlite

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// maxPushdownIn is the largest `$in` list that is pushed down; longer lists are filtered in Go.
const maxPushdownIn = 1000

// maxExactInt is 2^53: up to that magnitude an integer-valued double renders as the integer's
// own decimal digits, so int32, int64 and double values that MongoDB calls equal have one text.
const maxExactInt = 1 << 53

// prepareWhereClause returns a WHERE clause (with a leading space) and its arguments that
// select a superset of the documents matching filter, or an empty clause when nothing in
// filter can be pushed down. indexes are the collection's indexes.
//
// The result is only ever a superset: every handler re-applies the whole filter in Go to what
// the backend returns (msg_find, msg_count, msg_delete, msg_update, findAndModify, distinct and
// aggregate's first $match), so a condition that cannot be expressed exactly in SQL is simply
// left out. Top-level keys of a filter are ANDed, which is why each pushable key may be pushed
// on its own.
//
// A key is pushable when it is a top-level field (no dot, no operator), and its value is a
// pushable scalar (see [pushableScalar]), `{$eq: scalar}` or `{$in: [scalars]}`. Field
// expressions are written exactly as the registry writes index expressions
// (`_ferretdb_sjson->"field"`), because SQLite matches index expressions by their form.
//
// MongoDB's equality also matches a field holding an array that contains the value. SQLite's
// `->` renders an array as JSON text starting with `[`, so a field other than `_id` is pushed
// as "equal, or any array" (the handler then keeps only the arrays that contain the value).
// `_id` can never be an array (document validation refuses it).
//
// Which keys are pushed:
//   - `_id`, when pushable, alone: the unique index finds at most one document per value;
//   - otherwise the longest prefix of an index's keys that are all pushable, as the OR of
//     "every key equal" and, for each key i of the prefix, "keys before i equal and key i an
//     array": each branch is a search of that index, so SQLite answers with a MULTI-INDEX OR
//     of index searches, and a field that never holds an array costs nothing for its branch.
//     (Pushing other keys as well could make SQLite prefer a worse index.)
//   - otherwise, when no index starts with a pushable key, every pushable key: the table is
//     scanned in SQL, which is still much cheaper than decoding every document in Go.
//
// Values are compared after SQLite itself renders them (`? -> '$'`), so that stored values and
// arguments go through the same JSON rendering.
func prepareWhereClause(filter *types.Document, indexes []metadata.IndexInfo) (string, []any) {
	keys := pushableKeys(filter)
	if len(keys) == 0 {
		return "", nil
	}

	var w whereBuilder

	if id := findKey(keys, "_id"); id != nil {
		return " WHERE " + w.equal(id), w.args
	}

	if prefix := bestIndexPrefix(keys, indexes); len(prefix) > 0 {
		branches := []string{w.allEqual(prefix)}
		for i := range prefix {
			b := w.allEqual(prefix[:i])
			if b != "" {
				b += " AND "
			}

			branches = append(branches, b+w.array(prefix[i]))
		}

		return " WHERE (" + strings.Join(branches, " OR ") + ")", w.args
	}

	conds := make([]string, len(keys))
	for i, k := range keys {
		conds[i] = "(" + w.equal(k) + " OR " + w.array(k) + ")"
	}

	return " WHERE " + strings.Join(conds, " AND "), w.args
}

// pushKey is a top-level field compared for equality with one of vals.
type pushKey struct {
	field string
	vals  []any
}

// pushableKeys returns the filter's pushable keys in filter order; a key that appears twice
// (possible in BSON) is left out.
func pushableKeys(filter *types.Document) []*pushKey {
	if filter.Len() == 0 {
		return nil
	}

	counts := make(map[string]int, filter.Len())
	for _, k := range filter.Keys() {
		counts[k]++
	}

	var res []*pushKey

	values := filter.Values()
	for i, k := range filter.Keys() {
		if counts[k] != 1 || !pushableField(k) {
			continue
		}

		if vals, ok := pushableValues(values[i]); ok {
			res = append(res, &pushKey{field: k, vals: vals})
		}
	}

	return res
}

func findKey(keys []*pushKey, field string) *pushKey {
	for _, k := range keys {
		if k.field == field {
			return k
		}
	}

	return nil
}

// bestIndexPrefix returns the pushable keys that form the longest prefix of an index's keys
// (in index order), preferring unique indexes, then the first declared.
func bestIndexPrefix(keys []*pushKey, indexes []metadata.IndexInfo) []*pushKey {
	var best []*pushKey
	var bestUnique bool

	for _, index := range indexes {
		var prefix []*pushKey

		for _, ik := range index.Key {
			k := findKey(keys, ik.Field)
			if k == nil {
				break
			}

			prefix = append(prefix, k)
		}

		if len(prefix) > len(best) || (len(prefix) == len(best) && len(prefix) > 0 && index.Unique && !bestUnique) {
			best, bestUnique = prefix, index.Unique
		}
	}

	return best
}

// whereBuilder writes SQL conditions and collects their arguments in order.
type whereBuilder struct {
	args []any
}

func column(field string) string {
	return fmt.Sprintf("%s->%q", metadata.DefaultColumn, field)
}

// equal returns "field equals one of k's values".
func (w *whereBuilder) equal(k *pushKey) string {
	placeholders := make([]string, len(k.vals))
	for i, v := range k.vals {
		placeholders[i] = "(? -> '$')"
		w.args = append(w.args, string(must.NotFail(sjson.MarshalSingleValue(v))))
	}

	if len(placeholders) == 1 {
		return fmt.Sprintf("%s = %s", column(k.field), placeholders[0])
	}

	return fmt.Sprintf("%s IN (%s)", column(k.field), strings.Join(placeholders, ", "))
}

// allEqual returns the AND of equal for keys ("" for none).
func (w *whereBuilder) allEqual(keys []*pushKey) string {
	conds := make([]string, len(keys))
	for i, k := range keys {
		conds[i] = w.equal(k)
	}

	return strings.Join(conds, " AND ")
}

// array returns "field holds an array".
func (w *whereBuilder) array(k *pushKey) string {
	col := column(k.field)
	return fmt.Sprintf(`(%s >= '[' AND %s < '\')`, col, col)
}

// pushableField reports whether a top-level filter key names a field that may be pushed down:
// not an operator, not a dotted path (a path may cross arrays of documents), not a reserved
// name, and spelled only with characters that Go's %q and SQLite's double quotes write the same.
func pushableField(k string) bool {
	if k == "" || strings.HasPrefix(k, "$") || strings.HasPrefix(k, "_ferretdb_") {
		return false
	}

	for _, r := range k {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
		default:
			return false
		}
	}

	return true
}

// pushableValues returns the values a filter value compares its field with for equality:
// a scalar, the scalar of `{$eq: scalar}`, or the scalars of `{$in: [...]}`
// (other operators in the same document are left to the handler).
func pushableValues(v any) ([]any, bool) {
	if pushableScalar(v) {
		return []any{v}, true
	}

	ops, ok := v.(*types.Document)
	if !ok || ops.Len() == 0 {
		return nil, false
	}

	for _, op := range ops.Keys() {
		if !strings.HasPrefix(op, "$") {
			return nil, false // a document to compare with, not operators
		}
	}

	if _, dup := ops.FindDuplicateKey(); dup {
		return nil, false
	}

	if eq, err := ops.Get("$eq"); err == nil {
		if pushableScalar(eq) {
			return []any{eq}, true
		}
	}

	in, err := ops.Get("$in")
	if err != nil {
		return nil, false
	}

	arr, ok := in.(*types.Array)
	if !ok || arr.Len() == 0 || arr.Len() > maxPushdownIn {
		return nil, false
	}

	vals := make([]any, arr.Len())
	for i := range vals {
		e := must.NotFail(arr.Get(i))
		if !pushableScalar(e) {
			return nil, false
		}

		vals[i] = e
	}

	return vals, true
}

// pushableScalar reports whether an equality with v matches exactly the stored values whose
// sjson text equals v's sjson text (or arrays, see [prepareWhereClause]).
//
// Strings, ObjectIDs, booleans and dates qualify (one value, one text; an ObjectID and a string
// with the same hex text collide, which only widens the superset). Numbers compare by value
// across int32, int64 and double in MongoDB, while their sjson texts agree only for a non-zero
// value of magnitude at most 2^53: -0.0 ("-0") equals 0 ("0"), and above 2^53 a double's
// shortest rendering is not the integer's digits. Everything else (null, which also matches
// missing fields, regular expressions, which match by pattern, documents, arrays, binary,
// timestamps, NaN and infinities) is left to the handler.
func pushableScalar(v any) bool {
	switch v := v.(type) {
	case string, types.ObjectID, bool, time.Time:
		return true
	case int32:
		return v != 0
	case int64:
		return v != 0 && v >= -maxExactInt && v <= maxExactInt
	case float64:
		return v != 0 && !math.IsNaN(v) && math.Abs(v) <= maxExactInt
	default:
		return false
	}
}
