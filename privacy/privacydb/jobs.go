// Package privacydb stores the privacy jobs and their archives, and holds the map of the
// product's personal data (catalog.go) that erasure and export work through.
package privacydb

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/privacy"
)

// Collection names.
const (
	Jobs     = "privacy_jobs"
	Archives = "privacy_archives"
)

// Indexes lists the indexes the queries in this package need.
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		{Collection: Jobs, Model: mongo.IndexModel{Keys: bson.D{{Key: "state", Value: 1}, {Key: "dueAt", Value: 1}}}},     // Claim
		{Collection: Jobs, Model: mongo.IndexModel{Keys: bson.D{{Key: "state", Value: 1}, {Key: "expiresAt", Value: 1}}}}, // Expired
		{Collection: Archives, Model: mongo.IndexModel{Keys: bson.D{{Key: "jobId", Value: 1}}}},                           // Delete
	}
}

// Store is the MongoDB privacy.Store.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

// ArchiveStore is the MongoDB privacy.Archives: an archive in 1 MiB chunks.
type ArchiveStore struct{ db *mongo.Database }

// NewArchives returns an archive store on db.
func NewArchives(db *mongo.Database) *ArchiveStore { return &ArchiveStore{db: db} }

var (
	_ privacy.Store    = (*Store)(nil)
	_ privacy.Archives = (*ArchiveStore)(nil)
)

type jobDoc struct {
	ID          string    `bson:"_id"`
	Kind        string    `bson:"kind"`
	State       string    `bson:"state"`
	UserID      string    `bson:"userId,omitempty"`
	Email       string    `bson:"email,omitempty"`
	Name        string    `bson:"name,omitempty"`
	Tombstone   string    `bson:"tombstone,omitempty"`
	RequestedBy string    `bson:"requestedBy"`
	Reason      string    `bson:"reason,omitempty"`
	Pass        int       `bson:"pass"`
	Step        int       `bson:"step"`
	Attempts    int       `bson:"attempts"`
	LastError   string    `bson:"lastError,omitempty"`
	CreatedAt   time.Time `bson:"createdAt"`
	DueAt       time.Time `bson:"dueAt"`
	CompletedAt time.Time `bson:"completedAt,omitempty"`
	Bytes       int64     `bson:"bytes,omitempty"`
	ExpiresAt   time.Time `bson:"expiresAt,omitempty"`
	Lease       string    `bson:"lease"`
	LeaseUntil  time.Time `bson:"leaseUntil"`
}

func fromJob(j privacy.Job) jobDoc {
	return jobDoc{ID: j.ID, Kind: string(j.Kind), State: string(j.State), UserID: j.Person.UserID, Email: j.Person.Email,
		Name: j.Person.Name, Tombstone: j.Person.Tombstone, RequestedBy: j.RequestedBy, Reason: j.Reason, Pass: j.Pass,
		Step: j.Step, Attempts: j.Attempts, LastError: j.LastError, CreatedAt: j.CreatedAt.UTC(), DueAt: j.DueAt.UTC(),
		CompletedAt: j.CompletedAt.UTC(), Bytes: j.Bytes, ExpiresAt: j.ExpiresAt.UTC(), Lease: j.Lease, LeaseUntil: j.LeaseUntil.UTC()}
}

func (d jobDoc) job() privacy.Job {
	return privacy.Job{ID: d.ID, Kind: privacy.Kind(d.Kind), State: privacy.State(d.State),
		Person:      privacy.Person{UserID: d.UserID, Email: d.Email, Name: d.Name, Tombstone: d.Tombstone},
		RequestedBy: d.RequestedBy, Reason: d.Reason, Pass: d.Pass, Step: d.Step, Attempts: d.Attempts, LastError: d.LastError,
		CreatedAt: d.CreatedAt, DueAt: d.DueAt, CompletedAt: d.CompletedAt, Bytes: d.Bytes, ExpiresAt: d.ExpiresAt,
		Lease: d.Lease, LeaseUntil: d.LeaseUntil}
}

// Insert implements privacy.Store.
func (s *Store) Insert(ctx context.Context, j privacy.Job) (privacy.Job, bool, error) {
	_, err := s.db.Collection(Jobs).InsertOne(ctx, fromJob(j))
	if err == nil {
		return j, true, nil
	}
	if !mongodb.IsDuplicate(err) {
		return privacy.Job{}, false, fmt.Errorf("insert privacy job: %w", err)
	}
	existing, err := s.Get(ctx, j.ID)
	return existing, false, err
}

// Replace implements privacy.Store.
func (s *Store) Replace(ctx context.Context, j privacy.Job, from privacy.State) (bool, error) {
	res, err := s.db.Collection(Jobs).ReplaceOne(ctx, bson.D{{Key: "_id", Value: j.ID}, {Key: "state", Value: string(from)}}, fromJob(j))
	if err != nil {
		return false, fmt.Errorf("replace privacy job: %w", err)
	}
	return res.MatchedCount == 1, nil
}

