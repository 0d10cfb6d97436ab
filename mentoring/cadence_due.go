package mentoring

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The "meeting due" nudge: when a pairing's agreed interval passes with no meeting held or
// planned after the last, its members are told (notify plans it at a morning hour of each
// person's own zone). The scheduler must find the pairings falling due without reading every
// pairing, so each active pairing with a cadence has one entry in a due index: its next due
// instant and that instant's UTC day, the key the scheduler reads by. The entry is rewritten
// whenever what it depends on changes (a meeting planned, logged, moved or cancelled, an
// agreement version in force, the pairing active again), and checked against the pairing's
// cadence whenever the scheduler reads it, so a stale entry only ever costs a read.

// CadenceDue is one pairing's entry in the due index.
type CadenceDue struct {
	PairingID string
	DueAt     time.Time
	// Day is DueAt's UTC calendar day ("2006-01-02"), the key of the scheduler's read.
	Day string
	// NudgedFor is the due instant the scheduler last planned the nudge for (zero: none).
	NudgedFor time.Time
}

// CadenceDueStore keeps the due index. The mentoring record's store implements it.
type CadenceDueStore interface {
	// PutCadenceDue writes the pairing's entry (replacing it).
	PutCadenceDue(ctx context.Context, d CadenceDue) error
	// DeleteCadenceDue removes the pairing's entry (absent: no-op).
	DeleteCadenceDue(ctx context.Context, pairingID string) error
	// CadenceDueOn lists the entries whose Day is one of days.
	CadenceDueOn(ctx context.Context, days []string) ([]CadenceDue, error)
	// MarkCadenceNudged sets NudgedFor to dueAt if the entry is still due at dueAt (an
	// entry rewritten meanwhile keeps its new instant un-nudged).
	MarkCadenceNudged(ctx context.Context, pairingID string, dueAt time.Time) error
	// ActivePairingsAfter lists up to limit active pairings by ID after afterID (the one-time
	// backfill of the index).
	ActivePairingsAfter(ctx context.Context, afterID string, limit int) ([]Pairing, error)
}

// MeetingDue is a pairing whose agreed interval has passed with no meeting planned or held.
type MeetingDue struct {
	PairingID, ProgrammeID string
	MentorID               string
	MenteeIDs              []string
	Frequency              Frequency
	DueAt                  time.Time
	// LastMeetingAt is the latest held meeting, if any.
	LastMeetingAt *time.Time
}

func dueDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// RefreshDue brings p's due-index entry up to date with its cadence: written for an active
// pairing with an agreed frequency, removed otherwise. The record calls it after every change
// that moves the due instant; the mentoring service after a pairing becomes active.
func (r *Record) RefreshDue(ctx context.Context, p Pairing) error {
	if r.Due == nil {
		return nil
	}
	_, err := r.refreshDue(ctx, p, time.Time{})
	return err
}

// refreshDue writes p's entry from its cadence now, keeping nudgedFor (the instant already
// nudged for), and returns the cadence's due instant (nil when p has no entry).
func (r *Record) refreshDue(ctx context.Context, p Pairing, nudgedFor time.Time) (*time.Time, error) {
	if p.Status != StatusActive {
		return nil, r.Due.DeleteCadenceDue(ctx, p.ID)
	}
	c, err := r.cadence(ctx, p)
	if err != nil {
		return nil, err
	}
	if c.DueAt == nil {
		return nil, r.Due.DeleteCadenceDue(ctx, p.ID)
	}
	d := CadenceDue{PairingID: p.ID, DueAt: c.DueAt.UTC(), Day: dueDay(*c.DueAt), NudgedFor: nudgedFor}
	if err := r.Due.PutCadenceDue(ctx, d); err != nil {
		return nil, fmt.Errorf("cadence due: %w", err)
	}
	return c.DueAt, nil
}

// refreshDueQuietly is RefreshDue after a change that is already stored: a failure only
// delays the nudge until the entry is next written, so it is logged, not returned.
func (r *Record) refreshDueQuietly(ctx context.Context, p Pairing) {
	if err := r.RefreshDue(ctx, p); err != nil {
		r.log().WarnContext(ctx, "cadence due index", "pairingId", p.ID, "error", err.Error())
	}
}

