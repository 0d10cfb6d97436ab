package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/learning"
)

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// published returns the learning events published for a user (every user when empty):
// Publish queues them, and the gamification worker moves them to the log once processed, so
// this reads both.
func published(t *testing.T, env *apitest.Env, userID string) []learning.Event {
	t.Helper()
	es, err := env.App.Learning.Published(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// events returns the learning events published for a user, by kind.
func events(t *testing.T, env *apitest.Env, userID string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, e := range published(t, env, userID) {
		out[string(e.Kind)]++
	}
	return out
}

func count(t *testing.T, env *apitest.Env, coll string, filter bson.D) int64 {
	t.Helper()
	n, err := env.App.DB.DB.Collection(coll).CountDocuments(context.Background(), filter)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLessonProgressIsRecordedExactlyOnce(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	lesson := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testLesson("Once"), true)
	url := "/v1/lessons/" + lesson.ID + "/progress"
	id := newEventID()
	body := map[string]any{"eventId": id, "occurredAt": ts(apitest.Now().Add(-time.Hour)), "state": "completed", "secondsSpent": 240}
	first := w.do(t, "POST", url, w.mentee.Token, body, 201)
	// The client did not hear the answer and retries; the original result comes back.
	again := w.do(t, "POST", url, w.mentee.Token, body, 200)
	if string(first.Body) != string(again.Body) {
		t.Errorf("replay answered differently:\n%s\n%s", first.Body, again.Body)
	}
	// Even a replay with different content changes nothing.
	body["state"] = "started"
	w.do(t, "POST", url, w.mentee.Token, body, 200)
	if got := events(t, w.env, w.mentee.ID); !cmp.Equal(got, map[string]int{"lesson_completed": 1}) {
		t.Errorf("learning events %v", got)
	}
	if n := count(t, w.env, "content_activity", bson.D{{Key: "userId", Value: w.mentee.ID}}); n != 1 {
		t.Errorf("%d activity records", n)
	}
	// The same eventId cannot be reused for another kind of activity.
	quiz := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testQuiz("Q", 0), true)
	p := asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: "/v1/quizzes/" + quiz.ID + "/attempts", Token: w.mentee.Token,
		Body: map[string]any{"eventId": id, "occurredAt": ts(apitest.Now()), "answers": []any{}}}), 422)
	if p.Code != "event_id_reused" {
		t.Errorf("problem %+v", p)
	}
	// Progress on a draft is refused as if it did not exist.
	draft := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testLesson("Draft"), false)
	asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: "/v1/lessons/" + draft.ID + "/progress", Token: w.owner.Token,
		Body: map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()), "state": "started"}}), 404)
}

// A crash after the learning event was published but before the progress record was written
// is repaired by the client's retry: the record is written, the event is not duplicated.
func TestCrashBetweenEventAndRecordIsRepairedByRetry(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	lesson := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testLesson("Crash"), true)
	id := newEventID()
	at := apitest.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
	if err := w.env.App.Learning.Publish(context.Background(), learning.Event{ID: id, Kind: learning.LessonCompleted,
		UserID: w.mentee.ID, ProgrammeID: w.pid, ItemKind: "lesson", ItemID: lesson.ID, OccurredAt: at, RecordedAt: at}); err != nil {
		t.Fatal(err)
	}
	w.do(t, "POST", "/v1/lessons/"+lesson.ID+"/progress", w.mentee.Token,
		map[string]any{"eventId": id, "occurredAt": ts(at), "state": "completed"}, 201)
	if got := events(t, w.env, w.mentee.ID); got["lesson_completed"] != 1 {
		t.Errorf("learning events %v", got)
	}
	var prog struct {
		Items []struct {
			ItemID    string
			Completed bool
		}
	}
	w.do(t, "GET", "/v1/me/progress", w.mentee.Token, nil, 200).JSON(t, &prog)
	if len(prog.Items) != 1 || !prog.Items[0].Completed {
		t.Errorf("progress %+v", prog)
	}
}

