package review

import (
	"cmp"
	"slices"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v3"
)

// Scheduling choices (docs/decisions.md, "Spaced review"):
//   - go-fsrs's default weights, with the programme's desired retention;
//   - its long-term scheduler (no learning steps of minutes): a mentee reviews in spare
//     minutes on a phone, not in one sitting, so the shortest interval is a day;
//   - no fuzz, so that the same answers always give the same schedule (a replayed or late
//     answer refolds to exactly what was answered before);
//   - a card falls due at the start of its due day in the person's time zone, so that it can
//     be reviewed any time that day, not only after the hour of the last answer.

// parameters are the FSRS parameters for a desired retention.
func parameters(retention float64) fsrs.Parameters {
	p := fsrs.DefaultParam()
	if retention > 0 {
		p.RequestRetention = retention
	}
	p.EnableShortTerm = false
	p.EnableFuzz = false
	return p
}

// sortLogs orders a card's answers as they happened on the device: by occurredAt, then by
// when the server recorded them, then by ID, so that a fold is deterministic.
func sortLogs(logs []Log) {
	slices.SortStableFunc(logs, func(a, b Log) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		if c := a.RecordedAt.Compare(b.RecordedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// Fold replays a card's answers through FSRS and returns the memory state after the last
// one and when the card is next due (the start of that day in loc). The logs are sorted in
// place. A card without answers is due at once.
func Fold(logs []Log, retention float64, loc *time.Location) (Memory, time.Time) {
	sortLogs(logs)
	// A new scheduler per fold: go-fsrs keeps a fuzz seed in its parameters while it
	// schedules, so one value shared between goroutines would race.
	f := fsrs.NewFSRS(parameters(retention))
	c := fsrs.NewCard()
	for _, l := range logs {
		c = f.Next(c, l.OccurredAt, fsrs.Rating(l.Rating)).Card
	}
	if len(logs) == 0 {
		return Memory{}, time.Time{}
	}
	m := Memory{State: int(c.State), Stability: c.Stability, Difficulty: c.Difficulty, Reps: int(c.Reps), Lapses: int(c.Lapses),
		ScheduledDays: int(c.ScheduledDays), LastReview: c.LastReview}
	return m, StartOfDay(c.Due, loc)
}

// StartOfDay returns local midnight of t's day in loc (UTC when loc is nil).
func StartOfDay(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, mo, d := t.In(loc).Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, loc).UTC()
}

// dayAttempt numbers the review at occurred among the card's reviews on the same local
// day in loc (1 for the first): gamification earns less for each one after the first.
func dayAttempt(logs []Log, id string, occurred time.Time, loc *time.Location) int {
	day := StartOfDay(occurred, loc)
	n := 1
	for _, l := range logs {
		if l.ID != id && l.Kind == LogReview && StartOfDay(l.OccurredAt, loc).Equal(day) &&
			(l.OccurredAt.Before(occurred) || (l.OccurredAt.Equal(occurred) && l.ID < id)) {
			n++
		}
	}
	return n
}
