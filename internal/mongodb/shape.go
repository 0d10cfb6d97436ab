package mongodb

import (
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// A Shape is what an index needs to know about a query: the collection, which fields the
// filter compares for equality and which by range, and the sort. Values are left out, so one
// shape stands for every query a store issues from one place.
type Shape struct {
	Collection string
	// Op is the command: find, aggregate, count, distinct, update, delete, findAndModify.
	Op string
	// Equal fields are compared with a value or $in, Range fields with $gt/$gte/$lt/$lte (or
	// a regular expression); Other fields with operators no index bounds ($ne, $exists, ...).
	Equal, Range, Other []string
	// Or holds each $or of the filter (top-level or under $and): its branches' equality and
	// range fields.
	Or [][][]string
	// Sort is the sort's fields in order.
	Sort []string
	// Limited says the command reads a bounded number of documents (limit, or a single-document
	// command), so an index that provides the sort bounds the work even without a filter.
	Limited bool
	// Comment is the command's comment; "scan: <why>" declares an intended collection scan.
	Comment string
	// EmptyIn are the Equal fields compared with an empty $in (which matches nothing; the
	// embedded engine does not push it down and scans, see Searched).
	EmptyIn []string
}

// String renders the shape the way the index check reports it.
func (s Shape) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s {", s.Op, s.Collection)
	sep := ""
	for _, f := range s.Equal {
		fmt.Fprintf(&b, "%s%s: eq", sep, f)
		sep = ", "
	}
	for _, f := range s.Range {
		fmt.Fprintf(&b, "%s%s: range", sep, f)
		sep = ", "
	}
	for _, f := range s.Other {
		fmt.Fprintf(&b, "%s%s: other", sep, f)
		sep = ", "
	}
	for _, group := range s.Or {
		branches := make([]string, len(group))
		for i, br := range group {
			branches[i] = "{" + strings.Join(br, " ") + "}"
		}
		fmt.Fprintf(&b, "%s$or: [%s]", sep, strings.Join(branches, " "))
		sep = ", "
	}
	b.WriteString("}")
	if len(s.EmptyIn) > 0 {
		fmt.Fprintf(&b, " emptyIn {%s}", strings.Join(s.EmptyIn, ", "))
	}
	if len(s.Sort) > 0 {
		fmt.Fprintf(&b, " sort {%s}", strings.Join(s.Sort, ", "))
	}
	if s.Limited {
		b.WriteString(" limited")
	}
	return b.String()
}

// ShapesOf returns the query shapes of a command as the driver sends it (the command
// monitor's CommandStartedEvent.Command); commands that read or write no documents by a
// filter (insert, createIndexes, ...) have none.
func ShapesOf(cmd bson.Raw) []Shape {
	elems, err := cmd.Elements()
	if err != nil || len(elems) == 0 {
		return nil
	}
	op := elems[0].Key()
	coll, ok := elems[0].Value().StringValueOK()
	if !ok {
		return nil
	}
	comment := ""
	if c, ok := cmd.Lookup("comment").StringValueOK(); ok {
		comment = c
	}
	base := Shape{Collection: coll, Op: op, Comment: comment}
	doc := func(key string) bson.Raw {
		d, _ := cmd.Lookup(key).DocumentOK()
		return d
	}
	switch op {
	case "find":
		s := withFilter(base, doc("filter"))
		s.Sort = keysOf(doc("sort"))
		if n, ok := asInt(cmd.Lookup("limit")); ok && n > 0 {
			s.Limited = true
		}
		return []Shape{s}
	case "findAndModify":
		s := withFilter(base, doc("query"))
		s.Sort = keysOf(doc("sort"))
		s.Limited = true
		return []Shape{s}
	case "count":
		if _, err := cmd.LookupErr("query"); err != nil {
			return nil // estimatedDocumentCount reads the collection's metadata
		}
		return []Shape{withFilter(base, doc("query"))}
	case "distinct":
		return []Shape{withFilter(base, doc("query"))}
	case "aggregate":
		return []Shape{aggregateShape(base, cmd)}
	case "update", "delete":
		key, q := "updates", "q"
		if op == "delete" {
			key = "deletes"
		}
		stmts, _ := cmd.Lookup(key).ArrayOK()
		vals, _ := stmts.Values()
		var res []Shape
		for _, v := range vals {
			st, ok := v.DocumentOK()
			if !ok {
				continue
			}
			f, _ := st.Lookup(q).DocumentOK()
			s := withFilter(base, f)
			if op == "update" {
				multi, _ := st.Lookup("multi").BooleanOK()
				s.Limited = !multi
			} else {
				n, _ := asInt(st.Lookup("limit"))
				s.Limited = n == 1
			}
			if !slices.ContainsFunc(res, func(r Shape) bool { return r.String() == s.String() }) {
				res = append(res, s)
			}
		}
		return res
	}
	return nil
}

// aggregateShape takes the pipeline's leading $match and the $sort next to it: the stages an
// index can serve.
func aggregateShape(base Shape, cmd bson.Raw) Shape {
	s := base
	stages, _ := cmd.Lookup("pipeline").ArrayOK()
	vals, _ := stages.Values()
	matched := false
	for _, v := range vals {
		st, ok := v.DocumentOK()
		if !ok {
			break
		}
		if m, ok := st.Lookup("$match").DocumentOK(); ok && !matched {
			s = withFilter(s, m)
			matched = true
			continue
		}
		if srt, ok := st.Lookup("$sort").DocumentOK(); ok && s.Sort == nil {
			s.Sort = keysOf(srt)
			continue
		}
		if _, err := st.LookupErr("$limit"); err == nil && s.Sort != nil {
			s.Limited = true
		}
		break
	}
	return s
}

func withFilter(s Shape, filter bson.Raw) Shape {
	eq, rng, other, or := classify(filter)
	s.Equal, s.Range, s.Other, s.Or = eq, rng, other, or
	s.EmptyIn = emptyIns(filter)
	return s
}

// emptyIns returns the top-level fields of filter compared with an empty $in.
func emptyIns(filter bson.Raw) []string {
	elems, _ := filter.Elements()
	var out []string
	for _, e := range elems {
		d, ok := e.Value().DocumentOK()
		if !ok || strings.HasPrefix(e.Key(), "$") {
			continue
		}
		if arr, ok := d.Lookup("$in").ArrayOK(); ok {
			if vals, _ := arr.Values(); len(vals) == 0 {
				out = appendNew(out, e.Key())
			}
		}
	}
	return out
}

// classify sorts a filter's fields by what an index can do with them. $and is flattened;
// $or/$nor branches are kept as lists of their equality fields.
func classify(filter bson.Raw) (eq, rng, other []string, or [][][]string) {
	elems, _ := filter.Elements()
	for _, e := range elems {
		k := e.Key()
		switch k {
		case "$and":
			arr, _ := e.Value().ArrayOK()
			vals, _ := arr.Values()
			for _, v := range vals {
				d, _ := v.DocumentOK()
				e2, r2, o2, or2 := classify(d)
				eq, rng, other, or = append(eq, e2...), append(rng, r2...), append(other, o2...), append(or, or2...)
			}
			continue
		case "$or":
			arr, _ := e.Value().ArrayOK()
			vals, _ := arr.Values()
			var group [][]string
			for _, v := range vals {
				d, _ := v.DocumentOK()
				e2, r2, _, _ := classify(d)
				group = append(group, append(e2, r2...))
			}
			or = append(or, group)
			continue
		case "$comment":
			continue
		}
		if strings.HasPrefix(k, "$") {
			other = append(other, k)
			continue
		}
		switch fieldClass(e.Value()) {
		case "eq":
			eq = appendNew(eq, k)
		case "range":
			rng = appendNew(rng, k)
		default:
			other = appendNew(other, k)
		}
	}
	return eq, rng, other, or
}

func fieldClass(v bson.RawValue) string {
	if v.Type == bson.TypeRegex {
		return "range"
	}
	d, ok := v.DocumentOK()
	if !ok {
		return "eq"
	}
	elems, _ := d.Elements()
	if len(elems) == 0 || !strings.HasPrefix(elems[0].Key(), "$") {
		return "eq" // a document compared as a whole
	}
	class := "other"
	for _, e := range elems {
		switch e.Key() {
		case "$eq", "$in":
			return "eq"
		case "$gt", "$gte", "$lt", "$lte", "$regex":
			class = "range"
		}
	}
	return class
}

func keysOf(d bson.Raw) []string {
	elems, _ := d.Elements()
	var ks []string
	for _, e := range elems {
		ks = append(ks, e.Key())
	}
	return ks
}

func asInt(v bson.RawValue) (int64, bool) {
	switch v.Type {
	case bson.TypeInt32:
		return int64(v.Int32()), true
	case bson.TypeInt64:
		return v.Int64(), true
	case bson.TypeDouble:
		return int64(v.Double()), true
	}
	return 0, false
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// IndexKeys is one index's key fields in order.
type IndexKeys []string

// KeysOf returns the key fields of an index model's keys (a bson.D).
func KeysOf(keys any) IndexKeys {
	d, ok := keys.(bson.D)
	if !ok {
		return nil
	}
	var ks IndexKeys
	for _, e := range d {
		ks = append(ks, e.Key)
	}
	return ks
}

// Served reports whether one of indexes (plus the implicit unique index on _id) bounds the
// work of a query of shape s, and if not, why. An index serves a shape when
//   - its first key is compared for equality (or $in), whatever else the filter says: the
//     engine reads only the documents with that key's values and filters the rest;
//   - or every branch of one of the filter's $or has an index starting with one of the
//     branch's fields (an index union);
//   - or, when the filter compares nothing for equality, its first key is a range of the
//     filter (a range scan), or the sort of a limited read with no filter (read the first N).
//
// A shape whose comment starts with "scan:" is an intended collection scan and is accepted.
func Served(s Shape, indexes []IndexKeys) (bool, string) {
	if strings.HasPrefix(s.Comment, "scan:") {
		return true, ""
	}
	firsts := []string{"_id"}
	for _, ix := range indexes {
		if len(ix) > 0 {
			firsts = append(firsts, ix[0])
		}
	}
	leads := func(fields []string) bool {
		return slices.ContainsFunc(fields, func(f string) bool { return slices.Contains(firsts, f) })
	}
	if leads(s.Equal) {
		return true, ""
	}
	for _, group := range s.Or {
		if !slices.ContainsFunc(group, func(br []string) bool { return !leads(br) }) {
			return true, ""
		}
	}
	switch {
	case len(s.Equal) > 0:
		return false, fmt.Sprintf("no index starts with one of its equality fields %v", s.Equal)
	case leads(s.Range):
		return true, ""
	case len(s.Range) > 0:
		return false, fmt.Sprintf("no index starts with one of its range fields %v", s.Range)
	case s.Limited && len(s.Sort) > 0 && len(s.Other) == 0 && len(s.Or) == 0 && slices.Contains(firsts, s.Sort[0]):
		return true, ""
	}
	return false, "it reads the whole collection"
}
