package api_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/learning"
)

// Issue 15: the mentee's first minute. A fresh member sees a standing, badges to aim for and
// bars at 0 before any event of theirs; badges have names, criteria text and images; wins are
// listed with the owner's claim instructions; a completion without plausible time earns
// nothing and the sync answer says why; a quiz that is over shows its correct options; lists
// carry the caller's progress and a path's minutes agree everywhere.

type myBadgeJSON struct {
	ProgrammeID  string `json:"programmeId"`
	ID           string `json:"id"`
	Name         string `json:"name"`
	CriteriaText string `json:"criteriaText"`
	ImageURL     string `json:"imageUrl"`
	BuiltIn      bool   `json:"builtIn"`
	Earned       bool   `json:"earned"`
	Progress     struct {
		Current int `json:"current"`
		Target  int `json:"target"`
	} `json:"progress"`
}

func TestNothingIsBlankForANewMentee(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	svc := w.env.App.Content
	lesson := mustCreate(t, svc, w.owner.ID, w.pid, testLesson("First steps"), true)
	quiz := mustCreate(t, svc, w.owner.ID, w.pid, testQuiz("Check", 0), true)
	path := mustCreate(t, svc, w.owner.ID, w.pid, content.Item{Kind: content.KindPath, Title: "Start here",
		Path: &content.Path{Items: []learning.ItemRef{lesson.Ref(), quiz.Ref()}}}, true)

	var sums struct{ Items []summaryJSON }
	w.do(t, "GET", "/v1/me/gamification", w.mentee.Token, nil, 200).JSON(t, &sums)
	if len(sums.Items) != 1 {
		t.Fatalf("a fresh member's standings: %+v", sums.Items)
	}
	if s := sums.Items[0]; s.ProgrammeID != w.pid || s.Level != 1 || s.XP != 0 || s.Today.Goal <= 0 || s.Today.XP != 0 || s.Streak.Current != 0 || s.NextLevelXP <= 0 {
		t.Errorf("fresh standing: %+v", s)
	}

	var badges struct{ Items []myBadgeJSON }
	w.do(t, "GET", "/v1/me/badges?programmeId="+w.pid, w.mentee.Token, nil, 200).JSON(t, &badges)
	if len(badges.Items) < 5 {
		t.Fatalf("badges to aim for: %d", len(badges.Items))
	}
	for _, b := range badges.Items {
		if b.Earned || b.Progress.Current != 0 || b.Progress.Target <= 0 || b.Name == "" || b.CriteriaText == "" || b.ImageURL == "" {
			t.Errorf("fresh badge: %+v", b)
		}
	}
	// The image of a built-in badge is served, publicly, as SVG.
	u, err := url.Parse(badges.Items[0].ImageURL)
	if err != nil {
		t.Fatal(err)
	}
	r := w.env.Do(apitest.Req{Method: "GET", Path: u.Path})
	if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "image/svg+xml") || !strings.Contains(string(r.Body), "<svg") {
		t.Errorf("badge art %s: %d %s", u.Path, r.Status, r.Header.Get("Content-Type"))
	}
	if r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/badge-art/..%2Fbadges.svg"}); r.Status != 404 {
		t.Errorf("art outside the embedded set: %d", r.Status)
	}

	var bars struct{ Items []barJSON }
	w.do(t, "GET", "/v1/me/progress-bars", w.mentee.Token, nil, 200).JSON(t, &bars)
	seen := map[string]barJSON{}
	for _, b := range bars.Items {
		seen[b.Kind+":"+b.ID] = b
	}
	if b, ok := seen["programme:"+w.pid]; !ok || b.Done != 0 || b.Total != 2 { // the lesson and the quiz
		t.Errorf("library bar at 0: %+v (all %+v)", b, bars.Items)
	}
	if b, ok := seen["path:"+path.ID]; !ok || b.Done != 0 || b.Total != 2 {
		t.Errorf("path bar at 0: %+v (all %+v)", b, bars.Items)
	}
	// Outsiders have no standing in the programme.
	if r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/gamification?programmeId=" + w.pid, Token: w.outsdr.Token}); r.Status != 403 && r.Status != 404 {
		t.Errorf("an outsider's standing in the programme: %d", r.Status)
	}
}

type barJSON struct {
	ProgrammeID string `json:"programmeId"`
	Kind        string `json:"kind"`
	ID          string `json:"id"`
	Done        int    `json:"done"`
	Total       int    `json:"total"`
}

