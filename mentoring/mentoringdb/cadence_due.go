package mentoringdb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/mentoring"
)

// CadenceDue is the due index of the "meeting due" nudge: one document per active pairing
// with a cadence (_id the pairing), read by the scheduler through an indexed equality on the
// UTC day its meeting falls due (the index is declared with the agreement's, AgreementIndexes).
const CadenceDue = "mentoring_cadence_due"

var _ mentoring.CadenceDueStore = (*Store)(nil)

type cadenceDueDoc struct {
	ID        string     `bson:"_id"`
	DueAt     time.Time  `bson:"dueAt"`
	Day       string     `bson:"day"`
	NudgedFor *time.Time `bson:"nudgedFor,omitempty"`
}

// PutCadenceDue implements mentoring.CadenceDueStore.
func (s *Store) PutCadenceDue(ctx context.Context, d mentoring.CadenceDue) error {
	doc := cadenceDueDoc{ID: d.PairingID, DueAt: d.DueAt.UTC(), Day: d.Day}
	if !d.NudgedFor.IsZero() {
		t := d.NudgedFor.UTC()
		doc.NudgedFor = &t
	}
	if _, err := s.c(CadenceDue).ReplaceOne(ctx, k("_id", d.PairingID), doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("put cadence due: %w", err)
	}
	return nil
}

// DeleteCadenceDue implements mentoring.CadenceDueStore.
func (s *Store) DeleteCadenceDue(ctx context.Context, pairingID string) error {
	if _, err := s.c(CadenceDue).DeleteOne(ctx, k("_id", pairingID)); err != nil {
		return fmt.Errorf("delete cadence due: %w", err)
	}
	return nil
}

// CadenceDueOn implements mentoring.CadenceDueStore.
func (s *Store) CadenceDueOn(ctx context.Context, days []string) ([]mentoring.CadenceDue, error) {
	if len(days) == 0 {
		return nil, nil
	}
	cur, err := s.c(CadenceDue).Find(ctx, k("day", k("$in", days)))
	docs, err := all[cadenceDueDoc](ctx, cur, err, "cadence due")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.CadenceDue, len(docs))
	for i, d := range docs {
		out[i] = mentoring.CadenceDue{PairingID: d.ID, DueAt: d.DueAt.UTC(), Day: d.Day}
		if d.NudgedFor != nil {
			out[i].NudgedFor = d.NudgedFor.UTC()
		}
	}
	return out, nil
}

// MarkCadenceNudged implements mentoring.CadenceDueStore.
func (s *Store) MarkCadenceNudged(ctx context.Context, pairingID string, dueAt time.Time) error {
	if _, err := s.c(CadenceDue).UpdateOne(ctx, k("_id", pairingID, "dueAt", dueAt.UTC()), k("$set", k("nudgedFor", dueAt.UTC()))); err != nil {
		return fmt.Errorf("mark cadence nudged: %w", err)
	}
	return nil
}

// ActivePairingsAfter implements mentoring.CadenceDueStore: a range on _id (an index range
// scan), once, at start-up.
func (s *Store) ActivePairingsAfter(ctx context.Context, afterID string, limit int) ([]mentoring.Pairing, error) {
	f := k("_id", k("$gt", afterID), "status", string(mentoring.StatusActive))
	cur, err := s.c(Pairings).Find(ctx, f, options.Find().SetSort(k("_id", 1)).SetLimit(int64(limit)))
	return pairingsOf(ctx, cur, err, "active pairings")
}
