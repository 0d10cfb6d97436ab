// Package reviewdb keeps review cards, their answer logs and the programmes' review
// settings in MongoDB.
package reviewdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/review"
)

// The collections.
const (
	Cards    = "review_cards"
	Logs     = "review_logs"
	Settings = "review_settings"
)

// Indexes lists the indexes the queries in this package need. A person's due cards are an
// equality on the user and the status plus a range on the due time, in due order: bounded by
// the person's own cards. A card's log is an equality on the card.
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		{Collection: Cards, Model: mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}, {Key: "status", Value: 1}, {Key: "due", Value: 1}, {Key: "_id", Value: 1}}}},
		{Collection: Logs, Model: mongo.IndexModel{Keys: bson.D{{Key: "cardId", Value: 1}, {Key: "occurredAt", Value: 1}}}},
	}
}

type memoryDoc struct {
	State         int       `bson:"state"`
	Stability     float64   `bson:"stability"`
	Difficulty    float64   `bson:"difficulty"`
	Reps          int       `bson:"reps"`
	Lapses        int       `bson:"lapses"`
	ScheduledDays int       `bson:"scheduledDays"`
	LastReview    time.Time `bson:"lastReview"`
}

type cardDoc struct {
	ID            string     `bson:"_id"`
	ProgrammeID   string     `bson:"programmeId"`
	UserID        string     `bson:"userId"`
	QuizID        string     `bson:"quizId"`
	QuestionKey   string     `bson:"questionKey"`
	QuizVersion   int        `bson:"quizVersion"`
	Fingerprint   string     `bson:"fingerprint"`
	Origin        string     `bson:"origin"`
	CreatedAt     time.Time  `bson:"createdAt"`
	Status        string     `bson:"status"`
	RetiredReason string     `bson:"retiredReason,omitempty"`
	RetiredAt     *time.Time `bson:"retiredAt,omitempty"`
	Due           time.Time  `bson:"due"`
	Memory        memoryDoc  `bson:"memory"`
	Answers       int        `bson:"answers"`
}

func fromCard(c review.Card) cardDoc {
	return cardDoc{ID: c.ID, ProgrammeID: c.ProgrammeID, UserID: c.UserID, QuizID: c.QuizID, QuestionKey: c.QuestionKey,
		QuizVersion: c.QuizVersion, Fingerprint: c.Fingerprint, Origin: c.Origin, CreatedAt: c.CreatedAt.UTC(), Status: string(c.Status),
		RetiredReason: c.RetiredReason, RetiredAt: c.RetiredAt, Due: c.Due.UTC(), Memory: fromMemory(c.Memory), Answers: c.Answers}
}

func fromMemory(m review.Memory) memoryDoc {
	return memoryDoc{State: m.State, Stability: m.Stability, Difficulty: m.Difficulty, Reps: m.Reps, Lapses: m.Lapses,
		ScheduledDays: m.ScheduledDays, LastReview: m.LastReview.UTC()}
}

func (d cardDoc) toCard() review.Card {
	return review.Card{ID: d.ID, ProgrammeID: d.ProgrammeID, UserID: d.UserID, QuizID: d.QuizID, QuestionKey: d.QuestionKey,
		QuizVersion: d.QuizVersion, Fingerprint: d.Fingerprint, Origin: d.Origin, CreatedAt: d.CreatedAt.UTC(), Status: review.Status(d.Status),
		RetiredReason: d.RetiredReason, RetiredAt: d.RetiredAt, Due: d.Due.UTC(), Answers: d.Answers,
		Memory: review.Memory{State: d.Memory.State, Stability: d.Memory.Stability, Difficulty: d.Memory.Difficulty, Reps: d.Memory.Reps,
			Lapses: d.Memory.Lapses, ScheduledDays: d.Memory.ScheduledDays, LastReview: d.Memory.LastReview.UTC()}}
}

