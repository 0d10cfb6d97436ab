package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/review"
)

// Spaced review: a mentee's due review cards (the questions, never the answers) and their
// answers, recorded exactly once per client eventId like every progress write.

func (s *Server) mountReviews(r fiber.Router) {
	r.Get("/me/reviews", s.listReviews)
	r.Get("/me/reviews/:cardId", s.getReview)
	r.Post("/me/reviews/:cardId", s.idempotent, s.answerReview)
	r.Get("/programmes/:programmeId/review-settings", s.getReviewSettings)
	r.Put("/programmes/:programmeId/review-settings", s.putReviewSettings)
}

type reviewOptionJSON struct {
	Key  string `json:"key"`
	Text string `json:"text"`
}

type reviewQuestionJSON struct {
	Key     string             `json:"key"`
	Type    string             `json:"type"`
	Prompt  string             `json:"prompt"`
	Options []reviewOptionJSON `json:"options"`
}

type reviewCardJSON struct {
	ID            string             `json:"id"`
	ProgrammeID   *string            `json:"programmeId"`
	QuizID        string             `json:"quizId"`
	QuizTitle     string             `json:"quizTitle"`
	QuizVersion   int                `json:"quizVersion"`
	Question      reviewQuestionJSON `json:"question"`
	Origin        string             `json:"origin"`
	DueAt         time.Time          `json:"dueAt"`
	State         string             `json:"state"`
	Reps          int                `json:"reps"`
	Lapses        int                `json:"lapses"`
	ScheduledDays int                `json:"scheduledDays"`
	LastReviewAt  *time.Time         `json:"lastReviewAt"`
	CreatedAt     time.Time          `json:"createdAt"`
}

// fsrsStates names FSRS's card states.
var fsrsStates = []string{"new", "learning", "review", "relearning"}

func stateName(s int) string {
	if s >= 0 && s < len(fsrsStates) {
		return fsrsStates[s]
	}
	return "review"
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// toReviewCard renders a card with its question: the prompt and the options' texts, never
// which options are right (the answer is told only in the answer to POST).
func toReviewCard(dc review.DueCard) reviewCardJSON {
	c, q := dc.Card, dc.Question
	out := reviewCardJSON{ID: c.ID, ProgrammeID: optionalString(c.ProgrammeID), QuizID: c.QuizID, QuizTitle: q.QuizTitle,
		QuizVersion: c.QuizVersion, Origin: c.Origin, DueAt: c.Due, State: stateName(c.Memory.State), Reps: c.Memory.Reps,
		Lapses: c.Memory.Lapses, ScheduledDays: c.Memory.ScheduledDays, CreatedAt: c.CreatedAt,
		Question: reviewQuestionJSON{Key: q.Key, Type: q.Type, Prompt: q.Prompt, Options: make([]reviewOptionJSON, len(q.Options))}}
	for i, o := range q.Options {
		out.Question.Options[i] = reviewOptionJSON{Key: o.Key, Text: o.Text}
	}
	if !c.Memory.LastReview.IsZero() {
		t := c.Memory.LastReview
		out.LastReviewAt = &t
	}
	return out
}

type reviewPage struct {
	Items      []reviewCardJSON `json:"items"`
	DueCount   int              `json:"dueCount"`
	NextCursor *string          `json:"nextCursor"`
}

func (s *Server) listReviews(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	if c.Query("due", "now") != "now" {
		return apperr.Invalid("/due", "must be now (the cards due at this moment)")
	}
	limit := 20
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return apperr.Invalid("/limit", "must be a whole number from 1 to 100")
		}
		limit = n
	}
	var after review.Cursor
	if v := c.Query("cursor"); v != "" {
		at, id, ok := decodeTimeCursor(strings.Clone(v))
		if !ok {
			return apperr.Invalid("/cursor", "not a cursor this server issued")
		}
		after = review.Cursor{Due: at, ID: id}
	}
	now := s.now()
	cards, next, err := s.deps.Reviews.Due(c.UserContext(), cl.UserID, now, after, limit)
	if err != nil {
		return err
	}
	n, err := s.deps.Reviews.DueCount(c.UserContext(), cl.UserID, now)
	if err != nil {
		return err
	}
	out := reviewPage{Items: make([]reviewCardJSON, len(cards)), DueCount: n}
	for i, dc := range cards {
		out.Items[i] = toReviewCard(dc)
	}
	if next.ID != "" {
		cur := encodeTimeCursor(next.Due, next.ID)
		out.NextCursor = &cur
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) getReview(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	dc, err := s.deps.Reviews.Card(c.UserContext(), cl.UserID, strings.Clone(c.Params("cardId")))
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toReviewCard(dc))
}

