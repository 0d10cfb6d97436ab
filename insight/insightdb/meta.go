package insightdb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/learning"
)

// The meta documents.
const (
	metaSweep   = "sweep"
	metaRebuild = "rebuild"
)

// slotsPerRead bounds the slots one due read asks for (a day of them).
const slotsPerRead = 144

// slotLen is the width of a due slot.
const slotLen = 10 * time.Minute

// watermarkLag is how far behind the last sweep the next one starts reading again: a touch
// computed before a sweep's moment but written after its read (a request in flight), or
// written by a process whose clock is behind by up to this much, still lands in a slot the
// next sweep reads. It costs a few more slots in one equality read.
const watermarkLag = time.Hour

// watermark is the first slot the next due read must look at: where the last sweep got to
// (less the lag) or, before a database's first sweep, the earliest due subject, however long
// ago (one scan, once: every subject due since then is still due).
func (s *Store) watermark(ctx context.Context, now time.Time) (time.Time, error) {
	var d struct {
		Slot string `bson:"slot"`
	}
	err := s.c(Meta).FindOne(ctx, k("_id", metaSweep)).Decode(&d)
	if err == nil {
		t, err := time.ParseInLocation(slotFormat, d.Slot, time.UTC)
		if err != nil {
			return time.Time{}, fmt.Errorf("the report sweep's position %q: %w", d.Slot, err)
		}
		return t, nil
	}
	if !mongodb.IsNotFound(err) {
		return time.Time{}, fmt.Errorf("read the report sweep's position: %w", err)
	}
	var first struct {
		DueAt time.Time `bson:"dueAt"`
	}
	err = s.c(Subjects).FindOne(ctx, k("dueAt", k("$gt", time.Unix(0, 0).UTC())), options.FindOne().SetSort(k("dueAt", 1)).SetProjection(k("dueAt", 1)).
		SetComment("scan: a database's first report sweep starts at its earliest due subject (once)")).Decode(&first)
	switch {
	case mongodb.IsNotFound(err):
		return now.UTC().Truncate(slotLen), nil
	case err != nil:
		return time.Time{}, fmt.Errorf("find the earliest due report subject: %w", err)
	}
	return first.DueAt.UTC().Truncate(slotLen), nil
}