type logDoc struct {
	ID            string    `bson:"_id"`
	CardID        string    `bson:"cardId"`
	UserID        string    `bson:"userId"`
	ProgrammeID   string    `bson:"programmeId"`
	EventID       string    `bson:"eventId"`
	Kind          string    `bson:"kind"`
	QuizVersion   int       `bson:"quizVersion"`
	OptionKeys    []string  `bson:"optionKeys"`
	Correct       bool      `bson:"correct"`
	Rating        int       `bson:"rating"`
	RatingSource  string    `bson:"ratingSource"`
	SecondsSpent  int       `bson:"secondsSpent"`
	OccurredAt    time.Time `bson:"occurredAt"`
	RecordedAt    time.Time `bson:"recordedAt"`
	DueAfter      time.Time `bson:"dueAfter"`
	ScheduledDays int       `bson:"scheduledDays"`
	DayAttempt    int       `bson:"dayAttempt"`
}

func fromLog(l review.Log) logDoc {
	keys := l.OptionKeys
	if keys == nil {
		keys = []string{}
	}
	return logDoc{ID: l.ID, CardID: l.CardID, UserID: l.UserID, ProgrammeID: l.ProgrammeID, EventID: l.EventID, Kind: l.Kind,
		QuizVersion: l.QuizVersion, OptionKeys: keys, Correct: l.Correct, Rating: int(l.Rating), RatingSource: l.RatingSource,
		SecondsSpent: l.SecondsSpent, OccurredAt: l.OccurredAt.UTC(), RecordedAt: l.RecordedAt.UTC(), DueAfter: l.DueAfter.UTC(),
		ScheduledDays: l.ScheduledDays, DayAttempt: l.DayAttempt}
}

func (d logDoc) toLog() review.Log {
	return review.Log{ID: d.ID, CardID: d.CardID, UserID: d.UserID, ProgrammeID: d.ProgrammeID, EventID: d.EventID, Kind: d.Kind,
		QuizVersion: d.QuizVersion, OptionKeys: d.OptionKeys, Correct: d.Correct, Rating: review.Rating(d.Rating), RatingSource: d.RatingSource,
		SecondsSpent: d.SecondsSpent, OccurredAt: d.OccurredAt.UTC(), RecordedAt: d.RecordedAt.UTC(), DueAfter: d.DueAfter.UTC(),
		ScheduledDays: d.ScheduledDays, DayAttempt: d.DayAttempt}
}

type settingsDoc struct {
	ID               string    `bson:"_id"` // programme ID
	DesiredRetention float64   `bson:"desiredRetention"`
	AllQuestions     bool      `bson:"allQuestions"`
	UpdatedAt        time.Time `bson:"updatedAt"`
}

// Store is the MongoDB review.Store.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// InsertCard implements review.Store.
func (s *Store) InsertCard(ctx context.Context, c review.Card) (review.Card, error) {
	_, err := s.db.Collection(Cards).InsertOne(ctx, fromCard(c))
	if mongodb.IsDuplicate(err) {
		stored, err := s.Card(ctx, c.ID)
		if err != nil {
			return review.Card{}, err
		}
		return stored, review.ErrConflict
	}
	if err != nil {
		return review.Card{}, fmt.Errorf("insert review card: %w", err)
	}
	return c, nil
}

// Card implements review.Store.
func (s *Store) Card(ctx context.Context, id string) (review.Card, error) {
	var d cardDoc
	err := s.db.Collection(Cards).FindOne(ctx, byID(id)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return review.Card{}, review.ErrNotFound
	}
	if err != nil {
		return review.Card{}, fmt.Errorf("find review card: %w", err)
	}
	return d.toCard(), nil
}

func dueFilter(userID string, before time.Time) bson.D {
	return bson.D{{Key: "userId", Value: userID}, {Key: "status", Value: string(review.StatusActive)},
		{Key: "due", Value: bson.D{{Key: "$lte", Value: before.UTC()}}}}
}

