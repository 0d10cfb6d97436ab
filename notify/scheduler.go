package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// SchedulerConfig tunes the scheduler.
type SchedulerConfig struct {
	// Interval between planning rounds; each round plans what falls due within Horizon
	// (at least two intervals, so that a late round misses nothing: dedup keys make the
	// overlap harmless).
	Interval time.Duration
	Horizon  time.Duration
	// StreakRiskAt is the local time ("HH:MM") of the streak-at-risk nudge.
	StreakRiskAt string
	// DueReminderAt is the local time ("HH:MM"), on the day before, of "due tomorrow".
	DueReminderAt string
	// MeetingDueAt is the local time ("HH:MM") of the "meeting due" nudge (empty:
	// DefaultMeetingDueAt).
	MeetingDueAt string
}

// Scheduler plans the nudges nobody produces as an event: daily learning reminders at the
// person's chosen slots, streak at risk, assignment due tomorrow and overdue. It enqueues
// them ahead of time with NotBefore; the sender checks the rules again when they fall due.
type Scheduler struct {
	Service    *Service
	Recipients Recipients
	// Goals and Assignments may be nil: the kinds that need them are then not planned.
	Goals       Goals
	Assignments Assignments
	// Reviews may be nil: "reviews due" nudges are then not planned.
	Reviews Reviews
	Now     func() time.Time
	Log     *slog.Logger
	Cfg     SchedulerConfig
	// Meetings, optional, gives the planned meetings to remind of.
	Meetings Meetings
	// Cadences, optional, gives the pairings due for a meeting (the "meeting due" nudge).
	Cadences Cadences
}

// Run plans every Interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	if s.Goals == nil {
		s.Log.Warn("notification scheduler: no Goals source wired, so daily reminders and streak-at-risk nudges are not planned")
	}
	if s.Assignments == nil {
		s.Log.Warn("notification scheduler: no Assignments source wired, so due-tomorrow and overdue nudges are not planned")
	}
	for {
		if err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("notification scheduler round failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.Cfg.Interval):
		}
	}
}

const pageSize = 200

// RunOnce plans the nudges that fall due between now and now+Horizon: reminders, reviews due
// and streak-at-risk from the due index (due.go), assignments from mentoring. The first round
// on a database without a due index, or after a week without rounds, builds it from everyone.
func (s *Scheduler) RunOnce(ctx context.Context) error {
	now := s.Now().UTC()
	end := now.Add(s.Cfg.Horizon)
	var failed int
	var firstErr error
	if s.Goals != nil {
		last, err := s.Service.Store.DueRound(ctx)
		if err != nil {
			return fmt.Errorf("due index: %w", err)
		}
		since := now.Add(-s.Cfg.Interval)
		switch {
		case last.IsZero() || now.Sub(last) > 7*24*time.Hour:
			n, err := s.Backfill(ctx)
			if err != nil {
				return err
			}
			s.Log.Info("notification scheduler: due index built", "people", n)
		case last.Before(since):
			since = last // a late round misses nothing
		}
		if failed, firstErr, err = s.planDue(ctx, since, now, end); err != nil {
			return err
		}
		if err := s.Service.Store.SetDueRound(ctx, now); err != nil {
			return fmt.Errorf("due index: %w", err)
		}
	}
	if s.Assignments != nil {
		if err := s.planAssignments(ctx, now, end); err != nil {
			return err
		}
	}
	if s.Meetings != nil {
		if err := s.planMeetings(ctx, now, end); err != nil {
			return err
		}
	}
	if s.Cadences != nil {
		if err := s.planMeetingsDue(ctx, now, end); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d people could not be planned, first %w", failed, firstErr)
	}
	return nil
}

// planReviews enqueues the "reviews due" nudge of a local day at the person's first learning
// slot when review cards will be due by then; it reports whether it did.
func (s *Scheduler) planReviews(ctx context.Context, r Recipient, localDay string, at time.Time) (bool, error) {
	if s.Reviews == nil {
		return false, nil
	}
	n, err := s.Reviews.DueCount(ctx, r.UserID, at)
	if err != nil {
		return false, fmt.Errorf("reviews: %w", err)
	}
	if n == 0 {
		return false, nil
	}
	return true, s.Service.Enqueue(ctx, Notification{DedupKey: key(KindReviewsDue, r.UserID, localDay), UserID: r.UserID,
		Kind: KindReviewsDue, NotBefore: at, ExpiresAt: at.Add(specs[KindReviewsDue].TTL), Vars: map[string]string{"count": fmt.Sprint(n)}})
}

