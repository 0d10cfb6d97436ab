package mentoringdb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/mentoring"
)

// Only live flash pairings carry flashDue (their time box's end), so on MongoDB the flashDue
// index holds just them; but a range on it is never pushed down by the embedded engine, which
// decoded every pairing each minute to find the few due. They also carry flashLive (true,
// written and removed with flashDue), an equality the engine searches: a round reads the live
// flash pairings only. Pairings written before the field existed get it once.

// flashMarker is the _id, in the meta collection, of the mark that flashLive was backfilled.
const flashMarker = "backfill:mentoring_pairings.flashLive"

// DueFlashPairings implements mentoring.Store: the live flash pairings (an equality on the
// indexed flashLive) whose time box ended by now, soonest first.
func (s *Store) DueFlashPairings(ctx context.Context, now time.Time, limit int) ([]mentoring.Pairing, error) {
	if err := s.backfillFlash(ctx); err != nil {
		return nil, err
	}
	cur, err := s.c(Pairings).Find(ctx, k("flashLive", true, "flashDue", k("$lte", now)), options.Find().SetSort(k("flashDue", 1)).SetLimit(int64(limit)))
	return pairingsOf(ctx, cur, err, "list due flash pairings")
}

// backfillFlash gives flashLive to the live flash pairings written before it, once per
// database (a marker says it is done).
func (s *Store) backfillFlash(ctx context.Context) error {
	if s.flashBackfilled.Load() {
		return nil
	}
	err := mongodb.OnceMarked(ctx, s.db, flashMarker, func() error {
		_, err := s.c(Pairings).UpdateMany(ctx, k("flashDue", k("$exists", true), "flashLive", k("$exists", false)), k("$set", k("flashLive", true)),
			options.UpdateMany().SetComment("scan: once per database, flashLive for live flash pairings written before it"))
		if err != nil {
			return fmt.Errorf("flash pairings: backfill: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.flashBackfilled.Store(true)
	return nil
}