type myPrizeJSON struct {
	WinnerID          string `json:"winnerId"`
	ProgrammeID       string `json:"programmeId"`
	Name              string `json:"name"`
	ClaimInstructions string `json:"claimInstructions"`
	BadgeID           string `json:"badgeId"`
	State             string `json:"state"`
}

func TestMyPrizesListWinsWithClaimInstructions(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	lesson := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testLesson("Prize lesson"), true)
	w.do(t, "POST", "/v1/programmes/"+w.pid+"/gamification/prizes", w.owner.Token, map[string]any{"name": "Coffee with the dean",
		"kind": "badge", "badgeId": "first-lesson", "claimInstructions": "Show this to Gail at the front desk before Friday."}, 201)
	prizes := func(u apitest.User) []myPrizeJSON {
		var out struct{ Items []myPrizeJSON }
		w.do(t, "GET", "/v1/me/prizes", u.Token, nil, 200).JSON(t, &out)
		return out.Items
	}
	if got := prizes(w.mentee); len(got) != 0 {
		t.Fatalf("prizes before winning: %+v", got)
	}
	w.do(t, "POST", "/v1/lessons/"+lesson.ID+"/progress", w.mentee.Token, map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()),
		"state": "completed", "secondsSpent": lesson.EstimatedMinutes * 60}, 201)
	var won []myPrizeJSON
	deadline := time.Now().Add(10 * time.Second)
	for len(won) == 0 && time.Now().Before(deadline) {
		if won = prizes(w.mentee); len(won) == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if len(won) != 1 || won[0].State != "won" || won[0].Name != "Coffee with the dean" || won[0].BadgeID != "first-lesson" ||
		won[0].ClaimInstructions != "Show this to Gail at the front desk before Friday." || won[0].ProgrammeID != w.pid {
		t.Fatalf("the win: %+v", won)
	}
	// One read of the caller's own wins (the programme configuration is cached).
	if n := w.env.DBCommands(w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/prizes", Token: w.mentee.Token})); n != 1 {
		t.Errorf("GET /v1/me/prizes issued %d database commands, want 1", n)
	}
	if got := prizes(w.mentor); len(got) != 0 {
		t.Errorf("another member sees someone's win as theirs: %+v", got)
	}
	w.do(t, "POST", "/v1/programmes/"+w.pid+"/gamification/prize-winners/"+won[0].WinnerID+"/handed-over", w.owner.Token, nil, 200)
	if got := prizes(w.mentee); len(got) != 1 || got[0].State != "handed_over" {
		t.Errorf("after hand-over: %+v", got)
	}
}

type syncEarnedJSON struct {
	Results []struct {
		Status string `json:"status"`
		Earned *struct {
			XP     int    `json:"xp"`
			Reason string `json:"reason"`
			Detail string `json:"detail"`
		} `json:"earned"`
	} `json:"results"`
	XP int `json:"xp"`
}

