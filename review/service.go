package review

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Service is spaced review: it makes cards from quiz attempts (as a learning.Observer),
// lists a person's due cards, records answers exactly once per client event, and keeps the
// programmes' review settings.
type Service struct {
	Store   Store
	Quizzes Quizzes
	People  People
	Events  learning.Publisher
	Now     func() time.Time
	Log     *slog.Logger
}

// The window in which client event times are accepted (as for content progress).
const (
	MaxFutureSkew = 5 * time.Minute
	MaxEventAge   = 30 * 24 * time.Hour
	// attemptGrace is how long after a quiz attempt's event was recorded its progress record
	// may still be missing: content writes the event first and the record a moment later.
	attemptGrace = 2 * time.Minute
)

// errAttemptPending sends a quiz attempt's event round again: its record is not there yet.
var errAttemptPending = errors.New("review: the quiz attempt is not recorded yet")

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// location returns the user's time zone (UTC when unknown or unreadable: a wrong zone costs
// at most a few hours of a due day, never an answer).
func (s *Service) location(ctx context.Context, userID string) *time.Location {
	if s.People == nil {
		return time.UTC
	}
	tz, err := s.People.Timezone(ctx, userID)
	if err != nil || tz == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Settings returns a programme's review settings (the defaults when it has none).
func (s *Service) Settings(ctx context.Context, programmeID string) (Settings, error) {
	st, ok, err := s.Store.Settings(ctx, programmeID)
	if err != nil {
		return Settings{}, fmt.Errorf("review settings: %w", err)
	}
	if !ok {
		return DefaultSettings(programmeID), nil
	}
	return st, nil
}

// SetSettings replaces a programme's review settings. The new retention applies to each
// card from its next answer on.
func (s *Service) SetSettings(ctx context.Context, st Settings) (Settings, error) {
	if err := st.Validate(); err != nil {
		return Settings{}, err
	}
	st.UpdatedAt = s.now()
	if err := s.Store.SaveSettings(ctx, st); err != nil {
		return Settings{}, fmt.Errorf("save review settings: %w", err)
	}
	return st, nil
}

// ObserveLearningEvent implements learning.Observer: a quiz attempt makes a card of each
// question answered wrongly (of every question, when the programme says so) that has none
// yet, and adds the attempt's answers to the questions' existing cards. It is called at
// least once per event; everything it writes is keyed, so a repeat changes nothing.
func (s *Service) ObserveLearningEvent(ctx context.Context, e learning.Event) error {
	if e.Kind != learning.QuizAttempted || e.UserID == "" || e.ItemID == "" {
		return nil
	}
	a, err := s.Quizzes.Attempt(ctx, e.UserID, e.ItemID, e.ID)
	if errors.Is(err, ErrNotFound) {
		if s.now().Sub(e.RecordedAt) < attemptGrace {
			return errAttemptPending
		}
		// The client never retried after a crash between the event and its record: there
		// are no answers to make cards of (docs/decisions.md, content progress).
		s.log().Info("review: no quiz attempt recorded for the event; no cards made", "eventId", e.ID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("quiz attempt: %w", err)
	}
	st, err := s.Settings(ctx, a.ProgrammeID)
	if err != nil {
		return err
	}
	loc := s.location(ctx, e.UserID)
	for _, q := range a.Questions {
		if err := s.fromAnswer(ctx, e.UserID, a, q, st, loc); err != nil {
			return err
		}
	}
	return nil
}

// fromAnswer records one question's answer in an attempt: on the question's card when there
// is one, or on a new card when the answer was wrong (or the programme reviews every
// question).
func (s *Service) fromAnswer(ctx context.Context, userID string, a Attempt, q Question, st Settings, loc *time.Location) error {
	correct := a.Correct[q.Key]
	id := CardID(userID, q.QuizID, q.Key)
	card, err := s.Store.Card(ctx, id)
	exists := err == nil
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return fmt.Errorf("review card: %w", err)
	case card.Fingerprint != q.Fingerprint() || card.Status != StatusActive:
		return nil // the card asks something else now, or is no longer asked
	}
	if !exists && correct && !st.AllQuestions {
		return nil
	}
	rating := Good
	if !correct {
		rating = Again
	}
	l := Log{ID: userID + ":" + a.EventID + ":" + q.Key, CardID: id, UserID: userID, ProgrammeID: a.ProgrammeID, EventID: a.EventID,
		Kind: LogQuiz, QuizVersion: q.QuizVersion, OptionKeys: slices.Clone(a.Answers[q.Key]), Correct: correct, Rating: rating,
		RatingSource: SourceQuiz, OccurredAt: a.OccurredAt.UTC(), RecordedAt: s.now()}
	if _, err := s.Store.InsertLog(ctx, l); err != nil && !errors.Is(err, ErrDuplicateLog) {
		return fmt.Errorf("record quiz answer: %w", err)
	}
	if !exists {
		origin := OriginMissed
		if correct {
			origin = OriginChecked
		}
		mem, due := Fold([]Log{l}, st.DesiredRetention, loc)
		card = Card{ID: id, ProgrammeID: a.ProgrammeID, UserID: userID, QuizID: q.QuizID, QuestionKey: q.Key, QuizVersion: q.QuizVersion,
			Fingerprint: q.Fingerprint(), Origin: origin, CreatedAt: s.now(), Status: StatusActive, Due: due, Memory: mem, Answers: 1}
		stored, err := s.Store.InsertCard(ctx, card)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrConflict) {
			return fmt.Errorf("create review card: %w", err)
		}
		card = stored // made by an earlier delivery: fold this answer in below
	}
	_, _, err = s.refold(ctx, card, st.DesiredRetention, loc)
	return err
}

