package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/programme"
)

type reviewWorld struct {
	env           *apitest.Env
	clock         *testClock
	pid           string
	quiz          content.Item
	owner, mentee apitest.User
}

// newReviewWorld: a programme in London with a published three-question quiz and a mentee,
// on a clock the test moves.
func newReviewWorld(t *testing.T) *reviewWorld {
	c := &testClock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	env := apitest.New(t, apitest.WithClock(c.Now))
	w := &reviewWorld{env: env, clock: c, owner: env.Register("Rita Owner"), mentee: env.Register("Max Mentee")}
	ctx := context.Background()
	p, err := env.App.Programmes.Create(ctx, w.owner.ID, programme.Programme{Name: "Review", Timezone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	w.pid = p.ID
	if err := env.App.Programmes.AddMember(ctx, p.ID, w.mentee.ID, programme.RoleMentee); err != nil {
		t.Fatal(err)
	}
	w.quiz = mustCreate(t, env.App.Content, w.owner.ID, p.ID, testQuiz("Review quiz", 0), true)
	return w
}

// later moves the clock and signs the people in again (their tokens live 15 minutes).
func (w *reviewWorld) later(d time.Duration) {
	w.clock.Set(w.clock.Now().Add(d))
	w.mentee.Token = w.env.Login(w.mentee.Email, "correct-horse-battery")
	w.owner.Token = w.env.Login(w.owner.Email, "correct-horse-battery")
}

// attempt submits q1 wrong, q2 right and q3 wrong.
func (w *reviewWorld) attempt(t *testing.T) {
	t.Helper()
	r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/quizzes/" + w.quiz.ID + "/attempts", Token: w.mentee.Token, Body: map[string]any{
		"eventId": newEventID(), "occurredAt": ts(w.clock.Now()), "answers": []map[string]any{
			{"questionKey": "q1", "optionKeys": []string{"a"}}, {"questionKey": "q2", "optionKeys": []string{"a", "c"}},
			{"questionKey": "q3", "optionKeys": []string{"true"}}}}})
	if r.Status != http.StatusCreated {
		t.Fatalf("attempt: %d %s", r.Status, r.Body)
	}
}

// waitCards waits until the gamification worker has handed the attempt to review and the
// mentee holds n cards.
func (w *reviewWorld) waitCards(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for count(t, w.env, "review_cards", bson.D{{Key: "userId", Value: w.mentee.ID}}) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the mentee never got %d review cards", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type reviewPageJSON struct {
	Items []struct {
		ID       string `json:"id"`
		QuizID   string `json:"quizId"`
		DueAt    string `json:"dueAt"`
		Question struct {
			Key     string `json:"key"`
			Options []struct{ Key, Text string }
		} `json:"question"`
	} `json:"items"`
	DueCount int `json:"dueCount"`
}

func (w *reviewWorld) due(t *testing.T) (reviewPageJSON, *apitest.Response) {
	t.Helper()
	r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/reviews?due=now", Token: w.mentee.Token})
	if r.Status != http.StatusOK {
		t.Fatalf("reviews: %d %s", r.Status, r.Body)
	}
	var p reviewPageJSON
	r.JSON(t, &p)
	return p, r
}

type reviewAnswerJSON struct {
	EventID           string   `json:"eventId"`
	Correct           bool     `json:"correct"`
	CorrectOptionKeys []string `json:"correctOptionKeys"`
	Explanation       string   `json:"explanation"`
	Rating            string   `json:"rating"`
	RatingSource      string   `json:"ratingSource"`
	NextDueAt         string   `json:"nextDueAt"`
	ScheduledDays     int      `json:"scheduledDays"`
}

func (w *reviewWorld) answer(t *testing.T, cardID, eventID string, keys []string, want int) (reviewAnswerJSON, *apitest.Response) {
	t.Helper()
	r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/me/reviews/" + cardID, Token: w.mentee.Token, Body: map[string]any{
		"eventId": eventID, "occurredAt": ts(w.clock.Now()), "optionKeys": keys, "secondsSpent": 12}})
	if r.Status != want {
		t.Fatalf("answer %s: %d, want %d: %s", cardID, r.Status, want, r.Body)
	}
	var a reviewAnswerJSON
	r.JSON(t, &a)
	return a, r
}

