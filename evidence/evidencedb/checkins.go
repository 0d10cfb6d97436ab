package evidencedb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/internal/mongodb"
)

type checkinDoc struct {
	ID          string          `bson:"_id"`
	ProgrammeID string          `bson:"programmeId"`
	PairingID   string          `bson:"pairingId"`
	Occasion    string          `bson:"occasion"`
	Label       string          `bson:"label"`
	AtEnd       bool            `bson:"atEnd"`
	UserID      string          `bson:"userId"`
	Side        string          `bson:"side"`
	DueOn       string          `bson:"dueOn"`
	Timezone    string          `bson:"timezone"`
	OpensAt     time.Time       `bson:"opensAt"`
	OpensHour   string          `bson:"opensHour"` // the opener's bucket (opener.go)
	OverdueAt   time.Time       `bson:"overdueAt"`
	State       string          `bson:"state"`
	AnsweredAt  *time.Time      `bson:"answeredAt,omitempty"`
	Pending     bool            `bson:"pending"`
	Applied     map[string]bool `bson:"applied"`
	CreatedAt   time.Time       `bson:"createdAt"`
	UpdatedAt   time.Time       `bson:"updatedAt"`
}

func fromCheckin(c evidence.CheckIn) checkinDoc {
	applied := c.Applied
	if applied == nil {
		applied = map[string]bool{}
	}
	return checkinDoc{ID: c.ID, ProgrammeID: c.ProgrammeID, PairingID: c.PairingID, Occasion: c.Occasion, Label: c.Label, AtEnd: c.AtEnd,
		UserID: c.UserID, Side: c.Side, DueOn: c.DueOn, Timezone: c.Timezone, OpensAt: c.OpensAt.UTC(), OverdueAt: c.OverdueAt.UTC(),
		OpensHour: opensHour(c.OpensAt, c.CreatedAt), State: string(c.State), AnsweredAt: c.AnsweredAt, Pending: c.Pending, Applied: applied, CreatedAt: c.CreatedAt.UTC(),
		UpdatedAt: c.UpdatedAt.UTC()}
}

func (d checkinDoc) toCheckin() evidence.CheckIn {
	return evidence.CheckIn{ID: d.ID, ProgrammeID: d.ProgrammeID, PairingID: d.PairingID, Occasion: d.Occasion, Label: d.Label,
		AtEnd: d.AtEnd, UserID: d.UserID, Side: d.Side, DueOn: d.DueOn, Timezone: d.Timezone, OpensAt: d.OpensAt, OverdueAt: d.OverdueAt,
		State: evidence.State(d.State), AnsweredAt: d.AnsweredAt, Pending: d.Pending, Applied: d.Applied, CreatedAt: d.CreatedAt,
		UpdatedAt: d.UpdatedAt}
}

func checkinsOf(docs []checkinDoc) []evidence.CheckIn {
	out := make([]evidence.CheckIn, len(docs))
	for i, d := range docs {
		out[i] = d.toCheckin()
	}
	return out
}

// InsertCheckins implements evidence.Store: one unordered insert, duplicates skipped.
func (s *Store) InsertCheckins(ctx context.Context, cs []evidence.CheckIn) error {
	if len(cs) == 0 {
		return nil
	}
	docs := make([]any, len(cs))
	for i, c := range cs {
		docs[i] = fromCheckin(c)
	}
	_, err := s.c(Checkins).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !mongodb.OnlyDuplicates(err) {
		return fmt.Errorf("insert check-ins: %w", err)
	}
	return nil
}

// Checkin implements evidence.Store.
func (s *Store) Checkin(ctx context.Context, id string) (evidence.CheckIn, error) {
	var d checkinDoc
	err := s.c(Checkins).FindOne(ctx, k("_id", id)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return evidence.CheckIn{}, evidence.ErrCheckinNotFound
	}
	if err != nil {
		return evidence.CheckIn{}, fmt.Errorf("find check-in: %w", err)
	}
	return d.toCheckin(), nil
}

