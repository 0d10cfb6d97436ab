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

// slotsPerRead bounds the slots one due read asks for.
const slotsPerRead = 144

// firstSweepBack is how far back the first sweep of a database looks.
const firstSweepBack = 24 * time.Hour

// watermark is the first slot the next due read must look at.
func (s *Store) watermark(ctx context.Context, now time.Time) (string, error) {
	var d struct {
		Slot string `bson:"slot"`
	}
	err := s.c(Meta).FindOne(ctx, k("_id", metaSweep)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return slot(now.Add(-firstSweepBack)), nil
	}
	if err != nil {
		return "", fmt.Errorf("read the report sweep's position: %w", err)
	}
	return d.Slot, nil
}

// Due implements insight.Store: the slots from the watermark to now, an equality on the
// indexed slot (at most slotsPerRead at a time), and the due time checked on what they hold.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]string, bool, error) {
	from, err := s.watermark(ctx, now)
	if err != nil {
		return nil, false, err
	}
	var slots []string
	for t := now.UTC().Truncate(10 * time.Minute); slot(t) >= from && len(slots) < 10000; t = t.Add(-10 * time.Minute) {
		slots = append(slots, slot(t))
	}
	var out []string
	for start := len(slots); start > 0 && len(out) < limit; start -= slotsPerRead {
		chunk := slots[max(0, start-slotsPerRead):start] // oldest first
		f := k("dueSlot", k("$in", chunk), "dueAt", k("$lte", now.UTC()))
		cur, err := s.c(Subjects).Find(ctx, f, options.Find().SetLimit(int64(limit-len(out))).SetProjection(k("_id", 1)))
		got, err := ids(ctx, cur, err, "read due report subjects")
		if err != nil {
			return nil, false, err
		}
		out = append(out, got...)
	}
	return out, len(out) < limit, nil
}

// Swept implements insight.Store: the watermark moves to now's slot (only forward).
func (s *Store) Swept(ctx context.Context, now time.Time) error {
	_, err := s.c(Meta).UpdateOne(ctx, k("_id", metaSweep), k("$max", k("slot", slot(now))), options.UpdateOne().SetUpsert(true))
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
	}
	err := s.c(Meta).FindOne(ctx, k("_id", metaRebuild)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return insight.RebuildState{}, nil
	}
	if err != nil {
		return insight.RebuildState{}, fmt.Errorf("read the report rebuild state: %w", err)
	}
	return insight.RebuildState{Rebuilding: d.Rebuilding, StartedAt: d.StartedAt.UTC()}, nil
}

// SetRebuild implements insight.Store.
func (s *Store) SetRebuild(ctx context.Context, r insight.RebuildState) error {
	_, err := s.c(Meta).UpdateOne(ctx, k("_id", metaRebuild), k("$set", k("rebuilding", r.Rebuilding, "startedAt", r.StartedAt.UTC())),
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
