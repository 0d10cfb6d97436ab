package api

import (
	"context"
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

// syncReviewAnswer is the sync event type of an answer to a review card (reviews.go).
const syncReviewAnswer = "review_answer"

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
	CardID       string       `json:"cardId"`
	OptionKeys   []string     `json:"optionKeys"`
	Rating       string       `json:"rating"`
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
	// Earned says what an accepted event will earn, or why it earns nothing (sync_earning.go).
	Earned *syncEarning `json:"earned,omitempty"`
}

type syncResponse struct {
	Results    []syncResult `json:"results"`
	Accepted   int          `json:"accepted"`
	Duplicates int          `json:"duplicates"`
	Rejected   int          `json:"rejected"`
	// Retry counts the events not processed before the answer was due: send them again.
	Retry int `json:"retry"`
	// XP is what the batch's accepted events will earn together.
	XP int `json:"xp"`
}

// The per-event statuses of a sync.
const (
	syncAccepted  = "accepted"
	syncDuplicate = "duplicate"
	syncRejected  = "rejected"
	// syncRetry: the event was not processed in time (nothing of it was written); the phone
	// sends it again, in the next sync.
	syncRetry = "retry"
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
	cl, err := signedIn(c)
	if err != nil {
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
	stopBy := syncStopBy(c.UserContext())
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
	// First every event is checked and resolved to its item; content records the content
	// events in one batch (content.Sync), then review answers go one by one.
	access := map[string]itemAccess{}
	accessErr := map[string]error{}
	var batch []content.SyncEvent
	var batchIx, reviews []int
	for _, i := range order {
		ev := req.Events[i]
		out.Results[i] = syncResult{Index: i, EventID: strings.ToLower(ev.EventID), Type: ev.Type}
		se, review, err := s.syncPrepare(c, ev, access, accessErr)
		switch {
		case err != nil:
			reason, ok := reasonFor(err)
			if !ok {
				return err
			}
			out.Results[i].Status, out.Results[i].Reason = syncRejected, reason
		case review:
			reviews = append(reviews, i)
		default:
			batch, batchIx = append(batch, se), append(batchIx, i)
		}
	}
	// The forecast reads the caller's standing before any of the batch is recorded, so that
	// none of it is applied yet (sync_earning.go).
	fc, err := s.forecast(c, cl.UserID)
	if err != nil {
		return err
	}
	events := make([]recordedJSON, len(req.Events))
	more := func() bool { return stopBy.IsZero() || time.Now().Before(stopBy) }
	recorded, err := s.deps.Content.Sync(c.UserContext(), cl.UserID, batch, more)
	if err != nil {
		return err
	}
	for j, r := range recorded {
		res := &out.Results[batchIx[j]]
		res.Status, res.Result, res.Reason = syncOutcome(r.Err, r.Recorded.Duplicate, func() any { return syncBody(batch[j], r) })
		events[batchIx[j]] = recordedJSON{dup: r.Recorded.Duplicate, event: r.Recorded.Event}
	}
	if err := s.syncReviews(c, req.Events, reviews, more, out.Results, events); err != nil {
		return err
	}
	if err := s.syncEarnings(c, fc, order, events, &out); err != nil {
		return err
	}
	out.count()
	return respond(c, http.StatusOK, out)
}

// syncReviews records the batch's review answers one by one (at indexes reviews), while
// there is time.
func (s *Server) syncReviews(c *fiber.Ctx, evs []syncEvent, reviews []int, more func() bool, results []syncResult, events []recordedJSON) error {
	for _, i := range reviews {
		res := &results[i]
		if !more() {
			res.Status, res.Reason = syncRetry, retryReason()
			continue
		}
		ev := evs[i]
		at, _ := time.Parse(time.RFC3339Nano, ev.OccurredAt)
		rec, err := s.recordReview(c, ev.CardID, reviewAnswerRequest{EventID: ev.EventID, OccurredAt: at, OptionKeys: ev.OptionKeys,
			Rating: ev.Rating, SecondsSpent: ev.SecondsSpent})
		if err != nil && c.UserContext().Err() != nil {
			res.Status, res.Reason = syncRetry, retryReason()
			continue
		}
		if _, ok := reasonFor(err); err != nil && !ok {
			return err
		}
		res.Status, res.Result, res.Reason = syncOutcome(err, rec.dup, func() any { return rec.body })
		events[i] = rec
	}
	return nil
}

// count tallies the results by status.
func (out *syncResponse) count() {
	for _, r := range out.Results {
		switch r.Status {
		case syncAccepted:
			out.Accepted++
		case syncDuplicate:
			out.Duplicates++
		case syncRejected:
			out.Rejected++
		case syncRetry:
			out.Retry++
		}
	}
}

// syncStopBy is when a sync stops starting new work so that its answer, with the results so
// far, still leaves before the request's deadline: a quarter of the time left (at least two
// seconds) is kept for the rest of the batch in flight and the answer.
func syncStopBy(ctx context.Context) time.Time {
	deadline, ok := ctx.Deadline()
	if !ok {
		return time.Time{}
	}
	return deadline.Add(-max(2*time.Second, time.Until(deadline)/4))
}

func retryReason() *syncReason {
	return &syncReason{Code: "not_reached", Detail: content.ErrNotReached.Error()}
}

// syncOutcome is the status, result and reason of one processed event.
func syncOutcome(err error, dup bool, body func() any) (string, any, *syncReason) {
	switch {
	case errors.Is(err, content.ErrNotReached):
		return syncRetry, nil, retryReason()
	case err != nil:
		reason, _ := reasonFor(err)
		return syncRejected, nil, reason
	case dup:
		return syncDuplicate, body(), nil
	}
	return syncAccepted, body(), nil
}

// syncBody renders a recorded content event as its single-event endpoint answers it.
func syncBody(e content.SyncEvent, r content.SyncResult) any {
	switch {
	case e.Quiz != nil:
		return toAttempt(r.Recorded.Activity, r.Version, r.Recorded.Revealed)
	case e.Tick != nil:
		return toTick(r.Recorded.Activity)
	}
	return toLessonProgress(r.Recorded.Activity)
}

// syncTarget resolves the item a sync event names (field), once per item of the batch:
// access and accessErr remember the answers.
func (s *Server) syncTarget(c *fiber.Ctx, f *apperr.Fields, id string, kind content.Kind, field string, access map[string]itemAccess,
	accessErr map[string]error) (itemAccess, error) {
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

// syncPrepare checks one sync event and resolves its item: a content event for the batch,
// or review (a review answer, recorded on its own); an error rejects the event.
func (s *Server) syncPrepare(c *fiber.Ctx, ev syncEvent, access map[string]itemAccess, accessErr map[string]error) (content.SyncEvent, bool, error) {
	var f apperr.Fields
	at, err := time.Parse(time.RFC3339Nano, ev.OccurredAt)
	if err != nil {
		f.Add("/occurredAt", "must be a date-time such as 2026-09-01T08:30:00Z")
	}
	target := func(id string, kind content.Kind, field string) (itemAccess, error) {
		return s.syncTarget(c, &f, id, kind, field, access, accessErr)
	}
	switch content.ActivityType(ev.Type) {
	case content.ActivityLessonProgress:
		acc, err := target(ev.LessonID, content.KindLesson, "lessonId")
		if err != nil {
			return content.SyncEvent{}, false, err
		}
		return content.SyncEvent{Item: acc.item, Lesson: &content.LessonProgress{EventID: ev.EventID, OccurredAt: at,
			State: content.LessonState(ev.State), SecondsSpent: ev.SecondsSpent}}, false, nil
	case content.ActivityQuizAttempt:
		acc, err := target(ev.QuizID, content.KindQuiz, "quizId")
		if err != nil {
			return content.SyncEvent{}, false, err
		}
		return content.SyncEvent{Item: acc.item, Quiz: &content.QuizSubmission{EventID: ev.EventID, OccurredAt: at,
			Answers: toAnswers(ev.Answers), SecondsSpent: ev.SecondsSpent, Version: ev.Version}}, false, nil
	case content.ActivityChecklistTick:
		acc, err := target(ev.ChecklistID, content.KindChecklist, "checklistId")
		if err != nil {
			return content.SyncEvent{}, false, err
		}
		if ev.ItemID == "" {
			f.Add("/itemId", "is required")
		}
		if ev.Ticked == nil {
			f.Add("/ticked", "is required: true to tick, false to untick")
		}
		if err := f.Err(); err != nil {
			return content.SyncEvent{}, false, err
		}
		return content.SyncEvent{Item: acc.item, Tick: &content.ChecklistTick{EventID: ev.EventID, OccurredAt: at, ItemKey: ev.ItemID,
			Ticked: *ev.Ticked}}, false, nil
	}
	if ev.Type == syncReviewAnswer {
		if ev.CardID == "" {
			f.Add("/cardId", "is required")
		}
		if err := f.Err(); err != nil {
			return content.SyncEvent{}, false, err
		}
		return content.SyncEvent{}, true, nil
	}
	f.Add("/type", "must be one of lesson_progress, quiz_attempt, checklist_tick, review_answer")
	return content.SyncEvent{}, false, f.Err()
}
