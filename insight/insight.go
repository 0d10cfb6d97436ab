// Package insight answers a programme owner's two questions, "is the programme working?" and
// "who needs help now?": the health report, the at-risk list, learning by domain and per
// content item, and outcomes, each read in a fixed number of database commands whatever the
// size of the programme.
//
// Nothing is computed by scanning at read time. Two feeds keep aggregates up to date:
//   - Learning events (Service.ObserveLearningEvent, called by the gamification worker at
//     least once per event) are folded into one Learner document per (programme, person),
//     and the changes they cause are added to the programme's aggregate documents (per
//     week, per content item, last-active days, all-time totals) exactly once: each change
//     carries the learner's sequence number, which the aggregate document remembers per
//     learner (see Store.Apply).
//   - Subjects (a mentee in a programme, a pairing) are evaluated whenever something about
//     them changes (a Touch from the domain services) or a moment comes when their state
//     changes by itself (an assignment falls due, a week without activity ends): the
//     evaluation reads the subject's own data from the other domains, decides whether it
//     is at risk and why, and moves its contribution to the programme's counts (members by
//     role, pairings by status, overdue assignments, cadence) the same way.
package insight

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Sentinel errors.
var (
	ErrConflict   = apperr.New(apperr.KindConflict, "report_changed", "the report data changed at the same time: try again")
	ErrNotFound   = apperr.New(apperr.KindNotFound, "not_found", "not found")
	ErrRebuilding = apperr.New(apperr.KindConflict, "reports_rebuilding", "the reports are being rebuilt from the logs: try again in a few minutes")
)

// Roles as the programme names them.
const (
	RoleOwner  = "owner"
	RoleMentor = "mentor"
	RoleMentee = "mentee"
)

