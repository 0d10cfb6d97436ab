// Package learningdb keeps learning events in MongoDB: an append-only log keyed by event ID,
// so that a replayed event is stored once, and the small work queue the gamification service
// consumes it from.
//
// Collections:
//   - learning_events: the log, every event ever published (insert-only on the hot path).
//   - learning_queue: events not yet processed. It holds only pending work, so it stays
//     small even on FerretDB, which scans collections.
//   - learning_claims: the lease of each event being processed, keyed by event ID; swept
//     some minutes after it runs out.
//   - learning_processed: the ID of every processed event (insert-only), written before the
//     event leaves the queue.
//   - learning_dead: events that failed too often, parked for an operator.
package learningdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/learning"
)

// Collection names.
const (
	Events    = "learning_events"
	Queue     = "learning_queue"
	Processed = "learning_processed"
	Claims    = "learning_claims"
	Dead      = "learning_dead"
)

// Indexes lists the indexes the queries in this package need.
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		{Collection: Events, Model: mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}, {Key: "occurredAt", Value: 1}}}},
		{Collection: Events, Model: mongo.IndexModel{Keys: bson.D{{Key: "recordedAt", Value: 1}}}},
		{Collection: Queue, Model: mongo.IndexModel{Keys: bson.D{{Key: "availableAt", Value: 1}}}},
		{Collection: Claims, Model: mongo.IndexModel{Keys: bson.D{{Key: "until", Value: 1}}}},
	}
}

// Store is the MongoDB learning.Publisher and gamification.Queue.
type Store struct {
	db *mongo.Database
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// OnPublish, when set, is called after an event was stored and queued (the in-process
	// worker uses it to wake up at once).
	OnPublish func()
}

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

func (s *Store) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// EventDoc is the stored form of a learning event.
type EventDoc struct {
	ID           string     `bson:"_id"`
	Kind         string     `bson:"kind"`
	UserID       string     `bson:"userId"`
	ProgrammeID  string     `bson:"programmeId"`
	ItemKind     string     `bson:"itemKind,omitempty"`
	ItemID       string     `bson:"itemId,omitempty"`
	Domain       string     `bson:"domain,omitempty"`
	OccurredAt   time.Time  `bson:"occurredAt"`
	RecordedAt   time.Time  `bson:"recordedAt"`
	ScorePercent int        `bson:"scorePercent,omitempty"`
	Passed       bool       `bson:"passed,omitempty"`
	Attempt      int        `bson:"attempt,omitempty"`
	Perfect      bool       `bson:"perfect,omitempty"`
	SecondsSpent int        `bson:"secondsSpent,omitempty"`
	PairingID    string     `bson:"pairingId,omitempty"`
	DueAt        *time.Time `bson:"dueAt,omitempty"`
	OnTime       bool       `bson:"onTime,omitempty"`
}

// FromEvent converts a domain event to its stored form.
func FromEvent(e learning.Event) EventDoc {
	return EventDoc{ID: e.ID, Kind: string(e.Kind), UserID: e.UserID, ProgrammeID: e.ProgrammeID, ItemKind: e.ItemKind,
		ItemID: e.ItemID, Domain: e.Domain, OccurredAt: e.OccurredAt.UTC(), RecordedAt: e.RecordedAt.UTC(),
		ScorePercent: e.ScorePercent, Passed: e.Passed, Attempt: e.Attempt, Perfect: e.Perfect,
		SecondsSpent: e.SecondsSpent, PairingID: e.PairingID, DueAt: e.DueAt, OnTime: e.OnTime}
}

// ToEvent converts the stored form back.
func (d EventDoc) ToEvent() learning.Event {
	return learning.Event{ID: d.ID, Kind: learning.Kind(d.Kind), UserID: d.UserID, ProgrammeID: d.ProgrammeID,
		ItemKind: d.ItemKind, ItemID: d.ItemID, Domain: d.Domain, OccurredAt: d.OccurredAt, RecordedAt: d.RecordedAt,
		ScorePercent: d.ScorePercent, Passed: d.Passed, Attempt: d.Attempt, Perfect: d.Perfect,
		SecondsSpent: d.SecondsSpent, PairingID: d.PairingID, DueAt: d.DueAt, OnTime: d.OnTime}
}

