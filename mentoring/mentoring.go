// Package mentoring holds what happens between mentors and mentees inside a programme:
// their programme profiles (skills, objectives, department, location, languages, capacity),
// the programme's curated tag vocabulary, matching (suggestions for one mentee and a bulk
// proposal for the whole programme), pairings with their agreement and status, and the
// assignments of snackable content a mentor gives a mentee, with progress and the
// assignment-completed learning event.
package mentoring

import (
	"context"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Sentinel errors.
var (
	ErrProfileNotFound    = apperr.New(apperr.KindNotFound, "profile_not_found", "no mentoring profile for this person in this programme")
	ErrPairingNotFound    = apperr.New(apperr.KindNotFound, "pairing_not_found", "pairing not found")
	ErrAssignmentNotFound = apperr.New(apperr.KindNotFound, "assignment_not_found", "assignment not found")
	ErrTagNotFound        = apperr.New(apperr.KindNotFound, "tag_not_found", "no such tag in this programme's vocabulary")
	ErrItemNotFound       = apperr.New(apperr.KindNotFound, "item_not_found", "no such content item in this programme")
	ErrNotMember          = apperr.New(apperr.KindNotFound, "programme_not_found", "programme not found")
	ErrForbidden          = apperr.ErrForbidden

	ErrMentorAtCapacity = apperr.New(apperr.KindConflict, "mentor_at_capacity", "the mentor has no capacity left for another mentee")
	// ErrMentorFull refuses a request to a mentor with no place left (same code as
	// ErrMentorAtCapacity, with advice for the mentee).
	ErrMentorFull = apperr.New(apperr.KindConflict, "mentor_at_capacity",
		"this mentor has no place left for another mentee: choose another mentor from your suggestions")
	ErrMenteeAlreadyPaired = apperr.New(apperr.KindConflict, "mentee_already_paired", "the mentee already has an active or paused pairing of this type")
	ErrMentorAlreadyPaired = apperr.New(apperr.KindConflict, "mentor_already_paired",
		"in reverse mentoring a person mentors one senior at a time, and in mutual mentoring has one partner at a time")
	ErrStatusConflict   = apperr.New(apperr.KindConflict, "pairing_status_conflict", "the pairing's status does not allow this")
	ErrTagExists        = apperr.New(apperr.KindConflict, "tag_exists", "a tag or synonym with this name already exists")
	ErrSynonymTaken     = apperr.New(apperr.KindConflict, "synonym_taken", "this name is already a synonym of another tag")
	ErrSelfSelectionOff = apperr.New(apperr.KindForbidden, "self_selection_disabled", "this programme does not let mentees choose their mentor")
)

// Programme roles as mentoring sees them (the programme package's role names).
const (
	RoleOwner  = "owner"
	RoleMentor = "mentor"
	RoleMentee = "mentee"
)

// Actor is who asks: the user, the role they hold in the programme the request is about
// (empty for a platform admin who is not a member) and whether they are a platform admin.
type Actor struct {
	UserID string
	Role   string
	Admin  bool
}

// Oversees reports whether the actor sees the whole programme (its owner, or an admin).
func (a Actor) Oversees() bool { return a.Admin || a.Role == RoleOwner }

// DepartmentPreference is what a mentee wants of their mentor's department; the research
// found people disagree, so each mentee says.
type DepartmentPreference string

// The department preferences.
const (
	PreferSameDepartment      DepartmentPreference = "same"
	PreferDifferentDepartment DepartmentPreference = "different"
	PreferAnyDepartment       DepartmentPreference = "any"
)

// Profile is a member's mentoring profile in one programme. Mentors fill Skills, Capacity
// and availability; mentees fill Objectives and DepartmentPreference. Tags are Skills or
// Objectives normalised through the programme's vocabulary: matching compares tags.
type Profile struct {
	ProgrammeID string
	UserID      string
	Role        string
	Department  string
	Location    string
	Languages   []string

	Skills   []string
	Capacity int
	// FlashCapacity is how many flash pairings (one focused conversation each) the mentor
	// takes at once, on top of Capacity: a flash takes no full place.
	FlashCapacity    int
	Available        bool
	AvailabilityNote string

	Objectives           []string
	DepartmentPreference DepartmentPreference

	Tags      []string
	UpdatedAt time.Time
}

// Tag is one curated tag of a programme's vocabulary: free text equal to the tag or to one of
// its synonyms normalises to the tag.
type Tag struct {
	ProgrammeID string
	Name        string
	Synonyms    []string
	CreatedAt   time.Time
	// Usage, filled when listing: how many mentor and mentee profiles carry the tag.
	Mentors, Mentees int
}

// Type is a kind of mentoring relationship.
type Type string

// The mentoring types.
const (
	OneToOne Type = "one-to-one"
	Group    Type = "group"
	Flash    Type = "flash"
	Reverse  Type = "reverse"
	Mutual   Type = "mutual"
)

// Types lists every mentoring type.
func Types() []Type { return []Type{OneToOne, Group, Flash, Reverse, Mutual} }

// Flash pairings are time-boxed.
const (
	DefaultFlashDays     = 14
	MaxFlashDays         = 90
	DefaultFlashCapacity = 2
)

// PeerRoles reports whether a pairing of type t takes its roles independently of programme
// roles: in reverse mentoring a junior (a programme mentee) mentors a senior, and in mutual
// mentoring both are learners. Any mentor or mentee of the programme may be on either side.
func (t Type) PeerRoles() bool { return t == Reverse || t == Mutual }

// pool is the capacity pool a pairing of type t takes its mentor's slots from ("" for the
// mentor's full places; peer types take none).
func (t Type) pool() string {
	if t == Flash {
		return PoolFlash
	}
	return ""
}

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	for _, k := range Types() {
		if t == k {
			return true
		}
	}
	return false
}

