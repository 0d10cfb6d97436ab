package gamificationdb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/mongodb"
)

type rulesDoc struct {
	ID                 string `bson:"_id"` // programme ID
	LessonCompleted    int    `bson:"lessonCompleted"`
	ChecklistCompleted int    `bson:"checklistCompleted"`
	PathCompleted      int    `bson:"pathCompleted"`
	QuizPassed         int    `bson:"quizPassed"`
	QuizScoreBonus     int    `bson:"quizScoreBonus"`
	QuizRetryPercent   int    `bson:"quizRetryPercent"`
	AssignmentOnTime   int    `bson:"assignmentOnTime"`
	// The review rules came later: a programme that saved its rules before has none stored
	// and gets the defaults.
	ReviewCorrect       *int      `bson:"reviewCorrect,omitempty"`
	ReviewIncorrect     *int      `bson:"reviewIncorrect,omitempty"`
	ReviewRepeatPercent *int      `bson:"reviewRepeatPercent,omitempty"`
	DailyGoalMet        int       `bson:"dailyGoalMet"`
	DailyCap            int       `bson:"dailyCap"`
	FutureSkewSeconds   int64     `bson:"futureSkewSeconds"`
	FreezeEvery         int       `bson:"freezeEvery"`
	MaxFreezes          int       `bson:"maxFreezes"`
	LevelKind           string    `bson:"levelKind"`
	LevelBase           int       `bson:"levelBase"`
	LevelCoefficient    float64   `bson:"levelCoefficient"`
	UpdatedAt           time.Time `bson:"updatedAt"`
	// The mentoring record's rules came later: rules saved before them lack the fields and
	// take the defaults (nil), rather than 0 XP.
	MeetingConfirmed  *int `bson:"meetingConfirmed,omitempty"`
	ReflectionWritten *int `bson:"reflectionWritten,omitempty"`
	GoalAchieved      *int `bson:"goalAchieved,omitempty"`
	CadenceKept       *int `bson:"cadenceKept,omitempty"`
	// MinTimePercent came later still (the default for rules saved before it).
	MinTimePercent *int `bson:"minTimePercent,omitempty"`
}