// refold recomputes a card's schedule from its whole log and stores it unless a fold of
// more answers is stored already. It returns the card as stored and its log (sorted).
func (s *Service) refold(ctx context.Context, card Card, retention float64, loc *time.Location) (Card, []Log, error) {
	for range 5 {
		logs, err := s.Store.Logs(ctx, card.ID)
		if err != nil {
			return card, nil, fmt.Errorf("review log: %w", err)
		}
		mem, due := Fold(logs, retention, loc)
		next := card
		next.Memory, next.Due, next.Answers = mem, due, len(logs)
		if len(logs) <= card.Answers {
			return card, logs, nil // nothing new to fold
		}
		ok, err := s.Store.SaveSchedule(ctx, next)
		if err != nil {
			return card, nil, fmt.Errorf("save schedule: %w", err)
		}
		if ok {
			return next, logs, nil
		}
		// Someone stored a fold of at least as many answers meanwhile: read it, and fold
		// again if answers were added after that fold was read.
		if card, err = s.Store.Card(ctx, card.ID); err != nil {
			return card, nil, err
		}
	}
	return card, nil, fmt.Errorf("save schedule of %s: %w", card.ID, ErrConflict)
}

// DueCard is a card with the question it asks now.
type DueCard struct {
	Card     Card
	Question Question
}

// Due returns up to limit of the user's cards due at now (ordered by due time), with their
// questions, after the cursor; next is the cursor of the following page (zero when none).
// Cards whose question changed in a newer quiz version are retired on the way (and left
// out); cards whose question is unchanged move to the newer version.
func (s *Service) Due(ctx context.Context, userID string, now time.Time, after Cursor, limit int) ([]DueCard, Cursor, error) {
	if limit < 1 || limit > 100 {
		limit = 20
	}
	cards, err := s.Store.DueCards(ctx, userID, now, after, limit+1)
	if err != nil {
		return nil, Cursor{}, fmt.Errorf("due cards: %w", err)
	}
	var next Cursor
	if len(cards) > limit {
		cards = cards[:limit]
		last := cards[limit-1]
		next = Cursor{Due: last.Due, ID: last.ID}
	}
	out := make([]DueCard, 0, len(cards))
	for _, c := range cards {
		dc, err := s.current(ctx, c)
		if errors.Is(err, ErrRetired) {
			continue
		}
		if err != nil {
			return nil, Cursor{}, err
		}
		out = append(out, dc)
	}
	return out, next, nil
}

// DueCount is the number of the user's review cards due at `at`: what the home view shows
// and the "reviews due" nudge waits for. It counts active cards by their stored schedule
// (a card whose question has changed counts until a listing retires it).
func (s *Service) DueCount(ctx context.Context, userID string, at time.Time) (int, error) {
	n, err := s.Store.CountDue(ctx, userID, at)
	if err != nil {
		return 0, fmt.Errorf("count due cards: %w", err)
	}
	return n, nil
}

