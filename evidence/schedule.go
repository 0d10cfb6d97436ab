package evidence

import (
	"time"
)

// The schedule: when each person's check-ins fall. Offsets are calendar months in the
// person's own zone, counted from the local date the pairing started; a check-in opens at the
// plan's OpenAt on that date there, so a 3-month check-in that crosses a DST change still
// opens at 09:00 local. Months that lack the day (31 January + 1 month) fall on their last
// day rather than spilling into the next month.

// addMonths returns the civil date n months after (y, m, d), clamped to the month's end.
func addMonths(y int, m time.Month, d, n int) (int, time.Month, int) {
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.Year(), first.Month(), min(d, last)
}

// endDate is when the pairing ends, for the occasion at the end: the day it was ended, or
// the agreed end date; ok is false while it has neither.
func endDate(p Pairing, loc *time.Location) (opens time.Time, dueOn string, ok bool) {
	if p.EndedAt != nil {
		return p.EndedAt.UTC(), p.EndedAt.In(loc).Format(time.DateOnly), true
	}
	if p.EndsOn == "" {
		return time.Time{}, "", false
	}
	d, err := time.ParseInLocation(time.DateOnly, p.EndsOn, loc)
	if err != nil {
		return time.Time{}, "", false
	}
	return d, p.EndsOn, true
}

// schedule returns the check-ins plan asks of userID (on side) in p, in loc. Occasions that
// fall after the pairing's end are left out (the end has its own occasion), and once the
// pairing has ended only what opened before the end, and the end itself, remain.
func schedule(plan Plan, p Pairing, userID, side string, loc *time.Location, now time.Time) []CheckIn {
	if !p.Started() {
		return nil
	}
	openMin, _ := parseClock(plan.OpenAt)
	start := p.ActivatedAt.In(loc)
	end, endOn, hasEnd := endDate(p, loc)
	window := time.Duration(plan.WindowDays) * 24 * time.Hour
	var out []CheckIn
	for _, o := range plan.Occasions {
		c := CheckIn{ID: CheckinID(p.ID, o.Key, userID), ProgrammeID: p.ProgrammeID, PairingID: p.ID, Occasion: o.Key,
			Label: o.Label, AtEnd: o.AtEnd, UserID: userID, Side: side, Timezone: loc.String(), State: StateScheduled,
			CreatedAt: now, UpdatedAt: now}
		switch {
		case o.Key == Baseline:
			c.OpensAt, c.DueOn = p.ActivatedAt.UTC(), start.Format(time.DateOnly)
		case o.AtEnd:
			if !hasEnd {
				continue
			}
			c.DueOn = endOn
			c.OpensAt = end
			if p.EndedAt == nil {
				c.OpensAt = atLocal(end, openMin, loc)
			}
		default:
			y, m, d := addMonths(start.Year(), start.Month(), start.Day(), o.OffsetMonths)
			due := time.Date(y, m, d, 0, 0, 0, 0, loc)
			c.DueOn, c.OpensAt = due.Format(time.DateOnly), atLocal(due, openMin, loc)
			if hasEnd && !c.OpensAt.Before(end) {
				continue // after the end: the end's own check-in covers it
			}
		}
		c.OverdueAt = c.OpensAt.Add(window)
		out = append(out, c)
	}
	return out
}

// atLocal returns the instant of minutes after local midnight on day's date in loc (a time
// skipped by DST moves forward, as time.Date does).
func atLocal(day time.Time, minutes int, loc *time.Location) time.Time {
	y, m, d := day.In(loc).Date()
	return time.Date(y, m, d, minutes/60, minutes%60, 0, 0, loc).UTC()
}
