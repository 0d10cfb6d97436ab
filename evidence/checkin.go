package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"
)

// Pairing is what evidence needs to know of a mentoring pairing (mentoring owns it).
type Pairing struct {
	ID          string
	ProgrammeID string
	MentorID    string
	MenteeIDs   []string
	// Status is proposed, active, paused or ended.
	Status      string
	ActivatedAt *time.Time
	EndedAt     *time.Time
	// EndsOn is the agreed end date (YYYY-MM-DD, programme zone), "" when open-ended.
	EndsOn    string
	UpdatedAt time.Time
}

// Pairing statuses evidence distinguishes.
const (
	PairingProposed = "proposed"
	PairingEnded    = "ended"
)

// Members lists the pairing's people, mentor first.
func (p Pairing) Members() []string { return append([]string{p.MentorID}, p.MenteeIDs...) }

// SideOf returns userID's side in p ("" when not a member).
func (p Pairing) SideOf(userID string) string {
	switch {
	case p.MentorID == userID:
		return SideMentor
	case slices.Contains(p.MenteeIDs, userID):
		return SideMentee
	}
	return ""
}

// Started reports whether the pairing has begun (it has a record to evaluate).
func (p Pairing) Started() bool { return p.ActivatedAt != nil && p.Status != PairingProposed }

// State is where one person's check-in stands.
type State string

// The check-in states: scheduled (not due yet), open (due: waiting for the answer),
// answered, cancelled (never opened: the plan or the pairing changed) and closed (opened,
// but the pairing ended before it was answered).
const (
	StateScheduled State = "scheduled"
	StateOpen      State = "open"
	StateAnswered  State = "answered"
	StateCancelled State = "cancelled"
	StateClosed    State = "closed"
)

// CheckIn is one person's check-in at one occasion of one pairing. Mentor and mentee each
// have their own, with its due date in their own time zone: DueOn is the local date,
// OpensAt the instant it opens (the plan's OpenAt that day; the baseline opens when the
// pairing starts), OverdueAt the end of the plan's window. Its ID is derived from (pairing,
// occasion, person), and so is its answer's: one answer per check-in, exactly once.
type CheckIn struct {
	ID          string
	ProgrammeID string
	PairingID   string
	Occasion    string
	Label       string
	AtEnd       bool
	UserID      string
	Side        string
	DueOn       string
	Timezone    string
	OpensAt     time.Time
	OverdueAt   time.Time
	State       State
	AnsweredAt  *time.Time
	// Pending says the opening still has steps to finish (the push, the outcome counts).
	Pending   bool
	Applied   map[string]bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CheckinID is the ID of userID's check-in at occasion of pairingID.
func CheckinID(pairingID, occasion, userID string) string {
	h := sha256.Sum256([]byte(pairingID + "\x00" + occasion + "\x00" + userID))
	return "ci_" + hex.EncodeToString(h[:12])
}

// Due reports whether the check-in waits for its answer at now.
func (c CheckIn) Due(now time.Time) bool {
	return (c.State == StateScheduled || c.State == StateOpen) && !now.Before(c.OpensAt)
}

// Overdue reports whether the check-in is due and past its window at now.
func (c CheckIn) Overdue(now time.Time) bool { return c.Due(now) && !now.Before(c.OverdueAt) }

// Status is the check-in's state as people see it at now: scheduled, due, overdue, answered,
// cancelled or closed.
func (c CheckIn) Status(now time.Time) string {
	switch {
	case c.Overdue(now):
		return "overdue"
	case c.Due(now):
		return "due"
	}
	return string(c.State)
}

// Answer is one person's answer to one check-in: a rating per learning domain on the plan's
// scale and what changed in it, the enabling and hindering factors they felt (from the plan's
// list, plus free text), and their view of the relationship. It is private to its author and
// the programme's owners; Shared lets the pairing read it too.
type Answer struct {
	CheckinID   string
	ProgrammeID string
	PairingID   string
	Occasion    string
	UserID      string
	Side        string
	Ratings     map[string]int
	Texts       map[string]string
	Enabling    []string
	Hindering   []string
	// OtherEnabling and OtherHindering are factors in the author's own words.
	OtherEnabling  string
	OtherHindering string
	// Relationship is the author's rating of the relationship on the plan's scale;
	// RelationshipText their view in words.
	Relationship     int
	RelationshipText string
	Shared           bool
	AnsweredAt       time.Time
	// Pending says the outcome aggregates or the xAPI statement still wait for it.
	Pending bool
	Applied map[string]bool
}

// AnswerInput is an answer as sent.
type AnswerInput struct {
	Ratings          map[string]int
	Texts            map[string]string
	Enabling         []string
	Hindering        []string
	OtherEnabling    string
	OtherHindering   string
	Relationship     *int
	RelationshipText string
	Shared           bool
}

// CheckInView is a check-in with its answer when the reader may see it.
type CheckInView struct {
	CheckIn
	Answer *Answer
}
