// Package gamificationdb keeps the gamification service's data in MongoDB: one document per
// (programme, user) player changed by compare-and-swap, the append-only XP ledger, per-period
// leaderboard scores, award history, per-programme rules, badges and prizes, and prize
// winners. Every exactly-once write is guarded by a unique _id.
package gamificationdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// Collection names.
const (
	Players       = "gamification_players"
	Ledger        = "gamification_ledger"
	Awards        = "gamification_awards"
	Rules         = "gamification_rules"
	Badges        = "gamification_badges"
	Prizes        = "gamification_prizes"
	PeriodResults = "gamification_period_results"
	Winners       = "gamification_winners"
)

func ix(coll string, keys bson.D) mongodb.Index {
	return mongodb.Index{Collection: coll, Model: mongo.IndexModel{Keys: keys}}
}

// Indexes lists the indexes the queries in this package need (lookups by _id need none).
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		ix(Players, bson.D{{Key: "userId", Value: 1}}),
		ix(Ledger, bson.D{{Key: "player", Value: 1}}),
		ix(Players, bson.D{{Key: "programmeId", Value: 1}}),
		ix(Awards, bson.D{{Key: "programmeId", Value: 1}, {Key: "userId", Value: 1}, {Key: "at", Value: -1}}),
		ix(Badges, bson.D{{Key: "programmeId", Value: 1}}),
		ix(Prizes, bson.D{{Key: "programmeId", Value: 1}}),
		ix(Prizes, bson.D{{Key: "kind", Value: 1}}),
		ix(Winners, bson.D{{Key: "programmeId", Value: 1}, {Key: "awardedAt", Value: -1}}),
	}
}

// Store is the MongoDB gamification.Store.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

var _ gamification.Store = (*Store)(nil)

func playerID(k gamification.PlayerKey) string { return k.ProgrammeID + ":" + k.UserID }

// duplicateIndexes returns the positions of duplicate-key failures of a bulk write, and
// whether every failure was one.
func duplicateIndexes(err error) (map[int]bool, bool) {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) {
		return nil, false
	}
	out := map[int]bool{}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return nil, false
		}
		out[we.Index] = true
	}
	return out, bwe.WriteConcernError == nil
}

func in(values []string) bson.D { return bson.D{{Key: "$in", Value: values}} }

