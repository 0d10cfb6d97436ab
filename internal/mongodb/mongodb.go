// Package mongodb connects to MongoDB, or starts FerretDB 1.24 embedded when no MongoDB is
// configured, and holds the helpers every store shares: index declarations, error
// translation, and the command monitor that feeds internal/dbcount.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/dbcount"
)

// Config says where the database is.
type Config struct {
	// URI of a MongoDB deployment. Empty starts FerretDB embedded.
	URI string
	// Database is the database name.
	Database string
	// DataDir holds the embedded engine's SQLite files.
	DataDir string
	// EmbeddedAddr is the loopback address the embedded engine listens on, so that tools
	// such as mongosh can look inside.
	EmbeddedAddr string
	// Logger receives the embedded engine's logs at level ERROR and above.
	Logger *slog.Logger
}

// DB is a connected database.
type DB struct {
	Client   *mongo.Client
	DB       *mongo.Database
	Embedded bool
	// URI is the address clients use; for the embedded engine, its loopback URI.
	URI  string
	stop func()
}

// Open connects to cfg.URI, or starts the embedded engine and connects to it through
// exactly one pooled connection (FerretDB 1.24 loses concurrent updates otherwise; see
// docs/decisions.md).
func Open(ctx context.Context, cfg Config) (*DB, error) {
	d := &DB{URI: cfg.URI, stop: func() {}}
	opts := options.Client().SetMonitor(commandMonitor()).SetAppName("microlearn")
	if cfg.URI == "" {
		uri, stop, err := StartEmbedded(cfg.DataDir, cfg.EmbeddedAddr, cfg.Logger)
		if err != nil {
			return nil, err
		}
		d.URI, d.stop, d.Embedded = uri, stop, true
		opts.SetMaxPoolSize(1)
	}
	opts.ApplyURI(d.URI)
	if d.Embedded {
		opts.SetMaxPoolSize(1) // ApplyURI must not widen it
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		d.stop()
		return nil, fmt.Errorf("connect to MongoDB: %w", err)
	}
	d.Client = client
	d.DB = client.Database(cfg.Database)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.Ping(pctx); err != nil {
		_ = d.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("MongoDB does not answer at %s: %w", redact(d.URI), err)
	}
	return d, nil
}

// StartEmbedded starts FerretDB with its SQLite backend in dataDir, listening on addr, and
// returns its URI and a function that stops it.
func StartEmbedded(dataDir, addr string, logger *slog.Logger) (string, func(), error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return "", nil, fmt.Errorf("invalid DATA_DIR=%q: %w", dataDir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", nil, fmt.Errorf("invalid DATA_DIR=%q: cannot create it: %w", dataDir, unwrapPath(err))
	}
	probe := filepath.Join(abs, ".write-test")
	if err := os.WriteFile(probe, []byte("ok"), 0o600); err != nil {
		return "", nil, fmt.Errorf("invalid DATA_DIR=%q: not writable: %w", dataDir, unwrapPath(err))
	}
	_ = os.Remove(probe)
	if logger == nil {
		logger = slog.Default()
	}
	quiet := slog.New(levelFilter{logger.Handler(), slog.LevelError})
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    quiet,
	})
	if err != nil {
		return "", nil, fmt.Errorf("invalid EMBEDDED_MONGO_ADDR=%q: cannot start the embedded database: %w", addr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	stop := func() {
		cancel()
		<-done
	}
	return f.MongoDBURI(), stop, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	return d.DB.RunCommand(ctx, map[string]int{"ping": 1}).Err()
}

// Close disconnects and stops the embedded engine, if any. A DB that Open did not make
// (a test's shared client) is left connected.
func (d *DB) Close(ctx context.Context) error {
	if d.stop == nil {
		return nil
	}
	err := d.Client.Disconnect(ctx)
	d.stop()
	return err
}

// redact hides credentials in a URI for log lines and errors.
func redact(uri string) string {
	return redactURI(uri)
}

func commandMonitor() *event.CommandMonitor { return CommandMonitor(nil) }

// CommandMonitor returns the command monitor Open uses (it counts commands for
// dbcount), calling also, when not nil, for every command started (tests record query shapes
// with it).
func CommandMonitor(also func(context.Context, *event.CommandStartedEvent)) *event.CommandMonitor {
	spans := &commandSpans{}
	return &event.CommandMonitor{
		Started: func(ctx context.Context, ev *event.CommandStartedEvent) {
			dbcount.Add(ctx)
			spans.started(ctx, ev)
			if also != nil {
				also(ctx, ev)
			}
		},
		Succeeded: func(_ context.Context, ev *event.CommandSucceededEvent) { spans.finished(ev.RequestID, nil) },
		Failed:    func(_ context.Context, ev *event.CommandFailedEvent) { spans.finished(ev.RequestID, ev.Failure) },
	}
}

// ClientOptions returns the options Open uses, for callers that connect themselves (tests).
func ClientOptions(uri string, embedded bool) *options.ClientOptions {
	o := options.Client().ApplyURI(uri).SetMonitor(commandMonitor()).SetAppName("microlearn")
	if embedded {
		o.SetMaxPoolSize(1)
	}
	return o
}

// IsDuplicate reports whether err is a unique-index violation.
func IsDuplicate(err error) bool { return mongo.IsDuplicateKeyError(err) }

// OnlyDuplicates reports whether err is a bulk write's failure in which every failed
// document was a unique-index violation (an unordered insert of documents some of which
// were stored before).
func OnlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return false
		}
	}
	return true
}

// IsNotFound reports whether err says a single-document read found nothing.
func IsNotFound(err error) bool { return errors.Is(err, mongo.ErrNoDocuments) }

// Index is an index a store needs for the queries it issues.
type Index struct {
	Collection string
	Model      mongo.IndexModel
}

// EnsureIndexes creates the indexes; creating an existing index again changes nothing.
func EnsureIndexes(ctx context.Context, db *mongo.Database, indexes []Index) error {
	for _, ix := range indexes {
		if _, err := db.Collection(ix.Collection).Indexes().CreateOne(ctx, ix.Model); err != nil {
			return fmt.Errorf("ensure index on %s: %w", ix.Collection, err)
		}
	}
	return nil
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (h levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{h.Handler.WithAttrs(a), h.min}
}

func (h levelFilter) WithGroup(n string) slog.Handler {
	return levelFilter{h.Handler.WithGroup(n), h.min}
}
