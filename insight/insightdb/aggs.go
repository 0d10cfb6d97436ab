package insightdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// aggMeta are the fields every aggregate document carries besides its counts (c) and
// guards (g).
func aggMeta(t insight.Target, n int) bson.D {
	return k("t", string(t.Kind), "pid", t.ProgrammeID, "key", t.Key, "n", n)
}

// Apply implements insight.Store: one update per aggregate, all in one command. An update
// matches only while the document's guard for source is missing or below seq; it adds the
// counts and sets the guard in the same single-document write. When the guard is already
// there the upsert finds no match and its insert fails on the existing _id: that duplicate
// key is the "already applied" answer, not an error.
func (s *Store) Apply(ctx context.Context, source string, seq int64, changes []insight.Change) error {
	if len(changes) == 0 {
		return nil
	}
	g, n := guard(source), shardOf(source)
	models := make([]mongo.WriteModel, 0, len(changes))
	for _, ch := range changes {
		inc := bson.D{}
		for path, v := range ch.Counts {
			if safe(path) && v != 0 {
				inc = append(inc, bson.E{Key: "c." + path, Value: v})
			}
		}
		filter := k("_id", aggID(ch.Target, n), "$or", bson.A{k(g, k("$exists", false)), k(g, k("$lt", seq))})
		update := k("$set", k(g, seq), "$setOnInsert", aggMeta(ch.Target, n))
		if len(inc) > 0 {
			update = append(update, bson.E{Key: "$inc", Value: inc})
		}
		models = append(models, mongo.NewUpdateOneModel().SetFilter(filter).SetUpdate(update).SetUpsert(true))
	}
	for len(models) > 0 {
		r, err := s.c(Aggs).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		if err == nil {
			return nil
		}
		if !mongodb.OnlyDuplicates(err) {
			return fmt.Errorf("apply report changes of %s: %w", source, err)
		}
		models = unexecuted(models, r, err)
	}
	return nil
}

// unexecuted is what is left of an unordered bulk write that reported duplicates: FerretDB
// 1.24 stops at the first error even when unordered (a change applied again after a crash in
// the middle of a bulk lost every change after the first aggregate that had it), MongoDB goes
// on. The statements after the last error are sent again unless every statement was run;
// sent again they count once, like any statement of Apply.
func unexecuted(models []mongo.WriteModel, r *mongo.BulkWriteResult, err error) []mongo.WriteModel {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) {
		return nil
	}
	last := -1
	for _, we := range bwe.WriteErrors {
		last = max(last, we.Index)
	}
	if r != nil && int(r.MatchedCount+r.UpsertedCount)+len(bwe.WriteErrors) >= len(models) {
		return nil
	}
	return models[last+1:]
}

// sourceColl is the collection a kind of source lives in.
func sourceColl(kind insight.SourceKind) string {
	if kind == insight.SourceSubject {
		return Subjects
	}
	return Learners
}

// Ack implements insight.Store: one conditional update of the source.
func (s *Store) Ack(ctx context.Context, kind insight.SourceKind, source string, seq int64) (bool, error) {
	r, err := s.c(sourceColl(kind)).UpdateOne(ctx, k("_id", source, "pseq", seq, "acked", false), k("$set", k("acked", true, "lease", time.Time{})))
	if err != nil {
		return false, fmt.Errorf("acknowledge the report changes of %s: %w", source, err)
	}
	return r.ModifiedCount == 1, nil
}

// Claim implements insight.Store: one conditional update of the source's lease. A source
// written before pending changes had top-level fields (no pseq) is claimed as one whose
// lease ran out.
func (s *Store) Claim(ctx context.Context, kind insight.SourceKind, source string, seq int64, now, until time.Time) (bool, error) {
	f := k("_id", source, "$or", bson.A{k("pseq", seq, "acked", false, "lease", k("$lte", now.UTC())), k("pseq", k("$exists", false))})
	r, err := s.c(sourceColl(kind)).UpdateOne(ctx, f, k("$set", k("pseq", seq, "acked", false, "lease", until.UTC())))
	if err != nil {
		return false, fmt.Errorf("claim the report changes of %s: %w", source, err)
	}
	return r.ModifiedCount == 1, nil
}

