package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Progress writes: each carries a client-generated eventId and occurredAt; replaying an
// eventId returns the original result and changes nothing (POST /v1/sync, sync.go, takes a
// batch of the same events from a phone that was offline).

type lessonProgressRequest struct {
	EventID      string    `json:"eventId"`
	OccurredAt   time.Time `json:"occurredAt"`
	State        string    `json:"state"`
	SecondsSpent int       `json:"secondsSpent"`
}

type answerJSON struct {
	QuestionKey string   `json:"questionKey"`
	OptionKeys  []string `json:"optionKeys"`
}

type attemptRequest struct {
	EventID      string       `json:"eventId"`
	OccurredAt   time.Time    `json:"occurredAt"`
	Answers      []answerJSON `json:"answers"`
	SecondsSpent int          `json:"secondsSpent"`
	Version      int          `json:"version"`
}

type tickRequest struct {
	EventID    string    `json:"eventId"`
	OccurredAt time.Time `json:"occurredAt"`
	Ticked     *bool     `json:"ticked"`
}

type lessonProgressResponse struct {
	EventID      string    `json:"eventId"`
	LessonID     string    `json:"lessonId"`
	Version      int       `json:"version"`
	State        string    `json:"state"`
	SecondsSpent int       `json:"secondsSpent"`
	OccurredAt   time.Time `json:"occurredAt"`
	RecordedAt   time.Time `json:"recordedAt"`
}

type questionResultJSON struct {
	QuestionKey string `json:"questionKey"`
	Prompt      string `json:"prompt"`
	Correct     bool   `json:"correct"`
	Explanation string `json:"explanation"`
	// CorrectOptionKeys: once the quiz is over for the person (passed, or their last attempt
	// used) and it does not hide its answers (content.RevealsAnswers).
	CorrectOptionKeys []string `json:"correctOptionKeys,omitempty"`
}

type attemptResponse struct {
	EventID           string               `json:"eventId"`
	QuizID            string               `json:"quizId"`
	Version           int                  `json:"version"`
	Attempt           int                  `json:"attempt"`
	ScorePercent      int                  `json:"scorePercent"`
	PassPercent       int                  `json:"passPercent"`
	Passed            bool                 `json:"passed"`
	AttemptsRemaining *int                 `json:"attemptsRemaining,omitempty"`
	SecondsSpent      int                  `json:"secondsSpent"`
	OccurredAt        time.Time            `json:"occurredAt"`
	RecordedAt        time.Time            `json:"recordedAt"`
	Answers           []answerJSON         `json:"answers"`
	Results           []questionResultJSON `json:"results"`
	// AnswersRevealed says the results carry the correct options.
	AnswersRevealed bool `json:"answersRevealed"`
}

type tickResponse struct {
	EventID     string    `json:"eventId"`
	ChecklistID string    `json:"checklistId"`
	ItemID      string    `json:"itemId"`
	Ticked      bool      `json:"ticked"`
	TickedItems []string  `json:"tickedItems"`
	Complete    bool      `json:"complete"`
	OccurredAt  time.Time `json:"occurredAt"`
	RecordedAt  time.Time `json:"recordedAt"`
}

func toLessonProgress(a content.Activity) lessonProgressResponse {
	return lessonProgressResponse{EventID: a.EventID, LessonID: a.ItemID, Version: a.ItemVersion, State: string(a.LessonState),
		SecondsSpent: a.SecondsSpent, OccurredAt: a.OccurredAt, RecordedAt: a.RecordedAt}
}

func toAnswers(in []answerJSON) []content.Answer {
	out := make([]content.Answer, len(in))
	for i, a := range in {
		out[i] = content.Answer{QuestionKey: a.QuestionKey, OptionKeys: a.OptionKeys}
	}
	return out
}