// planAssignments enqueues "due tomorrow" on the day before the due day (in the mentee's
// time zone) at DueReminderAt, and "overdue" once for each open assignment past its due
// time in the last week.
func (s *Scheduler) planAssignments(ctx context.Context, now, end time.Time) error {
	people := map[string]Recipient{}
	person := func(id string) (Recipient, bool, error) {
		if r, ok := people[id]; ok {
			return r, true, nil
		}
		r, err := s.Recipients.Recipient(ctx, id)
		if apperr.KindOf(err) == apperr.KindNotFound {
			return r, false, nil
		}
		if err != nil {
			return r, false, fmt.Errorf("recipient: %w", err)
		}
		people[id] = r
		return r, true, nil
	}
	remindAt, ok := ParseClock(s.Cfg.DueReminderAt)
	if !ok {
		remindAt = 18 * 60
	}
	soon, err := s.Assignments.OpenDueBetween(ctx, now, now.Add(48*time.Hour))
	if err != nil {
		return fmt.Errorf("assignments due soon: %w", err)
	}
	for _, a := range soon {
		r, ok, err := person(a.MenteeID)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		loc := r.Location()
		dueDayStart := At(a.DueAt, 0, loc)
		if !now.Before(dueDayStart) {
			continue // due today already: "due tomorrow" would be wrong
		}
		at := At(dueDayStart.Add(-12*time.Hour), remindAt, loc) // remindAt on the day before
		if !at.Before(end) {
			continue
		}
		if err := s.Service.Enqueue(ctx, Notification{DedupKey: key(KindAssignmentDueTomorrow, a.ID, LocalDay(a.DueAt, loc)),
			UserID: a.MenteeID, Kind: KindAssignmentDueTomorrow, ProgrammeID: a.ProgrammeID, NotBefore: at, ExpiresAt: dueDayStart,
			Refs: map[string]string{"programmeId": a.ProgrammeID, "assignmentId": a.ID}, Vars: map[string]string{"title": a.Title}}); err != nil {
			return err
		}
	}
	late, err := s.Assignments.OpenDueBetween(ctx, now.Add(-7*24*time.Hour), now)
	if err != nil {
		return fmt.Errorf("assignments overdue: %w", err)
	}
	for _, a := range late {
		if _, ok, err := person(a.MenteeID); err != nil {
			return err
		} else if !ok {
			continue
		}
		if err := s.Service.Enqueue(ctx, Notification{DedupKey: key(KindAssignmentOverdue, a.ID, a.DueAt.UTC().Format(time.RFC3339)),
			UserID: a.MenteeID, Kind: KindAssignmentOverdue, ProgrammeID: a.ProgrammeID,
			Refs: map[string]string{"programmeId": a.ProgrammeID, "assignmentId": a.ID}, Vars: map[string]string{"title": a.Title}}); err != nil {
			return err
		}
	}
	return nil
}

// Janitor prunes what nobody needs any more: devices not seen for DeviceMaxAge and inbox
// entries older than InboxRetention.
type Janitor struct {
	Store          Store
	Now            func() time.Time
	Log            *slog.Logger
	DeviceMaxAge   time.Duration
	InboxRetention time.Duration
}

// RunOnce prunes once.
func (j *Janitor) RunOnce(ctx context.Context) error {
	now := j.Now().UTC()
	n, err := j.Store.PruneDevices(ctx, now.Add(-j.DeviceMaxAge))
	if err != nil {
		return fmt.Errorf("prune devices: %w", err)
	}
	m, err := j.Store.PruneInbox(ctx, now.Add(-j.InboxRetention))
	if err != nil {
		return fmt.Errorf("prune inbox: %w", err)
	}
	if n+m > 0 {
		j.Log.Info("notification janitor pruned", "devices", n, "inboxEntries", m)
	}
	return nil
}

// Run prunes every interval until ctx ends.
func (j *Janitor) Run(ctx context.Context, interval time.Duration) {
	for {
		if err := j.RunOnce(ctx); err != nil && ctx.Err() == nil {
			j.Log.Error("notification janitor failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
