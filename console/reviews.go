package console

import (
	"net/http"
	"strings"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/review"
)

// Spaced review in the browser: the caller's due review cards in this programme (the
// question, never the answer), each answered with the same service call as POST
// /v1/me/reviews/{cardId}, with an event ID minted when the page was rendered so a form
// sent twice is recorded once. What the answer was, and when the card comes back, is told
// after the answer, as the API tells it.
func (c *Console) reviewRoutes() {
	m := c.mux
	m.HandleFunc("GET /p/{pid}/reviews", c.wrap(c.reviewsPage, member))
	m.HandleFunc("POST /p/{pid}/reviews/{card}", c.wrap(c.answerReview, member))
}

type reviewCard struct {
	review.DueCard
	EventID string
}

type reviewsData struct {
	Cards    []reviewCard
	DueCount int
	Started  int64
}

// reviewPageSize bounds one page of due cards (the API's default page).
const reviewPageSize = 20

func (c *Console) reviewsPage(w http.ResponseWriter, v *view) error {
	ctx, now := v.r.Context(), c.deps.Now()
	cards, _, err := c.deps.Reviews.Due(ctx, v.Caller.UserID, now, review.Cursor{}, reviewPageSize)
	if err != nil {
		return err
	}
	n, err := c.deps.Reviews.DueCount(ctx, v.Caller.UserID, now)
	if err != nil {
		return err
	}
	d := reviewsData{DueCount: n, Started: now.Unix()}
	for _, dc := range cards {
		if dc.Card.ProgrammeID == v.Programme.ID || dc.Card.ProgrammeID == "" {
			d.Cards = append(d.Cards, reviewCard{DueCard: dc, EventID: newEventID()})
		}
	}
	c.render(w, v, http.StatusOK, "reviews", d)
	return nil
}

func (c *Console) answerReview(w http.ResponseWriter, v *view) error {
	f := v.r.PostForm
	in := review.Answer{EventID: f.Get("eventId"), OccurredAt: c.deps.Now(), OptionKeys: f["option"], SecondsSpent: c.spent(v)}
	if r := f.Get("rating"); r != "" {
		rating, ok := review.ParseRating(r)
		if !ok {
			return apperr.Invalid("/rating", "must be again, hard, good or easy")
		}
		in.Rating = rating
	}
	a, err := c.deps.Reviews.AnswerCard(v.r.Context(), v.Caller.UserID, v.r.PathValue("card"), in)
	if err != nil {
		return err
	}
	c.setFlash(w, v.r, flash{Text: v.reviewOutcome(a)})
	c.redirect(w, v.r, v.P("reviews"))
	return nil
}

// reviewOutcome is what a person is told after answering a card: right or wrong, the right
// answer, the explanation and when the card comes back.
func (v *view) reviewOutcome(a review.Answered) string {
	right := map[string]bool{}
	for _, k := range a.Question.CorrectKeys() {
		right[k] = true
	}
	var texts []string
	for _, o := range a.Question.Options {
		if right[o.Key] {
			texts = append(texts, o.Text)
		}
	}
	key := "reviews.wrong"
	if a.Log.Correct {
		key = "reviews.right"
	}
	msg := v.T(key, strings.Join(texts, "; ")) + " " + v.T("reviews.next", v.Date(a.Log.DueAfter))
	if a.Question.Explanation != "" {
		msg += " " + a.Question.Explanation
	}
	return msg
}
