package insight

import (
	"strings"
	"time"
)

// A subject is someone or something the at-risk list can name and whose state the
// programme's counts include: a member of a programme ("m:<programme>:<user>"), or a
// pairing ("p:<pairing>").
type Subject struct {
	ID          string
	Kind        SubjectKind
	ProgrammeID string
	UserID      string // members
	Role        string // members: their role; pairings: ""
	PairingID   string // pairings
	PairingType string // pairings
	MentorID    string // pairings
	MenteeIDs   []string
	Version     int64
	// Contribution is what the subject adds to the programme's counts now.
	Contribution Counts
	Pending      *Pending
	// Lease is until when the writer of an unacknowledged Pending settles it alone.
	Lease  time.Time
	AtRisk bool
	// Since is the earliest Since of the reasons.
	Since       time.Time
	Reasons     []Reason
	DueAt       time.Time // when to evaluate it next
	EvaluatedAt time.Time
}

// SubjectKind is what a subject is.
type SubjectKind string

// The subject kinds.
const (
	KindMember  SubjectKind = "member"
	KindPairing SubjectKind = "pairing"
)

// PersonSubject names the member subject of userID in programmeID.
func PersonSubject(programmeID, userID string) string { return "m:" + programmeID + ":" + userID }

// PairingSubject names the subject of a pairing.
func PairingSubject(pairingID string) string { return "p:" + pairingID }

// ParseSubject splits a subject ID into its kind and parts.
func ParseSubject(id string) (kind SubjectKind, programmeID, userID, pairingID string, ok bool) {
	switch {
	case strings.HasPrefix(id, "m:"):
		p, u, found := strings.Cut(id[2:], ":")
		return KindMember, p, u, "", found && p != "" && u != ""
	case strings.HasPrefix(id, "p:") && len(id) > 2:
		return KindPairing, "", "", id[2:], true
	}
	return "", "", "", "", false
}

// Reason says why a subject needs attention: a stable Code, Since when, and the numbers.
type Reason struct {
	Code  string
	Since time.Time
	// Days is how long it has been so (days without activity, days overdue); Count how many
	// things are (overdue assignments, goals, check-ins); Streak the length of a lost
	// streak; Threshold the programme's setting that made it a reason.
	Days, Count, Streak, Threshold int
	// UserIDs are the people concerned (a pairing's goal owners, who owes a check-in);
	// Refs the things (assignment, goal IDs, check-in occasions).
	UserIDs []string
	Refs    []string
}

// The reason codes.
const (
	ReasonInactive        = "inactive"
	ReasonAssignments     = "assignments_overdue"
	ReasonStreakLost      = "streak_lost"
	ReasonMeetingOverdue  = "meeting_overdue"
	ReasonGoalOverdue     = "goal_overdue"
	ReasonCheckinOverdue  = "checkin_overdue"
	maxEvaluationInterval = 24 * time.Hour
	endedInterval         = 7 * 24 * time.Hour
)

// ReasonCodes lists every reason code, in the order reports show them.
var ReasonCodes = []string{ReasonInactive, ReasonAssignments, ReasonStreakLost, ReasonMeetingOverdue, ReasonGoalOverdue, ReasonCheckinOverdue}

// Evaluation is what evaluating a subject found: its contribution, its reasons and when it
// must be looked at again (a threshold passes, an assignment falls due).
type Evaluation struct {
	Contribution Counts
	Reasons      []Reason
	Next         time.Time
}

// next keeps the earliest future moment.
type next struct {
	now time.Time
	at  time.Time
}

func (n *next) consider(t time.Time) {
	if t.After(n.now) && (n.at.IsZero() || t.Before(n.at)) {
		n.at = t
	}
}

func (n *next) result(within time.Duration) time.Time {
	cap := n.now.Add(within)
	if n.at.IsZero() || n.at.After(cap) {
		return cap
	}
	return n.at
}

func daysSince(t, now time.Time) int { return int(now.Sub(t) / (24 * time.Hour)) }