// Prune implements insight.Store: one update per aggregate, all in one command, each
// removing the source's guard where it is seq or earlier (a later number is a later change's,
// still in flight).
func (s *Store) Prune(ctx context.Context, source string, seq int64, changes []insight.Change) error {
	g, n := guard(source), shardOf(source)
	var models []mongo.WriteModel
	seen := map[insight.Target]bool{}
	for _, ch := range changes {
		if seen[ch.Target] {
			continue
		}
		seen[ch.Target] = true
		models = append(models, mongo.NewUpdateOneModel().SetFilter(k("_id", aggID(ch.Target, n), g, k("$lte", seq))).SetUpdate(k("$unset", k(g, ""))))
		if len(models) == maxStatements {
			if err := s.bulk(ctx, models); err != nil {
				return err
			}
			models = models[:0]
		}
	}
	return s.bulk(ctx, models)
}

// Read implements insight.Store: one find of every shard of every target, without the
// guards, summed per target.
func (s *Store) Read(ctx context.Context, targets []insight.Target) (map[insight.Target]insight.Counts, error) {
	out := make(map[insight.Target]insight.Counts, len(targets))
	if len(targets) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(targets)*shards)
	owner := make(map[string]insight.Target, len(targets)*shards)
	for _, t := range targets {
		out[t] = insight.Counts{}
		for n := 0; n < shards; n++ {
			id := aggID(t, n)
			ids = append(ids, id)
			owner[id] = t
		}
	}
	cur, err := s.c(Aggs).Find(ctx, readFilter(targets, ids), options.Find().SetProjection(k("c", 1)))
	if err != nil {
		return nil, fmt.Errorf("read report aggregates: %w", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
		C  bson.M `bson:"c"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read report aggregates: %w", err)
	}
	for _, d := range docs {
		if t, ok := owner[d.ID]; ok {
			flatten("", d.C, out[t])
		}
	}
	return out, nil
}

// maxPushedIn is the most values of an `$in` the embedded engine searches an index for
// (third_party/ferretdb/PATCHES.md); a longer list is matched by decoding every document of
// the collection.
const maxPushedIn = 1000

// readFilter finds the shards of targets: by `_id` while the list of IDs is short enough to
// be searched, else (a page of 200 items is 3,200 shards) by the (programme, kind, key)
// index when the targets share a programme and kind, which finds the same documents.
func readFilter(targets []insight.Target, ids []string) bson.D {
	if len(ids) <= maxPushedIn {
		return k("_id", k("$in", ids))
	}
	keys := make([]string, 0, len(targets))
	for _, t := range targets {
		if t.ProgrammeID != targets[0].ProgrammeID || t.Kind != targets[0].Kind {
			return k("_id", k("$in", ids))
		}
		keys = append(keys, t.Key)
	}
	return k("pid", targets[0].ProgrammeID, "t", string(targets[0].Kind), "key", k("$in", keys))
}

// learningKinds are the aggregates learners feed; countKinds those subjects feed.
var (
	learningKinds = []string{string(insight.TargetWeek), string(insight.TargetItem), string(insight.TargetLast), string(insight.TargetTotal)}
	countKinds    = []string{string(insight.TargetPeople), string(insight.TargetPairs)}
)

// ResetLearning implements insight.Store.
func (s *Store) ResetLearning(ctx context.Context) error {
	if _, err := s.c(Learners).DeleteMany(ctx, bson.D{}, options.DeleteMany().SetComment("scan: the rebuild replaces every learner")); err != nil {
		return fmt.Errorf("reset learners: %w", err)
	}
	if _, err := s.c(Aggs).DeleteMany(ctx, k("t", k("$in", learningKinds)), options.DeleteMany().SetComment("scan: the rebuild replaces every learning aggregate")); err != nil {
		return fmt.Errorf("reset learning aggregates: %w", err)
	}
	return nil
}

// ResetCounts implements insight.Store.
func (s *Store) ResetCounts(ctx context.Context) error {
	if _, err := s.c(Aggs).DeleteMany(ctx, k("t", k("$in", countKinds)), options.DeleteMany().SetComment("scan: the rebuild replaces every programme count")); err != nil {
		return fmt.Errorf("reset programme counts: %w", err)
	}
	return nil
}

// PutAggregates implements insight.Store: the documents are built in memory (each source's
// counts added to its shard, its guard set to its number when it has one) and inserted, a thousand to a
// command; a document a straggling live write created meanwhile gets the counts added.
func (s *Store) PutAggregates(ctx context.Context, cs []insight.Contribution) error {
	docs := map[string]bson.M{}
	var order []string
	for _, c := range cs {
		n := shardOf(c.Source)
		for _, ch := range c.Changes {
			id := aggID(ch.Target, n)
			d, ok := docs[id]
			if !ok {
				d = bson.M{"c": insight.Counts{}, "g": bson.M{}, "meta": aggMeta(ch.Target, n)}
				docs[id] = d
				order = append(order, id)
			}
			d["c"].(insight.Counts).Merge(ch.Counts)
			if c.Seq > 0 {
				d["g"].(bson.M)[guard(c.Source)[2:]] = c.Seq
			}
		}
	}
	fresh := make([]any, len(order))
	for i, id := range order {
		d := docs[id]
		doc := bson.D{{Key: "_id", Value: id}}
		doc = append(doc, d["meta"].(bson.D)...)
		doc = append(doc, bson.E{Key: "c", Value: nest(d["c"].(insight.Counts))})
		if g := d["g"].(bson.M); len(g) > 0 {
			doc = append(doc, bson.E{Key: "g", Value: g})
		}
		fresh[i] = doc
	}
	dup, err := mongodb.InsertNew(ctx, s.c(Aggs), fresh, 1000)
	if err != nil {
		return fmt.Errorf("write rebuilt aggregates: %w", err)
	}
	var models []mongo.WriteModel
	for i := range dup {
		models = append(models, putModel(order[i], docs[order[i]]))
		if len(models) == maxStatements {
			if err := s.bulk(ctx, models); err != nil {
				return err
			}
			models = models[:0]
		}
	}
	return s.bulk(ctx, models)
}

// nest turns dotted paths into nested documents, as $inc would have left them.
func nest(c insight.Counts) bson.M {
	out := bson.M{}
	for path, v := range c {
		if !safe(path) || v == 0 {
			continue
		}
		parts := strings.Split(path, ".")
		m := out
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[p].(bson.M)
			if !ok {
				sub = bson.M{}
				m[p] = sub
			}
			m = sub
		}
		m[parts[len(parts)-1]] = v
	}
	return out
}

// putModel adds a rebuilt document's counts and guards to whatever is there (nothing, after
// a reset; a straggling live write otherwise, which the guards keep from counting twice).
func putModel(id string, d bson.M) mongo.WriteModel {
	inc, set := bson.D{}, bson.D{}
	for path, v := range d["c"].(insight.Counts) {
		if safe(path) && v != 0 {
			inc = append(inc, bson.E{Key: "c." + path, Value: v})
		}
	}
	for g, seq := range d["g"].(bson.M) {
		set = append(set, bson.E{Key: "g." + g, Value: seq})
	}
	update := k("$setOnInsert", d["meta"])
	if len(set) > 0 {
		update = append(update, bson.E{Key: "$set", Value: set})
	}
	if len(inc) > 0 {
		update = append(update, bson.E{Key: "$inc", Value: inc})
	}
	return mongo.NewUpdateOneModel().SetFilter(k("_id", id)).SetUpdate(update).SetUpsert(true)
}

func (s *Store) bulk(ctx context.Context, models []mongo.WriteModel) error {
	if len(models) == 0 {
		return nil
	}
	if _, err := s.c(Aggs).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
		return fmt.Errorf("write rebuilt aggregates: %w", err)
	}
	return nil
}

// maxStatements bounds the statements of one update command: FerretDB 1.24 never answers an
// update of more than 100 statements that match existing documents (docs/decisions.md).
const maxStatements = 50
