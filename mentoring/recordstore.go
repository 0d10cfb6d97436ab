package mentoring

import (
	"context"
	"time"
)

// MeetingQuery selects a pairing's meetings, newest start first.
type MeetingQuery struct {
	PairingID string
	// From and To bound the start (zero: unbounded).
	From, To time.Time
	Status   MeetingStatus // optional
	After    *Cursor
	Limit    int
}

// ActionQuery selects an owner's actions, soonest due first.
type ActionQuery struct {
	OwnerID string
	// Done filters on the tick: nil lists both.
	Done  *bool
	After *Cursor
	Limit int
}

// NoteQuery selects a pairing's notes, newest first, as reader may see them: their own
// private notes and every shared one; AllPrivate (owners) includes every private note too,
// for the service to show as "exists, and when".
type NoteQuery struct {
	PairingID  string
	Reader     string
	AllPrivate bool
	MeetingID  string   // optional
	Kind       NoteKind // optional
	After      *Cursor
	Limit      int
}

// GoalQuery selects goals, oldest first: a pairing's (optionally one owner's) or, with no
// PairingID, all of OwnerID's.
type GoalQuery struct {
	PairingID string
	OwnerID   string
	Status    GoalStatus // optional
	After     *Cursor
	Limit     int
}

// RecordStore keeps the mentoring record. Methods return the sentinel errors named on them;
// anything else is an internal error. Exactly-once steps are inserts on unique keys.
type RecordStore interface {
	// InsertMeeting stores a new meeting and its actions (actions first: a meeting is never
	// seen without the actions it was created with; a crash leaves orphan actions that no
	// list shows, because lists go through meetings or their owners' open actions).
	InsertMeeting(ctx context.Context, m Meeting, actions []Action) error
	// Meeting returns one meeting; ErrMeetingNotFound when absent.
	Meeting(ctx context.Context, id string) (Meeting, error)
	// UpdateMeeting replaces m if its stored revision is prev and it is not locked (held and
	// confirmed); ErrMeetingChanged or ErrMeetingConfirmed otherwise.
	UpdateMeeting(ctx context.Context, m Meeting, prev int) error
	// Meetings lists a pairing's meetings, newest start first.
	Meetings(ctx context.Context, q MeetingQuery) ([]Meeting, error)
	// PersonMeetings lists the meetings userID takes part in that start in [from, to),
	// soonest first, at most limit.
	PersonMeetings(ctx context.Context, userID string, from, to time.Time, limit int) ([]Meeting, error)
	// PlannedBetween lists planned meetings starting in [from, to), soonest first, after the
	// cursor, at most limit (the reminder scheduler).
	PlannedBetween(ctx context.Context, from, to time.Time, after *Cursor, limit int) ([]Meeting, error)
	// InsertConfirmation records c, one insert on the key (meeting, revision): of racing
	// confirmations exactly one is stored. It returns the confirmation that is stored, and
	// whether this call stored it.
	InsertConfirmation(ctx context.Context, c Confirmation) (stored Confirmation, inserted bool, err error)
	// SetConfirmation marks the meeting confirmed at c.Revision (and locked when held),
	// unless it has moved on to another revision (ErrMeetingChanged).
	SetConfirmation(ctx context.Context, c Confirmation, lock bool) error

	// InsertActions stores actions (ids already stored are left as they are).
	InsertActions(ctx context.Context, as []Action) error
	// Action returns one action; ErrActionNotFound when absent.
	Action(ctx context.Context, id string) (Action, error)
	// UpdateAction replaces an action.
	UpdateAction(ctx context.Context, a Action) error
	// MeetingActions returns the actions of the meetings, by meeting, oldest first.
	MeetingActions(ctx context.Context, meetingIDs []string) (map[string][]Action, error)
	// OwnerActions lists an owner's actions, soonest due first.
	OwnerActions(ctx context.Context, q ActionQuery) ([]Action, error)

	// InsertNote stores a new note.
	InsertNote(ctx context.Context, n Note) error
	// Note returns one note; ErrNoteNotFound when absent.
	Note(ctx context.Context, id string) (Note, error)
	// UpdateNote replaces a note.
	UpdateNote(ctx context.Context, n Note) error
	// DeleteNote deletes a note; ErrNoteNotFound when absent.
	DeleteNote(ctx context.Context, id string) error
	// Notes lists a pairing's notes, newest first.
	Notes(ctx context.Context, q NoteQuery) ([]Note, error)

	// InsertGoals stores new goals with their first history entry; goals already stored (a
	// migration run again) are left as they are.
	InsertGoals(ctx context.Context, gs []Goal, history []GoalChange) error
	// Goal returns one goal; ErrGoalNotFound when absent.
	Goal(ctx context.Context, id string) (Goal, error)
	// UpdateGoal replaces g if its stored revision is prev (ErrGoalChanged otherwise) and
	// records change in its history (unique per goal and revision).
	UpdateGoal(ctx context.Context, g Goal, prev int, change GoalChange) error
	// Goals lists goals, oldest first.
	Goals(ctx context.Context, q GoalQuery) ([]Goal, error)
	// LinkedGoals returns ownerID's open goals that link the given link key (see GoalLink.Key).
	LinkedGoals(ctx context.Context, ownerID, linkKey string) ([]Goal, error)
	// GoalHistory lists a goal's changes, oldest first, after revision afterRev.
	GoalHistory(ctx context.Context, goalID string, afterRev, limit int) ([]GoalChange, error)

	// AgreementVersions lists a pairing's stored agreement versions, oldest first, each with
	// its acknowledgements (none stored: the agreement never changed).
	AgreementVersions(ctx context.Context, pairingID string) ([]AgreementVersion, error)
	// InsertAgreementVersion stores v under the unique key (pairing, version), with first
	// (version 1, the agreement as created) before it when given; ErrVersionConflict when
	// v's number is taken.
	InsertAgreementVersion(ctx context.Context, first *AgreementVersion, v AgreementVersion) error
	// InsertAgreementAck records an acknowledgement under the unique key (pairing, version,
	// person); a repeat is a no-op.
	InsertAgreementAck(ctx context.Context, pairingID string, version int, a Acknowledgement) error
	// SetAgreedAgreement makes a the pairing's agreement in force, unless a later version
	// already is, or the pairing has ended.
	SetAgreedAgreement(ctx context.Context, pairingID string, a Agreement, version int, now time.Time) error

	// PairingsWithAgreementGoals lists up to limit pairings whose agreement still holds plain
	// goal strings, by ID after afterID (the start-up migration).
	PairingsWithAgreementGoals(ctx context.Context, afterID string, limit int) ([]Pairing, error)
	// ClearAgreementGoals empties the agreement's goal strings if they are still goals.
	ClearAgreementGoals(ctx context.Context, pairingID string, goals []string) error
}
