package mentoring

import (
	"context"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Place says that a mentee holds a live pairing of a type: at most one Place exists per
// (programme, mentee, type), which is how "never two active pairings of the same type" holds
// even when confirmations race.
type Place struct {
	ProgrammeID string
	MenteeID    string
	Type        Type
	PairingID   string
	CreatedAt   time.Time
}

// Slot is one of a mentor's capacity places, numbered 0..capacity-1; at most one Slot exists
// per (programme, mentor, number), which is how capacity holds when confirmations race.
type Slot struct {
	ID          string
	ProgrammeID string
	MentorID    string
	// Pool is "" for the mentor's full places and PoolFlash for flash places; numbers are
	// per pool.
	Pool      string
	N         int
	PairingID string
	MenteeID  string
	CreatedAt time.Time
}

// PairingQuery selects pairings of a programme, newest first.
type PairingQuery struct {
	ProgrammeID string
	MentorID    string // optional
	MenteeID    string // optional
	Status      Status // optional
	After       *Cursor
	Limit       int
}

// AssignmentQuery selects a mentee's assignments, soonest due first.
type AssignmentQuery struct {
	MenteeID string
	State    AssignmentState // optional
	After    *Cursor
	Limit    int
}

// Store keeps everything mentoring owns. Methods return the sentinel errors named on them;
// anything else is an internal error.
type Store interface {
	// PutProfile creates or replaces a profile.
	PutProfile(ctx context.Context, p Profile) error
	// Profile returns one profile; ErrProfileNotFound when absent.
	Profile(ctx context.Context, programmeID, userID string) (Profile, error)
	// Profiles returns every profile of a role ("" for both) in a programme.
	Profiles(ctx context.Context, programmeID, role string) ([]Profile, error)
	// ProfilesPage returns up to limit profiles of a role ("" for both) with user IDs after
	// afterUserID, in user ID order.
	ProfilesPage(ctx context.Context, programmeID, role, afterUserID string, limit int) ([]Profile, error)
	// RetagProfiles replaces tag from with tag into in every profile of the programme.
	RetagProfiles(ctx context.Context, programmeID, from, into string) error

	// Tags returns the programme's vocabulary, by name.
	Tags(ctx context.Context, programmeID string) ([]Tag, error)
	// EnsureTags adds the tags that are not in the vocabulary yet.
	EnsureTags(ctx context.Context, programmeID string, names []string, now time.Time) error
	// AddSynonyms creates tag name when absent and adds synonyms to it.
	AddSynonyms(ctx context.Context, programmeID, name string, synonyms []string, now time.Time) error
	// DeleteTags removes tags from the vocabulary.
	DeleteTags(ctx context.Context, programmeID string, names []string) error

	// Settings returns the programme's matching settings; found is false when none are saved.
	Settings(ctx context.Context, programmeID string) (s Settings, found bool, err error)
	// PutSettings saves the programme's matching settings.
	PutSettings(ctx context.Context, s Settings) error

	// AcquirePlace records that the mentee holds pl.PairingID for pl.Type; it is one insert
	// guarded by a unique key, so of two racing callers exactly one succeeds.
	// ErrMenteeAlreadyPaired when the mentee already holds a place of that type.
	AcquirePlace(ctx context.Context, pl Place) error
	// Place returns the place a mentee holds for a type; ErrPairingNotFound when none.
	Place(ctx context.Context, programmeID, menteeID string, t Type) (Place, error)
	// Places lists the places held in a programme for a type.
	Places(ctx context.Context, programmeID string, t Type) ([]Place, error)
	// MenteePlaces returns the places one mentee holds in a programme, of every type.
	MenteePlaces(ctx context.Context, programmeID, menteeID string) ([]Place, error)
	// ReleasePlace deletes the mentee's place for t if pairingID still holds it.
	ReleasePlace(ctx context.Context, programmeID, menteeID string, t Type, pairingID string) error

	// AcquireSlot takes the lowest free slot number below capacity for the mentor, by
	// inserting a document whose key is that number, so that racing callers cannot take the
	// same place. ErrMentorAtCapacity when every number below capacity is taken.
	AcquireSlot(ctx context.Context, s Slot, capacity int) error
	// Slots lists the mentor's taken slots (of every pool).
	Slots(ctx context.Context, programmeID, mentorID string) ([]Slot, error)
	// ProgrammeSlots lists every taken slot of a programme (mentor loads for matching).
	ProgrammeSlots(ctx context.Context, programmeID string) ([]Slot, error)
	// MentorsSlots returns the held slots of some mentors of a programme, in one read.
	MentorsSlots(ctx context.Context, programmeID string, mentorIDs []string) ([]Slot, error)
	// ReleaseSlot deletes a slot if pairingID still holds it.
	ReleaseSlot(ctx context.Context, slotID, pairingID string) error
	// ReleaseHeldBy deletes every place and slot pairingID holds.
	ReleaseHeldBy(ctx context.Context, pairingID string) error

	// InsertPairing stores a new pairing.
	InsertPairing(ctx context.Context, p Pairing) error
	// Pairing returns one pairing; ErrPairingNotFound when absent.
	Pairing(ctx context.Context, id string) (Pairing, error)
	// SetPairingStatus moves a pairing from one of the statuses in from to p.Status,
	// setting p's UpdatedAt, ActivatedAt, EndedAt and EndReason, in one conditional update.
	// ErrStatusConflict when the pairing is not in any status of from; ErrPairingNotFound
	// when absent.
	SetPairingStatus(ctx context.Context, p Pairing, from ...Status) (Pairing, error)
	// Pairings lists pairings, newest first.
	Pairings(ctx context.Context, q PairingQuery) ([]Pairing, error)
	// LivePairingsOf lists the active and paused pairings userID mentors, in every
	// programme, and the live mutual pairings userID is the mentee side of.
	LivePairingsOf(ctx context.Context, userID string) ([]Pairing, error)
	// AssignmentsOfPairings lists every mentee assignment of the pairings.
	AssignmentsOfPairings(ctx context.Context, pairingIDs []string) ([]MenteeAssignment, error)
	// NextMeetings returns, per pairing, its first planned meeting starting at or after from.
	NextMeetings(ctx context.Context, pairingIDs []string, from time.Time) (map[string]MeetingRef, error)
	// DueFlashPairings lists live flash pairings whose time box ended by now, at most limit,
	// earliest first.
	DueFlashPairings(ctx context.Context, now time.Time, limit int) ([]Pairing, error)

	// InsertAssignments stores the per-mentee copies of a new assignment; copies already
	// stored (a re-run of the same request) are left as they are.
	InsertAssignments(ctx context.Context, as []MenteeAssignment) error
	// MenteeAssignments lists a mentee's assignments, soonest due first.
	MenteeAssignments(ctx context.Context, q AssignmentQuery) ([]MenteeAssignment, error)
	// OpenAssignmentsOf lists the open assignments of each of menteeIDs, in any order (the
	// reports' sweeper reads a batch of mentees at once).
	OpenAssignmentsOf(ctx context.Context, menteeIDs []string) ([]MenteeAssignment, error)
	// MenteeAssignment returns one mentee assignment by its id; ErrAssignmentNotFound when
	// absent.
	MenteeAssignment(ctx context.Context, id string) (MenteeAssignment, error)
	// PairingAssignments lists every mentee assignment of a pairing.
	PairingAssignments(ctx context.Context, pairingID string) ([]MenteeAssignment, error)
	// CompleteAssignment marks an open mentee assignment completed; done is false when it
	// was not open (already completed, or absent).
	CompleteAssignment(ctx context.Context, id string, at time.Time, onTime bool) (done bool, err error)
	// DueBetween lists open mentee assignments with from <= dueAt < to, soonest first, after
	// the cursor, at most limit.
	DueBetween(ctx context.Context, from, to time.Time, after *Cursor, limit int) ([]MenteeAssignment, error)
}

// Cursor is a position in a list sorted on (At, ID); api gives it out in its one opaque
// cursor encoding.
type Cursor struct {
	At time.Time
	ID string
}

// ErrBadCursor is the error for a cursor this server did not make.
var ErrBadCursor = apperr.Invalid("/cursor", "is not a cursor this server made")