// Checkins implements evidence.Store: bounded by one person, pairing or programme (an
// indexed equality), keyset-paginated on (opensAt, _id).
func (s *Store) Checkins(ctx context.Context, q evidence.CheckinQuery) ([]evidence.CheckIn, error) {
	var f bson.D
	switch {
	case q.UserID != "":
		f = k("userId", q.UserID)
	case q.PairingID != "":
		f = k("pairingId", q.PairingID)
	case q.ProgrammeID != "":
		f = k("programmeId", q.ProgrammeID)
	default:
		return nil, fmt.Errorf("list check-ins: no person, pairing or programme to bound the query")
	}
	if len(q.States) > 0 {
		states := make(bson.A, len(q.States))
		for i, st := range q.States {
			states[i] = string(st)
		}
		f = append(f, bson.E{Key: "state", Value: k("$in", states)})
	}
	if !q.OpenedBy.IsZero() {
		f = append(f, bson.E{Key: "opensAt", Value: k("$lte", q.OpenedBy.UTC())})
	}
	if !q.OverdueBy.IsZero() {
		f = append(f, bson.E{Key: "overdueAt", Value: k("$lte", q.OverdueBy.UTC())})
	}
	if q.After != nil {
		f = append(f, bson.E{Key: "$or", Value: bson.A{
			k("opensAt", k("$gt", q.After.At.UTC())),
			k("opensAt", q.After.At.UTC(), "_id", k("$gt", q.After.ID)),
		}})
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	cur, err := s.c(Checkins).Find(ctx, f, options.Find().SetSort(k("opensAt", 1, "_id", 1)).SetLimit(int64(limit)))
	docs, err := all[checkinDoc](ctx, cur, err, "list check-ins")
	if err != nil {
		return nil, err
	}
	return checkinsOf(docs), nil
}

// Reschedule implements evidence.Store.
func (s *Store) Reschedule(ctx context.Context, c evidence.CheckIn) (bool, error) {
	res, err := s.c(Checkins).UpdateOne(ctx, k("_id", c.ID, "state", string(evidence.StateScheduled)), k("$set", k(
		"label", c.Label, "dueOn", c.DueOn, "timezone", c.Timezone, "opensAt", c.OpensAt.UTC(), "overdueAt", c.OverdueAt.UTC(),
		"opensHour", opensHour(c.OpensAt, c.UpdatedAt), "updatedAt", c.UpdatedAt.UTC())))
	if err != nil {
		return false, fmt.Errorf("reschedule check-in: %w", err)
	}
	return res.MatchedCount == 1, nil
}

// SetState implements evidence.Store: one conditional update on the state.
func (s *Store) SetState(ctx context.Context, id string, to evidence.State, pending bool, at time.Time, from ...evidence.State) (bool, error) {
	states := make(bson.A, len(from))
	for i, st := range from {
		states[i] = string(st)
	}
	set := k("state", string(to), "updatedAt", at.UTC())
	if pending {
		set = append(set, bson.E{Key: "pending", Value: true})
	}
	if to == evidence.StateAnswered {
		set = append(set, bson.E{Key: "answeredAt", Value: at.UTC()})
	}
	res, err := s.c(Checkins).UpdateOne(ctx, k("_id", id, "state", k("$in", states)), k("$set", set))
	if err != nil {
		return false, fmt.Errorf("set check-in state: %w", err)
	}
	return res.MatchedCount == 1, nil
}

// PendingCheckins implements evidence.Store.
func (s *Store) PendingCheckins(ctx context.Context, limit int) ([]evidence.CheckIn, error) {
	cur, err := s.c(Checkins).Find(ctx, k("pending", true), options.Find().SetLimit(int64(limit)))
	docs, err := all[checkinDoc](ctx, cur, err, "pending check-ins")
	if err != nil {
		return nil, err
	}
	return checkinsOf(docs), nil
}

// ---- answers

type answerDoc struct {
	ID               string            `bson:"_id"` // the check-in's ID: (pairing, occasion, person)
	ProgrammeID      string            `bson:"programmeId"`
	PairingID        string            `bson:"pairingId"`
	Occasion         string            `bson:"occasion"`
	UserID           string            `bson:"userId"`
	Side             string            `bson:"side"`
	Ratings          map[string]int    `bson:"ratings"`
	Texts            map[string]string `bson:"texts"`
	Enabling         []string          `bson:"enabling"`
	Hindering        []string          `bson:"hindering"`
	OtherEnabling    string            `bson:"otherEnabling,omitempty"`
	OtherHindering   string            `bson:"otherHindering,omitempty"`
	Relationship     int               `bson:"relationship"`
	RelationshipText string            `bson:"relationshipText,omitempty"`
	Shared           bool              `bson:"shared"`
	AnsweredAt       time.Time         `bson:"answeredAt"`
	Pending          bool              `bson:"pending"`
	Applied          map[string]bool   `bson:"applied"`
}

func fromAnswer(a evidence.Answer) answerDoc {
	applied := a.Applied
	if applied == nil {
		applied = map[string]bool{}
	}
	return answerDoc{ID: a.CheckinID, ProgrammeID: a.ProgrammeID, PairingID: a.PairingID, Occasion: a.Occasion, UserID: a.UserID,
		Side: a.Side, Ratings: a.Ratings, Texts: a.Texts, Enabling: a.Enabling, Hindering: a.Hindering, OtherEnabling: a.OtherEnabling,
		OtherHindering: a.OtherHindering, Relationship: a.Relationship, RelationshipText: a.RelationshipText, Shared: a.Shared,
		AnsweredAt: a.AnsweredAt.UTC(), Pending: a.Pending, Applied: applied}
}

func (d answerDoc) toAnswer() evidence.Answer {
	a := evidence.Answer{CheckinID: d.ID, ProgrammeID: d.ProgrammeID, PairingID: d.PairingID, Occasion: d.Occasion, UserID: d.UserID,
		Side: d.Side, Ratings: d.Ratings, Texts: d.Texts, Enabling: d.Enabling, Hindering: d.Hindering, OtherEnabling: d.OtherEnabling,
		OtherHindering: d.OtherHindering, Relationship: d.Relationship, RelationshipText: d.RelationshipText, Shared: d.Shared,
		AnsweredAt: d.AnsweredAt, Pending: d.Pending, Applied: d.Applied}
	if a.Texts == nil {
		a.Texts = map[string]string{}
	}
	if a.Enabling == nil {
		a.Enabling = []string{}
	}
	if a.Hindering == nil {
		a.Hindering = []string{}
	}
	return a
}

func answersOf(docs []answerDoc) []evidence.Answer {
	out := make([]evidence.Answer, len(docs))
	for i, d := range docs {
		out[i] = d.toAnswer()
	}
	return out
}

// InsertAnswer implements evidence.Store: the insert on the check-in's key is the
// exactly-once guard.
func (s *Store) InsertAnswer(ctx context.Context, a evidence.Answer) error {
	_, err := s.c(Answers).InsertOne(ctx, fromAnswer(a))
	if mongodb.IsDuplicate(err) {
		return evidence.ErrAnswered
	}
	if err != nil {
		return fmt.Errorf("insert answer: %w", err)
	}
	return nil
}

// Answer implements evidence.Store.
func (s *Store) Answer(ctx context.Context, checkinID string) (evidence.Answer, error) {
	var d answerDoc
	err := s.c(Answers).FindOne(ctx, k("_id", checkinID)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return evidence.Answer{}, evidence.ErrAnswerNotFound
	}
	if err != nil {
		return evidence.Answer{}, fmt.Errorf("find answer: %w", err)
	}
	return d.toAnswer(), nil
}

// Answers implements evidence.Store.
func (s *Store) Answers(ctx context.Context, ids []string) (map[string]evidence.Answer, error) {
	out := map[string]evidence.Answer{}
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := s.c(Answers).Find(ctx, k("_id", k("$in", ids)))
	docs, err := all[answerDoc](ctx, cur, err, "find answers")
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		out[d.ID] = d.toAnswer()
	}
	return out, nil
}