// Rules implements gamification.ConfigStore.
func (s *Store) Rules(ctx context.Context, programmeID string) (gamification.Rules, bool, error) {
	var d rulesDoc
	err := s.db.Collection(Rules).FindOne(ctx, bson.D{{Key: "_id", Value: programmeID}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return gamification.Rules{}, false, nil
	}
	if err != nil {
		return gamification.Rules{}, false, fmt.Errorf("find rules: %w", err)
	}
	def := gamification.DefaultRules()
	orDefault := func(v *int, d int) int {
		if v == nil {
			return d
		}
		return *v
	}
	r := gamification.Rules{LessonCompleted: d.LessonCompleted, ChecklistCompleted: d.ChecklistCompleted, PathCompleted: d.PathCompleted,
		QuizPassed: d.QuizPassed, QuizScoreBonus: d.QuizScoreBonus, QuizRetryPercent: d.QuizRetryPercent, AssignmentOnTime: d.AssignmentOnTime,
		ReviewCorrect: orDefault(d.ReviewCorrect, def.ReviewCorrect), ReviewIncorrect: orDefault(d.ReviewIncorrect, def.ReviewIncorrect),
		ReviewRepeatPercent: orDefault(d.ReviewRepeatPercent, def.ReviewRepeatPercent),
		DailyGoalMet:        d.DailyGoalMet, DailyCap: d.DailyCap, FutureSkew: time.Duration(d.FutureSkewSeconds) * time.Second,
		FreezeEvery: d.FreezeEvery, MaxFreezes: d.MaxFreezes,
		Levels: gamification.LevelCurve{Kind: d.LevelKind, Base: d.LevelBase, Coefficient: d.LevelCoefficient}}
	for _, f := range []struct {
		dst *int
		v   *int
		d   int
	}{{&r.MeetingConfirmed, d.MeetingConfirmed, def.MeetingConfirmed}, {&r.ReflectionWritten, d.ReflectionWritten, def.ReflectionWritten},
		{&r.GoalAchieved, d.GoalAchieved, def.GoalAchieved}, {&r.CadenceKept, d.CadenceKept, def.CadenceKept},
		{&r.MinTimePercent, d.MinTimePercent, def.MinTimePercent}} {
		*f.dst = f.d
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	return r, true, nil
}

// SaveRules implements gamification.ConfigStore.
func (s *Store) SaveRules(ctx context.Context, programmeID string, r gamification.Rules, at time.Time) error {
	d := rulesDoc{ID: programmeID, LessonCompleted: r.LessonCompleted, ChecklistCompleted: r.ChecklistCompleted, PathCompleted: r.PathCompleted,
		QuizPassed: r.QuizPassed, QuizScoreBonus: r.QuizScoreBonus, QuizRetryPercent: r.QuizRetryPercent, AssignmentOnTime: r.AssignmentOnTime,
		ReviewCorrect: &r.ReviewCorrect, ReviewIncorrect: &r.ReviewIncorrect, ReviewRepeatPercent: &r.ReviewRepeatPercent,
		DailyGoalMet: r.DailyGoalMet, DailyCap: r.DailyCap, FutureSkewSeconds: int64(r.FutureSkew / time.Second), FreezeEvery: r.FreezeEvery,
		MaxFreezes: r.MaxFreezes, LevelKind: r.Levels.Kind, LevelBase: r.Levels.Base, LevelCoefficient: r.Levels.Coefficient, UpdatedAt: at,
		MeetingConfirmed: &r.MeetingConfirmed, ReflectionWritten: &r.ReflectionWritten, GoalAchieved: &r.GoalAchieved, CadenceKept: &r.CadenceKept,
		MinTimePercent: &r.MinTimePercent}
	_, err := s.db.Collection(Rules).ReplaceOne(ctx, bson.D{{Key: "_id", Value: programmeID}}, d, options.Replace().SetUpsert(true))
	return err
}

type badgeDoc struct {
	ID          string `bson:"_id"` // programme ID "|" badge ID
	ProgrammeID string `bson:"programmeId"`
	BadgeID     string `bson:"badgeId"`
	Name        string `bson:"name"`
	Description string `bson:"description"`
	Counter     string `bson:"counter"`
	Domain      string `bson:"domain,omitempty"`
	Target      int    `bson:"target"`
	ImageURL    string `bson:"imageUrl,omitempty"`
}

// ProgrammeBadges implements gamification.ConfigStore.
func (s *Store) ProgrammeBadges(ctx context.Context, programmeID string) ([]gamification.Badge, error) {
	cur, err := s.db.Collection(Badges).Find(ctx, bson.D{{Key: "programmeId", Value: programmeID}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	docs, err := all[badgeDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("list badges: %w", err)
	}
	out := make([]gamification.Badge, len(docs))
	for i, d := range docs {
		out[i] = gamification.Badge{ID: d.BadgeID, ProgrammeID: d.ProgrammeID, Name: d.Name, Description: d.Description,
			Criterion: gamification.Criterion{Counter: d.Counter, Domain: d.Domain, Target: d.Target}, ImageURL: d.ImageURL}
	}
	return out, nil
}

// PutBadge implements gamification.ConfigStore.
func (s *Store) PutBadge(ctx context.Context, b gamification.Badge) error {
	d := badgeDoc{ID: b.ProgrammeID + "|" + b.ID, ProgrammeID: b.ProgrammeID, BadgeID: b.ID, Name: b.Name, Description: b.Description,
		Counter: b.Criterion.Counter, Domain: b.Criterion.Domain, Target: b.Criterion.Target, ImageURL: b.ImageURL}
	_, err := s.db.Collection(Badges).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	return err
}

// DeleteBadge implements gamification.ConfigStore.
func (s *Store) DeleteBadge(ctx context.Context, programmeID, badgeID string) error {
	res, err := s.db.Collection(Badges).DeleteOne(ctx, bson.D{{Key: "_id", Value: programmeID + "|" + badgeID}})
	if err != nil {
		return fmt.Errorf("delete badge: %w", err)
	}
	if res.DeletedCount == 0 {
		return gamification.ErrBadgeNotFound
	}
	return nil
}

type prizeDoc struct {
	ID          string `bson:"_id"`
	ProgrammeID string `bson:"programmeId"`
	Name        string `bson:"name"`
	Description string `bson:"description"`
	Kind        string `bson:"kind"`
	Period      string `bson:"period,omitempty"`
	PlaceFrom   int    `bson:"placeFrom,omitempty"`
	PlaceTo     int    `bson:"placeTo,omitempty"`
	BadgeID     string `bson:"badgeId,omitempty"`
	// ClaimInstructions came later: prizes created before have none.
	ClaimInstructions string    `bson:"claimInstructions,omitempty"`
	CreatedBy         string    `bson:"createdBy"`
	CreatedAt         time.Time `bson:"createdAt"`
}

func (d prizeDoc) toPrize() gamification.Prize { return gamification.Prize(d) }

func (s *Store) prizes(ctx context.Context, filter bson.D) ([]gamification.Prize, error) {
	cur, err := s.db.Collection(Prizes).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}))
	docs, err := all[prizeDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("list prizes: %w", err)
	}
	return mapSlice(docs, prizeDoc.toPrize), nil
}

// Prizes implements gamification.ConfigStore.
func (s *Store) Prizes(ctx context.Context, programmeID string) ([]gamification.Prize, error) {
	return s.prizes(ctx, bson.D{{Key: "programmeId", Value: programmeID}})
}

// LeaderboardPrizes implements gamification.ConfigStore.
func (s *Store) LeaderboardPrizes(ctx context.Context) ([]gamification.Prize, error) {
	return s.prizes(ctx, bson.D{{Key: "kind", Value: gamification.PrizeLeaderboard}})
}

// CreatePrize implements gamification.ConfigStore.
func (s *Store) CreatePrize(ctx context.Context, p gamification.Prize) error {
	_, err := s.db.Collection(Prizes).InsertOne(ctx, prizeDoc(p))
	return err
}

// DeletePrize implements gamification.ConfigStore.
func (s *Store) DeletePrize(ctx context.Context, programmeID, prizeID string) error {
	res, err := s.db.Collection(Prizes).DeleteOne(ctx, bson.D{{Key: "_id", Value: prizeID}, {Key: "programmeId", Value: programmeID}})
	if err != nil {
		return fmt.Errorf("delete prize: %w", err)
	}
	if res.DeletedCount == 0 {
		return gamification.ErrPrizeNotFound
	}
	return nil
}

type winnerDoc struct {
	ID           string     `bson:"_id"`
	PrizeID      string     `bson:"prizeId"`
	PrizeName    string     `bson:"prizeName,omitempty"`
	ProgrammeID  string     `bson:"programmeId"`
	UserID       string     `bson:"userId"`
	PeriodKey    string     `bson:"periodKey,omitempty"`
	Place        int        `bson:"place,omitempty"`
	Score        int64      `bson:"score,omitempty"`
	BadgeID      string     `bson:"badgeId,omitempty"`
	AwardedAt    time.Time  `bson:"awardedAt"`
	HandedOverAt *time.Time `bson:"handedOverAt,omitempty"`
	HandedOverBy string     `bson:"handedOverBy,omitempty"`
	Notified     bool       `bson:"notified"`
}

func fromWinner(w gamification.Winner) winnerDoc {
	return winnerDoc{ID: w.ID, PrizeID: w.PrizeID, PrizeName: w.PrizeName, ProgrammeID: w.ProgrammeID, UserID: w.UserID, PeriodKey: w.PeriodKey, Place: w.Place,
		Score: w.Score, BadgeID: w.BadgeID, AwardedAt: w.AwardedAt, HandedOverAt: w.HandedOverAt, HandedOverBy: w.HandedOverBy}
}

func (d winnerDoc) toWinner() gamification.Winner {
	return gamification.Winner{ID: d.ID, PrizeID: d.PrizeID, PrizeName: d.PrizeName, ProgrammeID: d.ProgrammeID, UserID: d.UserID, PeriodKey: d.PeriodKey, Place: d.Place,
		Score: d.Score, BadgeID: d.BadgeID, AwardedAt: d.AwardedAt, HandedOverAt: d.HandedOverAt, HandedOverBy: d.HandedOverBy}
}

type periodResultDoc struct {
	ID        string      `bson:"_id"`
	PrizeID   string      `bson:"prizeId"`
	PeriodKey string      `bson:"periodKey"`
	Winners   []winnerDoc `bson:"winners"`
	ClosedAt  time.Time   `bson:"closedAt"`
	Complete  bool        `bson:"complete"`
}

// PeriodResult implements gamification.PrizeStore.
func (s *Store) PeriodResult(ctx context.Context, id string) (gamification.PeriodResult, bool, error) {
	var d periodResultDoc
	err := s.db.Collection(PeriodResults).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return gamification.PeriodResult{}, false, nil
	}
	if err != nil {
		return gamification.PeriodResult{}, false, fmt.Errorf("find period result: %w", err)
	}
	return gamification.PeriodResult{ID: d.ID, PrizeID: d.PrizeID, PeriodKey: d.PeriodKey, ClosedAt: d.ClosedAt, Complete: d.Complete,
		Winners: mapSlice(d.Winners, winnerDoc.toWinner)}, true, nil
}

