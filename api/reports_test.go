package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/programme"
)

// reportWorld is a programme in London with an owner, two mentors and four mentees (one of
// them named like a spreadsheet formula), a lesson, a quiz and a checklist, and pairings:
// Malik mentors Ada one-to-one and Ben and Cara in a group; Nia mentors the formula.
type reportWorld struct {
	env                           *apitest.Env
	clock                         *testClock
	pid                           string
	owner, malik, nia             apitest.User
	ada, ben, cara, formula       apitest.User
	lesson, quiz, checklist       content.Item
	adaPairing, benPairing, niaPr string
}

func newReportWorld(t *testing.T) *reportWorld {
	t.Helper()
	c := &testClock{t: time.Date(2026, 10, 21, 8, 0, 0, 0, time.UTC)} // Wednesday 09:00 BST
	env := apitest.New(t, apitest.WithClock(c.Now))
	w := &reportWorld{env: env, clock: c, owner: quickUser(t, env, "Olive Owner"), malik: quickUser(t, env, "Malik Mentor"),
		nia: quickUser(t, env, "Nia Mentor"), ada: quickUser(t, env, "Ada Mentee"), ben: quickUser(t, env, "Ben Mentee"),
		cara: quickUser(t, env, "Cara Mentee"), formula: env.Register("Formula Mentee")}
	// A member who named themselves like a spreadsheet formula.
	if r := env.Do(apitest.Req{Method: "PATCH", Path: "/v1/me", Token: w.formula.Token, Body: map[string]string{"displayName": "=HYPERLINK(evil)"}}); r.Status != 200 {
		t.Fatalf("rename: %d %s", r.Status, r.Body)
	}
	ctx := context.Background()
	p, err := env.App.Programmes.Create(ctx, w.owner.ID, programme.Programme{Name: "Ward leaders", Timezone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	w.pid = p.ID
	for _, m := range []struct {
		u    apitest.User
		role programme.Role
	}{{w.malik, programme.RoleMentor}, {w.nia, programme.RoleMentor}, {w.ada, programme.RoleMentee}, {w.ben, programme.RoleMentee},
		{w.cara, programme.RoleMentee}, {w.formula, programme.RoleMentee}} {
		if err := env.App.Programmes.AddMember(ctx, p.ID, m.u.ID, m.role); err != nil {
			t.Fatal(err)
		}
	}
	capacity := 10
	for _, m := range []apitest.User{w.malik, w.nia} {
		if _, err := env.App.Mentoring.PutMyProfile(ctx, mentoring.Actor{UserID: m.ID, Role: mentoring.RoleMentor}, w.pid,
			mentoring.ProfileInput{Capacity: &capacity, Skills: []string{"Leadership"}}); err != nil {
			t.Fatal(err)
		}
	}
	w.lesson = mustCreate(t, env.App.Content, w.owner.ID, w.pid, testLesson("Listening"), true)
	w.quiz = mustCreate(t, env.App.Content, w.owner.ID, w.pid, testQuiz("SMART goals", 0), true)
	w.checklist = mustCreate(t, env.App.Content, w.owner.ID, w.pid, testChecklist("After the meeting"), true)
	w.adaPairing = w.pair(t, w.malik, mentoring.OneToOne, w.ada)
	w.benPairing = w.pair(t, w.malik, mentoring.Group, w.ben, w.cara)
	w.niaPr = w.pair(t, w.nia, mentoring.OneToOne, w.formula)
	return w
}

// quickUser makes an account through the identity store (no password hashing: these users
// never sign in) and mints its access token.
func quickUser(t *testing.T, env *apitest.Env, name string) apitest.User {
	t.Helper()
	u := identity.User{ID: identity.NewID(), Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@test.example", DisplayName: name,
		Timezone: "Europe/London", Locale: "en", CreatedAt: apitest.Now().UTC()}
	if err := env.App.Identity.Store.CreateUser(context.Background(), u, "not-a-password-hash"); err != nil {
		t.Fatal(err)
	}
	tok, _, err := env.App.Tokens.Issue(u.ID, "report-test-"+u.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	return apitest.User{ID: u.ID, Email: u.Email, Token: tok}
}

func (w *reportWorld) pair(t *testing.T, mentor apitest.User, typ mentoring.Type, mentees ...apitest.User) string {
	t.Helper()
	var ids []string
	for _, m := range mentees {
		ids = append(ids, m.ID)
	}
	p, err := w.env.App.Mentoring.CreatePairing(context.Background(), mentoring.Actor{UserID: w.owner.ID, Role: mentoring.RoleOwner}, w.pid,
		mentoring.NewPairing{MentorID: mentor.ID, MenteeIDs: ids, Type: typ, Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Weekly}})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// setClock moves the clock and gives everyone a fresh access token (they last 15 minutes).
func (w *reportWorld) setClock(t *testing.T, at time.Time) {
	t.Helper()
	w.clock.Set(at)
	for _, u := range []*apitest.User{&w.owner, &w.malik, &w.nia, &w.ada, &w.ben, &w.cara, &w.formula} {
		tok, _, err := w.env.App.Tokens.Issue(u.ID, "report-test-"+u.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		u.Token = tok
	}
}

func (w *reportWorld) do(t *testing.T, method, path, tok string, body any, want int) *apitest.Response {
	t.Helper()
	r := w.env.Do(apitest.Req{Method: method, Path: path, Token: tok, Body: body})
	if r.Status != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// assignAdaChecklist has Malik assign the checklist to Ada, due as given.
func (w *reportWorld) assignAdaChecklist(t *testing.T, due string) {
	t.Helper()
	mentor := mentoring.Actor{UserID: w.malik.ID, Role: mentoring.RoleMentor}
	if _, err := w.env.App.Mentoring.Assign(context.Background(), mentor, w.adaPairing, mentoring.NewAssignment{
		Items: []learning.ItemRef{{Kind: "checklist", ID: w.checklist.ID}}, Due: due}); err != nil {
		t.Fatal(err)
	}
}

// settle lets the reports catch up: the learning queue applied and the sweeper run dry.
func (w *reportWorld) settle(t *testing.T) { w.env.SettleReports(t) }

func (w *reportWorld) lessonDone(t *testing.T, u apitest.User, seconds int) {
	t.Helper()
	w.do(t, "POST", "/v1/lessons/"+w.lesson.ID+"/progress", u.Token, map[string]any{"eventId": newEventID(),
		"occurredAt": ts(w.clock.Now().Add(-time.Minute)), "state": "completed", "secondsSpent": seconds}, 201)
}

func (w *reportWorld) quizAttempt(t *testing.T, u apitest.User, q1 string, seconds int) {
	t.Helper()
	w.do(t, "POST", "/v1/quizzes/"+w.quiz.ID+"/attempts", u.Token, map[string]any{"eventId": newEventID(),
		"occurredAt": ts(w.clock.Now().Add(-time.Minute)), "secondsSpent": seconds, "answers": []map[string]any{
			{"questionKey": "q1", "optionKeys": []string{q1}}, {"questionKey": "q2", "optionKeys": []string{"a", "c"}},
			{"questionKey": "q3", "optionKeys": []string{"false"}}}}, 201)
}

func (w *reportWorld) checklistDone(t *testing.T, u apitest.User) {
	t.Helper()
	for _, item := range []string{"notes", "actions"} {
		w.do(t, "PUT", "/v1/checklists/"+w.checklist.ID+"/items/"+item, u.Token, map[string]any{"eventId": newEventID(),
			"occurredAt": ts(w.clock.Now().Add(-time.Minute)), "ticked": true}, 200)
	}
}

// healthBody is the parts of the health report the tests read.
type healthBody struct {
	Week     string                      `json:"week"`
	Members  map[string]int64            `json:"members"`
	Active   map[string]map[string]int64 `json:"active"`
	Learning map[string]struct {
		Completions   map[string]int64 `json:"completions"`
		ActiveMentees int64            `json:"activeMentees"`
		Median        *float64         `json:"medianMinutesPerActiveMentee"`
		Minutes       int64            `json:"minutes"`
		QuizAttempts  int64            `json:"quizAttempts"`
	} `json:"learning"`
	Assignments struct {
		OnTime, Late, Overdue, Open int64
	} `json:"assignments"`
	Pairings struct {
		ByStatus map[string]int64 `json:"byStatus"`
		ByType   map[string]int64 `json:"byType"`
	} `json:"pairings"`
	Meetings struct {
		PairingsWithCadence int64 `json:"pairingsWithCadence"`
		PairingsOverdue     int64 `json:"pairingsOverdue"`
	} `json:"meetings"`
	AtRisk map[string]int64 `json:"atRisk"`
}

func (w *reportWorld) health(t *testing.T) healthBody {
	t.Helper()
	var h healthBody
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/health", w.owner.Token, nil, 200).JSON(t, &h)
	return h
}

type atRiskBody struct {
	Items []struct {
		Kind    string `json:"kind"`
		ID      string `json:"id"`
		Person  *struct{ DisplayName string }
		Mentor  *struct{ DisplayName string }
		Reasons []struct {
			Code      string
			Since     time.Time
			Days      int
			Count     *int
			Threshold int
		}
	} `json:"items"`
	NextCursor string `json:"nextCursor"`
}

func (b atRiskBody) codes() map[string][]string {
	out := map[string][]string{}
	for _, it := range b.Items {
		for _, r := range it.Reasons {
			out[it.ID] = append(out[it.ID], r.Code)
		}
	}
	return out
}

func TestReportsFollowTheProgrammeOverHTTP(t *testing.T) {
	t.Parallel()
	w := newReportWorld(t)
	w.assignAdaChecklist(t, "2026-10-23")
	w.lessonDone(t, w.ada, 300)
	w.quizAttempt(t, w.ada, "a", 120) // q1 wrong: 67%, passed
	w.checklistDone(t, w.ada)         // completes Ada's assignment, on time
	w.lessonDone(t, w.ben, 90)
	w.quizAttempt(t, w.ben, "b", 60) // all right
	w.settle(t)

	h := w.health(t)
	this := h.Learning["thisWeek"]
	if diff := cmp.Diff(map[string]int64{"owner": 1, "mentor": 2, "mentee": 4, "total": 7}, h.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if h.Week != "2026-10-19" || h.Active["last7Days"]["mentee"] != 2 || this.ActiveMentees != 2 || this.QuizAttempts != 2 {
		t.Errorf("health %+v", h)
	}
	if diff := cmp.Diff(map[string]int64{"lesson": 2, "quiz": 2, "checklist": 1, "path": 0, "assignment": 1}, this.Completions); diff != "" {
		t.Errorf("completions (-want +got):\n%s", diff)
	}
	// Ada learnt 7 minutes, Ben 2 minutes 30: the median of whole minutes is 4.5.
	if this.Median == nil || *this.Median != 4.5 || this.Minutes != 9 {
		t.Errorf("median %v, minutes %d", this.Median, this.Minutes)
	}
	if h.Assignments.OnTime != 1 || h.Assignments.Open != 0 || h.Assignments.Overdue != 0 {
		t.Errorf("assignments %+v", h.Assignments)
	}
	if h.Pairings.ByStatus["active"] != 3 || h.Pairings.ByType["one-to-one"] != 2 || h.Pairings.ByType["group"] != 1 || h.Meetings.PairingsWithCadence != 3 {
		t.Errorf("pairings %+v meetings %+v", h.Pairings, h.Meetings)
	}

	var items struct {
		Items []struct {
			ItemID         string
			Reach          int64
			Completed      int64
			CompletionRate *float64
			MedianSeconds  *float64
			Quiz           *struct {
				Attempts  int64
				Questions []struct {
					Key         string
					Answered    int64
					CorrectRate *float64
				}
			}
		}
	}
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/items", w.owner.Token, nil, 200).JSON(t, &items)
	byID := map[string]int{}
	for i, it := range items.Items {
		byID[it.ItemID] = i
	}
	lesson, quiz := items.Items[byID[w.lesson.ID]], items.Items[byID[w.quiz.ID]]
	if lesson.Reach != 2 || lesson.Completed != 2 || *lesson.CompletionRate != 1 || *lesson.MedianSeconds != 200 {
		t.Errorf("lesson figures %+v (median of 95 s and 305 s buckets)", lesson)
	}
	if quiz.Quiz == nil || quiz.Quiz.Attempts != 2 || quiz.Quiz.Questions[0].Key != "q1" || *quiz.Quiz.Questions[0].CorrectRate != 0.5 ||
		*quiz.Quiz.Questions[1].CorrectRate != 1 {
		t.Errorf("quiz figures %+v", quiz.Quiz)
	}
	var qs struct {
		Questions []struct {
			QuizID, Key string
		}
	}
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/questions", w.owner.Token, nil, 200).JSON(t, &qs)
	if len(qs.Questions) != 3 || qs.Questions[0].Key != "q1" {
		t.Errorf("the most missed question first: %+v", qs.Questions)
	}
	var learningReport struct {
		Weeks []struct {
			Week    string
			Domains []struct {
				Domain      string
				Completions int64
				Minutes     int64
			}
		}
	}
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/learning?weeks=2", w.owner.Token, nil, 200).JSON(t, &learningReport)
	if len(learningReport.Weeks) != 2 || learningReport.Weeks[1].Week != "2026-10-19" {
		t.Fatalf("weeks %+v", learningReport.Weeks)
	}
	domains := map[string]int64{}
	for _, d := range learningReport.Weeks[1].Domains {
		domains[d.Domain] = d.Completions
	}
	if domains["skill-based"] != 2 || domains["cognitive"] != 2 || domains["affective"] != 1 {
		t.Errorf("completions by domain %v", domains)
	}

	// Nobody at risk yet (everyone joined today).
	var risk atRiskBody
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk?kind=mentee", w.owner.Token, nil, 200).JSON(t, &risk)
	if len(risk.Items) != 0 {
		t.Errorf("at risk on day one: %+v", risk.Items)
	}
}

// TestAtRiskFollowsTheClockWithinAMinute: the moment a threshold passes, the next sweeper
// round (every SweepInterval, well inside a minute) puts the mentee on the list, with
// reasons as data; owners see everyone, a mentor their own mentees, mentees nothing; the
// thresholds are the programme's.
func TestAtRiskFollowsTheClockWithinAMinute(t *testing.T) {
	t.Parallel()
	w := newReportWorld(t)
	w.assignAdaChecklist(t, "2026-10-22T17:00")
	w.lessonDone(t, w.ada, 60)
	w.settle(t)
	due := time.Date(2026, 10, 22, 16, 0, 0, 0, time.UTC) // 17:00 BST
	seen := time.Time{}
	for at := due.Add(-time.Minute); at.Before(due.Add(5 * time.Minute)); at = at.Add(20 * time.Second) {
		w.setClock(t, at)
		w.settle(t)
		if h := w.health(t); h.Assignments.Overdue == 1 && seen.IsZero() {
			seen = at
		}
	}
	if seen.IsZero() || seen.Before(due) || seen.Sub(due) > time.Minute {
		t.Fatalf("the assignment due at %s shows as overdue at %s", due, seen)
	}
	var risk atRiskBody
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk", w.owner.Token, nil, 200).JSON(t, &risk)
	if got := risk.codes()[w.ada.ID]; !slices.Equal(got, []string{"assignments_overdue"}) {
		t.Fatalf("Ada's reasons %v in %+v", got, risk)
	}

	// Two weeks and a day later (the clocks went back meanwhile): the mentees who did nothing
	// since joining, and Ada since her lesson, are inactive; the weekly pairings, whose first
	// meeting was due a week after they started, are a week past it.
	w.setClock(t, time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC))
	w.settle(t)
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk", w.owner.Token, nil, 200).JSON(t, &risk)
	codes := risk.codes()
	want := map[string][]string{w.ada.ID: {"inactive", "assignments_overdue"}, w.ben.ID: {"inactive"}, w.cara.ID: {"inactive"},
		w.formula.ID: {"inactive"}, w.adaPairing: {"meeting_overdue"}, w.benPairing: {"meeting_overdue"}, w.niaPr: {"meeting_overdue"}}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("at risk (-want +got):\n%s", diff)
	}
	for _, it := range risk.Items {
		if it.ID == w.ada.ID && (it.Person == nil || it.Person.DisplayName != "Ada Mentee" || it.Reasons[0].Days != 15 || it.Reasons[0].Threshold != 7) {
			t.Errorf("Ada's row %+v", it)
		}
	}
	if h := w.health(t); h.AtRisk["mentees"] != 4 || h.AtRisk["pairings"] != 3 || h.Meetings.PairingsOverdue != 3 {
		t.Errorf("health at risk %v, overdue pairings %d", h.AtRisk, h.Meetings.PairingsOverdue)
	}

	// Malik sees Ada, Ben, Cara and his two pairings; mentees nothing.
	var mine atRiskBody
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk", w.malik.Token, nil, 200).JSON(t, &mine)
	if got := riskKeys(mine.codes()); !slices.Equal(got, sortedStrings(w.ada.ID, w.ben.ID, w.cara.ID, w.adaPairing, w.benPairing)) {
		t.Errorf("Malik sees %v", got)
	}
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk", w.ada.Token, nil, 403)
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/health", w.malik.Token, nil, 403)

	// Pages: two rows at a time cover the same list.
	var all []string
	cursor := ""
	for i := 0; i < 10; i++ {
		var page atRiskBody
		w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk?limit=2&cursor="+cursor, w.owner.Token, nil, 200).JSON(t, &page)
		for _, it := range page.Items {
			all = append(all, it.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(all) != 7 {
		t.Errorf("paged %v", all)
	}

	// The owner allows 30 days without activity: the inactive reasons go.
	body := map[string]int{"inactiveDays": 30, "overdueAssignments": 1, "streakLostDays": 7, "meetingGraceDays": 7, "goalGraceDays": 0, "checkinGraceDays": 7}
	w.do(t, "PUT", "/v1/programmes/"+w.pid+"/reports/settings", w.owner.Token, body, 200)
	w.settle(t)
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk?kind=mentee", w.owner.Token, nil, 200).JSON(t, &risk)
	if diff := cmp.Diff(map[string][]string{w.ada.ID: {"assignments_overdue"}}, risk.codes()); diff != "" {
		t.Errorf("after the new threshold (-want +got):\n%s", diff)
	}
	// Learning again takes Ada's reasons away (within the worker's round).
	w.checklistDone(t, w.ada)
	w.settle(t)
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk?kind=mentee", w.owner.Token, nil, 200).JSON(t, &risk)
	if len(risk.Items) != 0 {
		t.Errorf("after Ada's checklist: %+v", risk.codes())
	}
}

func riskKeys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedStrings(xs ...string) []string {
	slices.Sort(xs)
	return xs
}

func TestReportSettingsAreValidated(t *testing.T) {
	t.Parallel()
	w := newReportWorld(t)
	var got map[string]any
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/settings", w.owner.Token, nil, 200).JSON(t, &got)
	if got["inactiveDays"] != 7.0 || got["overdueAssignments"] != 1.0 {
		t.Errorf("defaults %v", got)
	}
	p := asProblem(t, w.env.Do(apitest.Req{Method: "PUT", Path: "/v1/programmes/" + w.pid + "/reports/settings", Token: w.owner.Token,
		Body: map[string]any{"inactiveDays": 0, "overdueAssignments": 1, "streakLostDays": 7, "meetingGraceDays": 91, "goalGraceDays": 0}}), 422)
	var ptrs []string
	for _, e := range p.Errors {
		ptrs = append(ptrs, e.Pointer)
	}
	slices.Sort(ptrs)
	if !slices.Equal(ptrs, []string{"/checkinGraceDays", "/inactiveDays", "/meetingGraceDays"}) {
		t.Errorf("problem %+v", p)
	}
	w.do(t, "PUT", "/v1/programmes/"+w.pid+"/reports/settings", w.owner.Token, map[string]any{"inactiveDays": "$gt"}, 400)
	w.do(t, "PUT", "/v1/programmes/"+w.pid+"/reports/settings", w.malik.Token,
		map[string]any{"inactiveDays": 3, "overdueAssignments": 1, "streakLostDays": 7, "meetingGraceDays": 7, "goalGraceDays": 0, "checkinGraceDays": 1}, 403)
}

// TestReportsAsCSV: RFC 4180 with a header row, CRLF line ends, UTF-8, and a name that a
// spreadsheet would run as a formula written as text.
func TestReportsAsCSV(t *testing.T) {
	t.Parallel()
	w := newReportWorld(t)
	w.lessonDone(t, w.formula, 60)
	w.settle(t)
	w.setClock(t, w.clock.Now().AddDate(0, 0, 9))
	w.settle(t)
	for _, path := range []string{"health", "at-risk", "learning", "items", "questions"} {
		for _, how := range []apitest.Req{
			{Method: "GET", Path: "/v1/programmes/" + w.pid + "/reports/" + path + "?format=csv", Token: w.owner.Token},
			{Method: "GET", Path: "/v1/programmes/" + w.pid + "/reports/" + path, Token: w.owner.Token, Header: map[string]string{"Accept": "text/csv"}},
		} {
			r := w.env.Do(how)
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv; charset=utf-8") ||
				!strings.Contains(r.Header.Get("Content-Disposition"), "attachment; filename=\""+path+"-"+w.pid) {
				t.Fatalf("%s: %d %v %s", path, r.Status, r.Header, r.Body)
			}
			if !bytes.Contains(r.Body, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(r.Body, []byte("\r\n"), nil), []byte("\n")) {
				t.Errorf("%s: line ends are not CRLF", path)
			}
			rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("%s: %v %q", path, err, r.Body)
			}
			if path == "at-risk" {
				if rows[0][0] != "kind" || !slices.ContainsFunc(rows, func(row []string) bool { return row[2] == "'=HYPERLINK(evil)" }) {
					t.Errorf("the formula is not neutralised: %q", rows)
				}
			}
		}
	}
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/health?format=xlsx", w.owner.Token, nil, 400)
}

// TestReportReadsHaveAFixedCommandBudget: every report read issues the same number of
// database commands for a programme of 3 mentees as for one of 30, with their activity.
func TestReportReadsHaveAFixedCommandBudget(t *testing.T) {
	t.Parallel()
	// health: the aggregates and the check-in response counts (evidence's programme aggregate);
	// outcomes: the plan twice, the programme's and the pairings' aggregates, subjects, names.
	budgets := map[string]int64{"health": 2, "outcomes": 6, "learning?weeks=12": 1, "items": 2, "questions": 2, "at-risk": 2, "settings": 1}
	counts := map[int]map[string]int64{}
	for _, size := range []int{3, 30} {
		w := newReportWorld(t)
		for i := 0; i < size; i++ {
			u := quickUser(t, w.env, fmt.Sprintf("Extra Mentee %d", i))
			if err := w.env.App.Programmes.AddMember(context.Background(), w.pid, u.ID, programme.RoleMentee); err != nil {
				t.Fatal(err)
			}
			w.lessonDone(t, u, 60+i)
			w.quizAttempt(t, u, "b", 30)
		}
		w.settle(t)
		w.setClock(t, w.clock.Now().AddDate(0, 0, 10))
		w.settle(t)
		counts[size] = map[string]int64{}
		for report := range budgets {
			path := "/v1/programmes/" + w.pid + "/reports/" + report
			w.do(t, "GET", path, w.owner.Token, nil, 200) // warm the caches (roles, zones)
			r := w.do(t, "GET", path, w.owner.Token, nil, 200)
			counts[size][report] = w.env.DBCommands(r)
		}
		w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk", w.malik.Token, nil, 200)
		r := w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk", w.malik.Token, nil, 200)
		counts[size]["at-risk (mentor)"] = w.env.DBCommands(r)
		// The CSV of each report reads what its JSON reads.
		for _, report := range []string{"health", "outcomes", "learning?weeks=12", "items", "questions", "at-risk"} {
			path := "/v1/programmes/" + w.pid + "/reports/" + report
			sep := map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")]
			r := w.do(t, "GET", path+sep+"format=csv", w.owner.Token, nil, 200)
			counts[size][report+" (csv)"] = w.env.DBCommands(r)
		}
		body := map[string]int{"inactiveDays": 10 + size, "overdueAssignments": 1, "streakLostDays": 7, "meetingGraceDays": 7, "goalGraceDays": 0, "checkinGraceDays": 7}
		r = w.do(t, "PUT", "/v1/programmes/"+w.pid+"/reports/settings", w.owner.Token, body, 200)
		counts[size]["settings (put)"] = w.env.DBCommands(r)
	}
	budgets["at-risk (mentor)"] = 3
	// Saving thresholds writes them and marks every subject of the programme due: a list and a
	// touch per 500 subjects (all of them must be evaluated again), one page here.
	budgets["settings (put)"] = 3
	for _, report := range []string{"health", "outcomes", "learning?weeks=12", "items", "questions", "at-risk"} {
		budgets[report+" (csv)"] = budgets[report]
	}
	t.Logf("commands per report: %v", counts[30])
	for report, budget := range budgets {
		if counts[3][report] != counts[30][report] || counts[30][report] > budget {
			t.Errorf("%s: %d commands at 3 mentees, %d at 30; budget %d", report, counts[3][report], counts[30][report], budget)
		}
	}
}

// TestRecomputeRebuildsTheSameReports: `api reports recompute` wipes the aggregates and
// rebuilds them from the learning log and the domains' records; every report reads as
// before, and an event after the rebuild counts once on top.
func TestRecomputeRebuildsTheSameReports(t *testing.T) {
	t.Parallel()
	w := newReportWorld(t)
	w.lessonDone(t, w.ada, 300)
	w.quizAttempt(t, w.ada, "a", 120)
	w.checklistDone(t, w.ben)
	w.quizAttempt(t, w.cara, "b", 60)
	w.settle(t)
	w.setClock(t, w.clock.Now().AddDate(0, 0, 9))
	w.settle(t)
	read := func() map[string]string {
		out := map[string]string{}
		for _, path := range []string{"health", "at-risk", "learning", "items", "questions"} {
			var v map[string]any
			w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/"+path, w.owner.Token, nil, 200).JSON(t, &v)
			delete(v, "generatedAt")
			out[path] = fmt.Sprint(v)
		}
		return out
	}
	before := read()
	if h := w.health(t); h.Learning["previousWeek"].QuizAttempts != 2 || h.AtRisk["mentees"] == 0 {
		t.Fatalf("nothing to rebuild: %+v", h)
	}
	rep, err := w.env.App.RecomputeReports(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events < 4 || rep.Learners != 3 {
		t.Errorf("recompute %+v", rep)
	}
	if diff := cmp.Diff(before, read()); diff != "" {
		t.Errorf("reports after the rebuild (-before +after):\n%s", diff)
	}
	w.lessonDone(t, w.cara, 60)
	w.settle(t)
	if h := w.health(t); h.Learning["thisWeek"].Completions["lesson"] != 1 || h.Learning["previousWeek"].Completions["lesson"] != 1 {
		t.Errorf("after the rebuild, a new lesson: %+v", h.Learning)
	}
}