func all[T any](ctx context.Context, cur *mongo.Cursor, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ---- players

// Players implements gamification.PlayerStore.
func (s *Store) Players(ctx context.Context, keys []gamification.PlayerKey) (map[gamification.PlayerKey]gamification.Player, error) {
	out := map[gamification.PlayerKey]gamification.Player{}
	if len(keys) == 0 {
		return out, nil
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = playerID(k)
	}
	c := s.db.Collection(Players)
	var docs []playerDoc
	var err error
	if len(ids) == 1 {
		var d playerDoc
		err = c.FindOne(ctx, bson.D{{Key: "_id", Value: ids[0]}}).Decode(&d)
		if mongodb.IsNotFound(err) {
			return out, nil
		}
		docs = []playerDoc{d}
	} else {
		cur, ferr := c.Find(ctx, bson.D{{Key: "_id", Value: in(ids)}})
		docs, err = all[playerDoc](ctx, cur, ferr)
	}
	if err != nil {
		return nil, fmt.Errorf("find players: %w", err)
	}
	for _, d := range docs {
		p, err := d.toPlayer()
		if err != nil {
			return nil, err
		}
		out[p.Key()] = p
	}
	return out, nil
}

// PlayersOf implements gamification.PlayerStore.
func (s *Store) PlayersOf(ctx context.Context, userID, programmeID string) ([]gamification.Player, error) {
	filter := bson.D{{Key: "userId", Value: userID}}
	if programmeID != "" {
		filter = bson.D{{Key: "_id", Value: playerID(gamification.PlayerKey{ProgrammeID: programmeID, UserID: userID})}}
	}
	cur, err := s.db.Collection(Players).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	docs, err := all[playerDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("find players: %w", err)
	}
	out := make([]gamification.Player, len(docs))
	for i, d := range docs {
		if out[i], err = d.toPlayer(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SavePlayer implements gamification.PlayerStore: an insert for a new player (its unique
// _id makes a concurrent creation fail), else a replace conditioned on the version read.
func (s *Store) SavePlayer(ctx context.Context, p gamification.Player) (gamification.Player, error) {
	c := s.db.Collection(Players)
	prev := p.Version
	p.Version++
	d, err := fromPlayer(p)
	if err != nil {
		return gamification.Player{}, err
	}
	if prev == 0 {
		_, err := c.InsertOne(ctx, d)
		if mongodb.IsDuplicate(err) {
			return gamification.Player{}, gamification.ErrVersionConflict
		}
		if err != nil {
			return gamification.Player{}, fmt.Errorf("insert player: %w", err)
		}
		return p, nil
	}
	res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "version", Value: prev}}, d)
	if err != nil {
		return gamification.Player{}, fmt.Errorf("save player: %w", err)
	}
	if res.MatchedCount == 0 {
		return gamification.Player{}, gamification.ErrVersionConflict
	}
	return p, nil
}

// EachPlayer implements gamification.PlayerStore.
func (s *Store) EachPlayer(ctx context.Context, fn func(gamification.Player) error) error {
	cur, err := s.db.Collection(Players).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("list players: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d playerDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("decode player: %w", err)
		}
		p, err := d.toPlayer()
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return cur.Err()
}

// ---- ledger

type ledgerDoc struct {
	ID          string    `bson:"_id"`
	EventID     string    `bson:"eventId"`
	Rule        string    `bson:"rule"`
	Player      string    `bson:"player"`
	ProgrammeID string    `bson:"programmeId"`
	UserID      string    `bson:"userId"`
	XP          int       `bson:"xp"`
	Day         string    `bson:"day"`
	Week        string    `bson:"week,omitempty"`
	Month       string    `bson:"month,omitempty"`
	OccurredAt  time.Time `bson:"occurredAt"`
	At          time.Time `bson:"at"`
}

// AppendLedger implements gamification.LedgerStore: one unordered insert; duplicates (an
// event's entries written again after a crash) are skipped.
func (s *Store) AppendLedger(ctx context.Context, entries []gamification.LedgerEntry) (int, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	docs := make([]any, len(entries))
	for i, e := range entries {
		docs[i] = ledgerDoc{ID: e.ID, EventID: e.EventID, Rule: e.Rule, Player: playerID(gamification.PlayerKey{ProgrammeID: e.ProgrammeID, UserID: e.UserID}),
			ProgrammeID: e.ProgrammeID, UserID: e.UserID, XP: e.XP, Day: e.Day, Week: e.Week, Month: e.Month, OccurredAt: e.OccurredAt, At: e.At}
	}
	_, err := s.db.Collection(Ledger).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return len(docs), nil
	}
	if dups, ok := duplicateIndexes(err); ok {
		return len(docs) - len(dups), nil
	}
	return 0, fmt.Errorf("append ledger: %w", err)
}

// LedgerTotals implements gamification.LedgerStore with one $group/$sum (safe on FerretDB).
func (s *Store) LedgerTotals(ctx context.Context) (map[gamification.PlayerKey]int64, error) {
	cur, err := s.db.Collection(Ledger).Aggregate(ctx, mongo.Pipeline{
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$player"}, {Key: "xp", Value: bson.D{{Key: "$sum", Value: "$xp"}}}}}},
	})
	rows, err := all[struct {
		ID string `bson:"_id"`
		XP int64  `bson:"xp"`
	}](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("sum ledger: %w", err)
	}
	out := map[gamification.PlayerKey]int64{}
	for _, r := range rows {
		var k gamification.PlayerKey
		for i := 0; i < len(r.ID); i++ {
			if r.ID[i] == ':' {
				k = gamification.PlayerKey{ProgrammeID: r.ID[:i], UserID: r.ID[i+1:]}
				break
			}
		}
		out[k] = r.XP
	}
	return out, nil
}

// Entries returns a player's ledger entries in the order written (for tests and tools).
func (s *Store) Entries(ctx context.Context, k gamification.PlayerKey) ([]gamification.LedgerEntry, error) {
	cur, err := s.db.Collection(Ledger).Find(ctx, bson.D{{Key: "player", Value: playerID(k)}}, options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}))
	docs, err := all[ledgerDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("list ledger: %w", err)
	}
	out := make([]gamification.LedgerEntry, len(docs))
	for i, d := range docs {
		out[i] = gamification.LedgerEntry{ID: d.ID, EventID: d.EventID, Rule: d.Rule, ProgrammeID: d.ProgrammeID, UserID: d.UserID,
			XP: d.XP, Day: d.Day, Week: d.Week, Month: d.Month, OccurredAt: d.OccurredAt, At: d.At}
	}
	return out, nil
}

// ---- boards

