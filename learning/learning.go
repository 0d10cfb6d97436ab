// Package learning defines learning events: the durable record that a person did something
// worth learning credit (completed a lesson, attempted a quiz, completed a checklist or an
// assignment). Content and mentoring publish them before answering the client; the
// gamification service consumes them, exactly once in effect, to award points, badges,
// streaks and progress.
package learning

import (
	"context"
	"time"
)

// Kind says what happened.
type Kind string

// The kinds of learning event.
const (
	LessonStarted       Kind = "lesson_started"
	LessonCompleted     Kind = "lesson_completed"
	QuizAttempted       Kind = "quiz_attempted"
	ChecklistCompleted  Kind = "checklist_completed"
	PathCompleted       Kind = "path_completed"
	AssignmentCompleted Kind = "assignment_completed"
	// The mentoring record's acts (mentoring derives them with deterministic IDs, one per
	// person, so each earns once): a held meeting the other side confirmed, a reflection
	// written, a SMART goal achieved, and a period of the agreed meeting cadence kept.
	MeetingConfirmed  Kind = "meeting_confirmed"
	ReflectionWritten Kind = "reflection_written"
	GoalAchieved      Kind = "goal_achieved"
	CadenceKept       Kind = "cadence_kept"
	// ReviewCompleted is one answer to a spaced-review card (package review): ItemKind is
	// KindReview and ItemID the card, Passed says the answer was right and Attempt counts
	// the reviews of that card on the person's local day (1 for the first).
	ReviewCompleted Kind = "review_completed"
)

// Domains returns the four learning domains of mentoring (Wanberg et al.): what content items
// teach and what reflections say they touched.
func Domains() []string { return []string{"cognitive", "skill-based", "affective", "social-networks"} }

// ValidDomain reports whether d is one of Domains.
func ValidDomain(d string) bool {
	for _, x := range Domains() {
		if x == d {
			return true
		}
	}
	return false
}

// Event is one learning event. ID is the client-generated event ID (a UUID) when the event
// comes from a client write, or a deterministic ID derived from the source when the server
// derives it (such as an assignment completing), so that publishing twice stores it once.
type Event struct {
	ID          string
	Kind        Kind
	UserID      string
	ProgrammeID string
	// ItemKind and ItemID name the content item: lesson, quiz, checklist, path, or for
	// assignment_completed the assignment; for the mentoring record's acts "meeting",
	// "reflection" (ItemID names what was reflected on: one reflection per subject earns),
	// "goal" or "cadence" (ItemID is pairing:period).
	ItemKind string
	ItemID   string
	// Domain is the learning domain of the item (cognitive, skill-based, affective,
	// social-networks), when it has one.
	Domain string
	// OccurredAt is when it happened on the user's device (offline events count for the
	// local day they happened); RecordedAt is when the server accepted it.
	OccurredAt time.Time
	RecordedAt time.Time
	// Quiz attempts: score in percent (0..100), whether it passed, the attempt number
	// (1-based) and whether every answer was right.
	ScorePercent int
	Passed       bool
	Attempt      int
	Perfect      bool
	// Questions, on quiz_attempted, says which questions of the attempt were answered
	// correctly (programme reports show each question's correct rate).
	Questions []QuestionResult
	// Seconds the user spent, as reported with this event.
	SecondsSpent int
	// The completion of a content item also says how long the item is expected to take
	// (EstimatedSeconds, from its estimate) and how long the person spent on it as their
	// events report it (SecondsOnItem: the seconds of every event of theirs on the item up to
	// this one; content may stop summing once the sum reaches the estimate). Gamification
	// pays a completion only when the time is plausible; 0 means not measured.
	EstimatedSeconds int
	SecondsOnItem    int
	// Assignments: the pairing it belongs to, its due time and whether it was completed by it.
	PairingID string
	DueAt     *time.Time
	OnTime    bool
	// Role is the person's side in the pairing for the mentoring record's acts: "mentor"
	// or "mentee".
	Role string
	// CadenceMonths, on cadence_kept, is how many whole months the pairing has now kept
	// its agreed meeting cadence without a gap.
	CadenceMonths int
	// Trace is the W3C traceparent of the request that published the event, so that the
	// worker's span links to it ("" when untraced).
	Trace string
}

// QuestionResult is one question of a quiz attempt: its key and whether it was answered
// correctly.
type QuestionResult struct {
	Key     string
	Correct bool
}

// Publisher records learning events durably.
type Publisher interface {
	// Publish stores e durably before returning. Publishing an event whose ID is already
	// stored changes nothing and returns nil.
	Publish(ctx context.Context, e Event) error
}

// BatchPublisher is a Publisher that can also store several events with one write (an
// offline sync's); each event is stored exactly as Publish would store it.
type BatchPublisher interface {
	Publisher
	PublishMany(ctx context.Context, es []Event) error
}

// Delivery is one published event as a consumer claimed it from the queue: the event and
// how many attempts at it came before (the consumer backs off and parks by it).
type Delivery struct {
	Event    Event
	Attempts int
}

// ItemRef names one content item: Kind is lesson, quiz, checklist or path.
type ItemRef struct {
	Kind string
	ID   string
}

// Item kinds.
const (
	KindLesson    = "lesson"
	KindQuiz      = "quiz"
	KindChecklist = "checklist"
	KindPath      = "path"
	// KindReview names a review card (the item of a review_completed event).
	KindReview = "review"
)

// CompletionReader tells which content items a user has completed (a lesson completed, a
// quiz passed, a checklist complete, every item of a path done). Content implements it;
// mentoring and gamification read through it.
type CompletionReader interface {
	Completed(ctx context.Context, userID string, items []ItemRef) (map[ItemRef]bool, error)
	// CompletedMany answers Completed for several people at once (items per user ID), with
	// one read of their activity rather than one per person.
	CompletedMany(ctx context.Context, items map[string][]ItemRef) (map[string]map[ItemRef]bool, error)
}

// Observer is told about each learning event as the gamification service processes it (at
// least once: it must be idempotent). Mentoring uses it to derive assignment completions.
type Observer interface {
	ObserveLearningEvent(ctx context.Context, e Event) error
}