// PersonAnswers implements evidence.Store.
func (s *Store) PersonAnswers(ctx context.Context, pairingID, userID string) ([]evidence.Answer, error) {
	cur, err := s.c(Answers).Find(ctx, k("pairingId", pairingID, "userId", userID))
	docs, err := all[answerDoc](ctx, cur, err, "person's answers")
	if err != nil {
		return nil, err
	}
	return answersOf(docs), nil
}

// UserAnswers implements evidence.Store.
func (s *Store) UserAnswers(ctx context.Context, userID string, from, to time.Time) ([]evidence.Answer, error) {
	cur, err := s.c(Answers).Find(ctx, k("userId", userID, "answeredAt", k("$gte", from.UTC(), "$lt", to.UTC())),
		options.Find().SetSort(k("answeredAt", 1)).SetLimit(1000))
	docs, err := all[answerDoc](ctx, cur, err, "user's answers")
	if err != nil {
		return nil, err
	}
	return answersOf(docs), nil
}

// SetShared implements evidence.Store.
func (s *Store) SetShared(ctx context.Context, checkinID string, shared bool) error {
	res, err := s.c(Answers).UpdateOne(ctx, k("_id", checkinID), k("$set", k("shared", shared)))
	if err != nil {
		return fmt.Errorf("share answer: %w", err)
	}
	if res.MatchedCount == 0 {
		return evidence.ErrAnswerNotFound
	}
	return nil
}

