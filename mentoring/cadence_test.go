package mentoring_test

import (
	"testing"
	"time"

	"github.com/microlearn/microlearn/mentoring"
)

func held(at time.Time, confirmed bool) mentoring.Meeting {
	m := mentoring.Meeting{Status: mentoring.MeetingHeld, StartAt: at, Revision: 1, DurationMinutes: 60}
	if confirmed {
		m.Confirmation = &mentoring.Confirmation{Revision: 1, Status: mentoring.MeetingHeld}
	}
	return m
}

func TestCadenceCountsPeriodsWithAHeldMeeting(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	at := func(s string) time.Time { t, _ := time.ParseInLocation("2006-01-02T15:04", s, london); return t }
	p := mentoring.Pairing{ID: "p", Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Monthly, StartsOn: "2027-01-31"}}
	// Monthly from 31 January: periods start Jan 31, Feb 28, Mar 31 (clamped, not Mar 3),
	// Apr 30, May 31.
	ms := []mentoring.Meeting{held(at("2027-02-10T10:00"), true), held(at("2027-03-15T10:00"), true),
		held(at("2027-04-05T10:00"), false), held(at("2027-05-10T10:00"), true)}
	c := mentoring.ComputeCadence(p, ms, at("2027-06-02T09:00"), london)
	var starts []string
	for _, per := range c.Periods {
		starts = append(starts, per.Start.Format(time.DateOnly))
	}
	if got := len(starts); got != 5 || starts[1] != "2027-02-28" || starts[2] != "2027-03-31" || starts[4] != "2027-05-31" {
		t.Fatalf("period starts: %v", starts)
	}
	// Four complete periods, all with a held meeting, three with a confirmed one; the
	// current one (from May 31) has none yet.
	if c.Elapsed != 4 || c.Kept != 4 || c.KeptConfirmed != 3 || c.Percent == nil || *c.Percent != 100 {
		t.Errorf("figures: elapsed %d kept %d confirmed %d percent %v", c.Elapsed, c.Kept, c.KeptConfirmed, c.Percent)
	}
	// The run of confirmed periods: the March–April gap (April's meeting is unconfirmed)
	// breaks it, so only April 30 – May 31 counts: one month.
	if c.StreakMonths != 1 {
		t.Errorf("streak months: %d, want 1", c.StreakMonths)
	}
	if c.DueAt == nil || !c.DueAt.Equal(at("2027-06-10T10:00")) {
		t.Errorf("due: %v, want a month after the last meeting", c.DueAt)
	}
	// Confirm April's meeting: January 31 to May 31 kept, four months.
	ms[2] = held(at("2027-04-05T10:00"), true)
	if c := mentoring.ComputeCadence(p, ms, at("2027-06-02T09:00"), london); c.StreakMonths != 4 {
		t.Errorf("streak months: %d, want 4", c.StreakMonths)
	}
}

// Weekly periods across the end of British Summer Time stay a week of local days long.
func TestWeeklyCadenceAcrossDST(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	p := mentoring.Pairing{ID: "p", Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Weekly, StartsOn: "2026-10-19"}}
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	c := mentoring.ComputeCadence(p, []mentoring.Meeting{held(time.Date(2026, 10, 26, 0, 30, 0, 0, time.UTC), true)}, now, london)
	if len(c.Periods) != 3 {
		t.Fatalf("periods: %d", len(c.Periods))
	}
	if s := c.Periods[1].Start.In(london).Format("2006-01-02 15:04"); s != "2026-10-26 00:00" {
		t.Errorf("second week starts %s, want local midnight after the clocks went back", s)
	}
	if c.Periods[0].Held != 0 || c.Periods[1].Held != 1 || c.Elapsed != 2 || *c.Percent != 50 {
		t.Errorf("periods: %+v, percent %d", c.Periods, *c.Percent)
	}
	// As needed: no cadence at all.
	p.Agreement.MeetingFrequency = mentoring.AsNeeded
	if c := mentoring.ComputeCadence(p, nil, now, london); len(c.Periods) != 0 || c.DueAt != nil {
		t.Errorf("as-needed: %+v", c)
	}
}
