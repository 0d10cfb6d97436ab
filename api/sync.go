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
	if ev.Type == syncReviewAnswer {
		if ev.CardID == "" {
			f.Add("/cardId", "is required")
		}
		if err := f.Err(); err != nil {
			return nil, false, err
		}
		return s.recordReview(c, ev.CardID, reviewAnswerRequest{EventID: ev.EventID, OccurredAt: at, OptionKeys: ev.OptionKeys,
			Rating: ev.Rating, SecondsSpent: ev.SecondsSpent})
	}
	f.Add("/type", "must be one of lesson_progress, quiz_attempt, checklist_tick, review_answer")
	return nil, false, f.Err()
}