// PendingAnswers implements evidence.Store.
func (s *Store) PendingAnswers(ctx context.Context, limit int) ([]evidence.Answer, error) {
	cur, err := s.c(Answers).Find(ctx, k("pending", true), options.Find().SetLimit(int64(limit)))
	docs, err := all[answerDoc](ctx, cur, err, "pending answers")
	if err != nil {
		return nil, err
	}
	return answersOf(docs), nil
}

// ---- CPD verification records

type totalsDoc struct {
	MeetingMinutes    int            `bson:"meetingMinutes"`
	ContentMinutes    int            `bson:"contentMinutes"`
	CheckinCount      int            `bson:"checkins"`
	ReflectionCount   int            `bson:"reflections"`
	GoalsAchieved     int            `bson:"goalsAchieved"`
	MinutesByActivity map[string]int `bson:"byActivity"`
	MinutesByDomain   map[string]int `bson:"byDomain"`
}

type sealDoc struct {
	Code        string    `bson:"_id"`
	Key         string    `bson:"key"`
	UserID      string    `bson:"userId"`
	Name        string    `bson:"name"`
	Programmes  []string  `bson:"programmes"`
	Parties     []string  `bson:"parties"`
	From        string    `bson:"from"`
	To          string    `bson:"to"`
	Totals      totalsDoc `bson:"totals"`
	GeneratedAt time.Time `bson:"generatedAt"`
}

func fromSeal(r evidence.CPDSeal) sealDoc {
	t := r.Totals
	return sealDoc{Code: r.Code, Key: r.Key, UserID: r.UserID, Name: r.Name, Programmes: r.Programmes, Parties: r.Parties, From: r.From,
		To: r.To, GeneratedAt: r.GeneratedAt.UTC(), Totals: totalsDoc{MeetingMinutes: t.MeetingMinutes, ContentMinutes: t.ContentMinutes,
			CheckinCount: t.CheckinCount, ReflectionCount: t.ReflectionCount, GoalsAchieved: t.GoalsAchieved,
			MinutesByActivity: t.MinutesByActivity, MinutesByDomain: t.MinutesByDomain}}
}

func (d sealDoc) toSeal() evidence.CPDSeal {
	t := d.Totals
	return evidence.CPDSeal{Code: d.Code, Key: d.Key, UserID: d.UserID, Name: d.Name, Programmes: d.Programmes, Parties: d.Parties,
		From: d.From, To: d.To, GeneratedAt: d.GeneratedAt, Totals: evidence.Totals{MeetingMinutes: t.MeetingMinutes,
			ContentMinutes: t.ContentMinutes, CheckinCount: t.CheckinCount, ReflectionCount: t.ReflectionCount,
			GoalsAchieved: t.GoalsAchieved, MinutesByActivity: t.MinutesByActivity, MinutesByDomain: t.MinutesByDomain}}
}

// CPDRecordByKey implements evidence.Store.
func (s *Store) CPDRecordByKey(ctx context.Context, key string) (evidence.CPDSeal, bool, error) {
	var d sealDoc
	err := s.c(CPDRecords).FindOne(ctx, k("key", key)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return evidence.CPDSeal{}, false, nil
	}
	if err != nil {
		return evidence.CPDSeal{}, false, fmt.Errorf("find CPD record: %w", err)
	}
	return d.toSeal(), true, nil
}

// InsertCPDRecord implements evidence.Store.
func (s *Store) InsertCPDRecord(ctx context.Context, r evidence.CPDSeal) error {
	_, err := s.c(CPDRecords).InsertOne(ctx, fromSeal(r))
	if mongodb.IsDuplicate(err) {
		return fmt.Errorf("insert CPD record: %w", evidence.ErrSealTaken)
	}
	if err != nil {
		return fmt.Errorf("insert CPD record: %w", err)
	}
	return nil
}

// CPDRecord implements evidence.Store.
func (s *Store) CPDRecord(ctx context.Context, code string) (evidence.CPDSeal, error) {
	var d sealDoc
	err := s.c(CPDRecords).FindOne(ctx, k("_id", code)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return evidence.CPDSeal{}, evidence.ErrRecordNotFound
	}
	if err != nil {
		return evidence.CPDSeal{}, fmt.Errorf("find CPD record: %w", err)
	}
	return d.toSeal(), nil
}