// reviewXP waits until the mentee's review XP (the ledger's review entries) reaches want and
// returns it.
func (w *reviewWorld) reviewXP(t *testing.T, want int) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		cur, err := w.env.App.DB.DB.Collection("gamification_ledger").Find(context.Background(),
			bson.D{{Key: "userId", Value: w.mentee.ID}, {Key: "rule", Value: "review"}})
		if err != nil {
			t.Fatal(err)
		}
		var docs []struct {
			XP int `bson:"xp"`
		}
		if err := cur.All(context.Background(), &docs); err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, d := range docs {
			sum += d.XP
		}
		if sum >= want || time.Now().After(deadline) {
			return sum
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The "done when": a mentee who failed a question sees it again for review the next
// day, never with its answer; answering earns review XP once however often it is replayed.
func TestMissedQuestionComesBackNextDayAndEarnsXPOnce(t *testing.T) {
	t.Parallel()
	w := newReviewWorld(t)
	w.attempt(t)
	w.waitCards(t, 2) // q1 and q3 were wrong; q2 was right and makes no card

	p, _ := w.due(t)
	if len(p.Items) != 0 || p.DueCount != 0 {
		t.Fatalf("the same day %d cards are due (%d counted), want none", len(p.Items), p.DueCount)
	}
	w.later(23 * time.Hour) // 08:00 the next day in London
	p, r := w.due(t)
	if len(p.Items) != 2 || p.DueCount != 2 {
		t.Fatalf("the next day %d cards are listed, %d due, want 2: %s", len(p.Items), p.DueCount, r.Body)
	}
	keys := map[string]string{}
	for _, it := range p.Items {
		keys[it.Question.Key] = it.ID
		if it.QuizID != w.quiz.ID || it.DueAt != "2026-03-11T00:00:00Z" {
			t.Errorf("card %s: quiz %s due %s, want %s due at the start of 11 March in London", it.ID, it.QuizID, it.DueAt, w.quiz.ID)
		}
	}
	if keys["q1"] == "" || keys["q3"] == "" {
		t.Fatalf("cards for %v, want q1 and q3", keys)
	}
	// Never the answer before answering: no correctness, no explanation.
	for _, leak := range []string{"correct", "Correct", "EXPLAIN-"} {
		if strings.Contains(string(r.Body), leak) {
			t.Errorf("the due list shows %q: %s", leak, r.Body)
		}
	}
	one := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/reviews/" + keys["q1"], Token: w.mentee.Token})
	if one.Status != http.StatusOK || strings.Contains(string(one.Body), "correct") || strings.Contains(string(one.Body), "EXPLAIN-") {
		t.Errorf("one card: %d %s", one.Status, one.Body)
	}

	ev := newEventID()
	a, first := w.answer(t, keys["q1"], ev, []string{"b"}, http.StatusCreated)
	if !a.Correct || a.Rating != "good" || a.RatingSource != "answer" || a.Explanation == "" || len(a.CorrectOptionKeys) != 1 {
		t.Errorf("right answer: %+v", a)
	}
	if a.ScheduledDays < 2 || a.NextDueAt <= "2026-03-12" {
		t.Errorf("a right answer the day after a miss schedules %d days (due %s), want a longer interval", a.ScheduledDays, a.NextDueAt)
	}
	_, again := w.answer(t, keys["q1"], ev, []string{"b"}, http.StatusOK)
	if string(again.Body) != string(first.Body) {
		t.Errorf("replay answered\n%s\nwant the original\n%s", again.Body, first.Body)
	}
	// The same event through /v1/sync is a duplicate too.
	sr := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/sync", Token: w.mentee.Token, Body: map[string]any{"events": []map[string]any{
		{"type": "review_answer", "eventId": ev, "occurredAt": ts(w.clock.Now()), "cardId": keys["q1"], "optionKeys": []string{"b"}}}}})
	if sr.Status != http.StatusOK || !strings.Contains(string(sr.Body), `"duplicates":1`) {
		t.Errorf("sync replay: %d %s", sr.Status, sr.Body)
	}
	if got := w.reviewXP(t, 3); got != 3 {
		t.Fatalf("review XP %d after one right review (replayed twice), want 3", got)
	}
	// The schedule took the answer once: the quiz answer and one review.
	if c := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/reviews/" + keys["q1"], Token: w.mentee.Token}); !strings.Contains(string(c.Body), `"reps":2`) {
		t.Errorf("after two replays the card is %s, want reps 2", c.Body)
	}
	// A wrong answer to the other card, offline through sync: 1 XP more, and the card is
	// due again the next day.
	sr = w.env.Do(apitest.Req{Method: "POST", Path: "/v1/sync", Token: w.mentee.Token, Body: map[string]any{"events": []map[string]any{
		{"type": "review_answer", "eventId": newEventID(), "occurredAt": ts(w.clock.Now().Add(-time.Minute)), "cardId": keys["q3"], "optionKeys": []string{"true"}}}}})
	if sr.Status != http.StatusOK || !strings.Contains(string(sr.Body), `"accepted":1`) || !strings.Contains(string(sr.Body), `"nextDueAt":"2026-03-12T00:00:00Z"`) {
		t.Errorf("sync review: %d %s", sr.Status, sr.Body)
	}
	if got := w.reviewXP(t, 4); got != 4 {
		t.Errorf("review XP %d, want 4: the replays must have earned nothing", got)
	}
	if n := events(t, w.env, w.mentee.ID)["review_completed"]; n != 2 {
		t.Errorf("%d review_completed events, want 2", n)
	}
	p, _ = w.due(t)
	if p.DueCount != 0 {
		t.Errorf("%d cards still due after answering both", p.DueCount)
	}
	// The streak and goal count reviews: the mentee was active today.
	g := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/gamification?programmeId=" + w.pid, Token: w.mentee.Token})
	if !strings.Contains(string(g.Body), `"reviews":2`) {
		t.Errorf("gamification counters do not show 2 reviews: %s", g.Body)
	}
}

