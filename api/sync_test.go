package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
)

type syncJSON struct {
	Results []struct {
		Index   int    `json:"index"`
		EventID string `json:"eventId"`
		Status  string `json:"status"`
		Reason  *struct {
			Code   string `json:"code"`
			Detail string `json:"detail"`
		} `json:"reason"`
	} `json:"results"`
	Accepted, Duplicates, Rejected int
}

func TestOfflineSyncAnswersEachEvent(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	svc := w.env.App.Content
	lesson := mustCreate(t, svc, w.owner.ID, w.pid, testLesson("Offline lesson"), true)
	quiz := mustCreate(t, svc, w.owner.ID, w.pid, testQuiz("Offline quiz", 0), true)
	cl := mustCreate(t, svc, w.owner.ID, w.pid, testChecklist("Offline checklist"), true)
	draft := mustCreate(t, svc, w.owner.ID, w.pid, testLesson("Draft"), false)
	now := apitest.Now()
	// Recorded online before the phone went offline: comes back as a duplicate.
	earlier := newEventID()
	w.do(t, "POST", "/v1/lessons/"+lesson.ID+"/progress", w.mentee.Token, map[string]any{"eventId": earlier, "occurredAt": ts(now.Add(-48 * time.Hour)), "state": "started"}, 201)
	repeated := newEventID()
	evs := []map[string]any{
		{"type": "lesson_progress", "eventId": earlier, "occurredAt": ts(now.Add(-48 * time.Hour)), "lessonId": lesson.ID, "state": "started"},
		{"type": "lesson_progress", "eventId": newEventID(), "occurredAt": ts(now.Add(-47 * time.Hour)), "lessonId": lesson.ID, "state": "completed", "secondsSpent": 300},
		{"type": "quiz_attempt", "eventId": newEventID(), "occurredAt": ts(now.Add(-46 * time.Hour)), "quizId": quiz.ID,
			"answers": []map[string]any{{"questionKey": "q1", "optionKeys": []string{"b"}}}},
		// Ticks arrive out of order; they are applied in the order they happened.
		{"type": "checklist_tick", "eventId": newEventID(), "occurredAt": ts(now.Add(-2 * time.Hour)), "checklistId": cl.ID, "itemId": "actions", "ticked": true},
		{"type": "checklist_tick", "eventId": newEventID(), "occurredAt": ts(now.Add(-3 * time.Hour)), "checklistId": cl.ID, "itemId": "notes", "ticked": true},
		{"type": "lesson_progress", "eventId": newEventID(), "occurredAt": ts(now.Add(6 * time.Minute)), "lessonId": lesson.ID, "state": "started"},
		{"type": "lesson_progress", "eventId": newEventID(), "occurredAt": ts(now.Add(-31 * 24 * time.Hour)), "lessonId": lesson.ID, "state": "started"},
		{"type": "lesson_progress", "eventId": newEventID(), "occurredAt": ts(now), "lessonId": draft.ID, "state": "started"},
		{"type": "lesson_progress", "eventId": "not-a-uuid", "occurredAt": ts(now), "lessonId": lesson.ID, "state": "started"},
		{"type": "video_watched", "eventId": newEventID(), "occurredAt": ts(now)},
		{"type": "lesson_progress", "eventId": newEventID(), "occurredAt": "yesterday", "lessonId": lesson.ID, "state": "started"},
		{"type": "lesson_progress", "eventId": repeated, "occurredAt": ts(now.Add(-time.Hour)), "lessonId": lesson.ID, "state": "completed"},
		{"type": "lesson_progress", "eventId": repeated, "occurredAt": ts(now.Add(-time.Hour)), "lessonId": lesson.ID, "state": "completed"},
	}
	var out syncJSON
	w.do(t, "POST", "/v1/sync", w.mentee.Token, map[string]any{"events": evs}, 200).JSON(t, &out)
	var got []string
	for i, r := range out.Results {
		if r.Index != i {
			t.Errorf("result %d has index %d", i, r.Index)
		}
		s := r.Status
		if r.Reason != nil {
			s += " " + r.Reason.Code
		}
		got = append(got, s)
	}
	want := []string{"duplicate", "accepted", "accepted", "accepted", "accepted",
		"rejected validation_failed", "rejected validation_failed", "rejected content_not_found", "rejected validation_failed",
		"rejected validation_failed", "rejected validation_failed", "accepted", "duplicate"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if out.Accepted != 5 || out.Duplicates != 2 || out.Rejected != 6 {
		t.Errorf("counts %+v", out)
	}
	if !strings.Contains(out.Results[5].Reason.Detail, "future") || !strings.Contains(out.Results[6].Reason.Detail, "30 days") {
		t.Errorf("reasons: %+v / %+v", out.Results[5].Reason, out.Results[6].Reason)
	}
	// The checklist saw notes then actions: complete, and its completion event recorded once.
	var view itemJSON
	w.do(t, "GET", "/v1/checklists/"+cl.ID, w.mentee.Token, nil, 200).JSON(t, &view)
	if !view.MyProgress.Complete {
		t.Errorf("checklist after sync %+v", view.MyProgress)
	}
	got2 := events(t, w.env, w.mentee.ID)
	if diff := cmp.Diff(map[string]int{"lesson_started": 1, "lesson_completed": 2, "quiz_attempted": 1, "checklist_completed": 1}, got2); diff != "" {
		t.Errorf("learning events (-want +got):\n%s", diff)
	}
	// The whole batch again: all duplicates or the same rejections, nothing new stored.
	before := count(t, w.env, "content_activity", bson.D{})
	w.do(t, "POST", "/v1/sync", w.mentee.Token, map[string]any{"events": evs}, 200).JSON(t, &out)
	if out.Accepted != 0 || out.Duplicates != 7 || out.Rejected != 6 {
		t.Errorf("second sync counts %+v", out)
	}
	if after := count(t, w.env, "content_activity", bson.D{}); after != before {
		t.Errorf("a replayed batch stored %d more records", after-before)
	}
	// An outsider's events on this programme's items are rejected one by one.
	w.do(t, "POST", "/v1/sync", w.outsdr.Token, map[string]any{"events": evs[1:2]}, 200).JSON(t, &out)
	if out.Rejected != 1 || !strings.HasSuffix(out.Results[0].Reason.Code, "not_found") {
		t.Errorf("outsider %+v", out)
	}
}

func TestSyncBatchLimits(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	evs := make([]map[string]any, 501)
	for i := range evs {
		evs[i] = map[string]any{"type": "lesson_progress", "eventId": newEventID(), "occurredAt": ts(apitest.Now()), "lessonId": "x", "state": "started"}
	}
	p := asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: "/v1/sync", Token: w.mentee.Token, Body: map[string]any{"events": evs}}), 422)
	if p.Errors[0].Pointer != "/events" {
		t.Errorf("problem %+v", p)
	}
	asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: "/v1/sync", Token: w.mentee.Token, Body: `{"events":[{"type":"lesson_progress","bogus":1}]}`}), 400)
	asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: "/v1/sync", Token: w.mentee.Token, Body: `{}`}), 422)
	if n := count(t, w.env, "content_activity", bson.D{}); n != 0 {
		t.Errorf("refused batches stored %d records", n)
	}
}