func TestBadProgressIsRejectedFieldByField(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	lesson := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testLesson("Strict"), true)
	url := "/v1/lessons/" + lesson.ID + "/progress"
	now := apitest.Now()
	tests := []struct {
		name   string
		body   any
		status int
		want   []string
	}{
		{"not a uuid, bad state", map[string]any{"eventId": "42", "occurredAt": ts(now), "state": "halfway"}, 422, []string{"/eventId", "/state"}},
		{"in the future", map[string]any{"eventId": newEventID(), "occurredAt": ts(now.Add(6 * time.Minute)), "state": "started"}, 422, []string{"/occurredAt"}},
		{"too old", map[string]any{"eventId": newEventID(), "occurredAt": ts(now.Add(-31 * 24 * time.Hour)), "state": "started"}, 422, []string{"/occurredAt"}},
		{"no time, negative seconds", map[string]any{"eventId": newEventID(), "state": "started", "secondsSpent": -1}, 422, []string{"/occurredAt", "/secondsSpent"}},
		{"wrong type", `{"eventId": 7}`, 400, []string{"/eventId"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: url, Token: w.mentee.Token, Body: tc.body}), tc.status)
			got := map[string]bool{}
			for _, e := range p.Errors {
				got[e.Pointer] = true
			}
			for _, ptr := range tc.want {
				if !got[ptr] {
					t.Errorf("no error at %s: %+v", ptr, p.Errors)
				}
			}
		})
	}
	if n := count(t, w.env, "content_activity", bson.D{}); n != 0 {
		t.Errorf("rejected writes left %d records", n)
	}
	if n := len(published(t, w.env, "")); n != 0 {
		t.Errorf("rejected writes left %d learning events", n)
	}
}

type attemptJSON struct {
	Attempt           int
	Version           int
	ScorePercent      int
	Passed            bool
	AttemptsRemaining *int
	Results           []struct {
		QuestionKey string
		Correct     bool
		Explanation string
	}
}

func TestQuizAttemptsAreGradedOnTheServerWithARetryPolicy(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	quiz := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testQuiz("Graded", 2), true)
	url := "/v1/quizzes/" + quiz.ID + "/attempts"
	answer := func(q1 string, q2 []string, q3 string) []map[string]any {
		return []map[string]any{{"questionKey": "q1", "optionKeys": []string{q1}}, {"questionKey": "q2", "optionKeys": q2},
			{"questionKey": "q3", "optionKeys": []string{q3}}}
	}
	var a1 attemptJSON
	w.do(t, "POST", url, w.mentee.Token, map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()),
		"answers": answer("a", []string{"a"}, "false"), "secondsSpent": 60}, 201).JSON(t, &a1)
	// q1 wrong, q2 half-right is wrong, q3 right: 1 of 3.
	if a1.Attempt != 1 || a1.ScorePercent != 33 || a1.Passed || *a1.AttemptsRemaining != 1 {
		t.Errorf("attempt 1: %+v", a1)
	}
	wantRight := []bool{false, false, true}
	for i, r := range a1.Results {
		if r.Correct != wantRight[i] || !strings.HasPrefix(r.Explanation, "EXPLAIN-") {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	// The author changes the right answer to q1; an attempt made offline against version 1
	// is graded against version 1.
	v2 := testQuiz("Graded", 2)
	v2.Quiz.Questions[0].Options[0].Correct, v2.Quiz.Questions[0].Options[1].Correct = true, false
	if _, err := w.env.App.Content.Update(context.Background(), quiz.ID, 0, v2); err != nil {
		t.Fatal(err)
	}
	second := map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now().Add(-time.Hour)), "version": 1,
		"answers": answer("b", []string{"a", "c"}, "false")}
	var a2 attemptJSON
	w.do(t, "POST", url, w.mentee.Token, second, 201).JSON(t, &a2)
	if a2.Version != 1 || a2.ScorePercent != 100 || !a2.Passed || *a2.AttemptsRemaining != 0 {
		t.Errorf("attempt 2: %+v", a2)
	}
	// No attempts left; a replay of the last attempt still answers with its result.
	p := asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: url, Token: w.mentee.Token, Body: map[string]any{
		"eventId": newEventID(), "occurredAt": ts(apitest.Now()), "answers": answer("a", []string{"a"}, "true")}}), 422)
	if p.Code != "attempts_used_up" {
		t.Errorf("problem %+v", p)
	}
	w.do(t, "POST", url, w.mentee.Token, second, 200)
	// Attempts keep their version, so old versions stay readable for them.
	var list struct{ Items []attemptJSON }
	w.do(t, "GET", url, w.mentee.Token, nil, 200).JSON(t, &list)
	if len(list.Items) != 2 || list.Items[0].Attempt != 1 || list.Items[1].Attempt != 2 || list.Items[1].Version != 1 {
		t.Errorf("attempts %+v", list.Items)
	}
	if got := events(t, w.env, w.mentee.ID); got["quiz_attempted"] != 2 {
		t.Errorf("events %v", got)
	}
	// Unknown questions and options are named.
	p = asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: url, Token: w.mentor.Token, Body: map[string]any{
		"eventId": newEventID(), "occurredAt": ts(apitest.Now()), "answers": []map[string]any{
			{"questionKey": "q9", "optionKeys": []string{"a"}}, {"questionKey": "q1", "optionKeys": []string{"a", "b"}},
			{"questionKey": "q2", "optionKeys": []string{"z"}}}}}), 422)
	got := []string{}
	for _, e := range p.Errors {
		got = append(got, e.Pointer)
	}
	if diff := cmp.Diff([]string{"/answers/0/questionKey", "/answers/1/optionKeys", "/answers/2/optionKeys/0"}, got); diff != "" {
		t.Errorf("pointers (-want +got):\n%s", diff)
	}
}

