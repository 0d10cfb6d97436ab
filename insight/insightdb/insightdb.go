// Package insightdb keeps the programme reports' aggregates in MongoDB:
//   - insight_learners: one document per (programme, person), the learner the learning
//     events were folded into, written with a compare-and-swap on its version;
//   - insight_aggs: the aggregates (per week, per content item, last-active days, totals,
//     members and pairings). Each aggregate is spread over `shards` documents by source (a
//     learner or a subject always writes the same one), so that no document holds more
//     than a slice of a large programme's sources; a read adds the shards up in one find.
//     Every document remembers, per source, the latest change number it took (field g), so
//     a change applied twice counts once;
//   - insight_subjects: members and pairings as last evaluated, with the due index
//     (dueSlot, a 10-minute bucket) and the at-risk index;
//   - insight_settings, insight_meta (sweep watermark, rebuild state) and insight_held
//     (events that arrived during a rebuild).
package insightdb

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// The collections.
const (
	Learners = "insight_learners"
	Aggs     = "insight_aggs"
	Subjects = "insight_subjects"
	Settings = "insight_settings"
	Meta     = "insight_meta"
	Held     = "insight_held"
)

// shards is how many documents an aggregate is spread over.
const shards = 16

// Indexes lists the indexes the queries in this package need: the at-risk list is an
// equality on (programme, at risk, kind), bounded by how many need attention; the due index
// an equality on the slot; a programme's subjects an equality on the programme; a person's
// learners (an erasure) an equality on the user ID; a long read of aggregates (a page of
// items) an equality on (programme, kind, key).
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		{Collection: Subjects, Model: mongo.IndexModel{Keys: bson.D{{Key: "programmeId", Value: 1}, {Key: "atRisk", Value: 1},
			{Key: "kind", Value: 1}, {Key: "since", Value: 1}, {Key: "_id", Value: 1}}}},
		{Collection: Subjects, Model: mongo.IndexModel{Keys: bson.D{{Key: "dueSlot", Value: 1}}}},
		{Collection: Aggs, Model: mongo.IndexModel{Keys: bson.D{{Key: "t", Value: 1}}}},
		{Collection: Aggs, Model: mongo.IndexModel{Keys: bson.D{{Key: "pid", Value: 1}, {Key: "t", Value: 1}, {Key: "key", Value: 1}}}},
		{Collection: Learners, Model: mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}}}},
	}
}

// Store is the MongoDB implementation of insight.Store.
type Store struct{ db *mongo.Database }

// New returns a Store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

var _ insight.Store = (*Store)(nil)

func (s *Store) c(name string) *mongo.Collection { return s.db.Collection(name) }

func k(pairs ...any) bson.D {
	d := make(bson.D, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		d = append(d, bson.E{Key: pairs[i].(string), Value: pairs[i+1]})
	}
	return d
}

// shardOf is the shard a source writes to.
func shardOf(source string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(source))
	return int(h.Sum32() % shards)
}

// guard is the field that remembers a source's latest change number in an aggregate
// document: a hash, so that no source ID ever becomes a field name.
func guard(source string) string {
	sum := sha256.Sum256([]byte(source))
	return "g." + hex.EncodeToString(sum[:8])
}

// aggID is the document of target t's shard n.
func aggID(t insight.Target, n int) string {
	return fmt.Sprintf("%s|%s|%s|%d", t.Kind, t.ProgrammeID, t.Key, n)
}

// wrap turns driver errors into the domain's: a duplicate key on a compare-and-swap insert is
// a conflict.
func wrap(err error, op string) error {
	switch {
	case err == nil:
		return nil
	case mongodb.IsDuplicate(err):
		return fmt.Errorf("%s: %w", op, insight.ErrConflict)
	case errors.Is(err, insight.ErrConflict):
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// flatten turns a counts document into dotted paths.
func flatten(prefix string, d bson.M, out insight.Counts) {
	for key, v := range d {
		p := key
		if prefix != "" {
			p = prefix + "." + key
		}
		switch x := v.(type) {
		case bson.M:
			flatten(p, x, out)
		case bson.D:
			m := bson.M{}
			for _, e := range x {
				m[e.Key] = e.Value
			}
			flatten(p, m, out)
		case int32:
			out[p] += int64(x)
		case int64:
			out[p] += x
		case float64:
			out[p] += int64(x)
		}
	}
}

func safe(path string) bool { return insight.SafePath(path) && !strings.Contains(path, "$") }
