// Package learningdb keeps learning events in MongoDB: an append-only collection keyed by
// event ID, so that a replayed event is stored once.
package learningdb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/learning"
)

// Events is the collection of learning events.
const Events = "learning_events"

// Indexes lists the indexes the queries in this package need.
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		{Collection: Events, Model: mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}, {Key: "occurredAt", Value: 1}}}},
	}
}

// Store is the MongoDB learning.Publisher.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

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

// Publish implements learning.Publisher: one insert, keyed by the event ID.
func (s *Store) Publish(ctx context.Context, e learning.Event) error {
	_, err := s.db.Collection(Events).InsertOne(ctx, FromEvent(e))
	if err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("publish learning event: %w", err)
	}
	return nil
}