// The correct options and the explanations of a quiz never reach a mentee before they have
// submitted: every response a mentee gets before then is scanned for them.
func TestCorrectAnswersNeverReachMenteesBeforeTheySubmit(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	svc := w.env.App.Content
	quiz := mustCreate(t, svc, w.owner.ID, w.pid, testQuiz("Secret answers", 0), true)
	lesson := mustCreate(t, svc, w.owner.ID, w.pid, testLesson("Before the quiz"), true)
	path := mustCreate(t, svc, w.owner.ID, w.pid, content.Item{Kind: content.KindPath, Title: "Quiz path",
		Path: &content.Path{Items: []learning.ItemRef{lesson.Ref(), quiz.Ref()}}}, true)
	// The markers: JSON fields that carry correctness, and every explanation's text.
	markers := []string{`"correct"`, `"explanation"`}
	for _, q := range quiz.Quiz.Questions {
		markers = append(markers, q.Explanation)
	}
	scan := func(r *apitest.Response) {
		t.Helper()
		for _, m := range markers {
			if strings.Contains(string(r.Body), m) {
				t.Errorf("a mentee response contains %q before submitting: %.300s", m, r.Body)
			}
		}
	}
	get := func(path string) *apitest.Response {
		r := w.env.Do(apitest.Req{Method: "GET", Path: path, Token: w.mentee.Token})
		if r.Status != 200 {
			t.Fatalf("GET %s: %d", path, r.Status)
		}
		return r
	}
	for _, p := range []string{"/v1/quizzes/" + quiz.ID, "/v1/paths/" + path.ID, "/v1/programmes/" + w.pid + "/content",
		"/v1/programmes/" + w.pid + "/content?kind=quiz", "/v1/quizzes/" + quiz.ID + "/attempts", "/v1/me/progress", "/v1/lessons/" + lesson.ID} {
		scan(get(p))
	}
	scan(w.do(t, "POST", "/v1/sync", w.mentee.Token, map[string]any{"events": []map[string]any{
		{"type": "lesson_progress", "eventId": newEventID(), "occurredAt": ts(apitest.Now()), "lessonId": lesson.ID, "state": "completed"},
		{"type": "quiz_attempt", "eventId": newEventID(), "occurredAt": ts(apitest.Now()), "quizId": "not-a-quiz", "answers": []any{}},
	}}, 200))
	// A conditional GET with a stale ETag is a full response too.
	scan(w.env.Do(apitest.Req{Method: "GET", Path: "/v1/quizzes/" + quiz.ID, Token: w.mentee.Token, Header: map[string]string{"If-None-Match": `W/"x"`}}))
	// The author does see them (the test can fail).
	if r := w.do(t, "GET", "/v1/quizzes/"+quiz.ID, w.owner.Token, nil, 200); !strings.Contains(string(r.Body), `"correct":true`) {
		t.Errorf("the author's view lacks the correct options: %.300s", r.Body)
	}
	// After submitting, the attempt shows per-question correctness and explanations; the quiz
	// itself still does not.
	r := w.do(t, "POST", "/v1/quizzes/"+quiz.ID+"/attempts", w.mentee.Token, map[string]any{"eventId": newEventID(),
		"occurredAt": ts(apitest.Now()), "answers": []map[string]any{{"questionKey": "q1", "optionKeys": []string{"b"}}}}, 201)
	if !strings.Contains(string(r.Body), quiz.Quiz.Questions[0].Explanation) || !strings.Contains(string(r.Body), `"correct":true`) {
		t.Errorf("the attempt result lacks explanations or correctness: %s", r.Body)
	}
	scan(get("/v1/quizzes/" + quiz.ID))
}

