package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/app"
)

// The demo's mentee missed a question of the SMART goals check yesterday: today it is due
// for review (without its answer), answering it earns review XP, and her first-lesson
// badge downloads as a credential that go-jose verifies with the published keys.
func TestDemoMenteeReviewsAndCarriesABadge(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.WithDemo())
	token := env.Login(app.DemoAccounts[2].Email, app.DemoPassword)
	var page reviewPageJSON
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/reviews?due=now", Token: token})
		r.JSON(t, &page)
		if len(page.Items) > 0 {
			if strings.Contains(string(r.Body), "correct") {
				t.Errorf("the due list shows answers: %s", r.Body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo mentee has no review due: %s", r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(page.Items) != 1 || page.Items[0].Question.Key != "q3" {
		t.Fatalf("due: %+v, want the missed q3", page.Items)
	}
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/me/reviews/" + page.Items[0].ID, Token: token, Body: map[string]any{
		"eventId": newEventID(), "occurredAt": apitest.Now().UTC().Format(time.RFC3339), "optionKeys": []string{"false"}}})
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"correct":true`) {
		t.Fatalf("answer: %d %s", r.Status, r.Body)
	}
	var c credJSON
	deadline = time.Now().Add(20 * time.Second)
	for {
		r = env.Do(apitest.Req{Method: "POST", Path: "/v1/me/credentials", Token: token, Body: map[string]any{"programmeId": app.DemoProgrammeID, "badgeId": "first-lesson"}})
		if r.Status == http.StatusCreated {
			r.JSON(t, &c)
			break
		}
		if r.Status != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("issue: %d %s", r.Status, r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	claims := verifyWithJOSE(t, env, c.JWT)
	checkOB3(t, claims, "Northfield Hospitals NHS Trust", app.DemoAccounts[2].Email, true)
	g := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/gamification?programmeId=" + app.DemoProgrammeID, Token: token})
	deadline = time.Now().Add(20 * time.Second)
	for !strings.Contains(string(g.Body), `"reviews":1`) {
		if time.Now().After(deadline) {
			t.Fatalf("the review was not counted: %s", g.Body)
		}
		time.Sleep(20 * time.Millisecond)
		g = env.Do(apitest.Req{Method: "GET", Path: "/v1/me/gamification?programmeId=" + app.DemoProgrammeID, Token: token})
	}
}
