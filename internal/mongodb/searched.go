package mongodb

import (
	"fmt"
	"slices"
	"strings"
)

// Searched reports whether the embedded engine (FerretDB 1.24 with microlearn's patch,
// third_party/ferretdb/PATCHES.md) searches an index for a query of shape s, and if not, why.
// It pushes down only equality (a value, $eq, or $in of at most 1,000 values) on `_id` or on
// the leading keys of an index; ranges, sorts, $or and every other operator are applied in Go
// to every document of the collection, while the engine's one connection waits. So a shape
// is searched when one of its top-level equality fields is `_id` or the first key of one of
// indexes. (Served is the weaker question MongoDB answers: a range on an index's first key
// is a range scan there, a full read on the embedded engine.)
//
// A shape whose comment starts with "scan:" is an intended collection scan and is accepted.
// An empty $in is not pushed down either (learningdb's lease sweep decoded learning_claims
// whole every round that way), so a field compared with one does not count. The check cannot
// see the other values: an $in of more than 1,000 values, null, or a document or array
// compared whole are not pushed down either (PATCHES.md).
func Searched(s Shape, indexes []IndexKeys) (bool, string) {
	if strings.HasPrefix(s.Comment, "scan:") {
		return true, ""
	}
	firsts := []string{"_id"}
	for _, ix := range indexes {
		if len(ix) > 0 && !slices.Contains(firsts, ix[0]) {
			firsts = append(firsts, ix[0])
		}
	}
	pushed := func(f string) bool { return slices.Contains(firsts, f) && !slices.Contains(s.EmptyIn, f) }
	if slices.ContainsFunc(s.Equal, pushed) {
		return true, ""
	}
	switch {
	case len(s.EmptyIn) > 0:
		return false, fmt.Sprintf("the embedded engine scans it: an empty $in (%v) is not pushed down; send nothing instead", s.EmptyIn)
	case len(s.Equal) > 0:
		return false, fmt.Sprintf("the embedded engine scans it: no index starts with one of its equality fields %v", s.Equal)
	case len(s.Range) > 0:
		return false, fmt.Sprintf("the embedded engine scans it: it never pushes a range down (%v)", s.Range)
	case len(s.Or) > 0:
		return false, "the embedded engine scans it: it never pushes an $or down"
	}
	return false, "the embedded engine scans it: the filter compares no field for equality"
}
