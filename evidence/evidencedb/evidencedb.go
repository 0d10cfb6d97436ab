// Package evidencedb keeps evidence in MongoDB: evaluation plans, check-ins, answers, the
// outcome aggregates, CPD verification records, the activity log the CPD record reads and
// the xAPI statements with their forwarding outbox. Every hot read is an _id lookup or
// bounded by one person's, one pairing's or one programme's documents through an indexed
// equality; exactly-once steps are inserts on unique _ids or compare-and-sets on one document.
package evidencedb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// Collections.
const (
	Plans      = "evidence_plans"
	Checkins   = "evidence_checkins"
	Answers    = "evidence_answers"
	Outcomes   = "evidence_outcomes"
	Meta       = "evidence_meta"
	CPDRecords = "evidence_cpd_records"
)

// Store is the MongoDB store of evidence.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

var _ evidence.Store = (*Store)(nil)

func (s *Store) c(name string) *mongo.Collection { return s.db.Collection(name) }

func ix(coll string, keys bson.D, unique bool) mongodb.Index {
	m := mongo.IndexModel{Keys: keys}
	if unique {
		m.Options = options.Index().SetUnique(true)
	}
	return mongodb.Index{Collection: coll, Model: m}
}

func k(pairs ...any) bson.D {
	d := bson.D{}
	for i := 0; i+1 < len(pairs); i += 2 {
		d = append(d, bson.E{Key: pairs[i].(string), Value: pairs[i+1]})
	}
	return d
}

// Indexes lists the indexes the queries in this package need, next to the code that issues
// them.
func Indexes() []mongodb.Index {
	return append([]mongodb.Index{
		ix(Checkins, k("userId", 1, "opensAt", 1, "_id", 1), false),      // a person's check-ins (home, /me/checkins)
		ix(Checkins, k("pairingId", 1, "opensAt", 1, "_id", 1), false),   // a pairing's check-ins
		ix(Checkins, k("programmeId", 1, "opensAt", 1, "_id", 1), false), // owners' due and overdue lists
		ix(Checkins, k("opensHour", 1, "state", 1), false),               // DueToOpen (the opener, opener.go)
		ix(Checkins, k("pending", 1), false),                             // PendingCheckins (the sweep)
		ix(Answers, k("pairingId", 1, "userId", 1), false),               // PersonAnswers (change from baseline)
		ix(Answers, k("userId", 1, "answeredAt", 1), false),              // UserAnswers (CPD record)
		ix(Answers, k("pending", 1), false),                              // PendingAnswers (the sweep)
		ix(Outcomes, k("programmeId", 1, "level", 1, "_id", 1), false),   // PairingAggregates (reports)
		ix(Outcomes, k("programmeId", 1, "level", 1, "band", 1), false),  // PairingAggregates' bands (outcome_bands.go)
		ix(CPDRecords, k("key", 1), true),                                // CPDRecordByKey
	}, append(activityIndexes(), XAPIIndexes()...)...)
}

