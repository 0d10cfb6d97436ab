package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/learning/learningdb"
	"github.com/microlearn/microlearn/notify/fcm/fcmfake"
	"github.com/microlearn/microlearn/notify/notifydb"
	"github.com/microlearn/microlearn/programme"
)

// The whole product, end to end through real HTTP: a mentee with a registered phone passes a
// quiz with every answer right; content records the attempt and publishes the learning
// event, the gamification worker awards XP and the "Flawless" badge, the notification
// outbox sends exactly one push through the real Firebase Admin SDK to the fake FCM (right
// token, collapse key and deep link), and the mentee sees XP, badge and inbox entry while the
// owner sees the leaderboard. Retrying the same attempt changes nothing.
func TestQuizToBadgeToPushEndToEnd(t *testing.T) {
	t.Parallel()
	fake := fcmfake.New()
	defer fake.Close()
	// The server's clock stands at noon in London, so the attempt, its XP and "today" fall on
	// one day however the run straddles midnight.
	clock := &testClock{t: time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC)}
	env := apitest.New(t, apitest.WithEnv(map[string]string{"FCM_ENDPOINT": fake.Endpoint(), "FIREBASE_PROJECT_ID": "microlearn-test"}),
		apitest.WithClock(clock.Now))
	ctx := context.Background()
	owner, mentee := env.Register("E2E Owner"), env.Register("E2E Mentee")
	p, err := env.App.Programmes.Create(ctx, owner.ID, programme.Programme{Name: "E2E programme", Timezone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.Programmes.AddMember(ctx, p.ID, mentee.ID, programme.RoleMentee); err != nil {
		t.Fatal(err)
	}
	quiz := mustCreate(t, env.App.Content, owner.ID, p.ID, testQuiz("SMART check", 3), true)
	token := "fcm-token-of-the-e2e-mentee-0123456789"
	if r := env.Do(apitest.Req{Method: "PUT", Path: "/v1/me/devices/phone-1", Token: mentee.Token, Body: deviceBody(token)}); r.Status != http.StatusCreated {
		t.Fatalf("register device: %d %s", r.Status, r.Body)
	}

	attempt := map[string]any{"eventId": newEventID(), "occurredAt": ts(clock.Now()), "secondsSpent": 95,
		"answers": []map[string]any{
			{"questionKey": "q1", "optionKeys": []string{"b"}},
			{"questionKey": "q2", "optionKeys": []string{"a", "c"}},
			{"questionKey": "q3", "optionKeys": []string{"false"}},
		}}
	for i := 0; i < 2; i++ { // the phone retries: same eventId
		r := env.Do(apitest.Req{Method: "POST", Path: "/v1/quizzes/" + quiz.ID + "/attempts", Token: mentee.Token, Body: attempt})
		if r.Status != http.StatusCreated && r.Status != http.StatusOK {
			t.Fatalf("attempt #%d: %d %s", i+1, r.Status, r.Body)
		}
	}

	// The worker runs in the background: wait for the push to be settled in the inbox.
	entries := waitForInbox(t, env, mentee.ID, 1)
	// A second push, if the system wrongly made one, would come from an event still queued or
	// a notification still in the outbox: once both are empty, what reached FCM is final.
	waitForQuiet(t, env)
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests reached FCM, want exactly 1: %+v", len(reqs), reqs)
	}
	m := reqs[0]
	got := []string{m.Token, m.Message.Android.CollapseKey, m.Message.Data["type"], m.Message.Data["link"]}
	want := []string{token, "badge", "badge_earned", "microlearn://programmes/" + p.ID + "/badges/perfect-quiz"}
	if diff := cmp.Diff(want, got); diff != "" || len(m.Problems) > 0 {
		t.Errorf("push (-want +got):\n%s\nproblems: %v", diff, m.Problems)
	}
	if len(entries) != 1 || entries[0].Kind != "badge_earned" {
		t.Errorf("inbox: %+v", entries)
	}

	var me struct {
		Items []struct {
			ProgrammeID string
			XP          int
			Level       int
			Streak      struct{ Current int }
			Today       struct{ Met bool }
		}
	}
	r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/gamification", Token: mentee.Token})
	if r.Status != http.StatusOK {
		t.Fatalf("me/gamification: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &me)
	// 10 for passing + 10 for a perfect score, + 5 for meeting the daily goal of 20.
	if len(me.Items) != 1 || me.Items[0].XP != 25 || me.Items[0].Streak.Current != 1 || !me.Items[0].Today.Met {
		t.Errorf("gamification after one perfect quiz: %s", r.Body)
	}
	var badges struct {
		Items []struct {
			ID     string
			Earned bool
		}
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/me/badges", Token: mentee.Token}).JSON(t, &badges)
	earned := map[string]bool{}
	for _, b := range badges.Items {
		earned[b.ID] = earned[b.ID] || b.Earned
	}
	if !earned["perfect-quiz"] {
		t.Errorf("the Flawless badge is not earned: %+v", badges)
	}
	r = env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + p.ID + "/leaderboard?period=week", Token: owner.Token})
	if r.Status != http.StatusOK {
		t.Fatalf("leaderboard: %d %s", r.Status, r.Body)
	}
	var board struct {
		Top []struct {
			UserID string
			Score  int
		}
	}
	r.JSON(t, &board)
	if len(board.Top) != 1 || board.Top[0].UserID != mentee.ID || board.Top[0].Score != 25 {
		t.Errorf("leaderboard: %s", r.Body)
	}
}

// waitForQueue waits until no learning event waits for the worker: the worker has applied
// every event published so far, awards and notices included.
func waitForQueue(t *testing.T, env *apitest.Env) { env.WaitLearningQueue(t, 15*time.Second) }

// waitForQuiet waits until no learning event waits for the worker and no notification waits
// in the outbox: everything the requests so far set in motion has happened.
func waitForQuiet(t *testing.T, env *apitest.Env) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		queued, outbox := count(t, env, learningdb.Queue, bson.D{}), count(t, env, notifydb.Outbox, bson.D{})
		if queued == 0 && outbox == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15s %d learning events are still queued and %d notifications in the outbox", queued, outbox)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