// queueDoc is a pending event: the whole event (so a worker needs no second read) and its
// retry state. AvailableAt is when it may be claimed: when published, or the time of the
// next retry after a failure. The event is kept as one BSON document in
// binary form: FerretDB decodes every queue document on each claim, and a binary field
// costs it next to nothing to decode, unlike a dozen top-level fields.
type queueDoc struct {
	ID          string    `bson:"_id"`
	AvailableAt time.Time `bson:"availableAt"`
	// Attempts counts the failed attempts (lease takeovers are counted on the lease).
	Attempts  int    `bson:"attempts"`
	LastError string `bson:"lastError,omitempty"`
	Event     []byte `bson:"event"`
}

func (d queueDoc) delivery() (gamification.Delivery, error) {
	var e EventDoc
	if err := bson.Unmarshal(d.Event, &e); err != nil {
		return gamification.Delivery{}, fmt.Errorf("decode queued learning event %s: %w", d.ID, err)
	}
	return gamification.Delivery{Event: e.ToEvent(), Attempts: d.Attempts}, nil
}

type processedDoc struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
}

// Publish implements learning.Publisher: it stores the event in the log and queues it for
// the gamification service, both before returning. Publishing an event whose ID is already
// logged changes nothing, except that an event whose first publisher died between the two
// writes (logged, neither queued nor processed) is queued now.
func (s *Store) Publish(ctx context.Context, e learning.Event) error {
	doc := FromEvent(e)
	_, err := s.db.Collection(Events).InsertOne(ctx, doc)
	switch {
	case mongodb.IsDuplicate(err):
		return s.requeueIfLost(ctx, doc)
	case err != nil:
		return fmt.Errorf("publish learning event: %w", err)
	}
	if err := s.enqueue(ctx, doc); err != nil {
		return err
	}
	if s.OnPublish != nil {
		s.OnPublish()
	}
	return nil
}

func (s *Store) enqueue(ctx context.Context, doc EventDoc) error {
	at := doc.RecordedAt
	if at.IsZero() {
		at = s.now()
	}
	raw, err := bson.Marshal(doc)
	if err != nil {
		return fmt.Errorf("queue learning event: %w", err)
	}
	_, err = s.db.Collection(Queue).InsertOne(ctx, queueDoc{ID: doc.ID, AvailableAt: at, Event: raw})
	if err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("queue learning event: %w", err)
	}
	return nil
}

// requeueIfLost queues a logged event that is neither queued nor processed. The queue is
// checked before the processed markers, and workers write the marker before they take an
// event off the queue, so an event finishing meanwhile is never queued again.
func (s *Store) requeueIfLost(ctx context.Context, doc EventDoc) error {
	for _, coll := range []string{Queue, Processed, Dead} {
		n, err := s.db.Collection(coll).CountDocuments(ctx, bson.D{{Key: "_id", Value: doc.ID}})
		if err != nil {
			return fmt.Errorf("publish learning event: %w", err)
		}
		if n > 0 {
			return nil
		}
	}
	var logged EventDoc
	if err := s.db.Collection(Events).FindOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}).Decode(&logged); err != nil {
		return fmt.Errorf("publish learning event: %w", err)
	}
	return s.enqueue(ctx, logged)
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type claimDoc struct {
	ID        string    `bson:"_id"` // the event ID
	Owner     string    `bson:"owner"`
	Until     time.Time `bson:"until"`
	Takeovers int       `bson:"takeovers"`
}

