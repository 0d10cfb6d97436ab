// Package idempotencydb keeps the API's Idempotency-Key records in MongoDB.
package idempotencydb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/microlearn/microlearn/internal/idempotency"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// Collection holds one record per (user, key).
const Collection = "idempotency_keys"

// Indexes lists the indexes the queries in this package need: claims and releases are _id
// lookups; the sweep deletes by the hour bucket of the expiry.
func Indexes() []mongodb.Index {
	return []mongodb.Index{sweep.Index()}
}

// sweep deletes expired records by the hour bucket of expiresAt (an {expiresAt: {$lt: now}}
// delete would decode every record on the embedded engine, issue 20).
var sweep = mongodb.HourSweep{Collection: Collection, Field: "expiresAt", Bucket: "expiresHour"}

type idemDoc struct {
	ID          string    `bson:"_id"` // userId + ":" + key
	UserID      string    `bson:"userId"`
	Key         string    `bson:"key"`
	Fingerprint string    `bson:"fingerprint"`
	Done        bool      `bson:"done"`
	Status      int       `bson:"status"`
	ContentType string    `bson:"contentType"`
	Body        []byte    `bson:"body"`
	CreatedAt   time.Time `bson:"createdAt"`
	ExpiresAt   time.Time `bson:"expiresAt"`
	ExpiresHour string    `bson:"expiresHour"` // mongodb.HourOf(ExpiresAt), the sweep's bucket
}

func (d idemDoc) toStoredResponse() idempotency.StoredResponse {
	return idempotency.StoredResponse{UserID: d.UserID, Key: d.Key, Fingerprint: d.Fingerprint, Done: d.Done,
		Status: d.Status, ContentType: d.ContentType, Body: d.Body, CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt}
}

// Store is the MongoDB idempotency.Store.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

func idemID(userID, key string) string { return userID + ":" + key }

// Claim implements idempotency.Store: an insert guarded by the unique _id, so that
// of two concurrent requests with one key exactly one runs.
func (s *Store) Claim(ctx context.Context, r idempotency.StoredResponse) (idempotency.StoredResponse, bool, error) {
	coll := s.db.Collection(Collection)
	d := idemDoc{ID: idemID(r.UserID, r.Key), UserID: r.UserID, Key: r.Key, Fingerprint: r.Fingerprint,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), ExpiresHour: mongodb.HourOf(r.ExpiresAt), Body: []byte{}}
	for range 2 {
		_, err := coll.InsertOne(ctx, d)
		if err == nil {
			return r, true, nil
		}
		if !mongodb.IsDuplicate(err) {
			return idempotency.StoredResponse{}, false, fmt.Errorf("claim idempotency key: %w", err)
		}
		var old idemDoc
		err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}).Decode(&old)
		if mongodb.IsNotFound(err) {
			continue // released meanwhile
		}
		if err != nil {
			return idempotency.StoredResponse{}, false, fmt.Errorf("find idempotency key: %w", err)
		}
		if !old.ExpiresAt.Before(r.CreatedAt) {
			return old.toStoredResponse(), false, nil
		}
		// Expired but not swept yet: remove exactly that record and claim again.
		if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "expiresAt", Value: old.ExpiresAt}}); err != nil {
			return idempotency.StoredResponse{}, false, fmt.Errorf("drop expired idempotency key: %w", err)
		}
	}
	return idempotency.StoredResponse{}, false, idempotency.ErrInFlight
}

// Complete implements idempotency.Store.
func (s *Store) Complete(ctx context.Context, r idempotency.StoredResponse) error {
	_, err := s.db.Collection(Collection).UpdateOne(ctx, bson.D{{Key: "_id", Value: idemID(r.UserID, r.Key)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}, {Key: "status", Value: r.Status},
			{Key: "contentType", Value: r.ContentType}, {Key: "body", Value: r.Body}}}})
	if err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	return nil
}

// Release implements idempotency.Store.
func (s *Store) Release(ctx context.Context, userID, key string, createdAt time.Time) error {
	_, err := s.db.Collection(Collection).DeleteOne(ctx, bson.D{{Key: "_id", Value: idemID(userID, key)},
		{Key: "done", Value: false}, {Key: "createdAt", Value: createdAt.UTC()}})
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// Sweep implements idempotency.Store.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int64, error) {
	n, err := sweep.DeleteBefore(ctx, s.db, now)
	if err != nil {
		return n, fmt.Errorf("sweep idempotency keys: %w", err)
	}
	return n, nil
}
