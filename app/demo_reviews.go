package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/credential"
	"github.com/microlearn/microlearn/identity"
)

// Fixed event IDs make the demo's activity idempotent: a second seed replays them.
const (
	demoQuizEventID   = "6f1d3c2a-0b7e-4c1e-9a55-16d0c0de0001"
	demoLessonEventID = "6f1d3c2a-0b7e-4c1e-9a55-16d0c0de0002"
)

// seedReviewsDemo: the programme issues Open Badges, and Ada (mentee1) took the SMART goals
// check yesterday, missing one question, and has just completed a lesson. Once the worker has
// processed those events she has a review card due today and the first-lesson badge,
// which she can issue as a credential (POST /v1/me/credentials).
func (a *App) seedReviewsDemo(ctx context.Context, users map[string]identity.User) error {
	if _, err := a.Credentials.IssuerOf(ctx, DemoProgrammeID); errors.Is(err, credential.ErrIssuerNotFound) {
		if _, err := a.Credentials.SetIssuer(ctx, credential.Issuer{ProgrammeID: DemoProgrammeID, Name: "Northfield Hospitals NHS Trust",
			URL: "https://northfield.example", Email: "clinical.education@northfield.example",
			Description: "Clinical Education: the Clinical Leadership Mentoring programme."}); err != nil {
			return fmt.Errorf("demo issuer: %w", err)
		}
	} else if err != nil {
		return err
	}
	ada := users[DemoAccounts[2].Email].ID
	yesterday := a.Now().UTC().Add(-24 * time.Hour).Truncate(time.Minute)
	quiz, err := a.Content.ItemByKey(ctx, DemoProgrammeID, content.KindQuiz, "smart-goals-check")
	if errors.Is(err, content.ErrNotFound) {
		a.Log.Warn("demo: the SMART goals quiz is missing, so no review card is seeded")
		return nil
	}
	if err != nil {
		return err
	}
	answers := []content.Answer{{QuestionKey: "q1", OptionKeys: []string{"a"}}, {QuestionKey: "q2", OptionKeys: []string{"b"}},
		{QuestionKey: "q3", OptionKeys: []string{"true"}}, // the miss that comes back for review
		{QuestionKey: "q4", OptionKeys: []string{"a", "b", "c"}}, {QuestionKey: "q5", OptionKeys: []string{"false"}},
		{QuestionKey: "q6", OptionKeys: []string{"a", "b"}}}
	if _, _, err := a.Content.SubmitQuiz(ctx, ada, quiz, content.QuizSubmission{EventID: demoQuizEventID, OccurredAt: yesterday,
		Answers: answers, SecondsSpent: 240}); err != nil {
		return fmt.Errorf("demo quiz attempt: %w", err)
	}
	lesson, err := a.Content.ItemByKey(ctx, DemoProgrammeID, content.KindLesson, "smart-goals")
	if errors.Is(err, content.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// The lesson is dated now: events from before a person joined earn no badges.
	if _, err := a.Content.RecordLesson(ctx, ada, lesson, content.LessonProgress{EventID: demoLessonEventID, OccurredAt: a.Now().UTC(),
		State: content.LessonCompleted, SecondsSpent: 420}); err != nil {
		return fmt.Errorf("demo lesson: %w", err)
	}
	return nil
}
