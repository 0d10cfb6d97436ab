package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/review"
)

func init() {
	addFixture(func(t *testing.T, f *Fixture) {
		// The mentee misses q1 of a quiz; the worker makes the review card.
		ctx := context.Background()
		app := f.Env.App
		quiz := mustCreate(t, app.Content, f.Users[Owner].ID, f.ProgrammeID, testQuiz("Matrix review quiz", 0), true)
		if _, _, err := app.Content.SubmitQuiz(ctx, f.Users[Mentee].ID, quiz, content.QuizSubmission{EventID: newEventID(),
			OccurredAt: app.Now(), Answers: []content.Answer{{QuestionKey: "q1", OptionKeys: []string{"a"}}}}); err != nil {
			t.Fatal(err)
		}
		id := review.CardID(f.Users[Mentee].ID, quiz.ID, "q1")
		deadline := time.Now().Add(15 * time.Second)
		for {
			if _, err := app.Reviews.Card(ctx, f.Users[Mentee].ID, id); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the review card was not made in time")
			}
			time.Sleep(20 * time.Millisecond)
		}
		f.IDs["cardId"] = id
	})
	// A card is its mentee's; to everyone else it does not exist.
	mine := func(status int) map[Who]int {
		return map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: status, Mentor: 404, Owner: 404, Admin: 404}
	}
	addRows(
		Row{Method: "GET", Path: "/v1/me/reviews", Expect: signedInAll(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/me/reviews/{cardId}", Expect: mine(http.StatusOK)},
		Row{Method: "POST", Path: "/v1/me/reviews/{cardId}", Expect: mine(http.StatusCreated),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/me/reviews/{cardId}"), Body: map[string]any{
					"eventId": newEventID(), "occurredAt": apitest.Now().UTC().Format(time.RFC3339), "optionKeys": []string{"b"}}}
			}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/review-settings", Expect: gamMember(http.StatusOK)},
		Row{Method: "PUT", Path: "/v1/programmes/{programmeId}/review-settings", Expect: gamOwnerOnly(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/review-settings"), Body: map[string]any{"desiredRetention": 0.92}}
			}},
	)
}