// toAttempt renders an attempt with the quiz version it was made against: per question,
// whether it was right and the explanation (shown only now that the person has answered).
// toAttempt renders an attempt graded against version; revealed adds the correct options
// (content.RevealsAnswers under the quiz's current policy, which also decides whether
// explanations show: a quiz that hides its answers hides them too).
func toAttempt(a content.Activity, version content.Item, revealed bool) attemptResponse {
	r := attemptResponse{EventID: a.EventID, QuizID: a.ItemID, Version: a.ItemVersion, Attempt: a.Attempt, ScorePercent: a.ScorePercent,
		Passed: a.Passed, SecondsSpent: a.SecondsSpent, OccurredAt: a.OccurredAt, RecordedAt: a.RecordedAt,
		Answers: make([]answerJSON, len(a.Answers)), Results: make([]questionResultJSON, len(a.Results)), AnswersRevealed: revealed}
	q := version.Quiz
	if q != nil {
		r.PassPercent = q.PassPercent
		if q.MaxAttempts > 0 {
			left := max(0, q.MaxAttempts-a.Attempt)
			r.AttemptsRemaining = &left
		}
	}
	for i, x := range a.Answers {
		keys := x.OptionKeys
		if keys == nil {
			keys = []string{}
		}
		r.Answers[i] = answerJSON{QuestionKey: x.QuestionKey, OptionKeys: keys}
	}
	for i, res := range a.Results {
		qr := questionResultJSON{QuestionKey: res.QuestionKey, Correct: res.Correct}
		if q != nil {
			if j := slices.IndexFunc(q.Questions, func(x content.Question) bool { return x.Key == res.QuestionKey }); j >= 0 {
				qr.Prompt, qr.Explanation = q.Questions[j].Prompt, q.Questions[j].Explanation
			}
			if q.HideAnswers {
				qr.Explanation = ""
			}
		}
		if revealed {
			qr.CorrectOptionKeys = content.CorrectOptions(q, res.QuestionKey)
		}
		r.Results[i] = qr
	}
	return r
}

func toTick(a content.Activity) tickResponse {
	ticked := a.TickedItems
	if ticked == nil {
		ticked = []string{}
	}
	return tickResponse{EventID: a.EventID, ChecklistID: a.ItemID, ItemID: a.ChecklistItem, Ticked: a.Ticked, TickedItems: ticked,
		Complete: a.Complete, OccurredAt: a.OccurredAt, RecordedAt: a.RecordedAt}
}

// progressTarget loads an item someone wants to record progress on: it must be visible to
// the caller and published (drafts take no progress, not even an author's).
func (s *Server) progressTarget(c *fiber.Ctx, id string, kind content.Kind) (itemAccess, error) {
	acc, err := s.accessItem(c, id, kind)
	if err != nil {
		return acc, err
	}
	if acc.item.Status != content.StatusPublished {
		return acc, content.ErrNotPublished
	}
	return acc, nil
}

// recordedJSON is a recorded progress event as answered: the body, whether it was a replay,
// and the learning event published for it (for POST /v1/sync's earnings).
type recordedJSON struct {
	body  any
	dup   bool
	event *learning.Event
}

func (s *Server) recordLesson(c *fiber.Ctx, acc itemAccess, req lessonProgressRequest) (recordedJSON, error) {
	rec, err := s.deps.Content.RecordLesson(c.UserContext(), acc.cl.UserID, acc.item, content.LessonProgress{EventID: req.EventID,
		OccurredAt: req.OccurredAt, State: content.LessonState(req.State), SecondsSpent: req.SecondsSpent})
	if err != nil {
		return recordedJSON{}, err
	}
	return recordedJSON{body: toLessonProgress(rec.Activity), dup: rec.Duplicate, event: rec.Event}, nil
}

func (s *Server) recordAttempt(c *fiber.Ctx, acc itemAccess, req attemptRequest) (recordedJSON, error) {
	rec, version, err := s.deps.Content.SubmitQuiz(c.UserContext(), acc.cl.UserID, acc.item, content.QuizSubmission{EventID: req.EventID,
		OccurredAt: req.OccurredAt, Answers: toAnswers(req.Answers), SecondsSpent: req.SecondsSpent, Version: req.Version})
	if err != nil {
		return recordedJSON{}, err
	}
	return recordedJSON{body: toAttempt(rec.Activity, version, rec.Revealed), dup: rec.Duplicate, event: rec.Event}, nil
}

func (s *Server) recordTick(c *fiber.Ctx, acc itemAccess, itemKey string, req tickRequest) (recordedJSON, error) {
	if req.Ticked == nil {
		var f apperr.Fields
		f.Add("/ticked", "is required: true to tick, false to untick")
		return recordedJSON{}, f.Err()
	}
	rec, err := s.deps.Content.TickChecklist(c.UserContext(), acc.cl.UserID, acc.item, content.ChecklistTick{EventID: req.EventID,
		OccurredAt: req.OccurredAt, ItemKey: itemKey, Ticked: *req.Ticked})
	if err != nil {
		return recordedJSON{}, err
	}
	return recordedJSON{body: toTick(rec.Activity), dup: rec.Duplicate, event: rec.Event}, nil
}