func all[T any](ctx context.Context, cur *mongo.Cursor, err error, what string) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out := []T{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// ---- plans

type occasionDoc struct {
	Key          string `bson:"key"`
	Label        string `bson:"label"`
	OffsetMonths int    `bson:"offsetMonths"`
	AtEnd        bool   `bson:"atEnd"`
}

type factorDoc struct {
	Key   string `bson:"key"`
	Label string `bson:"label"`
}

type planDoc struct {
	ID          string        `bson:"_id"`
	Occasions   []occasionDoc `bson:"occasions"`
	ScaleMin    int           `bson:"scaleMin"`
	ScaleMax    int           `bson:"scaleMax"`
	ScaleLabels []string      `bson:"scaleLabels"`
	Enabling    []factorDoc   `bson:"enabling"`
	Hindering   []factorDoc   `bson:"hindering"`
	WindowDays  int           `bson:"windowDays"`
	OpenAt      string        `bson:"openAt"`
	Revision    int           `bson:"revision"`
	UpdatedBy   string        `bson:"updatedBy"`
	UpdatedAt   time.Time     `bson:"updatedAt"`
}

func fromFactors(fs []evidence.Factor) []factorDoc {
	out := make([]factorDoc, len(fs))
	for i, f := range fs {
		out[i] = factorDoc{f.Key, f.Label}
	}
	return out
}

func toFactors(fs []factorDoc) []evidence.Factor {
	out := make([]evidence.Factor, len(fs))
	for i, f := range fs {
		out[i] = evidence.Factor{Key: f.Key, Label: f.Label}
	}
	return out
}

func fromPlan(p evidence.Plan) planDoc {
	d := planDoc{ID: p.ProgrammeID, ScaleMin: p.Scale.Min, ScaleMax: p.Scale.Max, ScaleLabels: p.Scale.Labels,
		Enabling: fromFactors(p.Enabling), Hindering: fromFactors(p.Hindering), WindowDays: p.WindowDays, OpenAt: p.OpenAt,
		Revision: p.Revision, UpdatedBy: p.UpdatedBy, UpdatedAt: p.UpdatedAt.UTC()}
	for _, o := range p.Occasions {
		d.Occasions = append(d.Occasions, occasionDoc{o.Key, o.Label, o.OffsetMonths, o.AtEnd})
	}
	return d
}

func (d planDoc) toPlan() evidence.Plan {
	p := evidence.Plan{ProgrammeID: d.ID, Scale: evidence.Scale{Min: d.ScaleMin, Max: d.ScaleMax, Labels: d.ScaleLabels},
		Enabling: toFactors(d.Enabling), Hindering: toFactors(d.Hindering), WindowDays: d.WindowDays, OpenAt: d.OpenAt,
		Revision: d.Revision, UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt}
	for _, o := range d.Occasions {
		p.Occasions = append(p.Occasions, evidence.Occasion{Key: o.Key, Label: o.Label, OffsetMonths: o.OffsetMonths, AtEnd: o.AtEnd})
	}
	return p
}

// Plan implements evidence.Store.
func (s *Store) Plan(ctx context.Context, programmeID string) (evidence.Plan, bool, error) {
	var d planDoc
	err := s.c(Plans).FindOne(ctx, k("_id", programmeID)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return evidence.Plan{}, false, nil
	}
	if err != nil {
		return evidence.Plan{}, false, fmt.Errorf("find plan: %w", err)
	}
	return d.toPlan(), true, nil
}

// PutPlan implements evidence.Store: an insert for the first revision, else a replace
// guarded by the revision read.
func (s *Store) PutPlan(ctx context.Context, p evidence.Plan, prev int) error {
	d := fromPlan(p)
	if prev == 0 {
		_, err := s.c(Plans).InsertOne(ctx, d)
		if mongodb.IsDuplicate(err) {
			return evidence.ErrPlanChanged
		}
		return err
	}
	res, err := s.c(Plans).ReplaceOne(ctx, k("_id", p.ProgrammeID, "revision", prev), d)
	if err != nil {
		return fmt.Errorf("put plan: %w", err)
	}
	if res.MatchedCount == 0 {
		return evidence.ErrPlanChanged
	}
	return nil
}

// ---- watermark

type watermarkDoc struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
	PK string    `bson:"pairingId"`
}

const watermarkID = "pairing-watermark"

// Watermark implements evidence.Store.
func (s *Store) Watermark(ctx context.Context) (evidence.Cursor, error) {
	var d watermarkDoc
	err := s.c(Meta).FindOne(ctx, k("_id", watermarkID)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return evidence.Cursor{}, nil
	}
	if err != nil {
		return evidence.Cursor{}, fmt.Errorf("find watermark: %w", err)
	}
	return evidence.Cursor{At: d.At, ID: d.PK}, nil
}

// SetWatermark implements evidence.Store.
func (s *Store) SetWatermark(ctx context.Context, c evidence.Cursor) error {
	_, err := s.c(Meta).UpdateOne(ctx, k("_id", watermarkID), k("$set", k("at", c.At.UTC(), "pairingId", c.ID)),
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("set watermark: %w", err)
	}
	return nil
}

// ---- outcome aggregates

type aggregateDoc struct {
	ID          string    `bson:"_id"`
	Level       string    `bson:"level"`
	ProgrammeID string    `bson:"programmeId"`
	PairingID   string    `bson:"pairingId,omitempty"`
	UserID      string    `bson:"userId,omitempty"`
	Seq         int       `bson:"seq"`
	Last        string    `bson:"last"`
	Counters    bson.M    `bson:"c"`
	UpdatedAt   time.Time `bson:"updatedAt"`
	Band        string    `bson:"band,omitempty"` // pairing aggregates: PairingAggregates' page key (outcome_bands.go)
}

func (d aggregateDoc) toAggregate() evidence.Aggregate {
	g := evidence.Aggregate{Key: evidence.AggregateKey{Level: d.Level, ProgrammeID: d.ProgrammeID, PairingID: d.PairingID, UserID: d.UserID},
		Seq: d.Seq, Last: d.Last, Counters: map[string]int{}, UpdatedAt: d.UpdatedAt}
	flatten("", d.Counters, g.Counters)
	return g
}

