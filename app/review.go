package app

import (
	"context"
	"errors"
	"strings"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/review"
	"github.com/microlearn/microlearn/review/reviewdb"
)

// newReview builds spaced review: cards from content's quiz attempts, people's time zones
// from identity, answers published as learning events. Gamification hands it every quiz
// attempt it processes (an observer), so a card is made at least once per attempt.
func (a *App) newReview() *review.Service {
	return &review.Service{Store: reviewdb.New(a.DB.DB), Quizzes: quizzesForReview{a.Content}, People: peopleForReview{a.Identity},
		Events: a.Learning, Now: a.Now, Log: a.Log.With("component", "review")}
}

// quizzesForReview reads quiz attempts and questions from content.
type quizzesForReview struct{ c *content.Service }

func toReviewQuestions(it content.Item) []review.Question {
	if it.Quiz == nil {
		return nil
	}
	out := make([]review.Question, len(it.Quiz.Questions))
	for i, q := range it.Quiz.Questions {
		rq := review.Question{QuizID: it.ID, QuizTitle: it.Title, QuizVersion: it.Version, ProgrammeID: it.ProgrammeID, Domain: string(it.Domain),
			Key: q.Key, Type: string(q.Type), Prompt: q.Prompt, Explanation: q.Explanation, Options: make([]review.Option, len(q.Options))}
		for j, o := range q.Options {
			rq.Options[j] = review.Option{Key: o.Key, Text: o.Text, Correct: o.Correct}
		}
		out[i] = rq
	}
	return out
}

func (s quizzesForReview) Attempt(ctx context.Context, userID, quizID, eventID string) (review.Attempt, error) {
	quiz, err := s.c.Item(ctx, quizID)
	if errors.Is(err, content.ErrNotFound) {
		return review.Attempt{}, review.ErrNotFound
	}
	if err != nil {
		return review.Attempt{}, err
	}
	acts, versions, err := s.c.Attempts(ctx, userID, quiz)
	if err != nil {
		return review.Attempt{}, err
	}
	for _, act := range acts {
		if act.EventID != strings.ToLower(eventID) {
			continue
		}
		at := review.Attempt{EventID: act.EventID, ProgrammeID: act.ProgrammeID, OccurredAt: act.OccurredAt, SecondsSpent: act.SecondsSpent,
			Questions: toReviewQuestions(versions[act.ItemVersion]), Answers: map[string][]string{}, Correct: map[string]bool{}}
		for _, an := range act.Answers {
			at.Answers[an.QuestionKey] = an.OptionKeys
		}
		for _, r := range act.Results {
			at.Correct[r.QuestionKey] = r.Correct
		}
		return at, nil
	}
	return review.Attempt{}, review.ErrNotFound
}

func (s quizzesForReview) Current(ctx context.Context, quizID string) (int, bool, []review.Question, error) {
	it, err := s.c.Item(ctx, quizID)
	if errors.Is(err, content.ErrNotFound) {
		return 0, false, nil, review.ErrNotFound
	}
	if err != nil {
		return 0, false, nil, err
	}
	return it.Version, it.Status == content.StatusPublished, toReviewQuestions(it), nil
}

// peopleForReview reads time zones from identity.
type peopleForReview struct{ s *identity.Service }

func (p peopleForReview) Timezone(ctx context.Context, userID string) (string, error) {
	u, err := p.s.User(ctx, userID)
	return u.Timezone, err
}
