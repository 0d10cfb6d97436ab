package mentoring

import (
	"context"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// The agreed meeting frequency drives two things: a "meeting due" nudge when no meeting is
// planned or held within one interval of the last, and the "cadence kept" figure, which cuts
// the pairing's time into periods of the agreed length (from the agreement's start date, or
// the day the pairing became active, in the programme's zone) and counts the periods with a
// held meeting.

// periodStart returns the start of period k of f from anchor: whole weeks or fortnights of
// local days, or calendar months for monthly and quarterly counted from the anchor itself
// (clamped to a month's last day, so from Jan 31 the periods start Feb 28, Mar 31, Apr 30).
// ok is false for as-needed (no cadence).
func (f Frequency) periodStart(anchor time.Time, k int) (time.Time, bool) {
	switch f {
	case Weekly:
		return anchor.AddDate(0, 0, 7*k), true
	case Fortnightly:
		return anchor.AddDate(0, 0, 14*k), true
	case Monthly:
		return addMonths(anchor, k), true
	case Quarterly:
		return addMonths(anchor, 3*k), true
	}
	return time.Time{}, false
}

// next is one period of f after start.
func (f Frequency) next(start time.Time) (time.Time, bool) { return f.periodStart(start, 1) }

// addMonths adds n calendar months to t, keeping its day of month where the month has it and
// taking the month's last day where it has not.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// CadencePeriod is one period of the agreed frequency.
type CadencePeriod struct {
	Key        string // frequency:start date, stable for earning once
	Start, End time.Time
	Held       int // held meetings that started in it
	Confirmed  int // of which confirmed by the other side
	Complete   bool
}

// Cadence is how a pairing keeps its agreed meeting frequency.
type Cadence struct {
	PairingID string
	Frequency Frequency
	// Periods from the anchor to the current one (the last), at most the latest 60.
	Periods []CadencePeriod
	// Elapsed counts the complete periods; Kept those with a held meeting, KeptConfirmed
	// those with a confirmed one. Percent is Kept of Elapsed (nil before the first period
	// completes).
	Elapsed, Kept, KeptConfirmed int
	Percent                      *int
	// StreakMonths is how many whole months the latest run of periods with a confirmed
	// meeting spans (the current period counts once it is kept).
	StreakMonths int
	// LastMeetingAt and NextMeetingAt are the latest held and the next planned meeting;
	// DueAt is when a meeting is due (one interval after the latest held or planned
	// meeting, or after the anchor), nil for as-needed.
	LastMeetingAt, NextMeetingAt, DueAt *time.Time
}

// maxCadencePeriods bounds the periods a cadence keeps in view.
const maxCadencePeriods = 60

// anchor is where p's periods start: the agreement's start date, else the day it became
// active (else was created), at local midnight in loc.
func anchor(p Pairing, loc *time.Location) time.Time {
	if d, err := time.ParseInLocation(time.DateOnly, p.Agreement.StartsOn, loc); err == nil {
		return d
	}
	at := p.CreatedAt
	if p.ActivatedAt != nil {
		at = *p.ActivatedAt
	}
	y, m, d := at.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// ComputeCadence works out p's cadence at now from its meetings (held and planned), in the
// programme's zone loc. It is a pure function, tested across months of different lengths.
func ComputeCadence(p Pairing, meetings []Meeting, now time.Time, loc *time.Location) Cadence {
	c := Cadence{PairingID: p.ID, Frequency: p.Agreement.MeetingFrequency, Periods: []CadencePeriod{}}
	lastHeld, lastAny, nextPlanned := latestMeetings(meetings, now)
	if !lastHeld.IsZero() {
		c.LastMeetingAt = &lastHeld
	}
	if !nextPlanned.IsZero() {
		c.NextMeetingAt = &nextPlanned
	}
	start := anchor(p, loc)
	if _, ok := c.Frequency.next(start); !ok {
		return c
	}
	from := start
	if lastAny.After(from) {
		from = lastAny
	}
	due, _ := c.Frequency.next(from.In(loc))
	c.DueAt = &due
	c.Periods = periodsUntil(c.Frequency, start, meetings, now)
	c.count()
	c.StreakMonths = streakMonths(c.Periods, len(c.Periods)-1)
	if len(c.Periods) > maxCadencePeriods {
		c.Periods = c.Periods[len(c.Periods)-maxCadencePeriods:]
	}
	return c
}

// latestMeetings finds the latest held meeting, the latest held or planned one, and the next
// planned one after now.
func latestMeetings(meetings []Meeting, now time.Time) (lastHeld, lastAny, nextPlanned time.Time) {
	for _, m := range meetings {
		switch m.Status {
		case MeetingHeld:
			if m.StartAt.After(lastHeld) {
				lastHeld = m.StartAt
			}
		case MeetingPlanned:
			if m.StartAt.After(now) && (nextPlanned.IsZero() || m.StartAt.Before(nextPlanned)) {
				nextPlanned = m.StartAt
			}
		default:
			continue
		}
		if m.StartAt.After(lastAny) {
			lastAny = m.StartAt
		}
	}
	return lastHeld, lastAny, nextPlanned
}

// periodsUntil cuts the time from start to now into periods of f, counting the held and
// confirmed meetings of each.
func periodsUntil(f Frequency, start time.Time, meetings []Meeting, now time.Time) []CadencePeriod {
	ps := []CadencePeriod{}
	for k := 0; ; k++ {
		s, _ := f.periodStart(start, k)
		if s.After(now) {
			return ps
		}
		e, _ := f.periodStart(start, k+1)
		per := CadencePeriod{Key: string(f) + ":" + s.Format(time.DateOnly), Start: s, End: e, Complete: !e.After(now)}
		for _, m := range meetings {
			if m.Status == MeetingHeld && !m.StartAt.Before(s) && m.StartAt.Before(e) {
				per.Held++
				if m.Evidence() {
					per.Confirmed++
				}
			}
		}
		ps = append(ps, per)
	}
}

// count works out Elapsed, Kept, KeptConfirmed and Percent from the periods.
func (c *Cadence) count() {
	for _, per := range c.Periods {
		if !per.Complete {
			continue
		}
		c.Elapsed++
		if per.Held > 0 {
			c.Kept++
		}
		if per.Confirmed > 0 {
			c.KeptConfirmed++
		}
	}
	if c.Elapsed > 0 {
		pct := (100*c.Kept + c.Elapsed/2) / c.Elapsed
		c.Percent = &pct
	}
}

// streakMonths is how many whole months the run of confirmed periods ending at or just
// before period i spans (a current period not kept yet does not break the run).
func streakMonths(ps []CadencePeriod, i int) int {
	if i >= 0 && i < len(ps) && !ps[i].Complete && ps[i].Confirmed == 0 {
		i--
	}
	if i < 0 || ps[i].Confirmed == 0 {
		return 0
	}
	j := i
	for j > 0 && ps[j-1].Confirmed > 0 {
		j--
	}
	return monthsBetween(ps[j].Start, ps[i].End)
}

// monthsBetween counts the whole calendar months from a to b.
func monthsBetween(a, b time.Time) int {
	n := 0
	for !addMonths(a, n+1).After(b) {
		n++
	}
	return n
}

// Cadence returns p's cadence now.
func (r *Record) Cadence(ctx context.Context, actor Actor, p Pairing) (Cadence, error) {
	if err := readable(actor, p); err != nil {
		return Cadence{}, err
	}
	return r.cadence(ctx, p)
}

func (r *Record) cadence(ctx context.Context, p Pairing) (Cadence, error) {
	loc, err := r.Pairings.Directory.ProgrammeLocation(ctx, p.ProgrammeID)
	if err != nil {
		return Cadence{}, fmt.Errorf("cadence: %w", err)
	}
	ms, err := r.Store.Meetings(ctx, MeetingQuery{PairingID: p.ID, From: anchor(p, loc).AddDate(0, -maxCadencePeriods*3, 0), Limit: 1000})
	if err != nil {
		return Cadence{}, fmt.Errorf("cadence: %w", err)
	}
	return ComputeCadence(p, ms, r.now(), loc), nil
}

// CadenceKeptEventID is the deterministic ID of the event that says userID's pairing kept
// its cadence in one period.
func CadenceKeptEventID(pairingID, periodKey, userID string) string {
	return "cadence-kept:" + pairingID + ":" + periodKey + ":" + userID
}

// publishCadence publishes, once per period and member, that the period holding confirmed
// meeting m kept the agreed cadence, with how many months the pairing has now kept it.
func (r *Record) publishCadence(ctx context.Context, p Pairing, m Meeting) error {
	if r.Publisher == nil {
		return nil
	}
	c, err := r.cadence(ctx, p)
	if err != nil {
		return err
	}
	for i, per := range c.Periods {
		if m.StartAt.Before(per.Start) || !m.StartAt.Before(per.End) || per.Confirmed == 0 {
			continue
		}
		months := streakMonths(c.Periods, i)
		var es []learning.Event
		for _, id := range p.Members() {
			es = append(es, learning.Event{ID: CadenceKeptEventID(p.ID, per.Key, id), Kind: learning.CadenceKept, UserID: id,
				ProgrammeID: p.ProgrammeID, ItemKind: "cadence", ItemID: p.ID + ":" + per.Key, PairingID: p.ID,
				Role: string(SideOf(p, id)), CadenceMonths: months, OccurredAt: m.Confirmation.At, RecordedAt: m.Confirmation.At})
		}
		return r.publish(ctx, es...)
	}
	return nil
}
