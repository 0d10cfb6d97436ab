package mentoring

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// The mentoring record is what a pairing does, kept so that both sides and the programme can
// show it: meetings planned and held (with their actions), notes and reflections with a
// visibility, SMART goals with their progress history, the agreement's versions and their
// acknowledgements, and the meeting cadence. Record is its service; it reads pairings
// through Service and keeps its own documents in RecordStore.

// Sentinel errors of the record.
var (
	ErrMeetingNotFound = apperr.New(apperr.KindNotFound, "meeting_not_found", "meeting not found")
	ErrActionNotFound  = apperr.New(apperr.KindNotFound, "action_not_found", "action not found")
	ErrNoteNotFound    = apperr.New(apperr.KindNotFound, "note_not_found", "note not found")
	ErrGoalNotFound    = apperr.New(apperr.KindNotFound, "goal_not_found", "goal not found")
	ErrVersionNotFound = apperr.New(apperr.KindNotFound, "agreement_version_not_found", "agreement version not found")

	ErrPairingEnded     = apperr.New(apperr.KindConflict, "pairing_ended", "the pairing has ended: its record can be read but no longer changed")
	ErrPairingProposed  = apperr.New(apperr.KindConflict, "pairing_not_active", "the pairing is still a proposal: it has no record yet")
	ErrMeetingChanged   = apperr.New(apperr.KindConflict, "meeting_changed", "the meeting changed since you read it: read it again")
	ErrMeetingConfirmed = apperr.New(apperr.KindConflict, "meeting_confirmed", "the meeting is confirmed as held: its record is evidence and no longer changes")
	ErrAlreadyConfirmed = apperr.New(apperr.KindConflict, "meeting_already_confirmed", "someone else already confirmed this version of the meeting")
	ErrGoalChanged      = apperr.New(apperr.KindConflict, "goal_changed", "the goal changed since you read it: read it again")
	ErrVersionConflict  = apperr.New(apperr.KindConflict, "agreement_changed", "the agreement changed at the same time: try again")
	ErrNotLatestVersion = apperr.New(apperr.KindConflict, "agreement_version_superseded", "a newer version of the agreement exists: acknowledge that one")
	ErrNothingToAck     = apperr.New(apperr.KindConflict, "agreement_not_pending", "this version of the agreement waits for nobody's acknowledgement")
)

// Side is which side of a pairing a person is on.
type Side string

// The sides.
const (
	SideMentor Side = "mentor"
	SideMentee Side = "mentee"
	SideNone   Side = ""
)

// SideOf returns userID's side in p.
func SideOf(p Pairing, userID string) Side {
	switch {
	case p.MentorID == userID:
		return SideMentor
	case p.HasMentee(userID):
		return SideMentee
	}
	return SideNone
}

// Members returns everyone in the pairing, mentor first.
func (p Pairing) Members() []string { return append([]string{p.MentorID}, p.MenteeIDs...) }

// People tells the record about people that mentoring does not own (identity implements it).
type People interface {
	// Location returns the person's time zone (UTC when they set none); a NotFound-kind
	// error for an unknown user.
	Location(ctx context.Context, userID string) (*time.Location, error)
}

// RecordNotifier is told about acts the other side should hear of, and plans nothing itself:
// the notification scheduler asks the record for meetings to remind of. Optional; errors are
// logged, the act is already recorded.
type RecordNotifier interface {
	// MeetingToConfirm tells userID that the other side logged or changed a meeting.
	MeetingToConfirm(ctx context.Context, userID string, m Meeting) error
	// AgreementChanged tells userID that the agreement has a version waiting for them.
	AgreementChanged(ctx context.Context, userID string, v AgreementVersion) error
	// AgreementAcknowledged tells userID that the other side acknowledged their change.
	AgreementAcknowledged(ctx context.Context, userID string, v AgreementVersion) error
}

// Record runs the mentoring record. Pairings (whose Catalog and Completions it also uses for
// goal links), Store and People are required; Publisher (the learning events that earn XP)
// and Notifier are optional.
type Record struct {
	Pairings  *Service
	Store     RecordStore
	Feeds     FeedStore
	People    People
	Publisher learning.Publisher
	Notifier  RecordNotifier
	// Due, optional, is the index of when each pairing's next meeting falls due (the
	// "meeting due" nudge, cadence_due.go).
	Due CadenceDueStore
	Now func() time.Time
	Log *slog.Logger
}