// Due implements insight.Store: the slots from the watermark to now's, oldest first and
// slotsPerRead at a time (an equality on the indexed slot), the due time checked on what they
// hold. A gap of any length is read through (a server down for a month reads 30 days of
// slots, a read per day); through is now when everything due was returned, else the first
// slot of the read the limit cut short (everything before it was returned).
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]string, time.Time, error) {
	from, err := s.watermark(ctx, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	last := now.UTC().Truncate(slotLen)
	var out []string
	for start := from; !start.After(last); start = start.Add(slotsPerRead * slotLen) {
		var chunk []string
		for t := start; !t.After(last) && len(chunk) < slotsPerRead; t = t.Add(slotLen) {
			chunk = append(chunk, slot(t))
		}
		f := k("dueSlot", k("$in", chunk), "dueAt", k("$lte", now.UTC()))
		cur, err := s.c(Subjects).Find(ctx, f, options.Find().SetLimit(int64(limit-len(out))).SetProjection(k("_id", 1)))
		got, err := ids(ctx, cur, err, "read due report subjects")
		if err != nil {
			return nil, time.Time{}, err
		}
		out = append(out, got...)
		if len(out) >= limit {
			return out, start, nil
		}
	}
	return out, now.UTC(), nil
}

// Swept implements insight.Store: the watermark moves to through's slot, less the lag (only
// forward).
func (s *Store) Swept(ctx context.Context, through time.Time) error {
	_, err := s.c(Meta).UpdateOne(ctx, k("_id", metaSweep), k("$max", k("slot", slot(through.Add(-watermarkLag)))), options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("record the report sweep's position: %w", err)
	}
	return nil
}

type settingsDoc struct {
	ID                 string    `bson:"_id"`
	InactiveDays       int       `bson:"inactiveDays"`
	OverdueAssignments int       `bson:"overdueAssignments"`
	StreakLostDays     int       `bson:"streakLostDays"`
	MeetingGraceDays   int       `bson:"meetingGraceDays"`
	GoalGraceDays      int       `bson:"goalGraceDays"`
	CheckinGraceDays   int       `bson:"checkinGraceDays"`
	UpdatedAt          time.Time `bson:"updatedAt"`
	UpdatedBy          string    `bson:"updatedBy"`
}

// Settings implements insight.Store.
func (s *Store) Settings(ctx context.Context, programmeID string) (insight.Settings, bool, error) {
	var d settingsDoc
	err := s.c(Settings).FindOne(ctx, k("_id", programmeID)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return insight.Settings{}, false, nil
	}
	if err != nil {
		return insight.Settings{}, false, fmt.Errorf("read report settings: %w", err)
	}
	return insight.Settings{ProgrammeID: d.ID, InactiveDays: d.InactiveDays, OverdueAssignments: d.OverdueAssignments,
		StreakLostDays: d.StreakLostDays, MeetingGraceDays: d.MeetingGraceDays, GoalGraceDays: d.GoalGraceDays,
		CheckinGraceDays: d.CheckinGraceDays, UpdatedAt: d.UpdatedAt.UTC(), UpdatedBy: d.UpdatedBy}, true, nil
}

// PutSettings implements insight.Store.
func (s *Store) PutSettings(ctx context.Context, x insight.Settings) error {
	d := settingsDoc{ID: x.ProgrammeID, InactiveDays: x.InactiveDays, OverdueAssignments: x.OverdueAssignments,
		StreakLostDays: x.StreakLostDays, MeetingGraceDays: x.MeetingGraceDays, GoalGraceDays: x.GoalGraceDays,
		CheckinGraceDays: x.CheckinGraceDays, UpdatedAt: x.UpdatedAt.UTC(), UpdatedBy: x.UpdatedBy}
	_, err := s.c(Settings).ReplaceOne(ctx, k("_id", d.ID), d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save report settings: %w", err)
	}
	return nil
}

// Rebuild implements insight.Store.
func (s *Store) Rebuild(ctx context.Context) (insight.RebuildState, error) {
	var d struct {
		Rebuilding bool      `bson:"rebuilding"`
		StartedAt  time.Time `bson:"startedAt"`
		BeatAt     time.Time `bson:"beatAt"`
	}
	err := s.c(Meta).FindOne(ctx, k("_id", metaRebuild)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return insight.RebuildState{}, nil
	}
	if err != nil {
		return insight.RebuildState{}, fmt.Errorf("read the report rebuild state: %w", err)
	}
	return insight.RebuildState{Rebuilding: d.Rebuilding, StartedAt: d.StartedAt.UTC(), BeatAt: d.BeatAt.UTC()}, nil
}

// SetRebuild implements insight.Store.
func (s *Store) SetRebuild(ctx context.Context, r insight.RebuildState) error {
	_, err := s.c(Meta).UpdateOne(ctx, k("_id", metaRebuild), k("$set", k("rebuilding", r.Rebuilding, "startedAt", r.StartedAt.UTC(), "beatAt", r.BeatAt.UTC())),
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("record the report rebuild state: %w", err)
	}
	return nil
}

// heldDoc is an event that arrived during a rebuild. The event is kept as BSON of the
// learning kernel's type as it is: only this package writes and reads it back, briefly.
type heldDoc struct {
	ID    string `bson:"_id"`
	Event []byte `bson:"event"`
}

// Hold implements insight.Store.
func (s *Store) Hold(ctx context.Context, e learning.Event) error {
	b, err := bson.Marshal(e)
	if err != nil {
		return fmt.Errorf("hold a learning event: %w", err)
	}
	if _, err := s.c(Held).InsertOne(ctx, heldDoc{ID: e.ID, Event: b}); err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("hold a learning event: %w", err)
	}
	return nil
}

// Held implements insight.Store.
func (s *Store) Held(ctx context.Context, limit int) ([]learning.Event, error) {
	cur, err := s.c(Held).Find(ctx, bson.D{}, options.Find().SetLimit(int64(limit)).SetComment("scan: the events held during a rebuild, all taken"))
	if err != nil {
		return nil, fmt.Errorf("read held learning events: %w", err)
	}
	var docs []heldDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read held learning events: %w", err)
	}
	out := make([]learning.Event, 0, len(docs))
	for _, d := range docs {
		var e learning.Event
		if err := bson.Unmarshal(d.Event, &e); err != nil {
			return nil, fmt.Errorf("decode a held learning event %s: %w", d.ID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Release implements insight.Store.
func (s *Store) Release(ctx context.Context, ids []string) error {
	if _, err := s.c(Held).DeleteMany(ctx, k("_id", k("$in", ids))); err != nil {
		return fmt.Errorf("release held learning events: %w", err)
	}
	return nil
}
