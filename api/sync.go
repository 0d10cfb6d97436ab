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
)

// Progress writes: each carries a client-generated eventId and occurredAt; replaying an
// eventId returns the original result and changes nothing. POST /v1/sync takes a batch of
// the same events from a phone that was offline and answers per event.

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
func toAttempt(a content.Activity, version content.Item) attemptResponse {
	r := attemptResponse{EventID: a.EventID, QuizID: a.ItemID, Version: a.ItemVersion, Attempt: a.Attempt, ScorePercent: a.ScorePercent,
		Passed: a.Passed, SecondsSpent: a.SecondsSpent, OccurredAt: a.OccurredAt, RecordedAt: a.RecordedAt,
		Answers: make([]answerJSON, len(a.Answers)), Results: make([]questionResultJSON, len(a.Results))}
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

func (s *Server) recordLesson(c *fiber.Ctx, acc itemAccess, req lessonProgressRequest) (any, bool, error) {
	rec, err := s.deps.Content.RecordLesson(c.UserContext(), acc.cl.UserID, acc.item, content.LessonProgress{EventID: req.EventID,
		OccurredAt: req.OccurredAt, State: content.LessonState(req.State), SecondsSpent: req.SecondsSpent})
	if err != nil {
		return nil, false, err
	}
	return toLessonProgress(rec.Activity), rec.Duplicate, nil
}

func (s *Server) recordAttempt(c *fiber.Ctx, acc itemAccess, req attemptRequest) (any, bool, error) {
	rec, version, err := s.deps.Content.SubmitQuiz(c.UserContext(), acc.cl.UserID, acc.item, content.QuizSubmission{EventID: req.EventID,
		OccurredAt: req.OccurredAt, Answers: toAnswers(req.Answers), SecondsSpent: req.SecondsSpent, Version: req.Version})
	if err != nil {
		return nil, false, err
	}
	return toAttempt(rec.Activity, version), rec.Duplicate, nil
}

func (s *Server) recordTick(c *fiber.Ctx, acc itemAccess, itemKey string, req tickRequest) (any, bool, error) {
	if req.Ticked == nil {
		var f apperr.Fields
		f.Add("/ticked", "is required: true to tick, false to untick")
		return nil, false, f.Err()
	}
	rec, err := s.deps.Content.TickChecklist(c.UserContext(), acc.cl.UserID, acc.item, content.ChecklistTick{EventID: req.EventID,
		OccurredAt: req.OccurredAt, ItemKey: itemKey, Ticked: *req.Ticked})
	if err != nil {
		return nil, false, err
	}
	return toTick(rec.Activity), rec.Duplicate, nil
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
	body, dup, err := s.recordLesson(c, acc, req)
	if err != nil {
		return err
	}
	return created(c, body, dup)
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
	body, dup, err := s.recordAttempt(c, acc, req)
	if err != nil {
		return err
	}
	return created(c, body, dup)
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
	body, _, err := s.recordTick(c, acc, strings.Clone(c.Params("itemId")), req)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, body)
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
	for i, a := range acts {
		out.Items[i] = toAttempt(a, versions[a.ItemVersion])
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

// ---- offline sync ----

// MaxSyncEvents is the most events one POST /v1/sync may carry.
const MaxSyncEvents = 500

type syncEvent struct {
	Type         string       `json:"type"`
	EventID      string       `json:"eventId"`
	OccurredAt   string       `json:"occurredAt"`
	LessonID     string       `json:"lessonId"`
	State        string       `json:"state"`
	SecondsSpent int          `json:"secondsSpent"`
	QuizID       string       `json:"quizId"`
	Answers      []answerJSON `json:"answers"`
	Version      int          `json:"version"`
	ChecklistID  string       `json:"checklistId"`
	ItemID       string       `json:"itemId"`
	Ticked       *bool        `json:"ticked"`
}

type syncRequest struct {
	Events []syncEvent `json:"events"`
}

type syncReason struct {
	Code   string         `json:"code"`
	Detail string         `json:"detail"`
	Errors []ProblemField `json:"errors,omitempty"`
}

type syncResult struct {
	Index   int         `json:"index"`
	EventID string      `json:"eventId"`
	Type    string      `json:"type"`
	Status  string      `json:"status"`
	Reason  *syncReason `json:"reason,omitempty"`
	Result  any         `json:"result,omitempty"`
}

type syncResponse struct {
	Results    []syncResult `json:"results"`
	Accepted   int          `json:"accepted"`
	Duplicates int          `json:"duplicates"`
	Rejected   int          `json:"rejected"`
}

// The per-event statuses of a sync.
const (
	syncAccepted  = "accepted"
	syncDuplicate = "duplicate"
	syncRejected  = "rejected"
)

// reasonFor explains why an event was rejected; ok is false for errors that are the
// server's fault (the batch then fails with 500 and the phone retries it whole, which is
// safe: the events already recorded come back as duplicates).
func reasonFor(err error) (*syncReason, bool) {
	var ve *apperr.ValidationError
	var ae *apperr.Error
	switch {
	case errors.As(err, &ve):
		r := &syncReason{Code: "validation_failed"}
		var parts []string
		for _, f := range ve.Fields {
			r.Errors = append(r.Errors, ProblemField{Pointer: f.Pointer, Detail: f.Detail})
			parts = append(parts, strings.TrimPrefix(f.Pointer+" ", " ")+f.Detail)
		}
		r.Detail = strings.Join(parts, "; ")
		return r, true
	case errors.As(err, &ae) && ae.Kind != apperr.KindInternal:
		return &syncReason{Code: ae.Code, Detail: ae.Message}, true
	}
	return nil, false
}

func (s *Server) sync(c *fiber.Ctx) error {
	if _, err := signedIn(c); err != nil {
		return err
	}
	var req syncRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	f.Check(req.Events != nil, "/events", "is required")
	f.Check(len(req.Events) <= MaxSyncEvents, "/events", "at most 500 events per sync; send the rest in another request")
	if err := f.Err(); err != nil {
		return err
	}
	out := syncResponse{Results: make([]syncResult, len(req.Events))}
	// Apply events in the order they happened on the device, so that state built from them
	// (a checklist's ticks) folds as the person experienced it; answer in request order.
	order := make([]int, len(req.Events))
	when := make([]time.Time, len(req.Events))
	for i, ev := range req.Events {
		order[i] = i
		when[i], _ = time.Parse(time.RFC3339Nano, ev.OccurredAt)
	}
	slices.SortStableFunc(order, func(a, b int) int { return when[a].Compare(when[b]) })
	access := map[string]itemAccess{}
	accessErr := map[string]error{}
	for _, i := range order {
		ev := req.Events[i]
		res := syncResult{Index: i, EventID: strings.ToLower(ev.EventID), Type: ev.Type}
		body, dup, err := s.syncOne(c, ev, access, accessErr)
		switch {
		case err != nil:
			reason, ok := reasonFor(err)
			if !ok {
				return err
			}
			res.Status, res.Reason = syncRejected, reason
			out.Rejected++
		case dup:
			res.Status, res.Result = syncDuplicate, body
			out.Duplicates++
		default:
			res.Status, res.Result = syncAccepted, body
			out.Accepted++
		}
		out.Results[i] = res
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) syncOne(c *fiber.Ctx, ev syncEvent, access map[string]itemAccess, accessErr map[string]error) (any, bool, error) {
	var f apperr.Fields
	at, err := time.Parse(time.RFC3339Nano, ev.OccurredAt)
	if err != nil {
		f.Add("/occurredAt", "must be a date-time such as 2026-09-01T08:30:00Z")
	}
	target := func(id string, kind content.Kind, field string) (itemAccess, error) {
		if id == "" {
			f.Add("/"+field, "is required")
			return itemAccess{}, f.Err()
		}
		if err := f.Err(); err != nil {
			return itemAccess{}, err
		}
		if err, ok := accessErr[id]; ok {
			return itemAccess{}, err
		}
		if acc, ok := access[id]; ok && acc.item.Kind == kind {
			return acc, nil
		}
		acc, err := s.progressTarget(c, id, kind)
		if err != nil {
			if _, ok := reasonFor(err); ok {
				accessErr[id] = err
			}
			return itemAccess{}, err
		}
		access[id] = acc
		return acc, nil
	}
	switch content.ActivityType(ev.Type) {
	case content.ActivityLessonProgress:
		acc, err := target(ev.LessonID, content.KindLesson, "lessonId")
		if err != nil {
			return nil, false, err
		}
		return s.recordLesson(c, acc, lessonProgressRequest{EventID: ev.EventID, OccurredAt: at, State: ev.State, SecondsSpent: ev.SecondsSpent})
	case content.ActivityQuizAttempt:
		acc, err := target(ev.QuizID, content.KindQuiz, "quizId")
		if err != nil {
			return nil, false, err
		}
		return s.recordAttempt(c, acc, attemptRequest{EventID: ev.EventID, OccurredAt: at, Answers: ev.Answers,
			SecondsSpent: ev.SecondsSpent, Version: ev.Version})
	case content.ActivityChecklistTick:
		acc, err := target(ev.ChecklistID, content.KindChecklist, "checklistId")
		if err != nil {
			return nil, false, err
		}
		if ev.ItemID == "" {
			f.Add("/itemId", "is required")
			return nil, false, f.Err()
		}
		return s.recordTick(c, acc, ev.ItemID, tickRequest{EventID: ev.EventID, OccurredAt: at, Ticked: ev.Ticked})
	}
	f.Add("/type", "must be one of lesson_progress, quiz_attempt, checklist_tick")
	return nil, false, f.Err()
}