// MeetingsDueBetween lists the pairings whose meeting fell due in [from, to) and whose nudge
// for that instant has not been planned yet (MarkDueNudged). It reads the due index by the
// UTC days of the window and checks each entry against the pairing's cadence, correcting it
// when it is stale: the cost follows the pairings due, not all pairings.
func (r *Record) MeetingsDueBetween(ctx context.Context, from, to time.Time) ([]MeetingDue, error) {
	if r.Due == nil {
		return nil, nil
	}
	var days []string
	for d := from.UTC().Truncate(24 * time.Hour); d.Before(to); d = d.Add(24 * time.Hour) {
		days = append(days, dueDay(d))
	}
	entries, err := r.Due.CadenceDueOn(ctx, days)
	if err != nil {
		return nil, fmt.Errorf("cadence due: %w", err)
	}
	var out []MeetingDue
	for _, e := range entries {
		if e.DueAt.Before(from) || !e.DueAt.Before(to) || e.NudgedFor.Equal(e.DueAt) {
			continue
		}
		due, ok, err := r.checkDue(ctx, e)
		if err != nil {
			return out, err
		}
		if ok && !due.DueAt.Before(from) && due.DueAt.Before(to) {
			out = append(out, due)
		}
	}
	return out, nil
}

// checkDue reads the pairing of entry e and its cadence: ok when the pairing is still due at
// e.DueAt. A stale entry is rewritten (or removed) on the way.
func (r *Record) checkDue(ctx context.Context, e CadenceDue) (MeetingDue, bool, error) {
	p, err := r.Pairing(ctx, e.PairingID)
	if errors.Is(err, ErrPairingNotFound) {
		return MeetingDue{}, false, r.Due.DeleteCadenceDue(ctx, e.PairingID)
	}
	if err != nil {
		return MeetingDue{}, false, fmt.Errorf("cadence due: %w", err)
	}
	if p.Status != StatusActive {
		return MeetingDue{}, false, r.Due.DeleteCadenceDue(ctx, p.ID)
	}
	c, err := r.cadence(ctx, p)
	if err != nil {
		return MeetingDue{}, false, err
	}
	if c.DueAt == nil || !c.DueAt.Equal(e.DueAt) {
		_, err := r.refreshDue(ctx, p, e.NudgedFor)
		return MeetingDue{}, false, err
	}
	return MeetingDue{PairingID: p.ID, ProgrammeID: p.ProgrammeID, MentorID: p.MentorID, MenteeIDs: p.MenteeIDs, Frequency: c.Frequency,
		DueAt: e.DueAt, LastMeetingAt: c.LastMeetingAt}, true, nil
}

// MarkDueNudged records that the nudge for pairingID's meeting due at dueAt is planned, so
// later rounds skip the entry without reading the pairing.
func (r *Record) MarkDueNudged(ctx context.Context, pairingID string, dueAt time.Time) error {
	if r.Due == nil {
		return nil
	}
	return r.Due.MarkCadenceNudged(ctx, pairingID, dueAt.UTC())
}

// StillDue reports whether pairingID is still due for a meeting at dueAt: false once a
// meeting was planned or held since, the frequency changed, or the pairing is no longer
// active (the sender withholds a nudge that no longer makes sense).
func (r *Record) StillDue(ctx context.Context, pairingID string, dueAt time.Time) (bool, error) {
	p, err := r.Pairing(ctx, pairingID)
	if errors.Is(err, ErrPairingNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if p.Status != StatusActive {
		return false, nil
	}
	c, err := r.cadence(ctx, p)
	if err != nil {
		return false, err
	}
	return c.DueAt != nil && c.DueAt.Equal(dueAt), nil
}

// BackfillDue indexes every active pairing (pages of 200), for a database from before the due
// index existed; app/ runs it once at start-up. It returns how many pairings it indexed.
func (r *Record) BackfillDue(ctx context.Context) (int, error) {
	if r.Due == nil {
		return 0, nil
	}
	n, after := 0, ""
	for {
		ps, err := r.Due.ActivePairingsAfter(ctx, after, 200)
		if err != nil {
			return n, fmt.Errorf("backfill cadence due: %w", err)
		}
		for _, p := range ps {
			if err := r.RefreshDue(ctx, p); err != nil {
				return n, err
			}
			n++
		}
		if len(ps) < 200 {
			return n, nil
		}
		after = ps[len(ps)-1].ID
	}
}
