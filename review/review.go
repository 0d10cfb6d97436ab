// Package review holds spaced review: the quiz questions a mentee answered wrongly come back
// as review cards, scheduled from the mentee's own memory by FSRS (the Free Spaced
// Repetition Scheduler, github.com/open-spaced-repetition/go-fsrs), until they stick.
//
// A card is created once per (person, quiz, question) from a quiz attempt the gamification
// worker hands to ObserveLearningEvent. Every answer to a card, the quiz answer that made it
// included, is an append-only log entry keyed by the client's event ID; the card's schedule
// is the fold of its log in the order the answers happened on the device, so a replayed
// event changes nothing and an offline answer that arrives late folds where it belongs. The
// card document keeps that fold (due time, memory state) for the indexed "due now" read.
package review

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Sentinel errors.
var (
	ErrNotFound = apperr.New(apperr.KindNotFound, "review_card_not_found", "review card not found")
	// ErrRetired: the card's question changed or went away in a newer version of its quiz
	// (or the quiz was archived), so it is no longer asked.
	ErrRetired       = apperr.New(apperr.KindGone, "review_card_retired", "this review card was retired: its question changed or is no longer asked")
	ErrEventIDReused = apperr.New(apperr.KindUnprocessable, "event_id_reused", "this eventId was already used for a different review")
	// ErrDuplicateLog is returned by Store.InsertLog when the log ID is taken.
	ErrDuplicateLog = apperr.New(apperr.KindConflict, "duplicate_event", "this review was already recorded")
	// ErrConflict is returned by stores for a lost compare-and-set.
	ErrConflict = apperr.New(apperr.KindConflict, "review_conflict", "the card changed concurrently")
)

// Rating is how well a person recalled a card, on FSRS's four-point scale.
type Rating int

// The ratings.
const (
	Again Rating = 1 // forgot: a wrong answer is always Again
	Hard  Rating = 2 // recalled with serious difficulty
	Good  Rating = 3 // recalled after a hesitation
	Easy  Rating = 4 // recalled at once
)

// Valid reports whether r is one of the four ratings.
func (r Rating) Valid() bool { return r >= Again && r <= Easy }

// String is the rating's name in the API: again, hard, good, easy.
func (r Rating) String() string {
	switch r {
	case Again:
		return "again"
	case Hard:
		return "hard"
	case Good:
		return "good"
	case Easy:
		return "easy"
	}
	return ""
}

// ParseRating reads again, hard, good or easy.
func ParseRating(s string) (Rating, bool) {
	for r := Again; r <= Easy; r++ {
		if r.String() == s {
			return r, true
		}
	}
	return 0, false
}

// SlowAnswer is the time beyond which a right answer without a self-rating counts as Hard:
// recalled, but with serious difficulty. A right answer within it is Good; a derived rating
// is never Easy (FSRS wants Easy for effortless recall, which a timer cannot tell).
const SlowAnswer = 30 * time.Second

// DeriveRating turns an answer into a rating. A wrong answer is Again whatever the phone
// says. A right answer takes the person's self-rating when given, else Hard when it took
// longer than SlowAnswer and Good otherwise.
func DeriveRating(correct bool, self Rating, seconds int) (Rating, string) {
	switch {
	case !correct:
		return Again, SourceAnswer
	case self.Valid():
		return self, SourceSelf
	case time.Duration(seconds)*time.Second > SlowAnswer:
		return Hard, SourceTime
	}
	return Good, SourceAnswer
}

// Where a rating came from.
const (
	SourceSelf   = "self"   // the person's own rating of a right answer
	SourceAnswer = "answer" // derived from correctness (wrong: again; right and quick: good)
	SourceTime   = "time"   // a right but slow answer: hard
	SourceQuiz   = "quiz"   // the quiz attempt the card came from (or a later attempt)
)

// Option is one answer a question offers.
type Option struct {
	Key     string
	Text    string
	Correct bool
}

// The question types, as content names them.
const (
	TypeSingle    = "single"
	TypeMultiple  = "multiple"
	TypeTrueFalse = "truefalse"
)

// Question is one quiz question at one version of its quiz, as content holds it.
type Question struct {
	QuizID      string
	QuizTitle   string
	QuizVersion int
	ProgrammeID string
	Domain      string
	Key         string
	Type        string
	Prompt      string
	Options     []Option
	Explanation string
}