type reviewAnswerRequest struct {
	EventID      string    `json:"eventId"`
	OccurredAt   time.Time `json:"occurredAt"`
	OptionKeys   []string  `json:"optionKeys"`
	Rating       string    `json:"rating"`
	SecondsSpent int       `json:"secondsSpent"`
}

func (r reviewAnswerRequest) toAnswer() (review.Answer, error) {
	a := review.Answer{EventID: r.EventID, OccurredAt: r.OccurredAt, OptionKeys: r.OptionKeys, SecondsSpent: r.SecondsSpent}
	if r.Rating != "" {
		rating, ok := review.ParseRating(r.Rating)
		if !ok {
			var f apperr.Fields
			f.Add("/rating", "must be again, hard, good or easy")
			return a, f.Err()
		}
		a.Rating = rating
	}
	return a, nil
}

type reviewAnswerResponse struct {
	EventID           string    `json:"eventId"`
	CardID            string    `json:"cardId"`
	OptionKeys        []string  `json:"optionKeys"`
	Correct           bool      `json:"correct"`
	CorrectOptionKeys []string  `json:"correctOptionKeys"`
	Explanation       string    `json:"explanation"`
	Rating            string    `json:"rating"`
	RatingSource      string    `json:"ratingSource"`
	NextDueAt         time.Time `json:"nextDueAt"`
	ScheduledDays     int       `json:"scheduledDays"`
	State             string    `json:"state"`
	Reps              int       `json:"reps"`
	Lapses            int       `json:"lapses"`
	SecondsSpent      int       `json:"secondsSpent"`
	OccurredAt        time.Time `json:"occurredAt"`
	RecordedAt        time.Time `json:"recordedAt"`
}

func toReviewAnswer(a review.Answered) reviewAnswerResponse {
	l := a.Log
	keys, right := l.OptionKeys, a.Question.CorrectKeys()
	if keys == nil {
		keys = []string{}
	}
	if right == nil {
		right = []string{}
	}
	return reviewAnswerResponse{EventID: l.EventID, CardID: l.CardID, OptionKeys: keys, Correct: l.Correct, CorrectOptionKeys: right,
		Explanation: a.Question.Explanation, Rating: l.Rating.String(), RatingSource: l.RatingSource, NextDueAt: l.DueAfter,
		ScheduledDays: l.ScheduledDays, State: stateName(a.Card.Memory.State), Reps: a.Card.Memory.Reps, Lapses: a.Card.Memory.Lapses,
		SecondsSpent: l.SecondsSpent, OccurredAt: l.OccurredAt, RecordedAt: l.RecordedAt}
}

// recordReview answers one card for the caller (the route and POST /v1/sync).
func (s *Server) recordReview(c *fiber.Ctx, cardID string, req reviewAnswerRequest) (recordedJSON, error) {
	cl, err := signedIn(c)
	if err != nil {
		return recordedJSON{}, err
	}
	in, err := req.toAnswer()
	if err != nil {
		return recordedJSON{}, err
	}
	a, err := s.deps.Reviews.AnswerCard(c.UserContext(), cl.UserID, cardID, in)
	if err != nil {
		return recordedJSON{}, err
	}
	return recordedJSON{body: toReviewAnswer(a), dup: a.Duplicate, event: a.Event}, nil
}

func (s *Server) answerReview(c *fiber.Ctx) error {
	if _, err := signedIn(c); err != nil {
		return err
	}
	var req reviewAnswerRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	rec, err := s.recordReview(c, strings.Clone(c.Params("cardId")), req)
	if err != nil {
		return err
	}
	return created(c, rec.body, rec.dup)
}

type reviewSettingsJSON struct {
	DesiredRetention float64    `json:"desiredRetention"`
	AllQuestions     bool       `json:"allQuestions"`
	UpdatedAt        *time.Time `json:"updatedAt"`
}

type reviewSettingsRequest struct {
	DesiredRetention *float64 `json:"desiredRetention"`
	AllQuestions     *bool    `json:"allQuestions"`
}

func toReviewSettings(st review.Settings) reviewSettingsJSON {
	out := reviewSettingsJSON{DesiredRetention: st.DesiredRetention, AllQuestions: st.AllQuestions}
	if !st.UpdatedAt.IsZero() {
		t := st.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}

func (s *Server) getReviewSettings(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid); err != nil {
		return err
	}
	st, err := s.deps.Reviews.Settings(c.UserContext(), pid)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toReviewSettings(st))
}

// putReviewSettings replaces the settings; an omitted field takes its default.
func (s *Server) putReviewSettings(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	var req reviewSettingsRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	st := review.DefaultSettings(pid)
	set(&st.DesiredRetention, req.DesiredRetention)
	set(&st.AllQuestions, req.AllQuestions)
	st, err := s.deps.Reviews.SetSettings(c.UserContext(), st)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toReviewSettings(st))
}