func TestChecklistTicksAndCompletion(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	cl := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testChecklist("Reflect"), true)
	tick := func(item string, ticked bool, at time.Time) (tickJSON, string) {
		id := newEventID()
		var out tickJSON
		w.do(t, "PUT", "/v1/checklists/"+cl.ID+"/items/"+item, w.mentee.Token,
			map[string]any{"eventId": id, "occurredAt": ts(at), "ticked": ticked}, 200).JSON(t, &out)
		return out, id
	}
	t0 := apitest.Now().Add(-time.Hour)
	if r, _ := tick("notes", true, t0); r.Complete || !cmp.Equal(r.TickedItems, []string{"notes"}) {
		t.Errorf("after notes: %+v", r)
	}
	if r, _ := tick("thanks", true, t0.Add(time.Minute)); r.Complete {
		t.Errorf("optional item completed it: %+v", r)
	}
	r, completing := tick("actions", true, t0.Add(2*time.Minute))
	if !r.Complete || !cmp.Equal(r.TickedItems, []string{"notes", "actions", "thanks"}) {
		t.Errorf("after all required: %+v", r)
	}
	if r, _ := tick("notes", false, t0.Add(3*time.Minute)); r.Complete {
		t.Errorf("unticking a required item left it complete: %+v", r)
	}
	tick("notes", true, t0.Add(4*time.Minute))
	// Completed once, recorded once, even though it became complete twice.
	if got := events(t, w.env, w.mentee.ID); !cmp.Equal(got, map[string]int{"checklist_completed": 1}) {
		t.Errorf("events %v", got)
	}
	// Replaying the completing tick returns its original answer.
	var replay tickJSON
	w.do(t, "PUT", "/v1/checklists/"+cl.ID+"/items/actions", w.mentee.Token,
		map[string]any{"eventId": completing, "occurredAt": ts(t0.Add(2 * time.Minute)), "ticked": true}, 200).JSON(t, &replay)
	if !replay.Complete || replay.EventID != completing {
		t.Errorf("replay %+v", replay)
	}
	var got itemJSON
	w.do(t, "GET", "/v1/checklists/"+cl.ID, w.mentee.Token, nil, 200).JSON(t, &got)
	if got.MyProgress == nil || !got.MyProgress.Complete {
		t.Errorf("checklist view %+v", got.MyProgress)
	}
	asProblem(t, w.env.Do(apitest.Req{Method: "PUT", Path: "/v1/checklists/" + cl.ID + "/items/nope", Token: w.mentee.Token,
		Body: map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()), "ticked": true}}), 404)
	p := asProblem(t, w.env.Do(apitest.Req{Method: "PUT", Path: "/v1/checklists/" + cl.ID + "/items/notes", Token: w.mentee.Token,
		Body: map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now())}}), 422)
	if p.Errors[0].Pointer != "/ticked" {
		t.Errorf("problem %+v", p)
	}
}

type tickJSON struct {
	EventID     string   `json:"eventId"`
	Ticked      bool     `json:"ticked"`
	TickedItems []string `json:"tickedItems"`
	Complete    bool     `json:"complete"`
}