func TestSyncSaysWhyAnEventEarnedNothing(t *testing.T) {
	t.Parallel()
	joined := apitest.Now().Add(-3 * time.Hour).Truncate(time.Second)
	clock := &testClock{t: joined}
	w := newContentWorld(t, apitest.WithClock(clock.Now)) // the members join three hours ago
	clock.Set(apitest.Now())
	w.mentee.Token = w.env.Login(w.mentee.Email, "correct-horse-battery")
	svc := w.env.App.Content
	fast := mustCreate(t, svc, w.owner.ID, w.pid, testLesson("Skimmed"), true)
	slow := mustCreate(t, svc, w.owner.ID, w.pid, testLesson("Read"), true)
	early := mustCreate(t, svc, w.owner.ID, w.pid, testLesson("Before joining"), true)
	estimate := slow.EstimatedMinutes * 60
	now := apitest.Now()
	lessonEv := func(id, lessonID, state string, at time.Time, seconds int) map[string]any {
		return map[string]any{"type": "lesson_progress", "eventId": id, "lessonId": lessonID, "state": state, "occurredAt": ts(at), "secondsSpent": seconds}
	}
	dup := newEventID()
	batch := []map[string]any{
		lessonEv(newEventID(), fast.ID, "completed", now.Add(-5*time.Minute), 1),                 // too fast
		lessonEv(newEventID(), slow.ID, "started", now.Add(-4*time.Minute), estimate/2),          // progress
		lessonEv(dup, slow.ID, "completed", now.Add(-3*time.Minute), estimate/2),                 // earns: the start's time counts
		lessonEv(newEventID(), slow.ID, "completed", now.Add(-2*time.Minute), estimate),          // already earned
		lessonEv(newEventID(), early.ID, "completed", joined.Add(-time.Minute), estimate),        // before membership
		lessonEv(newEventID(), fast.ID, "completed", now.Add(-1*time.Minute), estimate*30/100+1), // now plausible: earns
	}
	var out syncEarnedJSON
	w.do(t, "POST", "/v1/sync", w.mentee.Token, map[string]any{"events": batch}, 200).JSON(t, &out)
	want := []struct {
		xp     bool
		reason string
	}{{false, "too_fast"}, {false, "not_a_completion"}, {true, ""}, {false, "already_earned"}, {false, "before_membership"}, {true, ""}}
	total := 0
	for i, r := range out.Results {
		if r.Status != "accepted" || r.Earned == nil {
			t.Fatalf("event %d: %+v", i, r)
		}
		if (r.Earned.XP > 0) != want[i].xp || r.Earned.Reason != want[i].reason || (r.Earned.XP == 0 && r.Earned.Detail == "") {
			t.Errorf("event %d earned %+v, want xp %v reason %q", i, *r.Earned, want[i].xp, want[i].reason)
		}
		total += r.Earned.XP
	}
	if out.XP != total || total == 0 {
		t.Errorf("batch xp %d, events' %d", out.XP, total)
	}
	// Sent again, the completion is a duplicate that earns nothing more.
	var again syncEarnedJSON
	w.do(t, "POST", "/v1/sync", w.mentee.Token, map[string]any{"events": []map[string]any{batch[2]}}, 200).JSON(t, &again)
	if r := again.Results[0]; r.Status != "duplicate" || r.Earned == nil || r.Earned.Reason != "duplicate" || again.XP != 0 {
		t.Errorf("replay: %+v", again)
	}
	// The worker pays what the answer said.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var sums struct{ Items []summaryJSON }
		w.do(t, "GET", "/v1/me/gamification?programmeId="+w.pid, w.mentee.Token, nil, 200).JSON(t, &sums)
		if int(sums.Items[0].XP) == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker paid %d XP, the sync said %d", sums.Items[0].XP, total)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The events that earned nothing are recorded all the same (progress shows them).
	if n := len(published(t, w.env, w.mentee.ID)); n < 6 {
		t.Errorf("every accepted completion is still recorded as a learning event: %d", n)
	}
}

type reviewedAttemptJSON struct {
	Passed          bool `json:"passed"`
	AnswersRevealed bool `json:"answersRevealed"`
	Results         []struct {
		QuestionKey       string   `json:"questionKey"`
		Explanation       string   `json:"explanation"`
		CorrectOptionKeys []string `json:"correctOptionKeys"`
	} `json:"results"`
}

