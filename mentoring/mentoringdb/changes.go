package mentoringdb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/mentoring"
)

// Added for evidence (issue 12): the check-in scheduler follows pairings as they start,
// change and end, by reading the pairings changed since its last round. That is a range on
// updatedAt, which MongoDB searches on its index but the embedded engine never pushes down:
// each round decoded every pairing (2 s a round at 10,000 mentees). So every pairing also
// carries the hour bucket of its updatedAt (updatedHour, written with it), and the read names
// the hours from the cursor's to a little after now: an index search of those hours only; on
// MongoDB it matches exactly what the range matches. Pairings written before the bucket
// existed get it once (EnsureBackfilled).

// updatedHours is the hour bucket of a pairing's updatedAt, which ChangedSince searches.
var updatedHours = mongodb.HourSweep{Collection: Pairings, Field: "updatedAt", Bucket: "updatedHour"}

// changeLookahead is how far after now ChangedSince looks: a pairing written by a process
// whose clock runs ahead is found in the same round; one further ahead in a later round.
const changeLookahead = 2 * time.Hour

// ChangeIndexes lists the indexes ChangedSince needs.
func ChangeIndexes() []mongodb.Index {
	return []mongodb.Index{ix(Pairings, k("updatedAt", 1, "_id", 1), false), ix(Pairings, k(updatedHours.Bucket, 1), false)}
}

// ChangedSince lists up to limit pairings with (updatedAt, _id) after (at, id), in that order,
// as changed by now (and changeLookahead after it): with a cursor less than 1,000 hours old,
// an index search of the hours since it.
func (s *Store) ChangedSince(ctx context.Context, at time.Time, id string, now time.Time, limit int) ([]mentoring.Pairing, error) {
	f := k("$or", bson.A{
		k("updatedAt", k("$gt", at.UTC())),
		k("updatedAt", at.UTC(), "_id", k("$gt", id)),
	})
	if hours, ok := mongodb.HoursBetween(at, now.Add(changeLookahead), mongodb.MaxIn); ok {
		if len(hours) == 0 {
			return nil, nil // a cursor ahead of the clock: nothing changed since
		}
		if !s.changesBackfilled.Load() {
			if err := updatedHours.EnsureBackfilled(ctx, s.db); err != nil {
				return nil, err
			}
			s.changesBackfilled.Store(true)
		}
		f = append(k(updatedHours.Bucket, k("$in", hours)), f...)
	}
	cur, err := s.c(Pairings).Find(ctx, f, options.Find().SetSort(k("updatedAt", 1, "_id", 1)).SetLimit(int64(limit)))
	return pairingsOf(ctx, cur, err, "changed pairings")
}
