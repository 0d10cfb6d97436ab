package api_test

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
)

// fullSync is the documented maximum: 500 events of lessons, quiz attempts and checklist
// ticks, queued offline over the last days.
func fullSync(w *contentWorld, t *testing.T) []map[string]any {
	t.Helper()
	svc := w.env.App.Content
	lessons := []string{mustCreate(t, svc, w.owner.ID, w.pid, testLesson("Sync lesson one"), true).ID,
		mustCreate(t, svc, w.owner.ID, w.pid, testLesson("Sync lesson two"), true).ID}
	quiz := mustCreate(t, svc, w.owner.ID, w.pid, testQuiz("Sync quiz", 0), true)
	cl := mustCreate(t, svc, w.owner.ID, w.pid, testChecklist("Sync checklist"), true)
	start := apitest.Now().Add(-72 * time.Hour)
	evs := make([]map[string]any, 500)
	for i := range evs {
		at := ts(start.Add(time.Duration(i) * 8 * time.Minute))
		switch i % 5 {
		case 0, 1, 2:
			evs[i] = map[string]any{"type": "lesson_progress", "eventId": newEventID(), "occurredAt": at, "lessonId": lessons[i%2],
				"state": []string{"started", "completed", "completed"}[i%3]}
		case 3:
			evs[i] = map[string]any{"type": "quiz_attempt", "eventId": newEventID(), "occurredAt": at, "quizId": quiz.ID,
				"answers": []map[string]any{{"questionKey": "q1", "optionKeys": []string{"b"}}}}
		default:
			evs[i] = map[string]any{"type": "checklist_tick", "eventId": newEventID(), "occurredAt": at, "checklistId": cl.ID,
				"itemId": []string{"notes", "actions"}[i%2], "ticked": i%3 != 0}
		}
	}
	return evs
}

// A 500-event sync is a handful of database commands per hundred events, not several per
// event (issue 20: it could not finish within the request timeout).
func TestFullSyncIsAFewCommandsPerHundredEvents(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	evs := fullSync(w, t)
	r := w.do(t, "POST", "/v1/sync", w.mentee.Token, map[string]any{"events": evs}, 200)
	var out syncJSON
	r.JSON(t, &out)
	if out.Accepted != 500 {
		t.Fatalf("accepted %d of 500: %+v", out.Accepted, out.Results[:3])
	}
	// Per chunk of 100: the activity read, the attempt reservations, the events, the
	// records; plus the items' and the caller's reads and the path checks.
	t.Logf("a 500-event sync: %d database commands", w.env.DBCommands(r))
	if n := w.env.DBCommands(r); n > 40 {
		t.Errorf("a 500-event sync issued %d database commands, want at most 40", n)
	}
	if n := count(t, w.env, "content_activity", bson.D{}); n != 500 {
		t.Errorf("%d activity records, want 500", n)
	}
	// Sent again, everything is a duplicate and nothing is written.
	w.do(t, "POST", "/v1/sync", w.mentee.Token, map[string]any{"events": evs}, 200).JSON(t, &out)
	if out.Duplicates != 500 || count(t, w.env, "content_activity", bson.D{}) != 500 {
		t.Errorf("resent: %+v", out)
	}
}

// When a sync's time runs short it answers in time, with the events not processed marked
// retry and nothing of them written; sending them again records them.
func TestSyncThatRunsOutOfTimeAnswersRetry(t *testing.T) {
	// With a 1 s request timeout the sync has no time to start (it keeps two seconds for
	// its answer): every event comes back retry.
	short := newContentWorld(t, apitest.WithEnv(map[string]string{"REQUEST_TIMEOUT": "1s"}))
	evs := fullSync(short, t)[:20]
	var out syncJSON
	short.do(t, "POST", "/v1/sync", short.mentee.Token, map[string]any{"events": evs}, 200).JSON(t, &out)
	for _, r := range out.Results {
		if r.Status != "retry" || r.Reason == nil || r.Reason.Code != "not_reached" {
			t.Fatalf("result %+v, want retry (not_reached)", r)
		}
	}
	if n := count(t, short.env, "content_activity", bson.D{}); n != 0 {
		t.Errorf("events answered retry left %d records", n)
	}
	if n := count(t, short.env, "learning_queue", bson.D{}); n != 0 {
		t.Errorf("events answered retry left %d learning events", n)
	}
}