// InsertPeriodResult implements gamification.PrizeStore.
func (s *Store) InsertPeriodResult(ctx context.Context, r gamification.PeriodResult) (bool, error) {
	d := periodResultDoc{ID: r.ID, PrizeID: r.PrizeID, PeriodKey: r.PeriodKey, ClosedAt: r.ClosedAt, Complete: r.Complete,
		Winners: mapSlice(r.Winners, fromWinner)}
	if d.Winners == nil {
		d.Winners = []winnerDoc{}
	}
	_, err := s.db.Collection(PeriodResults).InsertOne(ctx, d)
	if mongodb.IsDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("insert period result: %w", err)
	}
	return true, nil
}

// CompletePeriodResult implements gamification.PrizeStore.
func (s *Store) CompletePeriodResult(ctx context.Context, id string) error {
	_, err := s.db.Collection(PeriodResults).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "complete", Value: true}}}})
	return err
}

// InsertWinners implements gamification.PrizeStore.
func (s *Store) InsertWinners(ctx context.Context, ws []gamification.Winner) ([]gamification.Winner, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	docs := make([]any, len(ws))
	for i, w := range ws {
		docs[i] = fromWinner(w)
	}
	_, err := s.db.Collection(Winners).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return ws, nil
	}
	dups, ok := duplicateIndexes(err)
	if !ok {
		return nil, fmt.Errorf("insert winners: %w", err)
	}
	var fresh []gamification.Winner
	for i, w := range ws {
		if !dups[i] {
			fresh = append(fresh, w)
		}
	}
	return fresh, nil
}

