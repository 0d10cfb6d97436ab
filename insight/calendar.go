package insight

import "time"

// Days and weeks are the programme's: a week starts on Monday in the programme's zone and is
// named by the date of that Monday ("2026-11-30"), as gamification names its weeks.

// Day returns the programme-local date of t.
func Day(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// Week returns the week of t: the date of its Monday in loc.
func Week(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	wd := (int(l.Weekday()) + 6) % 7
	y, m, d := l.Date()
	return time.Date(y, m, d-wd, 12, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// AddDays moves a date by n days.
func AddDays(date string, n int) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// DaysBetween counts the days from date a to date b (negative when b is earlier).
func DaysBetween(a, b string) int {
	ta, err1 := time.Parse(time.DateOnly, a)
	tb, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Round(24*time.Hour) / (24 * time.Hour))
}

// StartOfDay is the first instant of date in loc (midnight, or the first instant after a DST
// gap that skips midnight).
func StartOfDay(date string, loc *time.Location) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// Weeks lists n weeks ending with the week of t, oldest first.
func Weeks(t time.Time, loc *time.Location, n int) []string {
	last := Week(t, loc)
	out := make([]string, n)
	for i := 0; i < n; i++ {
		out[i] = AddDays(last, -7*(n-1-i))
	}
	return out
}
