package mongotest

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/microlearn/microlearn/internal/mongodb"
)

// The index check: every query shape a store issues while the tests run must be served by an
// index (mongodb.Served). The shared client's command monitor records the shape of every
// command not issued from a _test.go file, per database, and every index created; when a
// test ends, the shapes issued on its database are checked against the indexes created for
// those collections, in that database or, if it ensured none, anywhere in the test binary.
// Store code declares its indexes next to itself (Indexes() []mongodb.Index, ensured by app/
// at start-up and by the store's tests), so a new query without an index fails the test that
// exercises it. A collection scan meant as such says so with a comment starting with "scan:".
//
// A second check holds the writes to what the embedded engine can search (mongodb.Searched):
// a delete, an update or a findAndModify whose filter has no equality on `_id` or on an index's first key is
// decoded document by document over the whole collection there, while the engine's one
// connection waits (issue 20: a background range delete held it for over 30 s), so it fails
// the test unless its comment says "scan: <why>". Finds are not held to it yet; the report
// (INDEX_CHECK_REPORT) marks them.

// Issued is a recorded shape and where a store issued it.
type Issued struct {
	mongodb.Shape
	// At is the file:line of the first caller outside the driver.
	At string
}

type recorder struct {
	mu      sync.Mutex
	shapes  map[string]map[string]Issued              // database -> shape string -> shape
	indexes map[string]map[string][]mongodb.IndexKeys // database -> collection -> indexes
	any     map[string][]mongodb.IndexKeys            // collection -> indexes made in any database
}

var shapes = &recorder{
	shapes:  map[string]map[string]Issued{},
	indexes: map[string]map[string][]mongodb.IndexKeys{},
	any:     map[string][]mongodb.IndexKeys{},
}

func (r *recorder) started(_ context.Context, ev *event.CommandStartedEvent) {
	if ev.CommandName == "createIndexes" {
		r.createIndexes(ev.DatabaseName, ev.Command)
		return
	}
	found := mongodb.ShapesOf(ev.Command)
	if len(found) == 0 {
		return
	}
	at, fromTest := caller()
	if fromTest {
		return // a test's own look at the data, not a store's query
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.shapes[ev.DatabaseName]
	if m == nil {
		m = map[string]Issued{}
		r.shapes[ev.DatabaseName] = m
	}
	for _, s := range found {
		key := s.String()
		if _, ok := m[key]; !ok {
			m[key] = Issued{Shape: s, At: at}
		}
	}
}

func (r *recorder) createIndexes(db string, cmd bson.Raw) {
	coll, ok := cmd.Lookup("createIndexes").StringValueOK()
	if !ok {
		return
	}
	arr, _ := cmd.Lookup("indexes").ArrayOK()
	vals, _ := arr.Values()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.indexes[db] == nil {
		r.indexes[db] = map[string][]mongodb.IndexKeys{}
	}
	for _, v := range vals {
		d, _ := v.DocumentOK()
		key, _ := d.Lookup("key").DocumentOK()
		elems, _ := key.Elements()
		var ks mongodb.IndexKeys
		for _, e := range elems {
			ks = append(ks, e.Key())
		}
		r.indexes[db][coll] = append(r.indexes[db][coll], ks)
		if !slices.ContainsFunc(r.any[coll], func(x mongodb.IndexKeys) bool { return slices.Equal(x, ks) }) {
			r.any[coll] = append(r.any[coll], ks)
		}
	}
}

// caller returns where the command was issued (the first frame outside the driver,
// internal/mongodb and this package) and whether that is a test file.
func caller() (string, bool) {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.Contains(f.File, "go.mongodb.org/mongo-driver") && !strings.HasPrefix(f.Function, "runtime.") &&
			!strings.HasPrefix(f.Function, "github.com/microlearn/microlearn/internal/mongodb.") &&
			!strings.HasPrefix(f.Function, "github.com/microlearn/microlearn/internal/mongodb/mongotest.") {
			return fmt.Sprintf("%s:%d", trimPath(f.File), f.Line), strings.HasSuffix(f.File, "_test.go")
		}
		if !more {
			return "?", false
		}
	}
}

func trimPath(file string) string {
	if i := strings.Index(file, "/microlearn/"); i >= 0 {
		return file[i+len("/microlearn/"):]
	}
	return file
}

