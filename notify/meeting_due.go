package notify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MeetingDue is a pairing whose agreed meeting interval has passed with no meeting planned or
// held, as the scheduler sees it.
type MeetingDue struct {
	PairingID   string
	ProgrammeID string
	MentorID    string
	MenteeIDs   []string
	// Frequency is the agreed one (weekly, fortnightly, monthly, quarterly).
	Frequency string
	DueAt     time.Time
}

// Cadences tells the notification service which pairings are due for a meeting. The
// mentoring record implements it.
type Cadences interface {
	// DueBetween lists the pairings due for a meeting at an instant in [from, to) whose nudge
	// for that instant is not planned yet.
	DueBetween(ctx context.Context, from, to time.Time) ([]MeetingDue, error)
	// Nudged records that the nudge for the pairing's meeting due at dueAt is planned.
	Nudged(ctx context.Context, pairingID string, dueAt time.Time) error
	// StillDue reports whether the pairing is still due for a meeting at dueAt (false once
	// a meeting was planned or held, the frequency changed or the pairing ended).
	StillDue(ctx context.Context, pairingID string, dueAt time.Time) (bool, error)
}

// MeetingDueLookback is how far back a round looks for pairings that fell due and were not
// nudged (a scheduler down for a while still nudges them once, up to this late).
const MeetingDueLookback = 7 * 24 * time.Hour

// DefaultMeetingDueAt is the local time of the "meeting due" nudge when the configuration
// names none: a morning hour, when people plan their week.
const DefaultMeetingDueAt = "09:00"

// planMeetingsDue enqueues the "meeting due" nudge to every member of each pairing that fell
// due: at MeetingDueAt in each member's own zone, on the first local day from the due instant
// (or from now, for a pairing found late). The dedup key holds the pairing, the person and
// the due instant, so a second round, or a restarted process, enqueues nothing new; the
// sender withholds it if a meeting is planned before it goes.
func (s *Scheduler) planMeetingsDue(ctx context.Context, now, end time.Time) error {
	due, err := s.Cadences.DueBetween(ctx, now.Add(-MeetingDueLookback), end)
	if err != nil {
		return fmt.Errorf("meetings due: %w", err)
	}
	at, ok := ParseClock(s.Cfg.MeetingDueAt)
	if !ok {
		at, _ = ParseClock(DefaultMeetingDueAt)
	}
	for _, d := range due {
		if err := s.planMeetingDue(ctx, d, now, at); err != nil {
			return err
		}
		if err := s.Cadences.Nudged(ctx, d.PairingID, d.DueAt); err != nil {
			return fmt.Errorf("meetings due: %w", err)
		}
	}
	return nil
}

// planMeetingDue enqueues one pairing's nudge to each of its members, at minute `at` of
// their local day.
func (s *Scheduler) planMeetingDue(ctx context.Context, d MeetingDue, now time.Time, at int) error {
	from := d.DueAt
	if now.After(from) {
		from = now
	}
	dueAt := strconv.FormatInt(d.DueAt.Unix(), 10)
	for _, u := range append([]string{d.MentorID}, d.MenteeIDs...) {
		r, err := s.Recipients.Recipient(ctx, u)
		if err != nil {
			continue // an unknown person gets nothing; the others still do
		}
		other := d.MentorID
		if u == d.MentorID && len(d.MenteeIDs) == 1 {
			other = d.MenteeIDs[0]
		}
		vars := s.Service.personVar(ctx, other)
		if u == d.MentorID && len(d.MenteeIDs) != 1 {
			delete(vars, "person") // a group: "your mentoring partner" in the template's words
		}
		vars["frequency"] = frequencyWords(r.Locale, d.Frequency)
		notBefore := firstAtOrAfter(from, at, r.Location())
		if err := s.Service.Enqueue(ctx, Notification{DedupKey: key(KindMeetingDue, d.PairingID, u, dueAt), UserID: u,
			Kind: KindMeetingDue, ProgrammeID: d.ProgrammeID, NotBefore: notBefore, ExpiresAt: notBefore.Add(specs[KindMeetingDue].TTL),
			Refs: map[string]string{"programmeId": d.ProgrammeID, "pairingId": d.PairingID, "dueAt": dueAt}, Vars: vars}); err != nil {
			return err
		}
	}
	return nil
}

// meetingNoLongerDue reports why a "meeting due" nudge no longer makes sense, or "".
func (s *Sender) meetingNoLongerDue(ctx context.Context, refs map[string]string) (string, error) {
	if s.Cadences == nil {
		return "", nil
	}
	sec, err := strconv.ParseInt(refs["dueAt"], 10, 64)
	if err != nil {
		return "the nudge names no due time", nil
	}
	ok, err := s.Cadences.StillDue(ctx, refs["pairingId"], time.Unix(sec, 0))
	if err != nil {
		return "", fmt.Errorf("cadences: %w", err)
	}
	if !ok {
		return "a meeting was planned or held, or the pairing changed", nil
	}
	return "", nil
}

// frequencyWords says how often, in locale ("every week"), for the nudge's text.
func frequencyWords(locale, frequency string) string {
	words := map[string]map[string]string{
		"en": {"weekly": "every week", "fortnightly": "every two weeks", "monthly": "every month", "quarterly": "every three months"},
		"de": {"weekly": "jede Woche", "fortnightly": "alle zwei Wochen", "monthly": "jeden Monat", "quarterly": "alle drei Monate"},
		"fr": {"weekly": "chaque semaine", "fortnightly": "toutes les deux semaines", "monthly": "chaque mois", "quarterly": "tous les trois mois"},
	}
	lang, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(locale, "_", "-")), "-")
	if w, ok := words[lang][frequency]; ok {
		return w
	}
	if w, ok := words["en"][frequency]; ok {
		return w
	}
	return "regularly"
}
