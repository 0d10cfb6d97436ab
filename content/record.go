package content

import (
	"context"
	"errors"
	"slices"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Recording progress. Each kind of event is turned into its activity record (and learning
// event) by one builder, used both by the single-event methods below and by Sync (sync.go),
// which records a whole offline batch with a handful of commands.

// built is an activity ready to record, or the replay of one already recorded.
type built struct {
	a  Activity
	ev *learning.Event
	// replay, when set, is the activity first recorded under this event ID.
	replay *Activity
	// version is the quiz version an attempt was graded against.
	version Item
}

// findEvent returns the activity among prior recorded under eventID.
func findEvent(prior []Activity, eventID string) *Activity {
	for i := range prior {
		if prior[i].EventID == eventID {
			return &prior[i]
		}
	}
	return nil
}

// buildLesson checks a lesson progress event and builds its activity. prior, when known, is
// the person's activity on the lesson (a replay is then recognised without a write).
func (s *Service) buildLesson(userID string, lesson Item, p LessonProgress, prior []Activity) (built, error) {
	var f apperr.Fields
	checkEvent(&f, p.EventID, p.OccurredAt, s.now(), p.SecondsSpent)
	f.Check(p.State == LessonStarted || p.State == LessonCompleted, "/state", "must be started or completed")
	if err := f.Err(); err != nil {
		return built{}, err
	}
	a := s.base(userID, ActivityLessonProgress, lesson, p.EventID, p.OccurredAt, p.SecondsSpent)
	if r := findEvent(prior, a.EventID); r != nil {
		return built{a: a, replay: r}, nil
	}
	a.LessonState = p.State
	a.Completes = p.State == LessonCompleted
	kind := learning.LessonStarted
	if a.Completes {
		kind = learning.LessonCompleted
	}
	return built{a: a, ev: s.event(kind, lesson, a)}, nil
}

// buildAttempt checks and grades a quiz attempt against prior (the person's activity on the
// quiz). Its attempt number is the next after prior's; the caller reserves it on its unique
// key before recording (reserveAttempt, or Sync's reservations in bulk).
func (s *Service) buildAttempt(ctx context.Context, userID string, quiz Item, sub QuizSubmission, prior []Activity) (built, error) {
	var f apperr.Fields
	checkEvent(&f, sub.EventID, sub.OccurredAt, s.now(), sub.SecondsSpent)
	f.Check(sub.Version >= 0, "/version", "must be a version of the quiz")
	if err := f.Err(); err != nil {
		return built{}, err
	}
	eventID := normalizeEventID(sub.EventID)
	if r := findEvent(prior, eventID); r != nil {
		version, err := s.ItemVersion(ctx, quiz.ID, r.ItemVersion)
		if err != nil {
			return built{}, err
		}
		return built{a: Activity{Type: ActivityQuizAttempt, ItemID: quiz.ID}, replay: r, version: version}, nil
	}
	attempts := 0
	for _, p := range prior {
		if p.Type == ActivityQuizAttempt {
			attempts++
		}
	}
	version := quiz
	if sub.Version != 0 && sub.Version != quiz.Version {
		var err error
		version, err = s.ItemVersion(ctx, quiz.ID, sub.Version)
		if errors.Is(err, ErrVersionNotFound) {
			f.Add("/version", "the quiz has no such version")
			return built{}, f.Err()
		}
		if err != nil {
			return built{}, err
		}
	}
	results, score, err := grade(version.Quiz, sub.Answers)
	if err != nil {
		return built{}, err
	}
	n := attempts + 1 // to be reserved (reserveAttempt) before it is recorded
	if quiz.Quiz.MaxAttempts > 0 && n > quiz.Quiz.MaxAttempts {
		return built{}, ErrAttemptsUsedUp
	}
	a := s.base(userID, ActivityQuizAttempt, quiz, sub.EventID, sub.OccurredAt, sub.SecondsSpent)
	a.ItemVersion = version.Version
	a.Answers, a.Results, a.ScorePercent = sub.Answers, results, score
	a.Attempt = n
	a.Passed = score >= version.Quiz.PassPercent
	perfect := !slices.ContainsFunc(results, func(r QuestionResult) bool { return !r.Correct })
	passedBefore := slices.ContainsFunc(prior, func(p Activity) bool { return p.Passed })
	a.Completes = a.Passed && !passedBefore
	ev := s.event(learning.QuizAttempted, quiz, a)
	ev.ScorePercent, ev.Passed, ev.Attempt, ev.Perfect = score, a.Passed, a.Attempt, perfect
	ev.Questions = questionResults(results)
	if err := s.measure(ctx, ev, version, a, nonNil(prior)); err != nil { // prior is read: no query
		return built{}, err
	}
	return built{a: a, ev: ev, version: version}, nil
}

// reserveAttempt takes the first free attempt number from n on (the number of attempts
// recorded plus one) on a unique key, before the attempt is recorded: two attempts sent at
// once get different numbers, and neither passes the quiz's MaxAttempts (ErrAttemptsUsedUp).
// A number already held by this event (a retry after a crash between reserving and
// recording) is this event's. A number reserved by an attempt that was never recorded (the
// process died and the phone never retried) stays used.
func (s *Service) reserveAttempt(ctx context.Context, userID string, quiz Item, n int, eventID string) (int, error) {
	for ; ; n++ {
		if quiz.Quiz.MaxAttempts > 0 && n > quiz.Quiz.MaxAttempts {
			return 0, ErrAttemptsUsedUp
		}
		reserved, holder, err := s.Store.ReserveAttempt(ctx, userID, quiz.ID, n, eventID)
		if err != nil {
			return 0, err
		}
		if reserved || holder == eventID {
			return n, nil
		}
	}
}

// buildTick checks a checklist tick and folds it into prior (the person's activity on the
// checklist, in any order): the checklist after the tick, and whether this tick completes it
// for the first time (ticks that do not complete it are progress, not learning events).
func (s *Service) buildTick(userID string, cl Item, t ChecklistTick, prior []Activity) (built, error) {
	var f apperr.Fields
	checkEvent(&f, t.EventID, t.OccurredAt, s.now(), 0)
	if err := f.Err(); err != nil {
		return built{}, err
	}
	if !slices.ContainsFunc(cl.Checklist.Items, func(c ChecklistItem) bool { return c.Key == t.ItemKey }) {
		return built{}, ErrUnknownChecklist
	}
	a := s.base(userID, ActivityChecklistTick, cl, t.EventID, t.OccurredAt, 0)
	a.ChecklistItem, a.Ticked = t.ItemKey, t.Ticked
	if r := findEvent(prior, a.EventID); r != nil {
		return built{a: a, replay: r}, nil
	}
	prior = slices.Clone(prior)
	sortActivities(prior)
	before := checklistComplete(cl.Checklist, checklistTicks(prior))
	after := append(slices.Clone(prior), a)
	sortActivities(after)
	ticked := checklistTicks(after)
	a.TickedItems, a.Complete = tickedList(cl.Checklist, ticked), checklistComplete(cl.Checklist, ticked)
	completedBefore := slices.ContainsFunc(prior, func(p Activity) bool { return p.Completes })
	b := built{a: a}
	if a.Complete && !before && !completedBefore {
		b.a.Completes = true
		b.ev = s.event(learning.ChecklistCompleted, cl, b.a)
	}
	return b, nil
}

// finish records one built activity (or answers its replay).
func (s *Service) finish(ctx context.Context, it Item, b built) (Recorded, error) {
	if b.replay != nil {
		return s.replayed(ctx, it, *b.replay, b.a)
	}
	return s.record(ctx, it, b.a, b.ev)
}

// RecordLesson records a lesson started or completed. The caller has checked that userID
// may see the lesson and that it is published.
func (s *Service) RecordLesson(ctx context.Context, userID string, lesson Item, p LessonProgress) (Recorded, error) {
	b, err := s.buildLesson(userID, lesson, p, nil) // a replay is recognised by the insert
	if err != nil {
		return Recorded{}, err
	}
	if b.replay == nil && b.a.Completes {
		if err := s.measure(ctx, b.ev, lesson, b.a, nil); err != nil {
			return Recorded{}, err
		}
	}
	return s.finish(ctx, lesson, b)
}

// SubmitQuiz grades an attempt on the server and records it with its answers, score,
// pass/fail, time spent and the quiz version it was made against. The retry policy is
// enforced: ErrAttemptsUsedUp once MaxAttempts attempts are recorded.
func (s *Service) SubmitQuiz(ctx context.Context, userID string, quiz Item, sub QuizSubmission) (Recorded, Item, error) {
	var f apperr.Fields
	checkEvent(&f, sub.EventID, sub.OccurredAt, s.now(), sub.SecondsSpent)
	f.Check(sub.Version >= 0, "/version", "must be a version of the quiz")
	if err := f.Err(); err != nil {
		return Recorded{}, Item{}, err
	}
	prior, err := s.Store.Activities(ctx, userID, []string{quiz.ID})
	if err != nil {
		return Recorded{}, Item{}, err
	}
	b, err := s.buildAttempt(ctx, userID, quiz, sub, prior)
	if err != nil {
		return Recorded{}, Item{}, err
	}
	if b.replay == nil {
		n, err := s.reserveAttempt(ctx, userID, quiz, b.a.Attempt, b.a.EventID)
		if err != nil {
			return Recorded{}, Item{}, err
		}
		b.numbered(n)
	}
	r, err := s.finish(ctx, quiz, b)
	if b.replay != nil {
		r.Revealed = RevealsAnswers(quiz.Quiz, prior)
	} else {
		r.Revealed = RevealsAnswers(quiz.Quiz, append(prior, r.Activity))
	}
	return r, b.version, err
}

// numbered gives an attempt its reserved number.
func (b *built) numbered(n int) {
	b.a.Attempt = n
	if b.ev != nil {
		b.ev.Attempt = n
	}
}

// TickChecklist ticks or unticks one checklist item. When the tick completes the checklist
// for the first time, a checklist_completed learning event is published.
func (s *Service) TickChecklist(ctx context.Context, userID string, cl Item, t ChecklistTick) (Recorded, error) {
	var f apperr.Fields
	checkEvent(&f, t.EventID, t.OccurredAt, s.now(), 0)
	if err := f.Err(); err != nil {
		return Recorded{}, err
	}
	if !slices.ContainsFunc(cl.Checklist.Items, func(c ChecklistItem) bool { return c.Key == t.ItemKey }) {
		return Recorded{}, ErrUnknownChecklist
	}
	prior, err := s.Store.Activities(ctx, userID, []string{cl.ID})
	if err != nil {
		return Recorded{}, err
	}
	b, err := s.buildTick(userID, cl, t, prior)
	if err != nil {
		return Recorded{}, err
	}
	return s.finish(ctx, cl, b)
}