// Fingerprint identifies what is asked: the type, the prompt and the options with their
// correctness. A new quiz version whose question has the same fingerprint asks the same
// thing (the card migrates to it); a different fingerprint is a different question (the
// card retires). The explanation is left out: rewording it changes nothing that was asked.
func (q Question) Fingerprint() string {
	h := sha256.New()
	w := func(s string) { h.Write([]byte(strconv.Itoa(len(s)) + ":" + s)) }
	w(q.Type)
	w(q.Prompt)
	for _, o := range q.Options {
		w(o.Key)
		w(o.Text)
		w(strconv.FormatBool(o.Correct))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// CorrectKeys lists the keys of the right options in option order.
func (q Question) CorrectKeys() []string {
	var out []string
	for _, o := range q.Options {
		if o.Correct {
			out = append(out, o.Key)
		}
	}
	return out
}

// Grade checks chosen option keys against the question: every right option and no other.
// Unknown keys, a key chosen twice or several keys for a one-answer question are field
// errors (under /optionKeys).
func (q Question) Grade(chosen []string) (bool, error) {
	var f apperr.Fields
	f.Check(len(chosen) > 0, "/optionKeys", "choose at least one option")
	seen := map[string]bool{}
	for i, k := range chosen {
		p := "/optionKeys/" + strconv.Itoa(i)
		f.Check(slices.ContainsFunc(q.Options, func(o Option) bool { return o.Key == k }), p, "the question has no such option")
		f.Check(!seen[k], p, "chosen twice")
		seen[k] = true
	}
	f.Check(q.Type == TypeMultiple || len(chosen) <= 1, "/optionKeys", "this question takes one answer")
	if err := f.Err(); err != nil {
		return false, err
	}
	for _, o := range q.Options {
		if o.Correct != seen[o.Key] {
			return false, nil
		}
	}
	return true, nil
}

// Status is whether a card is still asked.
type Status string

// The statuses.
const (
	StatusActive  Status = "active"
	StatusRetired Status = "retired"
)

// Origin says why a card exists.
const (
	OriginMissed  = "missed"  // the question was answered wrongly
	OriginChecked = "checked" // every question of a knowledge check becomes a card (programme setting)
)

// Memory is a card's FSRS state after its latest answer.
type Memory struct {
	State         int // FSRS: 0 new, 1 learning, 2 review, 3 relearning
	Stability     float64
	Difficulty    float64
	Reps          int
	Lapses        int
	ScheduledDays int
	LastReview    time.Time
}

// Card is one question one person is to review.
type Card struct {
	ID          string
	ProgrammeID string
	UserID      string
	QuizID      string
	QuestionKey string
	// QuizVersion is the version whose question the card asks; Fingerprint what it asks.
	QuizVersion int
	Fingerprint string
	Origin      string
	CreatedAt   time.Time
	Status      Status
	// RetiredReason and RetiredAt are set once the card is retired.
	RetiredReason string
	RetiredAt     *time.Time
	// Due is when the card is next to be reviewed; Memory the state it was scheduled from;
	// Answers how many log entries (quiz answers and reviews) the schedule folds.
	Due     time.Time
	Memory  Memory
	Answers int
}

// CardID derives a card's ID from what it is about, so that the same question makes one
// card for a person however often the quiz attempt is delivered.
func CardID(userID, quizID, questionKey string) string {
	h := sha256.Sum256([]byte(userID + "\x00" + quizID + "\x00" + questionKey))
	return "rc_" + hex.EncodeToString(h[:12])
}

// Log kinds.
const (
	LogQuiz   = "quiz"   // an answer in a quiz attempt
	LogReview = "review" // an answer to the card in a review
)

// Log is one answer to a card: the quiz answer that created it, a later quiz answer to the
// same question, or a review. It is written once, keyed by ID, and never changed.
type Log struct {
	// ID is userID ":" eventID for a review, userID ":" eventID ":" questionKey for a quiz
	// answer (one attempt answers several questions).
	ID           string
	CardID       string
	UserID       string
	ProgrammeID  string
	EventID      string
	Kind         string
	QuizVersion  int
	OptionKeys   []string
	Correct      bool
	Rating       Rating
	RatingSource string
	SecondsSpent int
	OccurredAt   time.Time
	RecordedAt   time.Time
	// DueAfter and ScheduledDays are the schedule this answer produced when it was recorded
	// (what the client was told); DayAttempt numbers the card's reviews on that local day.
	DueAfter      time.Time
	ScheduledDays int
	DayAttempt    int
}

// ReviewLogID is the log ID of a review event.
func ReviewLogID(userID, eventID string) string { return userID + ":" + strings.ToLower(eventID) }

// Settings are a programme's review settings.
type Settings struct {
	ProgrammeID string
	// DesiredRetention is the probability of recall FSRS schedules for (0.70 to 0.99).
	DesiredRetention float64
	// AllQuestions makes every question of an attempt a card, not only the missed ones.
	AllQuestions bool
	UpdatedAt    time.Time
}

// DefaultRetention is the desired retention of a programme that has not chosen one.
const DefaultRetention = 0.9

// DefaultSettings are the settings of a programme that has not set its own.
func DefaultSettings(programmeID string) Settings {
	return Settings{ProgrammeID: programmeID, DesiredRetention: DefaultRetention}
}

// Validate checks the settings.
func (s Settings) Validate() error {
	var f apperr.Fields
	f.Check(s.DesiredRetention >= 0.7 && s.DesiredRetention <= 0.99, "/desiredRetention", "must be 0.70 to 0.99")
	return f.Err()
}

// Cursor is a position in a person's list of cards ordered by (due, id).
type Cursor struct {
	Due time.Time
	ID  string
}

// Store keeps cards, their logs and the programmes' settings.
type Store interface {
	// InsertCard stores a new card; an existing card with its ID is kept and returned with
	// ErrConflict.
	InsertCard(ctx context.Context, c Card) (Card, error)
	// Card returns one card; ErrNotFound when absent.
	Card(ctx context.Context, id string) (Card, error)
	// DueCards returns up to limit of the user's active cards due at or before before,
	// ordered by (due, id), after the cursor (zero: from the start).
	DueCards(ctx context.Context, userID string, before time.Time, after Cursor, limit int) ([]Card, error)
	// CountDue counts the user's active cards due at or before before.
	CountDue(ctx context.Context, userID string, before time.Time) (int, error)
	// SaveSchedule stores c's Due, Memory and Answers when the stored card folds fewer
	// answers than c does (a fold of more answers is newer); false when it did not.
	SaveSchedule(ctx context.Context, c Card) (bool, error)
	// Retire marks an active card retired with the reason.
	Retire(ctx context.Context, id, reason string, at time.Time) error
	// Migrate moves an active card from one quiz version to a newer one that asks the same.
	Migrate(ctx context.Context, id string, from, to int) error
	// InsertLog stores l; when its ID is taken it returns the stored log and ErrDuplicateLog.
	InsertLog(ctx context.Context, l Log) (Log, error)
	// Logs returns a card's log.
	Logs(ctx context.Context, cardID string) ([]Log, error)
	// Settings returns a programme's settings; false when it has none stored.
	Settings(ctx context.Context, programmeID string) (Settings, bool, error)
	// SaveSettings stores a programme's settings.
	SaveSettings(ctx context.Context, s Settings) error
}

// Quizzes reads quiz attempts and questions from content.
type Quizzes interface {
	// Attempt returns the user's attempt at the quiz recorded under eventID, with the
	// questions of the version it was made against; ErrNotFound when there is none.
	Attempt(ctx context.Context, userID, quizID, eventID string) (Attempt, error)
	// Current returns the questions of the quiz's latest version, and whether the quiz is
	// published; ErrNotFound when there is no such quiz.
	Current(ctx context.Context, quizID string) (version int, published bool, qs []Question, err error)
}

// Attempt is one quiz attempt as content recorded it.
type Attempt struct {
	EventID      string
	ProgrammeID  string
	OccurredAt   time.Time
	SecondsSpent int
	Questions    []Question
	// Answers are the chosen option keys and Correct the grade, by question key.
	Answers map[string][]string
	Correct map[string]bool
}

// People tells the review service a person's time zone (reviews of one card on one local
// day earn less XP each time).
type People interface {
	// Timezone returns the user's IANA zone ("" when unknown).
	Timezone(ctx context.Context, userID string) (string, error)
}