// Claim implements gamification.Queue. A lease is a document in learning_claims keyed by the
// event ID: inserting it is the claim, atomic on every engine by the unique _id, and one
// insert command claims a whole batch. (Marking queue documents instead costs FerretDB one
// transaction per document.) A lease that has run out is taken over with a single-document
// findOneAndUpdate conditioned on it having run out, so exactly one worker wins it.
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, batch int) ([]gamification.Delivery, error) {
	batch = min(max(batch, 1), 1000)
	cur, err := s.db.Collection(Queue).Find(ctx, bson.D{{Key: "availableAt", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "availableAt", Value: 1}}).SetLimit(int64(4*batch)))
	if err != nil {
		return nil, fmt.Errorf("find due learning events: %w", err)
	}
	var due []queueDoc
	if err := cur.All(ctx, &due); err != nil {
		return nil, fmt.Errorf("find due learning events: %w", err)
	}
	var out []gamification.Delivery
	for len(due) > 0 && len(out) < batch {
		chunk := due[:min(len(due), batch-len(out))]
		due = due[len(chunk):]
		won, err := s.claim(ctx, owner, now, lease, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, won...)
	}
	return out, nil
}

// claim leases the given queued events; it returns those this owner won.
func (s *Store) claim(ctx context.Context, owner string, now time.Time, lease time.Duration, docs []queueDoc) ([]gamification.Delivery, error) {
	claims := make([]any, len(docs))
	for i, d := range docs {
		claims[i] = claimDoc{ID: d.ID, Owner: owner, Until: now.Add(lease)}
	}
	c := s.db.Collection(Claims)
	_, err := c.InsertMany(ctx, claims, options.InsertMany().SetOrdered(false))
	dups := map[int]bool{}
	if err != nil {
		var ok bool
		if dups, ok = duplicates(err); !ok {
			return nil, fmt.Errorf("claim learning events: %w", err)
		}
	}
	takeovers := map[string]int{}
	if len(dups) > 0 {
		var held []string
		for i := range dups {
			held = append(held, docs[i].ID)
		}
		cur, err := c.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: held}}}, {Key: "until", Value: bson.D{{Key: "$lt", Value: now}}}})
		if err != nil {
			return nil, fmt.Errorf("find expired leases: %w", err)
		}
		var expired []claimDoc
		if err := cur.All(ctx, &expired); err != nil {
			return nil, fmt.Errorf("find expired leases: %w", err)
		}
		for _, x := range expired {
			var won claimDoc
			err := c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: x.ID}, {Key: "until", Value: bson.D{{Key: "$lt", Value: now}}}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: owner}, {Key: "until", Value: now.Add(lease)}}}, {Key: "$inc", Value: bson.D{{Key: "takeovers", Value: 1}}}},
				options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&won)
			if mongodb.IsNotFound(err) {
				continue // another worker took it over first
			}
			if err != nil {
				return nil, fmt.Errorf("take over lease: %w", err)
			}
			takeovers[x.ID] = won.Takeovers
		}
	}
	var out []gamification.Delivery
	for i, d := range docs {
		n, tookOver := takeovers[d.ID]
		if dups[i] && !tookOver {
			continue
		}
		dl, err := d.delivery()
		if err != nil {
			return nil, err
		}
		dl.Attempts = d.Attempts + 1 + n
		out = append(out, dl)
	}
	return out, nil
}

// Done implements gamification.Queue: processed markers first, then off the queue.
func (s *Store) Done(ctx context.Context, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	docs := make([]any, len(ids))
	for i, id := range ids {
		docs[i] = processedDoc{ID: id, At: now}
	}
	_, err := s.db.Collection(Processed).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !allDuplicates(err) {
		return fmt.Errorf("mark learning events processed: %w", err)
	}
	// The leases of done events are left to run out and be swept (SweepLeases): deleting
	// them here would cost every batch a command, and a lease of an event no longer queued
	// holds nothing back.
	if _, err := s.db.Collection(Queue).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return fmt.Errorf("dequeue learning events: %w", err)
	}
	return nil
}

// SweepLeases deletes leases that ran out more than ten minutes ago (those of done events,
// and of dead workers, whose events are claimable again anyway). It returns how many.
func (s *Store) SweepLeases(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.Collection(Claims).DeleteMany(ctx, bson.D{{Key: "until", Value: bson.D{{Key: "$lt", Value: now.Add(-10 * time.Minute)}}}})
	if err != nil {
		return 0, fmt.Errorf("sweep leases: %w", err)
	}
	return int(res.DeletedCount), nil
}

