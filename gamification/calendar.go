package gamification

import (
	"time"

	"github.com/microlearn/microlearn/internal/tz"
)

// Calendar days are civil dates "YYYY-MM-DD" in some zone. Arithmetic on them goes through
// UTC midnights, so a day is always one day long whatever DST does in the zone.

const dateLayout = "2006-01-02"

// loadZone returns the named zone, UTC when the name is empty or unknown.
func loadZone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	if loc, err := tz.Load(name); err == nil {
		return loc
	}
	return time.UTC
}

// localDate is the civil date of t in loc.
func localDate(t time.Time, loc *time.Location) string { return t.In(loc).Format(dateLayout) }

func parseDate(d string) time.Time {
	t, err := time.Parse(dateLayout, d)
	if err != nil {
		return time.Time{}
	}
	return t
}

// addDays moves a civil date by n days.
func addDays(d string, n int) string { return parseDate(d).AddDate(0, 0, n).Format(dateLayout) }

// daysBetween is b - a in days.
func daysBetween(a, b string) int { return int(parseDate(b).Sub(parseDate(a)).Hours() / 24) }

// Period kinds of leaderboards and prizes.
const (
	PeriodWeek  = "week"
	PeriodMonth = "month"
	PeriodAll   = "all"
)

// PeriodKey names the period of kind containing t in the programme's zone: "w" and the
// date of its Monday for weeks, "m2026-09" for months, "all" for all time.
func PeriodKey(kind string, t time.Time, loc *time.Location) string {
	switch kind {
	case PeriodWeek:
		l := t.In(loc)
		back := (int(l.Weekday()) + 6) % 7 // days since Monday
		y, m, d := l.Date()
		return "w" + time.Date(y, m, d-back, 0, 0, 0, 0, time.UTC).Format(dateLayout)
	case PeriodMonth:
		return "m" + t.In(loc).Format("2006-01")
	}
	return PeriodAll
}

// PeriodBounds returns when the period named key starts and ends (exclusive) in loc.
// All time has zero bounds.
func PeriodBounds(key string, loc *time.Location) (start, end time.Time, ok bool) {
	switch {
	case len(key) == 11 && key[0] == 'w':
		d := parseDate(key[1:])
		if d.IsZero() {
			return start, end, false
		}
		start = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		return start, time.Date(d.Year(), d.Month(), d.Day()+7, 0, 0, 0, 0, loc), true
	case len(key) == 8 && key[0] == 'm':
		d, err := time.Parse("2006-01", key[1:])
		if err != nil {
			return start, end, false
		}
		start = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, loc)
		return start, time.Date(d.Year(), d.Month()+1, 1, 0, 0, 0, 0, loc), true
	}
	return start, end, key == PeriodAll
}

// previousPeriodKey is the key of the period just before the one named key.
func previousPeriodKey(kind, key string, loc *time.Location) string {
	start, _, ok := PeriodBounds(key, loc)
	if !ok || kind == PeriodAll {
		return ""
	}
	return PeriodKey(kind, start.Add(-time.Hour), loc)
}

// ZoneChange says that from From on, the user's calendar days are in Zone.
type ZoneChange struct {
	From time.Time
	Zone string
}

// noteZone records the profile's zone in the history. A change takes effect at the next
// local midnight of the old zone after it was made, so the day in progress keeps its zone
// and late-arriving events from before the change count for the days they happened on.
func noteZone(history []ZoneChange, prof Profile, now time.Time) []ZoneChange {
	tz := prof.Timezone
	if tz == "" || loadZone(tz) == time.UTC && tz != "UTC" {
		tz = "UTC"
	}
	if len(history) == 0 {
		return []ZoneChange{{Zone: tz}}
	}
	last := history[len(history)-1]
	if last.Zone == tz {
		return history
	}
	at := prof.TimezoneChangedAt
	if at.IsZero() || at.After(now) {
		at = now
	}
	if at.Before(last.From) {
		// A second change before the first took effect replaces it.
		out := append([]ZoneChange(nil), history...)
		out[len(out)-1].Zone = tz
		return out
	}
	y, m, d := at.In(loadZone(last.Zone)).Date()
	from := time.Date(y, m, d+1, 0, 0, 0, 0, loadZone(last.Zone))
	return append(append([]ZoneChange(nil), history...), ZoneChange{From: from, Zone: tz})
}

// zoneAt returns the zone of the user's calendar at t.
func zoneAt(history []ZoneChange, t time.Time) *time.Location {
	zone := "UTC"
	for _, z := range history {
		if z.From.After(t) {
			break
		}
		zone = z.Zone
	}
	return loadZone(zone)
}