// Unserved returns the shapes issued on db's database so far that no index serves, each
// with the reason.
func Unserved(db *mongodb.DB) []string {
	return shapes.unserved(db.DB.Name())
}

// ForgetShapes drops the shapes recorded for db's database (tests of the check itself).
func ForgetShapes(db *mongodb.DB) {
	shapes.mu.Lock()
	defer shapes.mu.Unlock()
	delete(shapes.shapes, db.DB.Name())
}

// ScannedWrites returns the deletes, updates and findAndModifys issued on db's database so far that the
// embedded engine would scan (mongodb.Searched), each with the reason.
func ScannedWrites(db *mongodb.DB) []string {
	return shapes.scanned(db.DB.Name(), searchedOps)
}

// ScannedFinds returns the finds, counts, distincts and aggregates issued on db's database so
// far that the embedded engine would scan (mongodb.Searched), each with the reason: a store's
// test holds its request-path reads to it.
func ScannedFinds(db *mongodb.DB) []string {
	return shapes.scanned(db.DB.Name(), readOps)
}

// searchedOps are the commands held to mongodb.Searched: the writes.
var searchedOps = map[string]bool{"delete": true, "update": true, "findAndModify": true}

// readOps are the reads ScannedFinds looks at.
var readOps = map[string]bool{"find": true, "count": true, "distinct": true, "aggregate": true}

func (r *recorder) indexesOf(db, coll string) []mongodb.IndexKeys {
	ix := r.indexes[db][coll]
	if len(ix) == 0 {
		ix = r.any[coll]
	}
	return ix
}

func (r *recorder) unserved(db string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var problems []string
	for _, s := range r.shapes[db] {
		if ok, why := mongodb.Served(s.Shape, r.indexesOf(db, s.Collection)); !ok {
			problems = append(problems, fmt.Sprintf("%s (issued at %s): %s", s.Shape, s.At, why))
		}
	}
	sort.Strings(problems)
	return problems
}

func (r *recorder) scanned(db string, ops map[string]bool) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var problems []string
	for _, s := range r.shapes[db] {
		if !ops[s.Op] {
			continue
		}
		ix := r.indexesOf(db, s.Collection)
		if ok, _ := mongodb.Served(s.Shape, ix); !ok {
			continue // reported by unserved
		}
		if ok, why := mongodb.Searched(s.Shape, ix); !ok {
			problems = append(problems, fmt.Sprintf("%s (issued at %s): %s", s.Shape, s.At, why))
		}
	}
	sort.Strings(problems)
	return problems
}

func (r *recorder) report(path, db string) {
	r.mu.Lock()
	var lines []string
	for _, s := range r.shapes[db] {
		ix := r.indexesOf(db, s.Collection)
		status := "served"
		if ok, _ := mongodb.Served(s.Shape, ix); !ok {
			status = "UNSERVED"
		} else if ok, _ := mongodb.Searched(s.Shape, ix); !ok {
			status = "served-but-embedded-scan"
		}
		lines = append(lines, fmt.Sprintf("%s\t%s\t%s\n", status, s.Shape, s.At))
	}
	r.mu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	for _, l := range lines {
		_, _ = f.WriteString(l)
	}
}

func (r *recorder) forgetDB(db string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.shapes, db)
	delete(r.indexes, db)
}

// checkShapes fails t for every shape issued on its database that no index serves, and for
// every write (delete, update, findAndModify) the embedded engine would scan. With INDEX_CHECK_REPORT set to a
// file name, it also appends every shape it checked to that file (one line each: served,
// served-but-embedded-scan or UNSERVED, the shape, where it was issued), for docs and audits.
func checkShapes(t testing.TB, db string) {
	if path := os.Getenv("INDEX_CHECK_REPORT"); path != "" {
		shapes.report(path, db)
	}
	for _, p := range shapes.unserved(db) {
		t.Errorf("index check: %s; declare an index next to the store's code (its Indexes()), "+
			"or comment the query \"scan: <why>\" if it must read the whole collection", p)
	}
	for _, p := range shapes.scanned(db, searchedOps) {
		t.Errorf("embedded-engine check: %s; give the write an equality on _id or on an index's first key "+
			"(e.g. an hour bucket, mongodb.HourSweep), or comment it \"scan: <why>\" if it must read the whole collection", p)
	}
	shapes.forgetDB(db)
}