// Standings implements gamification.BoardStore: one query, projected to what boards need.
func (s *Store) Standings(ctx context.Context, programmeID string, userIDs []string) ([]gamification.Standing, error) {
	filter := bson.D{{Key: "programmeId", Value: programmeID}}
	if userIDs != nil {
		filter = append(filter, bson.E{Key: "userId", Value: in(userIDs)})
	}
	cur, err := s.db.Collection(Players).Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "userId", Value: 1},
		{Key: "displayName", Value: 1}, {Key: "visibility", Value: 1}, {Key: "xp", Value: 1}, {Key: "periods", Value: 1}}))
	docs, err := all[playerDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("read standings: %w", err)
	}
	out := make([]gamification.Standing, len(docs))
	for i, d := range docs {
		weeks, months := decodePeriods(d.Periods)
		out[i] = gamification.Standing{UserID: d.UserID, DisplayName: d.DisplayName, Visibility: gamification.Visibility(d.Visibility),
			XP: d.XP, Weeks: weeks, Months: months}
	}
	return out, nil
}

// SetProfile implements gamification.BoardStore. It changes only display fields, so it
// needs no version check.
func (s *Store) SetProfile(ctx context.Context, userID, displayName string, v gamification.Visibility) error {
	_, err := s.db.Collection(Players).UpdateMany(ctx, bson.D{{Key: "userId", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "displayName", Value: displayName}, {Key: "visibility", Value: string(v)}}}})
	if err != nil {
		return fmt.Errorf("update board profile: %w", err)
	}
	return nil
}

// ---- awards

type awardDoc struct {
	ID          string    `bson:"_id"`
	Kind        string    `bson:"kind"`
	ProgrammeID string    `bson:"programmeId"`
	UserID      string    `bson:"userId"`
	BadgeID     string    `bson:"badgeId,omitempty"`
	Level       int       `bson:"level,omitempty"`
	EventID     string    `bson:"eventId"`
	At          time.Time `bson:"at"`
	Notified    bool      `bson:"notified"`
}

// unnotified returns which of ids are stored in coll with notified false.
func (s *Store) unnotified(ctx context.Context, coll string, ids []string) (map[string]bool, error) {
	cur, err := s.db.Collection(coll).Find(ctx, bson.D{{Key: "_id", Value: in(ids)}, {Key: "notified", Value: false}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	rows, err := all[struct {
		ID string `bson:"_id"`
	}](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("find unnotified: %w", err)
	}
	out := map[string]bool{}
	for _, r := range rows {
		out[r.ID] = true
	}
	return out, nil
}

func (s *Store) markNotified(ctx context.Context, coll string, ids []string) error {
	_, err := s.db.Collection(coll).UpdateMany(ctx, bson.D{{Key: "_id", Value: in(ids)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "notified", Value: true}}}})
	return err
}

// UnnotifiedAwards implements gamification.AwardStore.
func (s *Store) UnnotifiedAwards(ctx context.Context, ids []string) (map[string]bool, error) {
	return s.unnotified(ctx, Awards, ids)
}

// MarkAwardsNotified implements gamification.AwardStore.
func (s *Store) MarkAwardsNotified(ctx context.Context, ids []string) error {
	return s.markNotified(ctx, Awards, ids)
}

// UnnotifiedWinners implements gamification.PrizeStore.
func (s *Store) UnnotifiedWinners(ctx context.Context, ids []string) (map[string]bool, error) {
	return s.unnotified(ctx, Winners, ids)
}

// MarkWinnersNotified implements gamification.PrizeStore.
func (s *Store) MarkWinnersNotified(ctx context.Context, ids []string) error {
	return s.markNotified(ctx, Winners, ids)
}

// RecordAwards implements gamification.AwardStore.
func (s *Store) RecordAwards(ctx context.Context, awards []gamification.Award) error {
	if len(awards) == 0 {
		return nil
	}
	docs := make([]any, len(awards))
	for i, a := range awards {
		docs[i] = awardDoc{ID: a.ID, Kind: a.Kind, ProgrammeID: a.ProgrammeID, UserID: a.UserID, BadgeID: a.BadgeID, Level: a.Level, EventID: a.EventID, At: a.At}
	}
	_, err := s.db.Collection(Awards).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if _, ok := duplicateIndexes(err); err != nil && !ok {
		return fmt.Errorf("record awards: %w", err)
	}
	return nil
}

// AwardsOf returns a user's award history in a programme, newest first (tests and tools).
func (s *Store) AwardsOf(ctx context.Context, programmeID, userID string) ([]gamification.Award, error) {
	cur, err := s.db.Collection(Awards).Find(ctx, bson.D{{Key: "programmeId", Value: programmeID}, {Key: "userId", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}}))
	docs, err := all[awardDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("list awards: %w", err)
	}
	out := make([]gamification.Award, len(docs))
	for i, d := range docs {
		out[i] = gamification.Award{ID: d.ID, Kind: d.Kind, ProgrammeID: d.ProgrammeID, UserID: d.UserID, BadgeID: d.BadgeID, Level: d.Level, EventID: d.EventID, At: d.At}
	}
	return out, nil
}