// Service keeps the aggregates and answers the reports. Store, Programmes and People are
// required; the other edges are optional (a report leaves out what it cannot know).
type Service struct {
	Store       Store
	Programmes  Programmes
	People      People
	Assignments Assignments   // optional: overdue assignments
	Streaks     Streaks       // optional: lost streaks
	Pairings    Pairings      // optional: pairings, cadence, goals
	Checkins    Checkins      // optional: overdue check-ins (evidence of learning)
	Responses   ResponseRates // optional: check-in response rates
	Catalog     Catalog       // optional: the per-item report
	Now         func() time.Time
	// Wall is the clock of the leases on pending changes (settle.go): it coordinates
	// processes, so it is the machine's clock (time.Now when nil); tests move it.
	Wall func() time.Time
	Log  *slog.Logger
	// RebuildBeat is how often a rebuild records that it is alive (30 s when zero; tests
	// shorten it).
	RebuildBeat time.Duration

	zones    ttlCache[string, *time.Location]
	roles    ttlCache[memberKey, Membership]
	settings ttlCache[string, Settings]
	rebuild  ttlCache[string, RebuildState]
	learners learnerMemory
	writing  keyLocks
	// stallSaid is when the sweeper last logged a stalled rebuild (unix seconds).
	stallSaid atomic.Int64
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Membership is a person's place in a programme.
type Membership struct {
	Role     string
	JoinedAt time.Time
}

// Programmes answers questions about programmes and their members (programme implements it).
type Programmes interface {
	// Location returns the programme's time zone; a NotFound-kind error when absent.
	Location(ctx context.Context, programmeID string) (*time.Location, error)
	// Membership returns userID's membership; a NotFound-kind error when not a member.
	Membership(ctx context.Context, programmeID, userID string) (Membership, error)
	// MembersPage lists up to limit member IDs of a programme after afterUserID, in ID
	// order (recompute only).
	MembersPage(ctx context.Context, programmeID, afterUserID string, limit int) ([]string, error)
	// ProgrammesPage lists up to limit programme IDs after afterID (recompute only).
	ProgrammesPage(ctx context.Context, afterID string, limit int) ([]string, error)
}

// Person is what reports show of someone: owners see real names (members know that owners
// administer the programme); leaderboard visibility does not apply to reports.
type Person struct {
	ID          string
	DisplayName string
	Email       string
}

// People looks people up (identity implements it).
type People interface {
	// People returns the people it knows among ids.
	People(ctx context.Context, ids []string) (map[string]Person, error)
}

// OpenAssignment is one open assignment of a mentee.
type OpenAssignment struct {
	ID        string
	PairingID string
	DueAt     time.Time
}

// Assignments reads mentees' open assignments (mentoring implements it).
type Assignments interface {
	// Open lists menteeID's open assignments in programmeID.
	Open(ctx context.Context, programmeID, menteeID string) ([]OpenAssignment, error)
}

// Streak is a person's learning streak as gamification keeps it.
type Streak struct {
	// Current is the streak as seen now (0 once broken); Length what it was on the last
	// active day; LastActive that day (in the person's zone); Freezes the freezes held then.
	Current, Length, Freezes int
	LastActive               string
	Location                 *time.Location
}

// Streaks reads streaks (gamification implements it).
type Streaks interface {
	// Streak returns the streak of userID in programmeID; ok is false when they have none.
	Streak(ctx context.Context, programmeID, userID string) (st Streak, ok bool, err error)
}

// Pairing is a mentoring relationship as reports see it.
type Pairing struct {
	ID          string
	ProgrammeID string
	MentorID    string
	MenteeIDs   []string
	Type        string
	Status      string // proposed, active, paused, ended
}

// Cadence is how a pairing keeps its agreed meeting frequency.
type Cadence struct {
	Frequency string // weekly, fortnightly, monthly, quarterly; "" or as-needed: none
	// Elapsed counts the complete periods, Kept those with a held meeting, Held the held
	// meetings in the periods.
	Elapsed, Kept, Held int
	// DueAt is when a meeting is due (nil without a cadence); NextPeriodEnd when the current
	// period ends (Elapsed and Kept change then).
	DueAt, NextPeriodEnd *time.Time
}

// Goal is one open SMART goal with a target date.
type Goal struct {
	ID      string
	OwnerID string
	// DueAt is the end of the target date in its owner's zone.
	DueAt time.Time
}

// Pairings reads pairings and their record (mentoring implements it).
type Pairings interface {
	// Pairing returns one pairing; a NotFound-kind error when absent.
	Pairing(ctx context.Context, id string) (Pairing, error)
	// Cadence returns p's cadence now.
	Cadence(ctx context.Context, p Pairing) (Cadence, error)
	// OpenGoals lists p's open goals that have a target date.
	OpenGoals(ctx context.Context, p Pairing) ([]Goal, error)
	// Mentored lists the pairings mentorID mentors in programmeID (any status).
	Mentored(ctx context.Context, programmeID, mentorID string) ([]Pairing, error)
	// PairingsPage lists up to limit pairing IDs of a programme after afterID (recompute).
	PairingsPage(ctx context.Context, programmeID, afterID string, limit int) ([]string, error)
}

// OpenCheckin is a check-in someone has not answered yet.
type OpenCheckin struct {
	UserID   string
	Occasion string
	DueAt    time.Time
}

// Checkins reads check-ins (evidence of learning implements it).
type Checkins interface {
	// Open lists p's open (unanswered) check-ins.
	Open(ctx context.Context, p Pairing) ([]OpenCheckin, error)
}

// CatalogItem is one content item of a programme's library, as the item report names it.
type CatalogItem struct {
	ID        string
	SortKey   string // the catalogue's order (titles, case-folded)
	Kind      string
	Title     string
	Domain    string
	Questions []CatalogQuestion // quizzes
}

// CatalogQuestion is one question of a quiz.
type CatalogQuestion struct {
	Key    string
	Prompt string
}

// Catalog lists a programme's content (content implements it).
type Catalog interface {
	// Items lists up to limit published items of programmeID's own library (kind "" for
	// every kind) after the cursor, in the catalogue's order (SortKey, then ID).
	Items(ctx context.Context, programmeID, kind string, after ItemCursor, limit int) ([]CatalogItem, error)
}

// ItemCursor is a position in the catalogue's order.
type ItemCursor struct {
	SortKey, ID string
}

// Replayer reads back every processed learning event (recompute).
type Replayer interface {
	Replay(ctx context.Context, fn func(learning.Event) error) error
}