func TestQuizShowsTheRightAnswersOnceItIsOver(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	svc := w.env.App.Content
	quiz := mustCreate(t, svc, w.owner.ID, w.pid, testQuiz("Two tries", 2), true)
	hiddenQ := testQuiz("Certifying", 0)
	hiddenQ.Quiz.HideAnswers = true
	hidden := mustCreate(t, svc, w.owner.ID, w.pid, hiddenQ, true)
	wrong := []map[string]any{{"questionKey": "q1", "optionKeys": []string{"a"}}}
	right := []map[string]any{{"questionKey": "q1", "optionKeys": []string{"b"}}, {"questionKey": "q2", "optionKeys": []string{"a", "c"}},
		{"questionKey": "q3", "optionKeys": []string{"false"}}}
	attempt := func(q content.Item, answers []map[string]any) reviewedAttemptJSON {
		var a reviewedAttemptJSON
		w.do(t, "POST", "/v1/quizzes/"+q.ID+"/attempts", w.mentee.Token, map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()),
			"answers": answers, "secondsSpent": 60}, 201).JSON(t, &a)
		return a
	}
	a1 := attempt(quiz, wrong)
	if a1.AnswersRevealed || a1.Results[0].CorrectOptionKeys != nil {
		t.Errorf("with an attempt left the right answers show: %+v", a1)
	}
	a2 := attempt(quiz, wrong)
	if !a2.AnswersRevealed || len(a2.Results) != 3 || strings.Join(a2.Results[0].CorrectOptionKeys, ",") != "b" ||
		strings.Join(a2.Results[1].CorrectOptionKeys, ",") != "a,c" || a2.Results[0].Explanation == "" {
		t.Errorf("after the last attempt: %+v", a2)
	}
	// The list of attempts shows them too, now that the quiz is over.
	var list struct{ Items []reviewedAttemptJSON }
	w.do(t, "GET", "/v1/quizzes/"+quiz.ID+"/attempts", w.mentee.Token, nil, 200).JSON(t, &list)
	if len(list.Items) != 2 || !list.Items[0].AnswersRevealed || list.Items[0].Results[0].CorrectOptionKeys == nil {
		t.Errorf("attempts list: %+v", list.Items)
	}
	// A quiz that hides its answers shows neither options nor explanations, passed or not.
	h := attempt(hidden, right)
	if !h.Passed || h.AnswersRevealed || h.Results[0].CorrectOptionKeys != nil || h.Results[0].Explanation != "" {
		t.Errorf("hidden answers: %+v", h)
	}
	var item struct {
		HideAnswers *bool `json:"hideAnswers"`
	}
	w.do(t, "GET", "/v1/quizzes/"+hidden.ID, w.mentee.Token, nil, 200).JSON(t, &item)
	if item.HideAnswers == nil || !*item.HideAnswers {
		t.Errorf("the quiz says it hides its answers: %+v", item)
	}
}

type listedJSON struct {
	ID               string `json:"id"`
	Kind             string `json:"kind"`
	EstimatedMinutes int    `json:"estimatedMinutes"`
	MyProgress       *struct {
		State   string `json:"state"`
		Done    int    `json:"done"`
		Total   int    `json:"total"`
		Percent int    `json:"percent"`
	} `json:"myProgress"`
}

func TestListsCarryTheCallersProgressAndPathMinutesAgree(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	svc := w.env.App.Content
	lesson := mustCreate(t, svc, w.owner.ID, w.pid, testLesson("Listed lesson"), true)
	quiz := mustCreate(t, svc, w.owner.ID, w.pid, testQuiz("Listed quiz", 0), true)
	path := mustCreate(t, svc, w.owner.ID, w.pid, content.Item{Kind: content.KindPath, Title: "Listed path",
		Path: &content.Path{Items: []learning.ItemRef{lesson.Ref(), quiz.Ref()}}}, true)
	w.do(t, "POST", "/v1/lessons/"+lesson.ID+"/progress", w.mentee.Token, map[string]any{"eventId": newEventID(), "occurredAt": ts(apitest.Now()),
		"state": "completed", "secondsSpent": 120}, 201)
	var list struct{ Items []listedJSON }
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/content", w.mentee.Token, nil, 200).JSON(t, &list)
	got := map[string]listedJSON{}
	for _, it := range list.Items {
		if it.MyProgress == nil {
			t.Fatalf("an item without the caller's progress: %+v", it)
		}
		got[it.ID] = it
	}
	if p := got[lesson.ID].MyProgress; p.State != "completed" || p.Percent != 100 {
		t.Errorf("lesson: %+v", p)
	}
	if p := got[quiz.ID].MyProgress; p.State != "not_started" || p.Done != 0 {
		t.Errorf("quiz: %+v", p)
	}
	if p := got[path.ID].MyProgress; p.State != "in_progress" || p.Done != 1 || p.Total != 2 || p.Percent != 50 {
		t.Errorf("path: %+v", p)
	}
	sum := lesson.EstimatedMinutes + quiz.EstimatedMinutes
	var detail listedJSON
	w.do(t, "GET", "/v1/paths/"+path.ID, w.mentee.Token, nil, 200).JSON(t, &detail)
	if got[path.ID].EstimatedMinutes != sum || detail.EstimatedMinutes != sum || sum < 2 {
		t.Errorf("path minutes: list %d, detail %d, steps %d", got[path.ID].EstimatedMinutes, detail.EstimatedMinutes, sum)
	}
	// Another member's list shows their own (empty) progress.
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/content", w.mentor.Token, nil, 200).JSON(t, &list)
	for _, it := range list.Items {
		if it.MyProgress == nil || it.MyProgress.State != "not_started" {
			t.Errorf("the mentor's progress on %s: %+v", it.ID, it.MyProgress)
		}
	}
}
