package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/programme"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type summaryJSON struct {
	ProgrammeID          string `json:"programmeId"`
	XP                   int64  `json:"xp"`
	Level                int    `json:"level"`
	NextLevelXP          int64  `json:"nextLevelXp"`
	LevelProgressPercent int    `json:"levelProgressPercent"`
	WeekXP               int64  `json:"weekXp"`
	Streak               struct {
		Current     int  `json:"current"`
		ActiveToday bool `json:"activeToday"`
	} `json:"streak"`
	Today struct {
		Date string `json:"date"`
		XP   int    `json:"xp"`
		Goal int    `json:"goal"`
		Met  bool   `json:"met"`
	} `json:"today"`
	RecentAwards []struct {
		Kind    string `json:"kind"`
		Rule    string `json:"rule"`
		BadgeID string `json:"badgeId"`
	} `json:"recentAwards"`
}

type gameWorld struct {
	env                    *apitest.Env
	clock                  *testClock
	pid                    string
	owner, mentee, mentee2 apitest.User
	n                      int
}

func newGameWorld(t *testing.T) *gameWorld {
	c := &testClock{t: time.Date(2026, 9, 2, 8, 0, 0, 0, time.UTC)} // Wednesday, 09:00 in London
	env := apitest.New(t, apitest.WithClock(c.Now))
	w := &gameWorld{env: env, clock: c, owner: env.Register("Gail Owner"), mentee: env.Register("Ada Mentee"), mentee2: env.Register("Ben Mentee")}
	ctx := context.Background()
	p, err := env.App.Programmes.Create(ctx, w.owner.ID, programme.Programme{Name: "Game", Timezone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	w.pid = p.ID
	for _, u := range []apitest.User{w.mentee, w.mentee2} {
		if err := env.App.Programmes.AddMember(ctx, p.ID, u.ID, programme.RoleMentee); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// complete publishes a learning event the way content does when a mentee completes work
// (content's endpoints are not on this branch).
func (w *gameWorld) complete(t *testing.T, u apitest.User, kind learning.Kind, item string, edit ...func(*learning.Event)) {
	t.Helper()
	w.n++
	now := w.clock.Now()
	e := learning.Event{ID: fmt.Sprintf("e2e-%d", w.n), Kind: kind, UserID: u.ID, ProgrammeID: w.pid, ItemKind: map[learning.Kind]string{
		learning.LessonCompleted: "lesson", learning.QuizAttempted: "quiz", learning.ChecklistCompleted: "checklist"}[kind],
		ItemID: item, Domain: "skill-based", OccurredAt: now, RecordedAt: now}
	for _, f := range edit {
		f(&e)
	}
	if err := w.env.App.Learning.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

// summary polls GET /v1/me/gamification until ok accepts it (the service works
// asynchronously) and returns it.
func (w *gameWorld) summary(t *testing.T, u apitest.User, ok func(summaryJSON) bool) summaryJSON {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/gamification?programmeId=" + w.pid, Token: u.Token})
		if r.Status != http.StatusOK {
			t.Fatalf("me/gamification: %d %s", r.Status, r.Body)
		}
		var body struct{ Items []summaryJSON }
		r.JSON(t, &body)
		if len(body.Items) == 1 && ok(body.Items[0]) {
			return body.Items[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("summary never matched: %s", r.Body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestGamificationEndToEnd(t *testing.T) {
	t.Parallel()
	w := newGameWorld(t)
	env := w.env

	// Before any activity: level 1, nothing earned.
	s := w.summary(t, w.mentee, func(s summaryJSON) bool { return true })
	if s.XP != 0 || s.Level != 1 || s.NextLevelXP != 120 || s.Today.Goal != 20 {
		t.Fatalf("fresh summary %+v", s)
	}

	w.complete(t, w.mentee, learning.LessonCompleted, "l1")
	w.complete(t, w.mentee, learning.QuizAttempted, "q1", func(e *learning.Event) { e.ScorePercent, e.Passed, e.Attempt, e.Perfect = 100, true, 1, true })
	w.complete(t, w.mentee, learning.LessonCompleted, "l1") // a repeat earns nothing
	w.complete(t, w.mentee, learning.ChecklistCompleted, "c1")
	// 10 + 20 + goal 5 + 5 = 40
	s = w.summary(t, w.mentee, func(s summaryJSON) bool { return s.XP == 40 })
	if s.Level != 1 || s.Streak.Current != 1 || !s.Streak.ActiveToday || !s.Today.Met || s.Today.XP != 40 || s.Today.Date != "2026-09-02" || s.WeekXP != 40 {
		t.Errorf("after a day's work: %+v", s)
	}
	var kinds []string
	for _, a := range s.RecentAwards {
		kinds = append(kinds, a.Kind+":"+a.Rule+a.BadgeID)
	}
	if diff := cmp.Diff([]string{"badge:domain-skill-based", "badge:first-checklist", "xp:checklist_completed", "badge:perfect-quiz", "xp:daily_goal", "xp:quiz_passed",
		"badge:first-lesson", "xp:lesson_completed"}, kinds); diff != "" {
		t.Errorf("recent awards (-want +got):\n%s", diff)
	}

	// Badges with progress.
	r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/badges?programmeId=" + w.pid, Token: w.mentee.Token})
	var badges struct {
		Items []struct {
			ID       string
			Earned   bool
			Progress struct{ Current, Target int }
		}
	}
	r.JSON(t, &badges)
	got := map[string]string{}
	for _, b := range badges.Items {
		got[b.ID] = fmt.Sprintf("%v %d/%d", b.Earned, b.Progress.Current, b.Progress.Target)
	}
	for id, want := range map[string]string{"first-lesson": "true 1/1", "five-lessons": "false 1/5", "perfect-quiz": "true 1/1",
		"domain-skill-based": "false 3/3", "streak-3": "false 1/3"} {
		if id == "domain-skill-based" {
			want = "true 3/3"
		}
		if got[id] != want {
			t.Errorf("badge %s: %q, want %q", id, got[id], want)
		}
	}

	// Progress bars in one request.
	r = env.Do(apitest.Req{Method: "GET", Path: "/v1/me/progress-bars", Token: w.mentee.Token})
	var bars struct {
		Items []struct {
			Kind, ID             string
			Done, Total, Percent int
		}
	}
	r.JSON(t, &bars)
	if len(bars.Items) != 3 || bars.Items[0].Percent != 100 {
		t.Errorf("bars %+v", bars.Items)
	}

	// The next local day (00:30 in London is 23:30 UTC) extends the streak.
	w.clock.Set(time.Date(2026, 9, 2, 23, 30, 0, 0, time.UTC))
	for _, u := range []*apitest.User{&w.owner, &w.mentee, &w.mentee2} {
		u.Token = env.Login(u.Email, "correct-horse-battery") // the old tokens expired
	}
	w.complete(t, w.mentee, learning.LessonCompleted, "l2")
	s = w.summary(t, w.mentee, func(s summaryJSON) bool { return s.XP == 50 })
	if s.Streak.Current != 2 || s.Today.Date != "2026-09-03" || s.Today.XP != 10 || s.Today.Met {
		t.Errorf("next day: %+v", s)
	}

	// A second mentee, and the owner looks at the leaderboard.
	w.complete(t, w.mentee2, learning.LessonCompleted, "l1")
	w.summary(t, w.mentee2, func(s summaryJSON) bool { return s.XP == 10 })
	w.env.WaitLearningQueue(t, 30*time.Second) // the board entry is written after the XP
	var board struct {
		PeriodKey    string
		Participants int
		Top          []struct {
			Rank        int
			UserID      string
			DisplayName string
			Score       int64
		}
		Me *struct{ Rank int }
	}
	var last *apitest.Response
	for i := 0; i < 2; i++ {
		last = env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + w.pid + "/leaderboard?period=week", Token: w.owner.Token})
	}
	if last.Status != http.StatusOK {
		t.Fatalf("leaderboard %d %s", last.Status, last.Body)
	}
	last.JSON(t, &board)
	if board.PeriodKey != "w2026-08-31" || board.Participants != 2 || board.Top[0].UserID != w.mentee.ID || board.Top[0].Score != 50 ||
		board.Top[1].DisplayName != "Ben Mentee" || board.Me != nil {
		t.Errorf("board %+v", board)
	}
	// The maintained board (issue 20): its score counts with the caller's entry, the band
	// counts of the scores shown, the entries of those bands (the membership is cached).
	if n := env.DBCommands(last); n > 3 {
		t.Errorf("leaderboard read issued %d database commands, want at most 3", n)
	}
	r = env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + w.pid + "/leaderboard?period=all&limit=1", Token: w.mentee2.Token})
	var mine struct {
		Top        []struct{ Rank int }
		Me         *struct{ Rank int }
		Neighbours []struct{ Rank int }
	}
	r.JSON(t, &mine)
	if len(mine.Top) != 1 || mine.Me == nil || mine.Me.Rank != 2 || len(mine.Neighbours) != 1 {
		t.Errorf("mentee's all-time board %+v", mine)
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + w.pid + "/leaderboard?period=year", Token: w.mentee.Token}); r.Status != http.StatusBadRequest {
		t.Errorf("period=year: %d", r.Status)
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + w.pid + "/leaderboard?pairingId=nope", Token: w.mentee.Token}); r.Status != http.StatusNotFound {
		t.Errorf("unknown pairing: %d", r.Status)
	}
}

func TestGamificationRulesAndBadgesAPI(t *testing.T) {
	t.Parallel()
	w := newGameWorld(t)
	env := w.env
	path := "/v1/programmes/" + w.pid + "/gamification/rules"
	r := env.Do(apitest.Req{Method: "GET", Path: path, Token: w.owner.Token})
	var rules struct {
		LessonCompleted int
		LevelThresholds []int64
	}
	r.JSON(t, &rules)
	if diff := cmp.Diff([]int64{0, 120, 276, 479, 742, 1085, 1531, 2110, 2863, 3842}, rules.LevelThresholds); diff != "" || rules.LessonCompleted != 10 {
		t.Errorf("default rules %+v (-want +got):\n%s", rules, diff)
	}
	r = env.Do(apitest.Req{Method: "PUT", Path: path, Token: w.owner.Token, Body: map[string]any{"dailyCap": 0, "levels": map[string]any{"kind": "linear", "base": 0}}})
	var problem struct{ Errors []struct{ Pointer string } }
	r.JSON(t, &problem)
	if r.Status != http.StatusUnprocessableEntity || len(problem.Errors) != 2 || problem.Errors[0].Pointer != "/dailyCap" || problem.Errors[1].Pointer != "/levels/base" {
		t.Errorf("invalid rules: %d %s", r.Status, r.Body)
	}
	if r := env.Do(apitest.Req{Method: "PUT", Path: path, Token: w.owner.Token, Body: `{"dailyCap": {"$gt": 1}}`}); r.Status != http.StatusBadRequest {
		t.Errorf("operator injection: %d", r.Status)
	}
	r = env.Do(apitest.Req{Method: "PUT", Path: path, Token: w.owner.Token, Body: map[string]any{"lessonCompleted": 30, "levels": map[string]any{"kind": "linear", "base": 100}}})
	r.JSON(t, &rules)
	if r.Status != http.StatusOK || rules.LessonCompleted != 30 || rules.LevelThresholds[3] != 300 {
		t.Errorf("rules now %d %+v", r.Status, rules)
	}
	// A programme badge; the rules apply to the next events.
	r = env.Do(apitest.Req{Method: "PUT", Path: "/v1/programmes/" + w.pid + "/gamification/badges/two-lessons", Token: w.owner.Token,
		Body: map[string]any{"name": "Two down", "criterion": map[string]any{"counter": "lessons", "target": 2}}})
	if r.Status != http.StatusOK {
		t.Fatalf("put badge: %d %s", r.Status, r.Body)
	}
	if r := env.Do(apitest.Req{Method: "PUT", Path: "/v1/programmes/" + w.pid + "/gamification/badges/first-lesson", Token: w.owner.Token,
		Body: map[string]any{"name": "Mine", "criterion": map[string]any{"counter": "lessons", "target": 2}}}); r.Status != http.StatusConflict {
		t.Errorf("replacing a built-in badge: %d", r.Status)
	}
	w.complete(t, w.mentee, learning.LessonCompleted, "l1")
	w.complete(t, w.mentee, learning.LessonCompleted, "l2")
	s := w.summary(t, w.mentee, func(s summaryJSON) bool { return s.XP == 65 })
	if s.Level != 1 || s.LevelProgressPercent != 65 {
		t.Errorf("with the linear curve: %+v", s)
	}
	r = env.Do(apitest.Req{Method: "GET", Path: "/v1/me/badges?programmeId=" + w.pid, Token: w.mentee.Token})
	var badges struct {
		Items []struct {
			ID     string
			Earned bool
		}
	}
	r.JSON(t, &badges)
	earned := false
	for _, b := range badges.Items {
		earned = earned || (b.ID == "two-lessons" && b.Earned)
	}
	if !earned {
		t.Errorf("programme badge not earned: %s", r.Body)
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/gamification?programmeId=someone-elses", Token: w.mentee.Token}); r.Status != http.StatusNotFound {
		t.Errorf("a programme the caller is not in: %d", r.Status)
	}
}

// Opting out of the leaderboard through the profile takes effect at once: the profile
// change reaches gamification without waiting for the person's next event.
func TestLeaderboardOptOutTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	w := newGameWorld(t)
	w.complete(t, w.mentee, learning.LessonCompleted, "lesson-1")
	w.summary(t, w.mentee, func(s summaryJSON) bool { return s.XP == 10 })
	// The boards are written after the player (SavePlayer), and the event leaves the queue
	// only after both: the XP alone can be visible before the board entry.
	w.env.WaitLearningQueue(t, 30*time.Second)
	board := func() []string {
		r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + w.pid + "/leaderboard?period=all", Token: w.owner.Token})
		if r.Status != http.StatusOK {
			t.Fatalf("leaderboard: %d %s", r.Status, r.Body)
		}
		var b struct {
			Top []struct{ UserID, DisplayName string }
		}
		r.JSON(t, &b)
		var names []string
		for _, e := range b.Top {
			names = append(names, e.DisplayName)
		}
		return names
	}
	if got := board(); len(got) != 1 || got[0] != "Ada Mentee" {
		t.Fatalf("leaderboard before opting out: %v", got)
	}
	if r := w.env.Do(apitest.Req{Method: "PATCH", Path: "/v1/me", Token: w.mentee.Token, Body: map[string]string{"leaderboardVisibility": "hidden"}}); r.Status != http.StatusOK {
		t.Fatalf("opt out: %d %s", r.Status, r.Body)
	}
	if got := board(); len(got) != 0 {
		t.Errorf("leaderboard right after opting out: %v", got)
	}
}
