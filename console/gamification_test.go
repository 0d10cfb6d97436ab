package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/microlearn/microlearn/app"
)

// gamificationSettings: the owner sets the review and mentoring XP and the level curve, and
// deletes a badge and a prize of the programme; a mentee cannot.
func (s *suite) gamificationSettings(t *testing.T) {
	ctx := context.Background()
	b := s.tab(t)
	b.signIn("owner@example.com")
	b.open(p("gamification"))
	b.set("#r-review", "7")
	b.set("#r-meeting", "25")
	b.set("#r-kind", "linear")
	b.submit("form[action$='/gamification/rules'] button[type=submit]")
	b.contains(".flash", "The rules are saved.")
	r, err := s.env.App.Gamification.Rules(ctx, app.DemoProgrammeID)
	if err != nil {
		t.Fatal(err)
	}
	if r.ReviewCorrect != 7 || r.MeetingConfirmed != 25 || r.Levels.Kind != "linear" {
		t.Errorf("rules after saving: review %d, meeting %d, curve %s", r.ReviewCorrect, r.MeetingConfirmed, r.Levels.Kind)
	}
	if got := evaluate[string](b, `document.querySelector("#r-kind").value + " " + document.querySelector("#r-review").value`); got != "linear 7" {
		t.Errorf("the form after saving shows %q", got)
	}

	b.set("#b-id", "tidy-desk")
	b.set("#b-name", "Tidy desk")
	b.submit("form[action$='/gamification/badges'] button[type=submit]")
	b.set("#p-name", "Tidy prize")
	b.set("#p-kind", "badge")
	b.set("#p-badge", "tidy-desk")
	b.submit("form[action$='/gamification/prizes'] button[type=submit]")
	b.contains(".flash", "The prize is saved.")
	b.axe()
	ps, _ := s.env.App.Gamification.Prizes(ctx, app.DemoProgrammeID)
	var prize string
	for _, pr := range ps {
		if pr.Name == "Tidy prize" {
			prize = pr.ID
		}
	}
	if prize == "" {
		t.Fatal("the prize was not created")
	}

	// A mentee cannot delete them.
	c := s.httpClient(t)
	tok := s.httpSignIn(t, c, "mentee1@example.com")
	for _, path := range []string{p("gamification", "prizes", prize, "delete"), p("gamification", "badges", "tidy-desk", "delete")} {
		resp, err := c.PostForm(s.base+path, url.Values{"csrf": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a mentee posts %s: %d, want 403", path, resp.StatusCode)
		}
	}

	b.acceptDialogs() // for this page: data-confirm asks first
	b.submit("form[action$='/prizes/" + prize + "/delete'] button")
	b.contains(".flash", "The prize is deleted.")
	b.acceptDialogs()
	b.submit("form[action$='/badges/tidy-desk/delete'] button")
	b.contains(".flash", "The badge is deleted.")
	bs, _ := s.env.App.Gamification.Badges(ctx, app.DemoProgrammeID)
	for _, x := range bs {
		if x.ID == "tidy-desk" {
			t.Error("the badge is still there")
		}
	}
	// Built-in badges offer no delete button.
	if n := evaluate[int](b, `document.querySelectorAll("form[action$='/badges/first-lesson/delete']").length`); n != 0 {
		t.Error("a built-in badge offers deletion")
	}
	// Put the rules back for the other tests.
	r.ReviewCorrect, r.MeetingConfirmed, r.Levels.Kind = 3, 15, "relative"
	if _, err := s.env.App.Gamification.SetRules(ctx, app.DemoProgrammeID, r); err != nil {
		t.Fatal(err)
	}
}