// Card returns one of the user's cards with its current question; ErrNotFound for a card
// that is not theirs, ErrRetired for a retired one.
func (s *Service) Card(ctx context.Context, userID, cardID string) (DueCard, error) {
	c, err := s.Store.Card(ctx, cardID)
	if err != nil {
		return DueCard{}, err
	}
	if c.UserID != userID {
		return DueCard{}, ErrNotFound
	}
	return s.current(ctx, c)
}

// current finds the question a card asks in the latest version of its quiz, migrating the
// card to that version when the question is unchanged and retiring it when it changed, went
// away or the quiz is no longer published.
func (s *Service) current(ctx context.Context, c Card) (DueCard, error) {
	if c.Status != StatusActive {
		return DueCard{Card: c}, ErrRetired
	}
	version, published, qs, err := s.Quizzes.Current(ctx, c.QuizID)
	reason := ""
	var q Question
	switch {
	case errors.Is(err, ErrNotFound):
		reason = "quiz_removed"
	case err != nil:
		return DueCard{}, fmt.Errorf("quiz of card: %w", err)
	case !published:
		reason = "quiz_unpublished"
	default:
		i := slices.IndexFunc(qs, func(x Question) bool { return x.Key == c.QuestionKey })
		switch {
		case i < 0:
			reason = "question_removed"
		case qs[i].Fingerprint() != c.Fingerprint:
			reason = "question_changed"
		default:
			q = qs[i]
		}
	}
	if reason != "" {
		if err := s.Store.Retire(ctx, c.ID, reason, s.now()); err != nil {
			return DueCard{}, fmt.Errorf("retire card: %w", err)
		}
		c.Status, c.RetiredReason = StatusRetired, reason
		return DueCard{Card: c}, ErrRetired
	}
	if version > c.QuizVersion {
		if err := s.Store.Migrate(ctx, c.ID, c.QuizVersion, version); err != nil {
			return DueCard{}, fmt.Errorf("migrate card: %w", err)
		}
		c.QuizVersion = version
	}
	return DueCard{Card: c, Question: q}, nil
}

// Answer is a client's answer to a card.
type Answer struct {
	EventID    string
	OccurredAt time.Time
	OptionKeys []string
	// Rating is the person's own rating (0: derive it from correctness and time).
	Rating       Rating
	SecondsSpent int
}