// Get implements privacy.Store.
func (s *Store) Get(ctx context.Context, id string) (privacy.Job, error) {
	var d jobDoc
	err := s.db.Collection(Jobs).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return privacy.Job{}, privacy.ErrNotFound
	}
	if err != nil {
		return privacy.Job{}, fmt.Errorf("read privacy job: %w", err)
	}
	return d.job(), nil
}

// Claim implements privacy.Store: the pending job due first whose lease is free or ran out.
func (s *Store) Claim(ctx context.Context, now, until time.Time, lease string) (privacy.Job, error) {
	filter := bson.D{{Key: "state", Value: string(privacy.StatePending)}, {Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now.UTC()}}},
		{Key: "leaseUntil", Value: bson.D{{Key: "$lt", Value: now.UTC()}}}}
	var d jobDoc
	err := s.db.Collection(Jobs).FindOneAndUpdate(ctx, filter,
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease", Value: lease}, {Key: "leaseUntil", Value: until.UTC()}}}},
		options.FindOneAndUpdate().SetSort(bson.D{{Key: "dueAt", Value: 1}}).SetReturnDocument(options.After)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return privacy.Job{}, privacy.ErrNothingDue
	}
	if err != nil {
		return privacy.Job{}, fmt.Errorf("claim privacy job: %w", err)
	}
	return d.job(), nil
}

// Save implements privacy.Store.
func (s *Store) Save(ctx context.Context, j privacy.Job, lease string) (bool, error) {
	res, err := s.db.Collection(Jobs).ReplaceOne(ctx, bson.D{{Key: "_id", Value: j.ID}, {Key: "lease", Value: lease}}, fromJob(j))
	if err != nil {
		return false, fmt.Errorf("save privacy job: %w", err)
	}
	return res.MatchedCount == 1, nil
}

// Expired implements privacy.Store.
func (s *Store) Expired(ctx context.Context, now time.Time, limit int) ([]privacy.Job, error) {
	cur, err := s.db.Collection(Jobs).Find(ctx, bson.D{{Key: "state", Value: string(privacy.StateDone)},
		{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: now.UTC()}, {Key: "$gt", Value: time.Time{}}}}},
		options.Find().SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("list expired exports: %w", err)
	}
	var docs []jobDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]privacy.Job, 0, len(docs))
	for _, d := range docs {
		if d.Kind == string(privacy.KindExport) {
			out = append(out, d.job())
		}
	}
	return out, nil
}

// Delete implements privacy.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	_, err := s.db.Collection(Jobs).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return err
}

const chunkSize = 1 << 20

type chunkDoc struct {
	ID    string `bson:"_id"`
	JobID string `bson:"jobId"`
	N     int    `bson:"n"`
	Data  []byte `bson:"data"`
}

// chunker writes what it is given to the archive's chunks, 1 MiB each.
type chunker struct {
	ctx   context.Context
	coll  *mongo.Collection
	jobID string
	buf   bytes.Buffer
	n     int
	total int64
}

func (c *chunker) Write(p []byte) (int, error) {
	c.buf.Write(p)
	for c.buf.Len() >= chunkSize {
		if err := c.flush(c.buf.Next(chunkSize)); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (c *chunker) flush(b []byte) error {
	d := chunkDoc{ID: fmt.Sprintf("%s#%06d", c.jobID, c.n), JobID: c.jobID, N: c.n, Data: append([]byte(nil), b...)}
	_, err := c.coll.ReplaceOne(c.ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	c.n++
	c.total += int64(len(b))
	return err
}

// Put implements privacy.Archives: the archive replaces any earlier one of the job.
func (s *ArchiveStore) Put(ctx context.Context, jobID string, write func(w io.Writer) error) (int64, error) {
	if err := s.Delete(ctx, jobID); err != nil {
		return 0, err
	}
	c := &chunker{ctx: ctx, coll: s.db.Collection(Archives), jobID: jobID}
	if err := write(c); err != nil {
		return 0, err
	}
	if c.buf.Len() > 0 || c.n == 0 {
		if err := c.flush(c.buf.Bytes()); err != nil {
			return 0, err
		}
	}
	return c.total, nil
}

// Delete implements privacy.Archives.
func (s *ArchiveStore) Delete(ctx context.Context, jobID string) error {
	_, err := s.db.Collection(Archives).DeleteMany(ctx, bson.D{{Key: "jobId", Value: jobID}})
	return err
}

// Open implements privacy.Archives.
func (s *ArchiveStore) Open(ctx context.Context, jobID string) (io.ReadCloser, error) {
	return &chunkReader{ctx: ctx, coll: s.db.Collection(Archives), jobID: jobID}, nil
}

type chunkReader struct {
	ctx   context.Context
	coll  *mongo.Collection
	jobID string
	n     int
	cur   []byte
	done  bool
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.done {
			return 0, io.EOF
		}
		var d chunkDoc
		err := r.coll.FindOne(r.ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s#%06d", r.jobID, r.n)}}).Decode(&d)
		if mongodb.IsNotFound(err) {
			r.done = true
			continue
		}
		if err != nil {
			return 0, err
		}
		r.cur, r.n = d.Data, r.n+1
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func (r *chunkReader) Close() error { return nil }
