package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The scheduler's index of who is due when (issue 20: it used to walk every user every
// round). Each person has one Due per daily moment: each learning slot ("slot:07:30") and the
// streak-at-risk time ("streak"). A Due holds the next instant of its moment and the
// 10-minute bucket of that instant, so a round reads the buckets of its window (an indexed
// equality) and touches only the people due in it. Planning a moment moves it to the next
// local day; a profile change re-tracks the person (Scheduler.Track).

// Due is one daily moment of one person and when it next falls.
type Due struct {
	ID     string // UserID + ":" + Moment
	UserID string
	Moment string
	Next   time.Time
	Bucket string
}

// DueBucketWidth is the granularity of the due index.
const DueBucketWidth = 10 * time.Minute

// DueBucket is the bucket of an instant ("2006-01-02T15:04" of its UTC 10-minute start).
func DueBucket(t time.Time) string {
	return t.UTC().Truncate(DueBucketWidth).Format("2006-01-02T15:04")
}

const (
	momentSlot   = "slot:"
	momentStreak = "streak"
)

// moments are the daily moments of r under the scheduler's configuration, with their local
// minute of the day.
func (s *Scheduler) moments(r Recipient) map[string]int {
	out := map[string]int{}
	if s.Goals == nil {
		return out
	}
	for _, slot := range r.LearningSlots {
		if m, ok := ParseClock(slot); ok {
			out[momentSlot+slot] = m
		}
	}
	if m, ok := ParseClock(s.Cfg.StreakRiskAt); ok {
		out[momentStreak] = m
	}
	return out
}

// firstAtOrAfter is the first instant at minute m of a local day in loc that is not before t.
func firstAtOrAfter(t time.Time, m int, loc *time.Location) time.Time {
	at := At(t, m, loc)
	if at.Before(t) {
		at = At(startOfNextDay(t, loc), m, loc)
	}
	return at
}

func newDue(userID, moment string, next time.Time) Due {
	return Due{ID: userID + ":" + moment, UserID: userID, Moment: moment, Next: next.UTC(), Bucket: DueBucket(next)}
}

// Track brings userID's moments in the due index up to date with their profile: new slots
// are added, removed ones dropped, and each moment falls next at its first instant from now.
// Identity's profile changes (and registrations) call it through app/.
func (s *Scheduler) Track(ctx context.Context, userID string) error {
	r, err := s.Recipients.Recipient(ctx, userID)
	if err != nil {
		return fmt.Errorf("track %s: %w", userID, err)
	}
	return s.track(ctx, []Recipient{r}, true)
}

// track writes the moments of rs from now; with prune it first reads what they had and drops
// moments they no longer have.
func (s *Scheduler) track(ctx context.Context, rs []Recipient, prune bool) error {
	now := s.Now().UTC()
	var put []Due
	var drop []string
	for _, r := range rs {
		loc := r.Location()
		ms := s.moments(r)
		for moment, m := range ms {
			put = append(put, newDue(r.UserID, moment, firstAtOrAfter(now, m, loc)))
		}
		if !prune {
			continue
		}
		had, err := s.Service.Store.DueOf(ctx, r.UserID)
		if err != nil {
			return fmt.Errorf("track %s: %w", r.UserID, err)
		}
		for _, d := range had {
			if _, ok := ms[d.Moment]; !ok {
				drop = append(drop, d.ID)
			}
		}
	}
	if err := s.Service.Store.DeleteDue(ctx, drop); err != nil {
		return fmt.Errorf("track: %w", err)
	}
	if err := s.Service.Store.PutDue(ctx, put); err != nil {
		return fmt.Errorf("track: %w", err)
	}
	return nil
}

// Backfill tracks everyone (pages of the Recipients): the due index is built once, when the
// scheduler first runs on a database without one, or runs again after a week without rounds.
func (s *Scheduler) Backfill(ctx context.Context) (int, error) {
	n, after := 0, ""
	for {
		page, err := s.Recipients.Everyone(ctx, after, pageSize)
		if err != nil {
			return n, fmt.Errorf("recipients: %w", err)
		}
		if err := s.track(ctx, page, true); err != nil {
			return n, err
		}
		n += len(page)
		if len(page) < pageSize {
			return n, nil
		}
		after = page[len(page)-1].UserID
	}
}