// Status is where a pairing stands.
type Status string

// The pairing statuses. A pairing holds its mentor's capacity and its mentees' one-per-type
// place while it is live: active or paused.
const (
	StatusProposed Status = "proposed"
	StatusActive   Status = "active"
	StatusPaused   Status = "paused"
	StatusEnded    Status = "ended"
)

// Live reports whether a pairing in status s holds capacity and mentee places.
func (s Status) Live() bool { return s == StatusActive || s == StatusPaused }

// Frequency is how often the pair agreed to meet.
type Frequency string

// The meeting frequencies.
const (
	Weekly      Frequency = "weekly"
	Fortnightly Frequency = "fortnightly"
	Monthly     Frequency = "monthly"
	Quarterly   Frequency = "quarterly"
	AsNeeded    Frequency = "as-needed"
)

// Agreement is what mentor and mentee agreed: how often they meet, their goals, boundaries
// (confidentiality, what is out of scope) and start and end dates (YYYY-MM-DD, programme zone).
type Agreement struct {
	MeetingFrequency Frequency
	Goals            []string
	Boundaries       string
	StartsOn         string
	EndsOn           string
}

// Origin says how a pairing came about.
const (
	OriginOwner         = "owner"
	OriginSelfSelection = "self-selection"
)

// Pairing is a mentoring relationship: one mentor and one mentee, or several for a group.
type Pairing struct {
	ID          string
	ProgrammeID string
	MentorID    string
	MenteeIDs   []string
	Type        Type
	Status      Status
	Agreement   Agreement
	Origin      string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ActivatedAt *time.Time
	EndedAt     *time.Time
	EndReason   string
	// TimeboxDays and TimeboxEndsAt, for a flash pairing: it ends by itself at TimeboxEndsAt
	// (TimeboxDays after it became active) or once its meeting is confirmed as held.
	TimeboxDays   int
	TimeboxEndsAt *time.Time
}

// HasMentee reports whether userID is one of the pairing's mentees.
func (p Pairing) HasMentee(userID string) bool {
	for _, m := range p.MenteeIDs {
		if m == userID {
			return true
		}
	}
	return false
}

