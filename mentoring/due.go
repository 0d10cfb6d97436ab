package mentoring

import (
	"time"
)

// ParseDue reads a due date as a mentor gives it, in the programme's time zone loc:
//
//   - "2026-12-01": by the end of that day (23:59:59 local);
//   - "2026-12-01T17:00" or "2026-12-01T17:00:00": that local time (a time skipped by a DST
//     change moves forward, as time.Date does; a repeated one is the first);
//   - an RFC 3339 time with an offset: that instant.
//
// It returns the UTC instant and the local form to show back.
func ParseDue(s string, loc *time.Location) (time.Time, string, bool) {
	if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		at := time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc)
		return at.UTC(), s, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), t.Format("2006-01-02T15:04"), true
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), t.In(loc).Format("2006-01-02T15:04"), true
	}
	return time.Time{}, "", false
}

// DueState is how an assignment stands against its due time.
type DueState string

// The due states.
const (
	DueUpcoming      DueState = "upcoming"
	DueToday         DueState = "due_today"
	DueOverdue       DueState = "overdue"
	DueCompleted     DueState = "completed"
	DueCompletedLate DueState = "completed_late"
)

// dueState says how an assignment due at dueAt stands at now, "today" being the programme's
// local day.
func dueState(dueAt, now time.Time, loc *time.Location, completed bool, completedAt *time.Time) DueState {
	switch {
	case completed && completedAt != nil && completedAt.After(dueAt):
		return DueCompletedLate
	case completed:
		return DueCompleted
	case now.After(dueAt):
		return DueOverdue
	}
	y1, m1, d1 := now.In(loc).Date()
	y2, m2, d2 := dueAt.In(loc).Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return DueToday
	}
	return DueUpcoming
}
