// Package maildb keeps mail in MongoDB: the outbox (pending messages only, so that it stays
// small) and the records of finished ones (no address, no text).
package maildb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/mail"
)

// Collection names.
const (
	Outbox  = "mail_outbox"
	Records = "mail_records"
)

// Indexes lists the indexes the queries in this package need.
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		{Collection: Outbox, Model: mongo.IndexModel{Keys: bson.D{{Key: "dueAt", Value: 1}}}}, // Claim
		recordSweep.Index(), // PruneRecords
	}
}

// recordSweep prunes records by the hour bucket of their time (an {at: {$lt}} delete would
// decode every record on the embedded engine, issue 20).
var recordSweep = mongodb.HourSweep{Collection: Records, Field: "at", Bucket: "atHour"}

// Store is the MongoDB mail.Store.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

var _ mail.Store = (*Store)(nil)

type pendingDoc struct {
	ID        string            `bson:"_id"`
	DedupKey  string            `bson:"dedupKey"`
	Kind      string            `bson:"kind"`
	Refs      map[string]string `bson:"refs,omitempty"`
	CreatedAt time.Time         `bson:"createdAt"`
	DueAt     time.Time         `bson:"dueAt"`
	Lease     string            `bson:"lease"`
	Attempts  int               `bson:"attempts"`
	LastError string            `bson:"lastError,omitempty"`
}

func (d pendingDoc) toPending() mail.Pending {
	return mail.Pending{ID: d.ID, DedupKey: d.DedupKey, Kind: mail.Kind(d.Kind), Refs: d.Refs, CreatedAt: d.CreatedAt,
		DueAt: d.DueAt, Lease: d.Lease, Attempts: d.Attempts, LastError: d.LastError}
}

type recordDoc struct {
	ID        string            `bson:"_id"`
	Kind      string            `bson:"kind"`
	Refs      map[string]string `bson:"refs,omitempty"`
	Status    string            `bson:"status"`
	Reason    string            `bson:"reason,omitempty"`
	Attempts  int               `bson:"attempts"`
	MessageID string            `bson:"messageId,omitempty"`
	At        time.Time         `bson:"at"`
	AtHour    string            `bson:"atHour"` // mongodb.HourOf(At), PruneRecords' bucket
}

// EnqueueMany implements mail.Store: unordered inserts in chunks of 100 (the id is derived
// from the dedup key, so a duplicate is a duplicate-key error, skipped).
func (s *Store) EnqueueMany(ctx context.Context, ps []mail.Pending) ([]string, error) {
	docs := make([]any, len(ps))
	for i, p := range ps {
		docs[i] = pendingDoc{ID: p.ID, DedupKey: p.DedupKey, Kind: string(p.Kind), Refs: p.Refs, CreatedAt: p.CreatedAt.UTC(),
			DueAt: p.DueAt.UTC(), Attempts: p.Attempts}
	}
	dup, err := mongodb.InsertNew(ctx, s.db.Collection(Outbox), docs, 100)
	if err != nil {
		return nil, fmt.Errorf("enqueue mail: %w", err)
	}
	var created []string
	for i, p := range ps {
		if !dup[i] {
			created = append(created, p.ID)
		}
	}
	return created, nil
}

// FinishedAmong implements mail.Store.
func (s *Store) FinishedAmong(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		cur, err := s.db.Collection(Records).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}},
			options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return nil, fmt.Errorf("find mail records: %w", err)
		}
		var found []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &found); err != nil {
			return nil, fmt.Errorf("find mail records: %w", err)
		}
		for _, f := range found {
			out[f.ID] = true
		}
	}
	return out, nil
}

// Claim implements mail.Store: one findOneAndUpdate on the earliest due item, which moves
// dueAt to the lease's end, so a crashed sender's message becomes due again by itself.
func (s *Store) Claim(ctx context.Context, now time.Time, lease string, until time.Time) (mail.Pending, error) {
	var d pendingDoc
	err := s.db.Collection(Outbox).FindOneAndUpdate(ctx,
		bson.D{{Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease", Value: lease}, {Key: "dueAt", Value: until.UTC()}}}},
		options.FindOneAndUpdate().SetSort(bson.D{{Key: "dueAt", Value: 1}}).SetReturnDocument(options.After).
			SetComment("scan: the outbox holds only pending mail (Finish deletes it), so the embedded engine's scan is as large as the backlog"),
	).Decode(&d)
	if mongodb.IsNotFound(err) {
		return mail.Pending{}, mail.ErrNothingDue
	}
	if err != nil {
		return mail.Pending{}, fmt.Errorf("claim mail: %w", err)
	}
	return d.toPending(), nil
}

// Release implements mail.Store.
func (s *Store) Release(ctx context.Context, id, lease string, dueAt time.Time, attempts int, lastError string) error {
	_, err := s.db.Collection(Outbox).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "lease", Value: lease}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease", Value: ""}, {Key: "dueAt", Value: dueAt.UTC()},
			{Key: "attempts", Value: attempts}, {Key: "lastError", Value: lastError}}}})
	if err != nil {
		return fmt.Errorf("release mail: %w", err)
	}
	return nil
}

// Finish implements mail.Store: the record first, then the outbox item.
func (s *Store) Finish(ctx context.Context, r mail.Record) error {
	_, err := s.db.Collection(Records).InsertOne(ctx, recordDoc{ID: r.ID, Kind: string(r.Kind), Refs: r.Refs, Status: string(r.Status),
		Reason: r.Reason, Attempts: r.Attempts, MessageID: r.MessageID, At: r.At.UTC(), AtHour: mongodb.HourOf(r.At)})
	if err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("record mail: %w", err)
	}
	if _, err := s.db.Collection(Outbox).DeleteOne(ctx, bson.D{{Key: "_id", Value: r.ID}}); err != nil {
		return fmt.Errorf("delete mail: %w", err)
	}
	return nil
}

// Forget implements mail.Store.
func (s *Store) Forget(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.db.Collection(Outbox).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return fmt.Errorf("forget mail: %w", err)
	}
	return nil
}

// PruneRecords implements mail.Store.
func (s *Store) PruneRecords(ctx context.Context, before time.Time) (int, error) {
	n, err := recordSweep.DeleteBefore(ctx, s.db, before)
	if err != nil {
		return int(n), fmt.Errorf("prune mail records: %w", err)
	}
	return int(n), nil
}