// Answered is the outcome of recording an answer: the log entry as first recorded, the card
// after it, the question it asked, and whether this call replayed an event already recorded.
type Answered struct {
	Log       Log
	Card      Card
	Question  Question
	Duplicate bool
	// Event is the learning event published for the answer (nil for a replay).
	Event *learning.Event
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (s *Service) check(in Answer, now time.Time) error {
	var f apperr.Fields
	f.Check(uuidPattern.MatchString(in.EventID), "/eventId", "must be a UUID generated by the client")
	switch {
	case in.OccurredAt.IsZero():
		f.Add("/occurredAt", "is required")
	case in.OccurredAt.After(now.Add(MaxFutureSkew)):
		f.Add("/occurredAt", fmt.Sprintf("is %s in the future; at most %s is accepted (check the device clock)",
			in.OccurredAt.Sub(now).Round(time.Second), MaxFutureSkew))
	case in.OccurredAt.Before(now.Add(-MaxEventAge)):
		f.Add("/occurredAt", "is more than 30 days ago; such old events are not accepted")
	}
	f.Check(in.SecondsSpent >= 0 && in.SecondsSpent <= 86400, "/secondsSpent", "must be 0 to 86400")
	f.Check(in.Rating == 0 || in.Rating.Valid(), "/rating", "must be again, hard, good or easy")
	return f.Err()
}

// AnswerCard records the user's answer to a card exactly once per client event ID: it is
// graded, rated (DeriveRating), published as a review_completed learning event, logged, and
// the card rescheduled by folding its whole log. Replaying an event ID returns what was
// recorded first and changes nothing. ErrNotFound for a card that is not the user's,
// ErrRetired for a retired card, ErrEventIDReused for an event ID used on another card.
func (s *Service) AnswerCard(ctx context.Context, userID, cardID string, in Answer) (Answered, error) {
	now := s.now()
	if err := s.check(in, now); err != nil {
		return Answered{}, err
	}
	in.EventID = strings.ToLower(in.EventID)
	card, err := s.Store.Card(ctx, cardID)
	if err != nil {
		return Answered{}, err
	}
	if card.UserID != userID {
		return Answered{}, ErrNotFound
	}
	logs, err := s.Store.Logs(ctx, card.ID)
	if err != nil {
		return Answered{}, fmt.Errorf("review log: %w", err)
	}
	id := ReviewLogID(userID, in.EventID)
	if i := slices.IndexFunc(logs, func(l Log) bool { return l.ID == id }); i >= 0 {
		return s.replayed(ctx, card, logs[i])
	}
	dc, err := s.current(ctx, card)
	if err != nil {
		return Answered{}, err
	}
	correct, err := dc.Question.Grade(in.OptionKeys)
	if err != nil {
		return Answered{}, err
	}
	st, err := s.Settings(ctx, card.ProgrammeID)
	if err != nil {
		return Answered{}, err
	}
	loc := s.location(ctx, userID)
	rating, source := DeriveRating(correct, in.Rating, in.SecondsSpent)
	l := Log{ID: id, CardID: card.ID, UserID: userID, ProgrammeID: card.ProgrammeID, EventID: in.EventID, Kind: LogReview,
		QuizVersion: dc.Card.QuizVersion, OptionKeys: slices.Clone(in.OptionKeys), Correct: correct, Rating: rating, RatingSource: source,
		SecondsSpent: in.SecondsSpent, OccurredAt: in.OccurredAt.UTC().Truncate(time.Millisecond), RecordedAt: now}
	all := append(slices.Clone(logs), l)
	mem, due := Fold(all, st.DesiredRetention, loc)
	l.DueAfter, l.ScheduledDays, l.DayAttempt = due, mem.ScheduledDays, dayAttempt(all, l.ID, l.OccurredAt, loc)
	// The learning event first, then the log (as content does): a crash between the two is
	// repaired by the client's retry, whose publish is a no-op.
	ev := learning.Event{ID: "review:" + in.EventID, Kind: learning.ReviewCompleted, UserID: userID,
		ProgrammeID: card.ProgrammeID, ItemKind: learning.KindReview, ItemID: card.ID, Domain: dc.Question.Domain,
		OccurredAt: l.OccurredAt, RecordedAt: now, Passed: correct, Attempt: l.DayAttempt, SecondsSpent: in.SecondsSpent}
	if err := s.Events.Publish(ctx, ev); err != nil {
		return Answered{}, fmt.Errorf("publish review: %w", err)
	}
	stored, err := s.Store.InsertLog(ctx, l)
	if errors.Is(err, ErrDuplicateLog) {
		if stored.CardID != card.ID {
			return Answered{}, ErrEventIDReused
		}
		return s.replayed(ctx, card, stored)
	}
	if err != nil {
		return Answered{}, fmt.Errorf("record review: %w", err)
	}
	next := dc.Card
	next.Memory, next.Due, next.Answers = mem, due, len(all)
	saved, err := s.Store.SaveSchedule(ctx, next)
	if err != nil {
		return Answered{}, fmt.Errorf("save schedule: %w", err)
	}
	if !saved { // another answer to this card landed meanwhile: fold everything
		if next, _, err = s.refold(ctx, dc.Card, st.DesiredRetention, loc); err != nil {
			return Answered{}, err
		}
	}
	return Answered{Log: l, Card: next, Question: dc.Question, Event: &ev}, nil
}

// replayed answers a replayed event with the log first recorded for it and the card as it
// is now, after folding any answer whose schedule a crash kept from being stored.
func (s *Service) replayed(ctx context.Context, card Card, l Log) (Answered, error) {
	st, err := s.Settings(ctx, card.ProgrammeID)
	if err != nil {
		return Answered{}, err
	}
	card, _, err = s.refold(ctx, card, st.DesiredRetention, s.location(ctx, card.UserID))
	if err != nil {
		return Answered{}, err
	}
	out := Answered{Log: l, Card: card, Duplicate: true}
	if dc, err := s.current(ctx, card); err == nil {
		out.Question = dc.Question
	} else if !errors.Is(err, ErrRetired) {
		return Answered{}, err
	}
	return out, nil
}