// Winners implements gamification.PrizeStore.
func (s *Store) Winners(ctx context.Context, programmeID string) ([]gamification.Winner, error) {
	cur, err := s.db.Collection(Winners).Find(ctx, bson.D{{Key: "programmeId", Value: programmeID}},
		options.Find().SetSort(bson.D{{Key: "awardedAt", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(500))
	docs, err := all[winnerDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("list winners: %w", err)
	}
	return mapSlice(docs, winnerDoc.toWinner), nil
}

// WinnersOf implements gamification.PrizeStore: a person's wins, by the (userId, awardedAt)
// index, so the read is bounded by their own wins.
func (s *Store) WinnersOf(ctx context.Context, userID string) ([]gamification.Winner, error) {
	cur, err := s.db.Collection(Winners).Find(ctx, bson.D{{Key: "userId", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "awardedAt", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(500))
	docs, err := all[winnerDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("list a person's wins: %w", err)
	}
	return mapSlice(docs, winnerDoc.toWinner), nil
}

// HandOver implements gamification.PrizeStore: the first hand-over is kept.
func (s *Store) HandOver(ctx context.Context, programmeID, winnerID, by string, at time.Time) (gamification.Winner, error) {
	c := s.db.Collection(Winners)
	var d winnerDoc
	err := c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: winnerID}, {Key: "programmeId", Value: programmeID}, {Key: "handedOverAt", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "handedOverAt", Value: at}, {Key: "handedOverBy", Value: by}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if mongodb.IsNotFound(err) {
		err = c.FindOne(ctx, bson.D{{Key: "_id", Value: winnerID}, {Key: "programmeId", Value: programmeID}}).Decode(&d)
		if mongodb.IsNotFound(err) {
			return gamification.Winner{}, gamification.ErrWinnerNotFound
		}
	}
	if err != nil {
		return gamification.Winner{}, fmt.Errorf("hand over prize: %w", err)
	}
	return d.toWinner(), nil
}