// flatten turns the nested counter document into dotted keys.
func flatten(prefix string, v any, out map[string]int) {
	switch x := v.(type) {
	case bson.M:
		for k, v := range x {
			flatten(join(prefix, k), v, out)
		}
	case bson.D:
		for _, e := range x {
			flatten(join(prefix, e.Key), e.Value, out)
		}
	case int32:
		out[prefix] = int(x)
	case int64:
		out[prefix] = int(x)
	case float64:
		out[prefix] = int(x)
	}
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// nest turns dotted counter keys into the nested document a first insert writes.
func nest(flat map[string]int) bson.M {
	root := bson.M{}
	for key, v := range flat {
		parts := strings.Split(key, ".")
		m := root
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(bson.M)
			if !ok {
				next = bson.M{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v
	}
	return root
}

// Aggregate implements evidence.Store.
func (s *Store) Aggregate(ctx context.Context, id string) (evidence.Aggregate, bool, error) {
	var d aggregateDoc
	err := s.c(Outcomes).FindOne(ctx, k("_id", id)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return evidence.Aggregate{Counters: map[string]int{}}, false, nil
	}
	if err != nil {
		return evidence.Aggregate{}, false, fmt.Errorf("find outcomes: %w", err)
	}
	return d.toAggregate(), true, nil
}

// ApplyDelta implements evidence.Store: the first fact inserts the aggregate, every later one
// is a compare-and-set on its sequence that increments the counters and records the fact.
func (s *Store) ApplyDelta(ctx context.Context, key evidence.AggregateKey, prev int, fact string, delta map[string]int, now time.Time) (bool, error) {
	if prev == 0 {
		d := aggregateDoc{ID: key.ID(), Level: key.Level, ProgrammeID: key.ProgrammeID, PairingID: key.PairingID, UserID: key.UserID,
			Seq: 1, Last: fact, Counters: nest(delta), UpdatedAt: now.UTC()}
		if key.Level == evidence.LevelPairing {
			d.Band = bandOf(key.PairingID)
			if err := s.addBand(ctx, key.ProgrammeID, d.Band); err != nil {
				return false, err
			}
		}
		_, err := s.c(Outcomes).InsertOne(ctx, d)
		if mongodb.IsDuplicate(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("insert outcomes: %w", err)
		}
		return true, nil
	}
	inc := bson.D{{Key: "seq", Value: 1}}
	for key, v := range delta {
		if v != 0 {
			inc = append(inc, bson.E{Key: "c." + key, Value: v})
		}
	}
	res, err := s.c(Outcomes).UpdateOne(ctx, k("_id", key.ID(), "seq", prev),
		k("$inc", inc, "$set", k("last", fact, "updatedAt", now.UTC())))
	if err != nil {
		return false, fmt.Errorf("count in outcomes: %w", err)
	}
	return res.MatchedCount == 1, nil
}

func (s *Store) factColl(fact string) (*mongo.Collection, string, error) {
	kind, id := evidence.SplitFact(fact)
	switch kind {
	case "opening":
		return s.c(Checkins), id, nil
	case "answer":
		return s.c(Answers), id, nil
	}
	return nil, "", fmt.Errorf("unknown fact %q", fact)
}

// MarkApplied implements evidence.Store.
func (s *Store) MarkApplied(ctx context.Context, fact, level string) error {
	coll, id, err := s.factColl(fact)
	if err != nil {
		return err
	}
	if _, err := coll.UpdateOne(ctx, k("_id", id), k("$set", k("applied."+level, true))); err != nil {
		return fmt.Errorf("mark counted: %w", err)
	}
	return nil
}

// FactApplied implements evidence.Store.
func (s *Store) FactApplied(ctx context.Context, fact, level string) (bool, error) {
	coll, id, err := s.factColl(fact)
	if err != nil {
		return false, err
	}
	var d struct {
		Applied map[string]bool `bson:"applied"`
	}
	err = coll.FindOne(ctx, k("_id", id)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read fact: %w", err)
	}
	return d.Applied[level], nil
}

// SetDone implements evidence.Store.
func (s *Store) SetDone(ctx context.Context, fact string) error {
	coll, id, err := s.factColl(fact)
	if err != nil {
		return err
	}
	if _, err := coll.UpdateOne(ctx, k("_id", id), k("$set", k("pending", false))); err != nil {
		return fmt.Errorf("mark done: %w", err)
	}
	return nil
}
