package insight

import (
	"context"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Settings are a programme's thresholds for the at-risk list; owners edit them.
type Settings struct {
	ProgrammeID string
	// InactiveDays: a mentee with no learning activity for this many days is at risk.
	InactiveDays int
	// OverdueAssignments: a mentee with at least this many overdue assignments is at risk.
	OverdueAssignments int
	// StreakLostDays: a mentee who lost a streak at least this long is at risk (until they
	// learn again).
	StreakLostDays int
	// MeetingGraceDays: a pairing whose agreed cadence wanted a meeting this many days ago
	// and none is held or planned is at risk.
	MeetingGraceDays int
	// GoalGraceDays: an open goal this many days past its target date puts its pairing at
	// risk.
	GoalGraceDays int
	// CheckinGraceDays: a check-in unanswered this many days after it was due puts its
	// pairing at risk.
	CheckinGraceDays int
	UpdatedAt        time.Time
	UpdatedBy        string
}

// DefaultSettings are the thresholds of a programme whose owners set none.
func DefaultSettings(programmeID string) Settings {
	return Settings{ProgrammeID: programmeID, InactiveDays: 7, OverdueAssignments: 1, StreakLostDays: 7,
		MeetingGraceDays: 7, GoalGraceDays: 0, CheckinGraceDays: 7}
}

// Validate checks every threshold, naming each one out of range.
func (s Settings) Validate() error {
	var f apperr.Fields
	check := func(ptr string, v, lo, hi int) {
		f.Check(v >= lo && v <= hi, ptr, fmt.Sprintf("must be %d to %d", lo, hi))
	}
	check("/inactiveDays", s.InactiveDays, 1, 365)
	check("/overdueAssignments", s.OverdueAssignments, 1, 100)
	check("/streakLostDays", s.StreakLostDays, 2, 365)
	check("/meetingGraceDays", s.MeetingGraceDays, 0, 90)
	check("/goalGraceDays", s.GoalGraceDays, 0, 90)
	check("/checkinGraceDays", s.CheckinGraceDays, 0, 90)
	return f.Err()
}

// settingsTTL is how long evaluations reuse a programme's thresholds; a change through this
// Service is seen at once, and re-evaluates the programme's subjects.
const settingsTTL = time.Minute

// Settings returns a programme's thresholds (the defaults when none are saved).
func (s *Service) Settings(ctx context.Context, programmeID string) (Settings, error) {
	set, ok, err := s.Store.Settings(ctx, programmeID)
	if err != nil {
		return Settings{}, err
	}
	if !ok {
		return DefaultSettings(programmeID), nil
	}
	return set, nil
}

func (s *Service) cachedSettings(ctx context.Context, programmeID string) (Settings, error) {
	return s.settings.get(ctx, programmeID, s.now, settingsTTL, func(ctx context.Context) (Settings, error) {
		return s.Settings(ctx, programmeID)
	})
}

// PutSettings saves a programme's thresholds and has every subject of the programme
// evaluated again with them (within a few sweeper rounds; a large programme takes longer).
func (s *Service) PutSettings(ctx context.Context, set Settings, by string) (Settings, error) {
	if err := set.Validate(); err != nil {
		return Settings{}, err
	}
	set.UpdatedAt, set.UpdatedBy = s.now(), by
	if err := s.Store.PutSettings(ctx, set); err != nil {
		return Settings{}, err
	}
	s.settings.forget(set.ProgrammeID)
	if err := s.touchProgramme(ctx, set.ProgrammeID); err != nil {
		return Settings{}, err
	}
	return set, nil
}

// touchProgramme marks every subject of a programme due now: one read of their IDs, then a
// touch per touchBatch.
func (s *Service) touchProgramme(ctx context.Context, programmeID string) error {
	ids, err := s.Store.ProgrammeSubjects(ctx, programmeID)
	if err != nil {
		return err
	}
	for start := 0; start < len(ids); start += touchBatch {
		if err := s.Store.Touch(ctx, ids[start:min(start+touchBatch, len(ids))], programmeID, s.now()); err != nil {
			return err
		}
	}
	return nil
}

// touchBatch is how many subjects one Touch marks.
const touchBatch = 500
