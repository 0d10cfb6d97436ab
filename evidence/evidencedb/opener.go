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

// The opener's read (issue 20). {state: "scheduled", opensAt: {$lte: now}} sorted on opensAt
// is a range and a sort, which the embedded engine never pushes down, and its state equality
// matches nearly every check-in: each round decoded and sorted every check-in in Go while
// holding the engine's one connection (2-4 s at 1,000 mentees). Instead every check-in
// carries opensHour, the hour bucket (mongodb.HourOf) of the time it becomes the opener's
// business: max(opensAt, the time it was written), so a check-in written or rescheduled with
// an opening time already past lands in the hour of the write, which the opener reads. The
// opener reads {opensHour: {$in: [the hours from its mark to now]}, state: "scheduled",
// opensAt: {$lte: now}}: an index search of (opensHour, state), whose cost follows what is
// due. On MongoDB it matches what the range matched: opensHour >= HourOf(opensAt), and every
// scheduled check-in in an hour before the mark's was opened before the mark moved past it.
//
// The read has a limit and no sort: a round opens everything due anyway (page after page),
// and without a sort the embedded engine streams the matches and stops at the limit, where a
// sort made it decode and sort the whole backlog for every page of 200 (a bulk import's
// thousands of baseline check-ins due at once cost the backlog squared over 200 decodes:
// 2-9 s a page at 10,000 mentees; BenchmarkDueToOpenBacklog).

// openerMarkID is the opener's mark in Meta: through is the last hour that holds nothing
// scheduled and due.
const openerMarkID = "opener-mark"

// openerLookback is how far behind its mark the opener reads again, so that a write in flight
// when the mark moved (or stamped by a process whose clock lags) is still found.
const openerLookback = 48 * time.Hour

// maxHoursIn is the most values one $in holds: the embedded engine pushes an $in of at most
// 1,000 values down to its index (third_party/ferretdb/PATCHES.md).
const maxHoursIn = 1000

// opensHour is the opener's bucket of a check-in opening at opensAt written at written.
func opensHour(opensAt, written time.Time) string {
	if written.After(opensAt) {
		return mongodb.HourOf(written)
	}
	return mongodb.HourOf(opensAt)
}

type openerMark struct {
	ID      string `bson:"_id"`
	Through string `bson:"through"`
}

// DueToOpen implements evidence.Store: the scheduled check-ins due by now in the hours from
// the opener's mark to now, soonest first. When a read finds nothing due, every hour before
// now's is empty of due check-ins and the mark moves to the hour before now's; a check-in the
// caller fails to open stays scheduled and holds the mark back, so nothing is skipped across
// restarts.
func (s *Store) DueToOpen(ctx context.Context, now time.Time, limit int) ([]evidence.CheckIn, error) {
	now = now.UTC()
	through, err := s.openerMark(ctx, now)
	if err != nil {
		return nil, err
	}
	last := now.Truncate(time.Hour)
	var hours []string
	for h := through.Add(time.Hour - openerLookback); !h.After(last); h = h.Add(time.Hour) {
		hours = append(hours, mongodb.HourOf(h))
	}
	var out []evidence.CheckIn
	for i := 0; i < len(hours) && len(out) < limit; i += maxHoursIn {
		cur, err := s.c(Checkins).Find(ctx, k("opensHour", k("$in", hours[i:min(len(hours), i+maxHoursIn)]),
			"state", string(evidence.StateScheduled), "opensAt", k("$lte", now)),
			options.Find().SetLimit(int64(limit-len(out))))
		docs, err := all[checkinDoc](ctx, cur, err, "check-ins due")
		if err != nil {
			return nil, err
		}
		out = append(out, checkinsOf(docs)...)
	}
	if done := last.Add(-time.Hour); len(out) == 0 && done.After(through) {
		// Moved only from the value read: a lower mark written meanwhile is kept.
		_, err := s.c(Meta).UpdateOne(ctx, k("_id", openerMarkID, "through", mongodb.HourOf(through)),
			k("$set", k("through", mongodb.HourOf(done))))
		if err != nil {
			return nil, fmt.Errorf("check-ins due: move the mark: %w", err)
		}
	}
	return out, nil
}

// openerMark returns the opener's mark, making it (after the backfill) if there is none.
func (s *Store) openerMark(ctx context.Context, now time.Time) (time.Time, error) {
	var m openerMark
	err := s.c(Meta).FindOne(ctx, k("_id", openerMarkID)).Decode(&m)
	if err == nil {
		t, perr := time.Parse(mongodb.HourFormat, m.Through)
		if perr != nil {
			return time.Time{}, fmt.Errorf("check-ins due: bad mark %q", m.Through)
		}
		return t, nil
	}
	if !mongodb.IsNotFound(err) {
		return time.Time{}, fmt.Errorf("check-ins due: read the mark: %w", err)
	}
	if err := s.backfillOpensHour(ctx, now); err != nil {
		return time.Time{}, err
	}
	// $min: of two processes making the mark at once, the lower one wins.
	_, err = s.c(Meta).UpdateOne(ctx, k("_id", openerMarkID),
		k("$min", k("through", mongodb.HourOf(now.Truncate(time.Hour).Add(-time.Hour)))), options.UpdateOne().SetUpsert(true))
	if err != nil {
		return time.Time{}, fmt.Errorf("check-ins due: make the mark: %w", err)
	}
	return s.openerMark(ctx, now)
}

// backfillOpensHour writes the bucket of the scheduled check-ins written before it existed,
// counting them as written now (so the first read, which starts at now's hour, finds those
// already due). It reads the scheduled check-ins once, when the opener finds no mark.
func (s *Store) backfillOpensHour(ctx context.Context, now time.Time) error {
	cur, err := s.c(Checkins).Find(ctx, k("state", string(evidence.StateScheduled)),
		options.Find().SetProjection(k("_id", 1, "opensAt", 1, "opensHour", 1)).
			SetComment("scan: the opener's one-time start (the bucket opensHour of check-ins written before it existed)"))
	if err != nil {
		return fmt.Errorf("check-ins due: backfill: %w", err)
	}
	var docs []bson.Raw
	if err := cur.All(ctx, &docs); err != nil {
		return fmt.Errorf("check-ins due: backfill: %w", err)
	}
	byHour := map[string]bson.A{}
	for _, d := range docs {
		if _, err := d.LookupErr("opensHour"); err == nil {
			continue
		}
		ms, ok := d.Lookup("opensAt").DateTimeOK()
		if !ok {
			continue
		}
		h := opensHour(time.UnixMilli(ms), now)
		byHour[h] = append(byHour[h], d.Lookup("_id"))
	}
	for h, ids := range byHour {
		for i := 0; i < len(ids); i += 500 {
			_, err := s.c(Checkins).UpdateMany(ctx, k("_id", k("$in", ids[i:min(len(ids), i+500)]), "opensHour", nil),
				k("$set", k("opensHour", h)))
			if err != nil {
				return fmt.Errorf("check-ins due: backfill %s: %w", h, err)
			}
		}
	}
	return nil
}