// DueCards implements review.Store: one indexed query over the user's own active cards.
func (s *Store) DueCards(ctx context.Context, userID string, before time.Time, after review.Cursor, limit int) ([]review.Card, error) {
	f := dueFilter(userID, before)
	if after.ID != "" {
		f = append(f, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "due", Value: bson.D{{Key: "$gt", Value: after.Due.UTC()}}}},
			bson.D{{Key: "due", Value: after.Due.UTC()}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after.ID}}}},
		}})
	}
	cur, err := s.db.Collection(Cards).Find(ctx, f, options.Find().SetSort(bson.D{{Key: "due", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("find due cards: %w", err)
	}
	var docs []cardDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read due cards: %w", err)
	}
	out := make([]review.Card, len(docs))
	for i, d := range docs {
		out[i] = d.toCard()
	}
	return out, nil
}

// CountDue implements review.Store.
func (s *Store) CountDue(ctx context.Context, userID string, before time.Time) (int, error) {
	n, err := s.db.Collection(Cards).CountDocuments(ctx, dueFilter(userID, before))
	return int(n), err
}

// SaveSchedule implements review.Store: a conditional update that only a fold of more
// answers than the stored one passes, so the newest fold wins whatever order writers land.
func (s *Store) SaveSchedule(ctx context.Context, c review.Card) (bool, error) {
	res, err := s.db.Collection(Cards).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: c.ID}, {Key: "answers", Value: bson.D{{Key: "$lt", Value: c.Answers}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "due", Value: c.Due.UTC()}, {Key: "memory", Value: fromMemory(c.Memory)}, {Key: "answers", Value: c.Answers}}}})
	if err != nil {
		return false, err
	}
	return res.ModifiedCount == 1, nil
}

// Retire implements review.Store.
func (s *Store) Retire(ctx context.Context, id, reason string, at time.Time) error {
	_, err := s.db.Collection(Cards).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: string(review.StatusActive)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(review.StatusRetired)}, {Key: "retiredReason", Value: reason},
			{Key: "retiredAt", Value: at.UTC()}}}})
	return err
}

// Migrate implements review.Store.
func (s *Store) Migrate(ctx context.Context, id string, from, to int) error {
	_, err := s.db.Collection(Cards).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: string(review.StatusActive)}, {Key: "quizVersion", Value: from}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "quizVersion", Value: to}}}})
	return err
}

// InsertLog implements review.Store: the unique _id makes each answer land once.
func (s *Store) InsertLog(ctx context.Context, l review.Log) (review.Log, error) {
	_, err := s.db.Collection(Logs).InsertOne(ctx, fromLog(l))
	if mongodb.IsDuplicate(err) {
		var d logDoc
		if err := s.db.Collection(Logs).FindOne(ctx, byID(l.ID)).Decode(&d); err != nil {
			return review.Log{}, fmt.Errorf("find review log: %w", err)
		}
		return d.toLog(), review.ErrDuplicateLog
	}
	if err != nil {
		return review.Log{}, fmt.Errorf("insert review log: %w", err)
	}
	return l, nil
}

// Logs implements review.Store.
func (s *Store) Logs(ctx context.Context, cardID string) ([]review.Log, error) {
	cur, err := s.db.Collection(Logs).Find(ctx, bson.D{{Key: "cardId", Value: cardID}}, options.Find().SetSort(bson.D{{Key: "occurredAt", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find review log: %w", err)
	}
	var docs []logDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read review log: %w", err)
	}
	out := make([]review.Log, len(docs))
	for i, d := range docs {
		out[i] = d.toLog()
	}
	return out, nil
}

// Settings implements review.Store.
func (s *Store) Settings(ctx context.Context, programmeID string) (review.Settings, bool, error) {
	var d settingsDoc
	err := s.db.Collection(Settings).FindOne(ctx, byID(programmeID)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return review.Settings{}, false, nil
	}
	if err != nil {
		return review.Settings{}, false, err
	}
	return review.Settings{ProgrammeID: d.ID, DesiredRetention: d.DesiredRetention, AllQuestions: d.AllQuestions, UpdatedAt: d.UpdatedAt.UTC()}, true, nil
}

// SaveSettings implements review.Store.
func (s *Store) SaveSettings(ctx context.Context, st review.Settings) error {
	_, err := s.db.Collection(Settings).ReplaceOne(ctx, byID(st.ProgrammeID),
		settingsDoc{ID: st.ProgrammeID, DesiredRetention: st.DesiredRetention, AllQuestions: st.AllQuestions, UpdatedAt: st.UpdatedAt.UTC()},
		options.Replace().SetUpsert(true))
	return err
}
