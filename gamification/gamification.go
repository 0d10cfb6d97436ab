// Package gamification turns learning events into points (an append-only XP ledger), levels,
// badges, streaks with freezes, daily goals, progress bars, leaderboards and prizes.
//
// Events arrive at least once from a durable queue (Queue); their effects happen exactly
// once because every event is applied to one per-(programme, user) Player document in a
// single compare-and-swap write that also records the event ID. Everything else an event
// causes (ledger entries, award records, prize winners) is written after
// that, idempotently, from what the Player document recorded, so a retry after a crash at any
// point re-drives the same effects without doubling them (docs/decisions.md).
//
// The package reads other domains only through the small interfaces declared here (People,
// Programmes, Catalog, Pairings, Notifier, learning.Observer).
package gamification

import (
	"context"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Sentinel errors.
var (
	ErrNotFound        = apperr.New(apperr.KindNotFound, "not_found", "not found")
	ErrBadgeNotFound   = apperr.New(apperr.KindNotFound, "badge_not_found", "badge not found")
	ErrBuiltInBadge    = apperr.New(apperr.KindConflict, "badge_built_in", "built-in badges cannot be replaced or deleted")
	ErrPrizeNotFound   = apperr.New(apperr.KindNotFound, "prize_not_found", "prize not found")
	ErrWinnerNotFound  = apperr.New(apperr.KindNotFound, "prize_winner_not_found", "prize winner not found")
	ErrPairingNotFound = apperr.New(apperr.KindNotFound, "pairing_not_found", "pairing not found")
	ErrNotMember       = apperr.New(apperr.KindNotFound, "not_member", "the user is not a member of the programme")
	// ErrVersionConflict is returned by Store.SavePlayer when the document changed since it
	// was read (or, for a new player, when one was inserted meanwhile).
	ErrVersionConflict = apperr.New(apperr.KindConflict, "version_conflict", "the player document changed concurrently")
)

// Visibility is how a user appears on leaderboards.
type Visibility string

// The visibilities. Hidden users are left off leaderboards (and out of leaderboard prizes);
// anonymous users are ranked under a neutral name.
const (
	Visible   Visibility = "visible"
	Anonymous Visibility = "anonymous"
	Hidden    Visibility = "hidden"
)

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool { return v == Visible || v == Anonymous || v == Hidden }

// Profile is what gamification needs to know about a person.
type Profile struct {
	UserID      string
	DisplayName string
	// Timezone is the IANA zone of the user's calendar days; TimezoneChangedAt is when it
	// was last changed (zero when unknown). A change applies from the next local day.
	Timezone          string
	TimezoneChangedAt time.Time
	// DailyXPGoal is the XP a day the user aims for (DefaultDailyXPGoal when zero).
	DailyXPGoal int
	Visibility  Visibility
}

// DefaultDailyXPGoal is the daily goal of users who have not chosen one.
const DefaultDailyXPGoal = 20

// People reads user profiles (identity implements it).
type People interface {
	// Profile returns the user's profile; ErrNotFound when there is no such user.
	Profile(ctx context.Context, userID string) (Profile, error)
}

// Membership is a user's place in a programme.
type Membership struct {
	ProgrammeID string
	Role        string
	JoinedAt    time.Time
}

// Programmes reads programmes (programme implements it).
type Programmes interface {
	// Timezone returns the programme's IANA time zone; ErrNotFound when absent.
	Timezone(ctx context.Context, programmeID string) (string, error)
	// Membership returns the user's membership; ErrNotMember when there is none.
	Membership(ctx context.Context, programmeID, userID string) (Membership, error)
	// Memberships lists every programme the user is a member of, so that each has a
	// standing from the moment they join.
	Memberships(ctx context.Context, userID string) ([]Membership, error)
}

// Container is a path or an assignment: an ordered set of content items.
type Container struct {
	// Kind is "path" or "assignment".
	Kind  string
	ID    string
	Items []learning.ItemRef
	// PairingID is set for assignments.
	PairingID string
}

// Catalog reads content totals for progress bars (content implements it). Optional.
type Catalog interface {
	// PathsContaining returns the programme's paths that include item, with their items.
	PathsContaining(ctx context.Context, programmeID string, item learning.ItemRef) ([]Container, error)
	// LibrarySize returns how many lessons, quizzes and checklists the programme's library
	// holds (the programme progress bar's total).
	LibrarySize(ctx context.Context, programmeID string) (int, error)
	// Paths returns the programme's published paths (its own and the global library's) with
	// their items: each has a progress bar from the start.
	Paths(ctx context.Context, programmeID string) ([]Container, error)
}

// Pairing is a mentoring pairing (one mentor, one or more mentees).
type Pairing struct {
	ID          string
	ProgrammeID string
	// Members are every user of the pairing (mentors and mentees).
	Members []string
	// AssignmentIDs are the assignments of the pairing.
	AssignmentIDs []string
}

// Pairings reads mentoring pairings and assignments (mentoring implements it). Optional.
type Pairings interface {
	// AssignmentsContaining returns userID's assignments in programmeID that include item.
	AssignmentsContaining(ctx context.Context, programmeID, userID string, item learning.ItemRef) ([]Container, error)
	// Pairing returns one pairing; ErrNotFound when absent.
	Pairing(ctx context.Context, pairingID string) (Pairing, error)
}

// BadgeNotice, LevelNotice and PrizeNotice are what the Notifier is told. Key is stable for
// one award, so a receiver can drop the rare duplicate (notification is at least once).
type BadgeNotice struct {
	Key, UserID, ProgrammeID string
	Badge                    Badge
	// FreshUntil, when set, vouches that no notice with this Key was handed over before,
	// provided the receiver has taken this one in by then: this batch recorded the award
	// (its ledger row was new), and no other worker can take the event over before half
	// its lease has passed. A receiver that takes it in later must check as usual.
	FreshUntil time.Time
}

// LevelNotice says a user reached a level.
type LevelNotice struct {
	Key, UserID, ProgrammeID string
	Level                    int
	FreshUntil               time.Time // as in BadgeNotice
}

// PrizeNotice says a user won a prize.
type PrizeNotice struct {
	Key, UserID, ProgrammeID string
	Prize                    Prize
	Winner                   Winner
}

// Notifier pushes award news to people (notify implements it). Optional: a nil Notifier is
// skipped. Errors are logged, never retried by gamification.
//
// NotifyAll takes a whole batch's level-ups and badges in one call. It must deduplicate by
// notice key, including notices it already delivered: gamification hands a retried event's
// notices over again (without FreshUntil) instead of keeping notified marks. An error sends
// the batch's events round again. PrizeWon's error leaves the winner to be told next time.
type Notifier interface {
	NotifyAll(ctx context.Context, levels []LevelNotice, badges []BadgeNotice) error
	PrizeWon(ctx context.Context, n PrizeNotice) error
}

// Queue holds learning events waiting for the gamification service (learningdb implements
// it). A claimed event is leased to its owner until the lease ends; an event not finished by
// then can be claimed again.
type Queue interface {
	// Claim leases up to max events that are due at now to owner for lease.
	Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, max int) ([]learning.Delivery, error)
	// Done records the delivered events as processed (a replay of one is then never
	// delivered again) and removes them from the queue.
	Done(ctx context.Context, done []learning.Delivery, now time.Time) error
	// Release gives a claimed event back for another attempt at `at` (or parks it for good
	// when dead), recording why.
	Release(ctx context.Context, id, owner string, at time.Time, reason string, dead bool) error
}