// Why a flash pairing ended by itself, and the capacity pool and place of the types that
// have their own.
const (
	EndReasonTimebox   = "timebox_over"
	EndReasonFlashHeld = "flash_meeting_held"
	PoolFlash          = "flash"
	placeReverseMentor = Type("reverse-mentor")
)

// AssignmentState is whether a mentee has completed an assignment.
type AssignmentState string

// The assignment states.
const (
	AssignmentOpen      AssignmentState = "open"
	AssignmentCompleted AssignmentState = "completed"
)

// AssignedItem is one content item of an assignment, with its title when assigned.
type AssignedItem struct {
	Ref   learning.ItemRef
	Title string
}

// MenteeAssignment is one mentee's copy of an assignment: the items, due time and note the
// mentor gave, and whether the mentee completed them all. An assignment to a group pairing
// makes one per mentee, sharing AssignmentID.
type MenteeAssignment struct {
	ID           string // AssignmentID + ":" + MenteeID
	AssignmentID string
	ProgrammeID  string
	PairingID    string
	MentorID     string
	MenteeID     string
	Title        string
	Note         string
	Items        []AssignedItem
	DueAt        time.Time
	// DueLocal is the due date or time as the mentor gave it, in Timezone (the programme's).
	DueLocal    string
	Timezone    string
	State       AssignmentState
	CompletedAt *time.Time
	OnTime      bool
	CreatedAt   time.Time
}

// ItemInfo is what mentoring needs to know of a content item.
type ItemInfo struct {
	Title     string
	Kind      string
	Published bool
}

// ContentCatalog is the content the programme offers. Content implements it; the API wiring
// passes it in (see app/mentoring.go).
type ContentCatalog interface {
	// Item returns the item ref names in programmeID; ErrItemNotFound (or any NotFound-kind
	// error) when there is no such item in that programme.
	Item(ctx context.Context, programmeID string, ref learning.ItemRef) (ItemInfo, error)
	// ItemByKey finds an item by its content-pack key (e.g. kind "lesson", key
	// "active-listening"); ErrItemNotFound when absent. Only the demo seed uses it.
	ItemByKey(ctx context.Context, programmeID, kind, key string) (learning.ItemRef, ItemInfo, error)
}

// Directory answers questions about programmes and people that mentoring does not own.
// app wires it over the programme and identity services.
type Directory interface {
	// MemberRole returns the role ("owner", "mentor", "mentee") userID holds in
	// programmeID; a NotFound-kind error when they are not a member.
	MemberRole(ctx context.Context, programmeID, userID string) (string, error)
	// ProgrammeLocation returns the programme's time zone; NotFound-kind when absent.
	ProgrammeLocation(ctx context.Context, programmeID string) (*time.Location, error)
	// DisplayNames returns the display names of the users it knows among ids.
	DisplayNames(ctx context.Context, ids []string) (map[string]string, error)
}

// Member is a member of a programme with what the programme knows of them beyond their
// mentoring profile (from their invitation): enough to match someone who has no profile yet.
type Member struct {
	UserID     string
	Role       string
	Department string
	Languages  []string
}

// Roster lists a programme's members. app wires it over programmes; optional (without it the
// bulk proposal cannot see members who have no profile).
type Roster interface {
	// Members lists every member of programmeID who holds role.
	Members(ctx context.Context, programmeID, role string) ([]Member, error)
}

// MatchNotifier tells people about matching. Optional; errors are logged, the act is done.
type MatchNotifier interface {
	// PairingRequested tells the mentor of proposed pairing p that it waits for them.
	PairingRequested(ctx context.Context, p Pairing) error
	// ProfileReminder asks userID to fill in their mentoring profile in programmeID.
	ProfileReminder(ctx context.Context, programmeID, userID string) error
}

// Notifier is told when an assignment reaches a mentee and when a mentee completes one, so
// that pushes can go out. Optional: a nil Notifier on the Service is skipped. Errors are
// logged, never returned to the mentor or the worker: the assignment already exists.
type Notifier interface {
	AssignmentReceived(ctx context.Context, a MenteeAssignment) error
	AssignmentCompleted(ctx context.Context, a MenteeAssignment) error
}
