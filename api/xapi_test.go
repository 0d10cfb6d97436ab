package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/evidence/xapi/xapitest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
)

// Learning activity leaves as xAPI 1.0.3 statements: on the owners' paged list, and forwarded
// to an LRS (a double over HTTP that checks the version header, Basic auth and every
// statement against the xAPI rules). The LRS fails the first request: the forwarder retries,
// and a replayed event resends an identical statement, which the LRS keeps once.
func TestXAPIStatementsReachTheLRS(t *testing.T) {
	t.Parallel()
	lrs := xapitest.New("lrs-key", "lrs-secret")
	t.Cleanup(lrs.Close)
	lrs.FailNext(1)
	w := newMentoringWorld(t, apitest.WithEnv(map[string]string{"LRS_ENDPOINT": lrs.Endpoint(), "LRS_USERNAME": "lrs-key",
		"LRS_PASSWORD": "lrs-secret", "LRS_RETRY_BASE": "20ms", "LRS_RETRY_MAX": "50ms", "LRS_POLL_INTERVAL": "20ms",
		"XAPI_BASE_IRI": "https://learn.example.org"}))
	ctx := context.Background()
	ada := w.mentees[0]
	capacity := 3
	if _, err := w.env.App.Mentoring.PutMyProfile(ctx, mentoring.Actor{UserID: w.mentor.ID, Role: mentoring.RoleMentor}, w.pid,
		mentoring.ProfileInput{Capacity: &capacity}); err != nil {
		t.Fatal(err)
	}
	p, err := w.env.App.Mentoring.CreatePairing(ctx, mentoring.Actor{UserID: w.owner.ID, Role: mentoring.RoleOwner}, w.pid,
		mentoring.NewPairing{MentorID: w.mentor.ID, MenteeIDs: []string{ada.ID}, Type: mentoring.OneToOne})
	if err != nil {
		t.Fatal(err)
	}
	now := apitest.Now().UTC()
	ev := w.env.App.Evidence
	events := []learning.Event{
		{ID: "e-lesson", Kind: learning.LessonCompleted, ItemKind: "lesson", ItemID: "l1", Domain: "skill-based", SecondsSpent: 450},
		{ID: "e-quiz", Kind: learning.QuizAttempted, ItemKind: "quiz", ItemID: "q1", ScorePercent: 80, Passed: true, Attempt: 1},
		{ID: "e-check", Kind: learning.ChecklistCompleted, ItemKind: "checklist", ItemID: "c1"},
		{ID: mentoring.MeetingConfirmedEventID("m1", ada.ID), Kind: learning.MeetingConfirmed, ItemKind: "meeting", ItemID: "m1", PairingID: p.ID, Role: "mentee"},
		{ID: "reflection:meeting:m1:" + ada.ID, Kind: learning.ReflectionWritten, ItemKind: "reflection", ItemID: "meeting:m1", PairingID: p.ID, Role: "mentee"},
		{ID: "goal-achieved:g1:" + ada.ID, Kind: learning.GoalAchieved, ItemKind: "goal", ItemID: "g1", PairingID: p.ID, Role: "mentee"},
		{ID: "e-started", Kind: learning.LessonStarted, ItemKind: "lesson", ItemID: "l1"}, // no statement
	}
	for i := range events {
		events[i].UserID, events[i].ProgrammeID, events[i].OccurredAt, events[i].RecordedAt = ada.ID, w.pid, now, now
		if err := ev.ObserveLearningEvent(ctx, events[i]); err != nil {
			t.Fatal(err)
		}
	}
	ep, err := ev.Pairings.Pairing(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := ev.SyncPairing(ctx, ep); err != nil {
		t.Fatal(err)
	}
	c, err := ev.Checkin(ctx, evidence.CheckinID(p.ID, evidence.Baseline, ada.ID))
	if err != nil {
		t.Fatal(err)
	}
	w.do(t, "POST", "/v1/checkins/"+c.ID+"/answer", ada.Token, answerBody(2, 3, 2, 1), 201)

	waitFor(t, func() bool { return len(lrs.Stored()) == 7 }, "7 statements at the LRS")
	// A replay of the same event (the observer is told at least once) resends the same bytes.
	if err := ev.ObserveLearningEvent(ctx, events[1]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return lrs.Received() >= 8 }, "the replayed statement sent again")
	if v := lrs.Violations(); len(v) > 0 {
		t.Fatalf("the LRS double saw %d violations of xAPI 1.0.3:\n%s", len(v), strings.Join(v, "\n"))
	}
	stored := lrs.Stored()
	if len(stored) != 7 {
		t.Errorf("the LRS stored %d statements, want 7 (each ID once)", len(stored))
	}
	verbs := map[string]int{}
	for _, s := range stored {
		verbs[s["verb"].(map[string]any)["id"].(string)]++
		actor := s["actor"].(map[string]any)["account"].(map[string]any)
		if actor["homePage"] != "https://learn.example.org/programmes/"+w.pid || actor["name"] != ada.ID {
			t.Errorf("actor %v, want Ada's account on the programme's home page", actor)
		}
		parent := s["context"].(map[string]any)["contextActivities"].(map[string]any)["parent"].([]any)[0].(map[string]any)["id"]
		if parent != "https://learn.example.org/xapi/activities/programme/"+w.pid {
			t.Errorf("parent %v, want the programme", parent)
		}
	}
	for verb, n := range map[string]int{"http://adlnet.gov/expapi/verbs/completed": 4, "http://adlnet.gov/expapi/verbs/passed": 1,
		"http://adlnet.gov/expapi/verbs/attended": 1, "https://learn.example.org/xapi/verbs/reflected": 1} {
		if verbs[verb] != n {
			t.Errorf("%d statements with verb %s, want %d (all: %v)", verbs[verb], verb, n, verbs)
		}
	}
	quiz := stored[statementOf(t, w.env, w.owner.Token, w.pid, "quiz")]
	if sc := quiz["result"].(map[string]any)["score"].(map[string]any); sc["scaled"] != 0.8 || sc["raw"] != 80.0 {
		t.Errorf("quiz score %v", sc)
	}
	meeting := stored[statementOf(t, w.env, w.owner.Token, w.pid, "meeting")]
	team := meeting["context"].(map[string]any)["team"].(map[string]any)
	if team["objectType"] != "Group" || len(team["member"].([]any)) != 2 {
		t.Errorf("meeting team %v, want the pairing as a group of two", team)
	}
	for _, s := range stored {
		if b, _ := json.Marshal(s); strings.Contains(string(b), "calm in meetings") {
			t.Errorf("a statement carries the check-in's words: %s", b)
		}
	}

	// The owners' list pages the same statements.
	var page struct {
		Statements []map[string]any `json:"statements"`
		More       string           `json:"more"`
	}
	r := w.do(t, "GET", "/v1/programmes/"+w.pid+"/xapi/statements?limit=5", w.owner.Token, nil, 200)
	r.JSON(t, &page)
	if r.Header.Get("X-Experience-API-Version") != "1.0.3" || len(page.Statements) != 5 || page.More == "" {
		t.Fatalf("first page: %d statements, more %q", len(page.Statements), page.More)
	}
	w.do(t, "GET", page.More, w.owner.Token, nil, 200).JSON(t, &page)
	if len(page.Statements) != 2 || page.More != "" {
		t.Errorf("second page: %d statements, more %q", len(page.Statements), page.More)
	}
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/xapi/statements?since=yesterday", w.owner.Token, nil, 400)
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/xapi/statements", ada.Token, nil, 403)
}

// statementOf finds the ID of the statement whose object is of kind, through the owners' list.
func statementOf(t *testing.T, env *apitest.Env, token, pid, kind string) string {
	t.Helper()
	var page struct {
		Statements []struct {
			ID     string `json:"id"`
			Object struct {
				ID string `json:"id"`
			} `json:"object"`
		} `json:"statements"`
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + pid + "/xapi/statements?limit=100", Token: token}).JSON(t, &page)
	for _, s := range page.Statements {
		if strings.Contains(s.Object.ID, "/xapi/activities/"+kind+"/") {
			return s.ID
		}
	}
	t.Fatalf("no %s statement", kind)
	return ""
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