// planDue plans the moments due in [now, end): the buckets from the last round (or from one
// interval ago) to end are read, each moment due in the window is planned, and every moment
// read moves on (to its next local day once planned, to its first instant from now when a
// round missed it). A moment whose person could not be planned stays, to be tried again.
func (s *Scheduler) planDue(ctx context.Context, since, now, end time.Time) (failed int, firstErr error, err error) {
	var buckets []string
	for b := since.UTC().Truncate(DueBucketWidth); !b.After(end); b = b.Add(DueBucketWidth) {
		buckets = append(buckets, DueBucket(b))
	}
	var due []Due
	for len(buckets) > 0 {
		chunk := buckets[:min(len(buckets), 500)]
		buckets = buckets[len(chunk):]
		ds, err := s.Service.Store.DueIn(ctx, chunk)
		if err != nil {
			return 0, nil, fmt.Errorf("due index: %w", err)
		}
		due = append(due, ds...)
	}
	if len(due) == 0 {
		return 0, nil, nil
	}
	var ids []string
	for _, d := range due {
		if !slices.Contains(ids, d.UserID) {
			ids = append(ids, d.UserID)
		}
	}
	people, err := s.Recipients.RecipientsOf(ctx, ids)
	if err != nil {
		return 0, nil, fmt.Errorf("recipients: %w", err)
	}
	days := map[string]DayStatus{}
	var moved []Due
	var gone []string
	for _, d := range due {
		r, ok := people[d.UserID]
		m, chosen := s.moments(r)[d.Moment]
		if !ok || !chosen {
			gone = append(gone, d.ID) // the person, or the slot, is gone
			continue
		}
		loc := r.Location()
		at := d.Next
		if at.Before(now) {
			at = firstAtOrAfter(now, m, loc)
		}
		if at.Before(end) {
			if err := s.planMoment(ctx, r, d.Moment, at, days); err != nil {
				if ctx.Err() != nil {
					return failed, firstErr, err
				}
				failed++
				if firstErr == nil {
					firstErr = fmt.Errorf("user %s: %w", r.UserID, err)
				}
				continue
			}
			at = At(startOfNextDay(at, loc), m, loc)
		}
		if !at.Equal(d.Next) {
			moved = append(moved, newDue(d.UserID, d.Moment, at))
		}
	}
	if err := s.Service.Store.DeleteDue(ctx, gone); err != nil {
		return failed, firstErr, fmt.Errorf("due index: %w", err)
	}
	if err := s.Service.Store.PutDue(ctx, moved); err != nil {
		return failed, firstErr, fmt.Errorf("due index: %w", err)
	}
	return failed, firstErr, nil
}

// planMoment enqueues the notification of one moment at `at`, unless the day's goal is met
// (or, for streak at risk, there is no streak). days caches each person's day status.
func (s *Scheduler) planMoment(ctx context.Context, r Recipient, moment string, at time.Time, days map[string]DayStatus) error {
	localDay := LocalDay(at, r.Location())
	slot, isSlot := strings.CutPrefix(moment, momentSlot)
	// The day's first slot asks for the due reviews instead, when there are any: one nudge,
	// not two at the same moment.
	if isSlot && firstSlot(r) == slot {
		if planned, err := s.planReviews(ctx, r, localDay, at); err != nil || planned {
			return err
		}
	}
	k := r.UserID + "/" + localDay
	ds, ok := days[k]
	if !ok {
		var err error
		if ds, err = s.Goals.DayStatus(ctx, r.UserID, localDay); err != nil {
			return fmt.Errorf("goals: %w", err)
		}
		days[k] = ds
	}
	if ds.GoalMet {
		return nil
	}
	if isSlot {
		return s.Service.Enqueue(ctx, Notification{DedupKey: key(KindDailyReminder, r.UserID, localDay, slot),
			UserID: r.UserID, Kind: KindDailyReminder, NotBefore: at, ExpiresAt: at.Add(specs[KindDailyReminder].TTL)})
	}
	if ds.Streak == 0 {
		return nil
	}
	return s.Service.Enqueue(ctx, Notification{DedupKey: key(KindStreakAtRisk, r.UserID, localDay),
		UserID: r.UserID, Kind: KindStreakAtRisk, NotBefore: at, ExpiresAt: startOfNextDay(at, r.Location()),
		Vars: map[string]string{"streak": fmt.Sprint(ds.Streak)}})
}

// firstSlot is the person's first valid learning slot ("" when none).
func firstSlot(r Recipient) string {
	for _, slot := range r.LearningSlots {
		if _, ok := ParseClock(slot); ok {
			return slot
		}
	}
	return ""
}