// A card whose question changed in a new quiz version retires; one whose question is
// unchanged moves to the new version and keeps its schedule.
func TestReviewCardsFollowQuizVersions(t *testing.T) {
	t.Parallel()
	w := newReviewWorld(t)
	w.attempt(t)
	w.waitCards(t, 2)
	edited := testQuiz("Review quiz", 0)
	edited.Quiz.Questions[0].Options[0].Correct, edited.Quiz.Questions[0].Options[1].Correct = true, false // q1 now asks something else
	edited.Quiz.Questions[2].Explanation = "EXPLAIN-Q3: reworded."                                         // q3 asks the same
	if _, err := w.env.App.Content.Update(context.Background(), w.quiz.ID, 0, edited); err != nil {
		t.Fatal(err)
	}
	w.later(24 * time.Hour)
	p, r := w.due(t)
	if len(p.Items) != 1 || p.Items[0].Question.Key != "q3" {
		t.Fatalf("after the edit: %s, want only q3", r.Body)
	}
	if !strings.Contains(string(r.Body), `"quizVersion":2`) {
		t.Errorf("q3 did not move to version 2: %s", r.Body)
	}
	q1 := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/reviews/" + cardIDFor(w, "q1"), Token: w.mentee.Token})
	if q1.Status != http.StatusGone {
		t.Errorf("the changed question's card: %d %s, want 410", q1.Status, q1.Body)
	}
	w.answer(t, cardIDFor(w, "q1"), newEventID(), []string{"a"}, http.StatusGone)
	a, _ := w.answer(t, p.Items[0].ID, newEventID(), []string{"false"}, http.StatusCreated)
	if !a.Correct || a.Explanation != "EXPLAIN-Q3: reworded." {
		t.Errorf("q3 after migration: %+v", a)
	}
}