// allDuplicates reports whether every error of a bulk insert is a duplicate key.
func allDuplicates(err error) bool {
	_, ok := duplicates(err)
	return ok
}

// duplicates returns the positions of a bulk insert's duplicate-key failures, and whether
// every failure was one.
func duplicates(err error) (map[int]bool, bool) {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, false
	}
	out := map[int]bool{}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return nil, false
		}
		out[we.Index] = true
	}
	return out, true
}

// Release implements gamification.Queue: the event waits until `at` (or is parked for good)
// and its lease ends, if this owner still holds it.
func (s *Store) Release(ctx context.Context, id, owner string, at time.Time, reason string, dead bool) error {
	res, err := s.db.Collection(Claims).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}})
	if err != nil {
		return fmt.Errorf("release learning event: %w", err)
	}
	if res.DeletedCount == 0 {
		return nil // another worker took the event over
	}
	q := s.db.Collection(Queue)
	if dead {
		var d queueDoc
		err := q.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if mongodb.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("park learning event: %w", err)
		}
		d.LastError = reason
		if _, err := s.db.Collection(Dead).InsertOne(ctx, d); err != nil && !mongodb.IsDuplicate(err) {
			return fmt.Errorf("park learning event: %w", err)
		}
		_, err = q.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		return err
	}
	_, err = q.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "availableAt", Value: at}, {Key: "lastError", Value: reason}}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}}})
	if err != nil {
		return fmt.Errorf("release learning event: %w", err)
	}
	return nil
}

// Recover implements gamification.Recoverer: events logged in the last day (and at least two
// minutes ago) that are neither queued, processed nor parked lost their publisher between
// its two writes; they are queued.
func (s *Store) Recover(ctx context.Context, now time.Time) (int, error) {
	cur, err := s.db.Collection(Events).Find(ctx, bson.D{{Key: "recordedAt", Value: bson.D{
		{Key: "$gte", Value: now.Add(-24 * time.Hour)}, {Key: "$lt", Value: now.Add(-2 * time.Minute)}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetLimit(20000))
	if err != nil {
		return 0, fmt.Errorf("recover learning events: %w", err)
	}
	var logged []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &logged); err != nil {
		return 0, fmt.Errorf("recover learning events: %w", err)
	}
	missing := map[string]bool{}
	ids := make([]string, len(logged))
	for i, l := range logged {
		ids[i] = l.ID
		missing[l.ID] = true
	}
	for _, coll := range []string{Queue, Processed, Dead} {
		if len(missing) == 0 {
			return 0, nil
		}
		cur, err := s.db.Collection(coll).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
			options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return 0, fmt.Errorf("recover learning events: %w", err)
		}
		var found []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &found); err != nil {
			return 0, fmt.Errorf("recover learning events: %w", err)
		}
		for _, f := range found {
			delete(missing, f.ID)
		}
	}
	n := 0
	for id := range missing {
		var d EventDoc
		if err := s.db.Collection(Events).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
			return n, fmt.Errorf("recover learning event: %w", err)
		}
		if err := s.enqueue(ctx, d); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Redeliver queues a logged event again, as an at-least-once transport may (and as an
// operator may, to have it processed again); processing it again changes nothing.
func (s *Store) Redeliver(ctx context.Context, id string) error {
	var d EventDoc
	if err := s.db.Collection(Events).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return fmt.Errorf("redeliver learning event: %w", err)
	}
	return s.enqueue(ctx, d)
}

// Pending returns how many events wait in the queue (claimed or not) and how many are parked.
func (s *Store) Pending(ctx context.Context) (queued, dead int64, err error) {
	if queued, err = s.db.Collection(Queue).CountDocuments(ctx, bson.D{}); err != nil {
		return 0, 0, err
	}
	dead, err = s.db.Collection(Dead).CountDocuments(ctx, bson.D{})
	return queued, dead, err
}
