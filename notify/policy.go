package notify

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// ParseClock parses "HH:MM" (00:00–23:59) into minutes after midnight.
func ParseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// At returns the instant of the local clock time minutes on the calendar day of day in loc.
// A time that does not exist on that day (skipped by a DST change) moves forward by the
// size of the gap, as time.Date does.
func At(day time.Time, minutes int, loc *time.Location) time.Time {
	y, m, d := day.In(loc).Date()
	return time.Date(y, m, d, minutes/60, minutes%60, 0, 0, loc)
}

// LocalDay returns the calendar day of t in loc as "YYYY-MM-DD".
func LocalDay(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// startOfNextDay returns local midnight after t in loc.
func startOfNextDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// QuietUntil reports whether t falls in the quiet hours q in loc and, if so, when they end.
// Start == End, or an unparsable span, means no quiet hours.
func QuietUntil(q *QuietHours, t time.Time, loc *time.Location) (time.Time, bool) {
	if q == nil {
		return time.Time{}, false
	}
	start, ok1 := ParseClock(q.Start)
	end, ok2 := ParseClock(q.End)
	if !ok1 || !ok2 || start == end {
		return time.Time{}, false
	}
	lt := t.In(loc)
	now := lt.Hour()*60 + lt.Minute()
	switch {
	case start < end && now >= start && now < end:
		return At(lt, end, loc), true
	case start > end && now >= start: // after the evening start: ends tomorrow morning
		y, m, d := lt.Date()
		return time.Date(y, m, d+1, end/60, end%60, 0, 0, loc), true
	case start > end && now < end: // early morning, before the end
		return At(lt, end, loc), true
	}
	return time.Time{}, false
}

// Retry is the back-off policy for messages FCM may accept later.
type Retry struct {
	Base, Max   time.Duration
	MaxAttempts int
	// Jitter returns a number in [0, 1); nil uses math/rand.
	Jitter func() float64
}

// Delay returns how long to wait after the attempt-th failure (1-based): exponential from
// Base, capped at Max, with "equal jitter" (between half and all of it), and never less than
// the server's Retry-After.
func (r Retry) Delay(attempt int, retryAfter time.Duration) time.Duration {
	d := r.Base
	for i := 1; i < attempt && d < r.Max; i++ {
		d *= 2
	}
	if d > r.Max {
		d = r.Max
	}
	j := r.Jitter
	if j == nil {
		j = rand.Float64
	}
	d = d/2 + time.Duration(j()*float64(d/2))
	if retryAfter > d {
		d = retryAfter
	}
	return d
}
