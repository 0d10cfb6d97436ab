// Package mongotest gives each test its own database: on FerretDB embedded (started once per
// test binary) by default, or on the MongoDB named by MONGODB_TEST_URI when it is set.
package mongotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
)

var (
	once     sync.Once
	shared   *mongo.Client
	embedded bool
	uri      string
	startErr error
)

func start() {
	uri = os.Getenv("MONGODB_TEST_URI")
	if uri == "" {
		parent := ramDir()
		removeOrphans(parent)
		dir, err := os.MkdirTemp(parent, fmt.Sprintf("microlearn-test-db-%d-", os.Getpid()))
		if err != nil {
			startErr = err
			return
		}
		logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
		uri, _, startErr = mongodb.StartEmbedded(dir, "127.0.0.1:0", logger)
		if startErr != nil {
			return
		}
		embedded = true
	}
	opts := mongodb.ClientOptions(uri, embedded).SetMonitor(mongodb.CommandMonitor(shapes.started))
	shared, startErr = mongo.Connect(opts)
}

// ramDir is where the embedded test database keeps its files: /dev/shm when the machine has
// it, because there SQLite's fsync at every commit costs nothing (a test database need not
// survive a power cut); otherwise the usual temporary directory.
func ramDir() string {
	f, err := os.CreateTemp("/dev/shm", "microlearn-probe-")
	if err != nil {
		return ""
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
	return "/dev/shm"
}

// removeOrphans deletes the database directories of test binaries that have exited: a test
// binary cannot remove its own when it ends (no hook runs after the last test in every
// package), and in /dev/shm each one left behind holds RAM until a reboot. A directory names
// its binary's process ID; one whose process is gone is an orphan.
func removeOrphans(parent string) {
	if parent == "" {
		parent = os.TempDir()
	}
	dirs, _ := filepath.Glob(filepath.Join(parent, "microlearn-test-db-*"))
	for _, d := range dirs {
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(d), "microlearn-test-db-%d-", &pid); err != nil || pid <= 0 {
			continue // another naming (older binaries): leave it
		}
		if processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

// processAlive reports whether a process with this ID exists (signal 0 checks without
// sending anything).
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

var unsafe = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// DB returns a connected *mongodb.DB whose database is new and private to t; it is dropped
// when t ends. The client is shared by the test binary and must not be closed. When t ends,
// every query shape the stores issued on the database must be served by an index
// (shapes.go).
func DB(t testing.TB) *mongodb.DB {
	t.Helper()
	once.Do(start)
	if startErr != nil {
		t.Fatalf("start test database: %v", startErr)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := unsafe.ReplaceAllString(t.Name(), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	name = strings.ToLower(fmt.Sprintf("t_%s_%s", name, hex.EncodeToString(b)))
	db := shared.Database(name)
	t.Cleanup(func() { checkShapes(t, name) })
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = db.Drop(ctx)
	})
	return &mongodb.DB{Client: shared, DB: db, Embedded: embedded, URI: uri}
}

// Snapshot is every document of a database, read once and kept in memory, to be written
// into other tests' databases (apitest seeds the demo once per test binary this way rather
// than once per test).
type Snapshot struct {
	collections map[string][]bson.Raw
}

// snapshotComment marks the snapshot's reads as whole-collection scans on purpose (the
// index check's convention, shapes.go).
const snapshotComment = "scan: mongotest copies a whole test database"

// TakeSnapshot reads every document of every collection of db.
func TakeSnapshot(ctx context.Context, db *mongo.Database) (*Snapshot, error) {
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	s := &Snapshot{collections: map[string][]bson.Raw{}}
	for _, name := range names {
		if strings.HasPrefix(name, "system.") {
			continue
		}
		cur, err := db.Collection(name).Find(ctx, bson.D{}, options.Find().SetComment(snapshotComment))
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", name, err)
		}
		var docs []bson.Raw
		for cur.Next(ctx) {
			docs = append(docs, slices.Clone(cur.Current))
		}
		err = cur.Err()
		_ = cur.Close(ctx)
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", name, err)
		}
		s.collections[name] = docs
	}
	return s, nil
}

// Documents is how many documents the snapshot holds.
func (s *Snapshot) Documents() int {
	n := 0
	for _, docs := range s.collections {
		n += len(docs)
	}
	return n
}

// Restore writes the snapshot's documents into db, collection by collection, in the order
// they were read. The collections must not hold documents with the same _id.
func (s *Snapshot) Restore(ctx context.Context, db *mongo.Database) error {
	const batch = 500
	for name, docs := range s.collections {
		if len(docs) == 0 {
			continue
		}
		for chunk := range slices.Chunk(docs, batch) {
			if _, err := db.Collection(name).InsertMany(ctx, chunk); err != nil {
				return fmt.Errorf("restore %s: %w", name, err)
			}
		}
	}
	return nil
}
