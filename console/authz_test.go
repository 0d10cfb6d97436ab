package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/microlearn/microlearn/identity"
)

// authorization: pages and forms apply the API's policy: members without the role get
// 403, outsiders 404, and unpublished content does not exist for mentees.
func (s *suite) authorization(t *testing.T) {
	if _, err := s.env.App.Identity.Register(context.Background(), identity.NewUser{Email: "outsider@example.com",
		Password: "outsider-password", DisplayName: "Otto Outsider", Timezone: "Europe/London"}); err != nil {
		t.Fatal(err)
	}
	draft := s.draft(t, "Not yet", "Draft text.")
	status := func(c *http.Client, method, path string, form url.Values) int {
		t.Helper()
		var resp *http.Response
		var err error
		if method == http.MethodPost {
			resp, err = c.PostForm(s.base+path, form)
		} else {
			resp, err = c.Get(s.base + path)
		}
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		email  string
		method string
		path   string
		want   int
	}{
		{"mentee1@example.com", "GET", p("overview"), 403},
		{"mentee1@example.com", "GET", p("members"), 403},
		{"mentee1@example.com", "GET", p("matching"), 403},
		{"mentee1@example.com", "GET", p("gamification"), 403},
		{"mentee1@example.com", "GET", p("content"), 403},
		{"mentee1@example.com", "GET", p("mentees"), 403},
		{"mentee1@example.com", "POST", p("members", "invite"), 403},
		{"mentee1@example.com", "POST", p("content", draft.ID, "publish"), 403},
		{"mentee1@example.com", "GET", p("learn", draft.ID), 404},
		{"mentee1@example.com", "GET", p("today"), 200},
		{"mentor@example.com", "GET", p("members"), 403},
		{"mentor@example.com", "GET", p("matching"), 403},
		{"mentor@example.com", "POST", p("gamification", "rules"), 403},
		{"mentor@example.com", "GET", p("content", draft.ID), 200},
		{"mentee2@example.com", "GET", p("pairings", s.adaPairing(t), "record"), 404},
		{"mentee2@example.com", "GET", p("pairings", s.adaPairing(t)), 404},
		{"mentee1@example.com", "GET", p("pairings", s.adaPairing(t)), 403},
		{"mentee1@example.com", "GET", p("pairings", s.adaPairing(t), "record"), 200},
		{"outsider@example.com", "GET", p("pairings", s.adaPairing(t), "record"), 404},
		{"outsider@example.com", "GET", p("today"), 404},
		{"outsider@example.com", "GET", p("overview"), 404},
		{"outsider@example.com", "GET", p("learn", draft.ID), 404},
		{"outsider@example.com", "GET", p("reviews"), 404},
		{"outsider@example.com", "GET", p("credentials"), 404},
		{"outsider@example.com", "GET", p("checkins"), 404},
		{"outsider@example.com", "GET", p("cpd", "record") + "?format=pdf", 404},
		{"outsider@example.com", "GET", p("learn", draft.ID, "offline.zip"), 404},
		{"mentee1@example.com", "GET", p("learn", draft.ID, "offline.zip"), 404},
		{"mentee1@example.com", "GET", p("reviews"), 200},
		{"mentee1@example.com", "GET", p("credentials"), 200},
		{"mentee1@example.com", "GET", p("checkins"), 200},
		{"mentee1@example.com", "GET", p("cpd"), 200},
		{"mentor@example.com", "GET", p("checkins"), 200},
		{"mentor@example.com", "POST", p("gamification", "badges", "first-lesson", "delete"), 403},
		{"mentee1@example.com", "POST", p("gamification", "prizes", "x", "delete"), 403},
		{"mentee2@example.com", "POST", p("pairings", s.adaPairing(t), "goals", "x"), 404},
		{"mentee2@example.com", "POST", p("pairings", s.adaPairing(t), "notes", "x", "delete"), 404},
		{"mentee1@example.com", "GET", p("reports"), 403},
		{"mentee1@example.com", "GET", p("reports", "health.csv"), 403},
		{"mentee1@example.com", "GET", p("reports", "at-risk.csv"), 403},
		{"outsider@example.com", "GET", p("reports"), 404},
		{"outsider@example.com", "GET", p("reports", "at-risk.csv"), 404},
		{"mentor@example.com", "GET", p("reports"), 200},
		{"mentor@example.com", "GET", p("reports", "at-risk.csv"), 200},
		{"mentor@example.com", "GET", p("reports", "health.csv"), 403},
		{"mentor@example.com", "GET", p("reports", "items.csv"), 403},
		{"mentor@example.com", "GET", p("reports", "questions.csv"), 403},
		{"mentor@example.com", "GET", p("reports", "outcomes.csv"), 403},
		{"mentee1@example.com", "GET", p("reports", "outcomes.csv"), 403},
		{"owner@example.com", "GET", p("reports", "questions.csv"), 200},
		{"owner@example.com", "GET", p("reports"), 200},
		{"owner@example.com", "GET", p("reports", "learning.csv"), 200},
		{"owner@example.com", "GET", p("reports", "nope.csv"), 404},
	} {
		c := s.httpClient(t)
		var tok string
		if tc.email == "outsider@example.com" {
			tok = s.httpSignInAs(t, c, tc.email, "outsider-password", "/")
		} else {
			tok = s.httpSignIn(t, c, tc.email)
		}
		if got := status(c, tc.method, tc.path, url.Values{"csrf": {tok}, "email": {"x@example.com"}, "role": {"owner"}}); got != tc.want {
			t.Errorf("%s %s %s: %d, want %d", tc.email, tc.method, tc.path, got, tc.want)
		}
	}
}