func (r *Record) now() time.Time { return r.Now().UTC() }

func (r *Record) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// Pairing loads a pairing for the API to authorize on; ErrPairingNotFound when absent.
func (r *Record) Pairing(ctx context.Context, id string) (Pairing, error) {
	return r.Pairings.Store.Pairing(ctx, id)
}

// readable checks that actor may read p's record: its mentor, its mentees, or whoever
// oversees the programme (actor.Role must be the actor's role in p's programme).
func readable(actor Actor, p Pairing) error {
	if actor.Oversees() || SideOf(p, actor.UserID) != SideNone {
		return nil
	}
	return ErrPairingNotFound
}

// writable checks that actor is a party of p and p's record may change: proposed pairings
// have no record yet and ended ones keep theirs as it is. Owners read the record; they do not
// write the pair's meetings, notes or goals (ErrForbidden).
func writable(actor Actor, p Pairing) error {
	if err := readable(actor, p); err != nil {
		return err
	}
	if SideOf(p, actor.UserID) == SideNone {
		return ErrForbidden
	}
	switch p.Status {
	case StatusEnded:
		return ErrPairingEnded
	case StatusProposed:
		return ErrPairingProposed
	}
	return nil
}

// publish records learning events; a missing Publisher (tests of other parts) skips them.
func (r *Record) publish(ctx context.Context, es ...learning.Event) error {
	if r.Publisher == nil {
		return nil
	}
	for _, e := range es {
		if err := r.Publisher.Publish(ctx, e); err != nil {
			return fmt.Errorf("publish %s: %w", e.Kind, err)
		}
	}
	return nil
}

// location returns userID's zone, UTC when unknown.
func (r *Record) location(ctx context.Context, userID string) (*time.Location, error) {
	if r.People == nil {
		return time.UTC, nil
	}
	loc, err := r.People.Location(ctx, userID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return time.UTC, nil
	}
	if err != nil {
		return nil, fmt.Errorf("time zone of %s: %w", userID, err)
	}
	return loc, nil
}

// zoneFor returns the zone named tz (validated, pointer under ptr), or userID's own zone.
func (r *Record) zoneFor(ctx context.Context, f *apperr.Fields, ptr, tz, userID string) (*time.Location, error) {
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			f.Add(ptr, "must be an IANA time zone name such as Europe/London")
			return time.UTC, nil
		}
		return loc, nil
	}
	return r.location(ctx, userID)
}

// texts validates a list of short texts (objectives, topics, tags): at most max entries of
// 1 to maxLen characters each after trimming.
func texts(f *apperr.Fields, ptr string, in []string, max, maxLen int) []string {
	f.Check(len(in) <= max, ptr, fmt.Sprintf("must list at most %d entries", max))
	out := make([]string, 0, len(in))
	for i, s := range in {
		s = strings.TrimSpace(s)
		n := utf8.RuneCountInString(s)
		if n < 1 || n > maxLen {
			f.Add(fmt.Sprintf("%s/%d", ptr, i), fmt.Sprintf("must be 1 to %d characters", maxLen))
			continue
		}
		out = append(out, s)
	}
	return out
}

// text validates one free text of at most maxLen characters (after trimming); required
// texts must not be empty.
func text(f *apperr.Fields, ptr, s string, maxLen int, required bool) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case required && n == 0:
		f.Add(ptr, "is required")
	case n > maxLen:
		f.Add(ptr, fmt.Sprintf("must be at most %d characters", maxLen))
	case !utf8.ValidString(s):
		f.Add(ptr, "must be valid UTF-8")
	}
	return s
}

// ParseLocal reads a time as a person gives it, in loc: "2026-10-05T14:00" (a wall-clock time
// there) or an RFC 3339 time with an offset. A wall-clock time that does not exist in loc
// (skipped when the clocks go forward) is refused rather than moved, so that a meeting is
// never silently an hour off; a repeated one (clocks go back) is the first.
func ParseLocal(s string, loc *time.Location) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			if t.Format(layout) != s { // normalised: not a wall-clock time of loc
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// dedupe returns xs without repeats, in order.
func dedupe(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