func cardIDFor(w *reviewWorld, key string) string {
	var d struct {
		ID string `bson:"_id"`
	}
	_ = w.env.App.DB.DB.Collection("review_cards").FindOne(context.Background(),
		bson.D{{Key: "userId", Value: w.mentee.ID}, {Key: "questionKey", Value: key}}).Decode(&d)
	return d.ID
}

// Bad answers are refused field by field, and a card is only ever its owner's.
func TestBadReviewAnswers(t *testing.T) {
	t.Parallel()
	w := newReviewWorld(t)
	w.attempt(t)
	w.waitCards(t, 2)
	id := cardIDFor(w, "q1")
	for _, tc := range []struct {
		body    map[string]any
		pointer string
	}{ // field errors are 422; a body that is not the request's shape is 400
		{map[string]any{"eventId": "nope", "occurredAt": ts(w.clock.Now()), "optionKeys": []string{"b"}}, "/eventId"},
		{map[string]any{"eventId": newEventID(), "occurredAt": ts(w.clock.Now().Add(time.Hour)), "optionKeys": []string{"b"}}, "/occurredAt"},
		{map[string]any{"eventId": newEventID(), "occurredAt": ts(w.clock.Now()), "optionKeys": []string{"z"}}, "/optionKeys/0"},
		{map[string]any{"eventId": newEventID(), "occurredAt": ts(w.clock.Now()), "optionKeys": []string{"a", "b"}}, "/optionKeys"},
		{map[string]any{"eventId": newEventID(), "occurredAt": ts(w.clock.Now()), "optionKeys": []string{"b"}, "rating": "perfect"}, "/rating"},
		{map[string]any{"eventId": newEventID(), "occurredAt": ts(w.clock.Now()), "optionKeys": []string{"b"}, "$set": 1}, "/$set"},
	} {
		r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/me/reviews/" + id, Token: w.mentee.Token, Body: tc.body})
		want := http.StatusUnprocessableEntity
		if tc.pointer == "/$set" {
			want = http.StatusBadRequest
		}
		if r.Status != want || !strings.Contains(string(r.Body), `"pointer":"`+tc.pointer+`"`) {
			t.Errorf("%v: %d %s, want %d naming %s", tc.body, r.Status, r.Body, want, tc.pointer)
		}
	}
	if n := count(t, w.env, "review_logs", bson.D{{Key: "kind", Value: "review"}}); n != 0 {
		t.Errorf("%d review logs written by refused answers", n)
	}
	r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/me/reviews/" + id, Token: w.owner.Token, Body: map[string]any{
		"eventId": newEventID(), "occurredAt": ts(w.clock.Now()), "optionKeys": []string{"b"}}})
	if r.Status != http.StatusNotFound {
		t.Errorf("someone else's card: %d %s", r.Status, r.Body)
	}
	// The same eventId on another card is refused, not applied twice.
	ev := newEventID()
	w.answer(t, id, ev, []string{"b"}, http.StatusCreated)
	w.answer(t, cardIDFor(w, "q3"), ev, []string{"false"}, http.StatusUnprocessableEntity)
}

// The cost of a person's reviews follows their own cards: a warm due list is two indexed
// reads (the page and the count), an answer a fixed handful of single-document commands.
func TestReviewDatabaseBudget(t *testing.T) {
	t.Parallel()
	w := newReviewWorld(t)
	w.attempt(t)
	w.waitCards(t, 2)
	w.later(24 * time.Hour)
	w.due(t) // warms the content cache
	_, r := w.due(t)
	if n := w.env.DBCommands(r); n > 2 {
		t.Errorf("GET /v1/me/reviews issued %d database commands, want at most 2", n)
	}
	_, a := w.answer(t, cardIDFor(w, "q1"), newEventID(), []string{"b"}, http.StatusCreated)
	if n := w.env.DBCommands(a); n > 7 {
		t.Errorf("POST /v1/me/reviews/{cardId} issued %d database commands, want at most 7", n)
	}
}