func TestPathProgressAndCompletion(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	svc := w.env.App.Content
	lesson := mustCreate(t, svc, w.owner.ID, w.pid, testLesson("Step one"), true)
	quiz := mustCreate(t, svc, w.owner.ID, w.pid, testQuiz("Step two", 0), true)
	cl := mustCreate(t, svc, w.owner.ID, w.pid, testChecklist("Step three"), true)
	path := mustCreate(t, svc, w.owner.ID, w.pid, content.Item{Kind: content.KindPath, Title: "Three steps",
		Path: &content.Path{Items: []learning.ItemRef{lesson.Ref(), quiz.Ref(), cl.Ref()}}}, true)
	view := func() itemJSON {
		var p itemJSON
		w.do(t, "GET", "/v1/paths/"+path.ID, w.mentee.Token, nil, 200).JSON(t, &p)
		return p
	}
	if p := view(); p.Progress.Done != 0 || p.Progress.Total != 3 || p.Progress.Next.ID != lesson.ID {
		t.Errorf("fresh path %+v", p.Progress)
	}
	w.do(t, "POST", "/v1/lessons/"+lesson.ID+"/progress", w.mentee.Token, map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()), "state": "completed"}, 201)
	// A failed quiz attempt does not complete the step.
	w.do(t, "POST", "/v1/quizzes/"+quiz.ID+"/attempts", w.mentee.Token, map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()), "answers": []any{}}, 201)
	if p := view(); p.Progress.Done != 1 || p.Progress.Percent != 33 || p.Progress.Next.ID != quiz.ID || !p.Steps[0].Done {
		t.Errorf("after the lesson %+v", p.Progress)
	}
	w.do(t, "POST", "/v1/quizzes/"+quiz.ID+"/attempts", w.mentee.Token, map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()),
		"answers": []map[string]any{{"questionKey": "q1", "optionKeys": []string{"b"}}, {"questionKey": "q3", "optionKeys": []string{"false"}}}}, 201)
	for _, item := range []string{"notes", "actions"} {
		w.do(t, "PUT", "/v1/checklists/"+cl.ID+"/items/"+item, w.mentee.Token, map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()), "ticked": true}, 200)
	}
	if got := events(t, w.env, w.mentee.ID)["path_completed"]; got != 1 {
		t.Errorf("%d path_completed events after the last step, want 1", got)
	}
	p := view()
	if p.Progress.Done != 3 || p.Progress.Percent != 100 || p.Progress.Next != nil {
		t.Errorf("complete path %+v", p.Progress)
	}
	if got := events(t, w.env, w.mentee.ID)["path_completed"]; got != 1 {
		t.Errorf("viewing a complete path recorded it again: %d", got)
	}
	done, err := svc.Completed(context.Background(), w.mentee.ID, []learning.ItemRef{lesson.Ref(), quiz.Ref(), cl.Ref(), path.Ref(), {Kind: "lesson", ID: "nope"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[learning.ItemRef]bool{lesson.Ref(): true, quiz.Ref(): true, cl.Ref(): true, path.Ref(): true, {Kind: "lesson", ID: "nope"}: false}
	if diff := cmp.Diff(want, done); diff != "" {
		t.Errorf("Completed (-want +got):\n%s", diff)
	}
	if done, _ := svc.Completed(context.Background(), w.mentor.ID, []learning.ItemRef{path.Ref()}); done[path.Ref()] {
		t.Error("the mentor completed a path they never started")
	}
}

// A warm lesson read touches no database (content cache + membership cache). A progress write
// issues at most 2 commands (issue 4): learning.Publisher's one insert (the gamification work
// queue, which holds the whole event; the worker writes the permanent log later, batched)
// and the progress record.
func TestDatabaseBudgetForLessonReadsAndProgressWrites(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	lesson := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testLesson("Fast"), true)
	url := "/v1/lessons/" + lesson.ID
	// Warm the caches: the lesson, the membership, the programme's (empty) list of paths.
	w.do(t, "GET", url, w.mentee.Token, nil, 200)
	w.do(t, "POST", url+"/progress", w.mentee.Token, map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()), "state": "completed"}, 201)
	r := w.do(t, "GET", url, w.mentee.Token, nil, 200)
	if n := w.env.DBCommands(r); n != 0 {
		t.Errorf("a warm lesson read issued %d database commands, want 0", n)
	}
	// A completion reporting at least the lesson's estimate needs no history; one reporting
	// less reads the person's activity on the lesson once, to sum the time they spent on it
	// (plausible time, issue 15).
	estimate := lesson.EstimatedMinutes * 60
	for _, c := range []struct {
		state   string
		seconds int
		want    int64
	}{{"started", 0, 2}, {"completed", estimate, 2}, {"completed", 1, 3}} {
		r := w.do(t, "POST", url+"/progress", w.mentee.Token, map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()),
			"state": c.state, "secondsSpent": c.seconds}, 201)
		if n := w.env.DBCommands(r); n > c.want {
			t.Errorf("a lesson %s write reporting %d s issued %d database commands, want at most %d", c.state, c.seconds, n, c.want)
		}
	}
}