// created answers a progress POST: 201 for a new record, 200 with the same body for a replay.
func created(c *fiber.Ctx, body any, dup bool) error {
	if dup {
		return respond(c, http.StatusOK, body)
	}
	return respond(c, http.StatusCreated, body)
}

func (s *Server) lessonProgress(c *fiber.Ctx) error {
	acc, err := s.progressTarget(c, c.Params("lessonId"), content.KindLesson)
	if err != nil {
		return err
	}
	var req lessonProgressRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	rec, err := s.recordLesson(c, acc, req)
	if err != nil {
		return err
	}
	return created(c, rec.body, rec.dup)
}

func (s *Server) quizAttempt(c *fiber.Ctx) error {
	acc, err := s.progressTarget(c, c.Params("quizId"), content.KindQuiz)
	if err != nil {
		return err
	}
	var req attemptRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	rec, err := s.recordAttempt(c, acc, req)
	if err != nil {
		return err
	}
	return created(c, rec.body, rec.dup)
}

func (s *Server) tickChecklist(c *fiber.Ctx) error {
	acc, err := s.progressTarget(c, c.Params("checklistId"), content.KindChecklist)
	if err != nil {
		return err
	}
	var req tickRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	rec, err := s.recordTick(c, acc, strings.Clone(c.Params("itemId")), req)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, rec.body)
}

type attemptList struct {
	Items []attemptResponse `json:"items"`
}

func (s *Server) myAttempts(c *fiber.Ctx) error {
	acc, err := s.accessItem(c, c.Params("quizId"), content.KindQuiz)
	if err != nil {
		return err
	}
	acts, versions, err := s.deps.Content.Attempts(c.UserContext(), acc.cl.UserID, acc.item)
	if err != nil {
		return err
	}
	out := attemptList{Items: make([]attemptResponse, len(acts))}
	revealed := content.RevealsAnswers(acc.item.Quiz, acts)
	for i, a := range acts {
		out.Items[i] = toAttempt(a, versions[a.ItemVersion], revealed)
	}
	return respond(c, http.StatusOK, out)
}

type progressItemJSON struct {
	ItemID           string     `json:"itemId"`
	Kind             string     `json:"kind"`
	ProgrammeID      *string    `json:"programmeId,omitempty"`
	Title            string     `json:"title"`
	Completed        bool       `json:"completed"`
	CompletedAt      *time.Time `json:"completedAt,omitempty"`
	LastActiveAt     time.Time  `json:"lastActiveAt"`
	SecondsSpent     int        `json:"secondsSpent"`
	LessonState      string     `json:"lessonState,omitempty"`
	Attempts         *int       `json:"attempts,omitempty"`
	BestScorePercent *int       `json:"bestScorePercent,omitempty"`
	Passed           *bool      `json:"passed,omitempty"`
	TickedItems      []string   `json:"tickedItems,omitempty"`
}

type progressResponse struct {
	Items        []progressItemJSON `json:"items"`
	Completed    int                `json:"completed"`
	SecondsSpent int                `json:"secondsSpent"`
}

func (s *Server) myProgress(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	prog, err := s.deps.Content.Progress(c.UserContext(), cl.UserID)
	if err != nil {
		return err
	}
	out := progressResponse{Items: make([]progressItemJSON, 0, len(prog))}
	for _, p := range prog {
		pj := progressItemJSON{ItemID: p.ItemID, Kind: string(p.Kind), Completed: p.Completed, CompletedAt: p.CompletedAt,
			LastActiveAt: p.LastActiveAt, SecondsSpent: p.SecondsSpent, LessonState: string(p.LessonState)}
		if p.ProgrammeID != "" {
			pid := p.ProgrammeID
			pj.ProgrammeID = &pid
		}
		if it, err := s.deps.Content.Item(c.UserContext(), p.ItemID); err == nil {
			pj.Title = it.Title
		} else if !errors.Is(err, content.ErrNotFound) {
			return err
		}
		switch p.Kind {
		case content.KindQuiz:
			n, best, passed := p.Attempts, p.BestScorePercent, p.Passed
			pj.Attempts, pj.BestScorePercent, pj.Passed = &n, &best, &passed
		case content.KindChecklist:
			pj.TickedItems = p.TickedItems
			if pj.TickedItems == nil {
				pj.TickedItems = []string{}
			}
		}
		if p.Completed {
			out.Completed++
		}
		out.SecondsSpent += p.SecondsSpent
		out.Items = append(out.Items, pj)
	}
	return respond(c, http.StatusOK, out)
}
