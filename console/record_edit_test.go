package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/mentoring"
)

// goalsAndNotes: the mentor sets a goal for Ada and Ada marks it achieved from the record
// page; Ada deletes her own note, which no one else may do; a private note stays private.
func (s *suite) goalsAndNotes(t *testing.T) {
	ctx := context.Background()
	pid := s.adaPairing(t)
	m := s.tab(t)
	m.signIn("mentor@example.com")
	m.open(p("pairings", pid, "record"))
	m.set("#g-specific", "Chair the Monday handover twice")
	m.set("#g-measure", "Two handovers chaired")
	m.submit("form[action$='/goals'] button")
	m.contains(".flash", "goal is saved")

	var goal mentoring.Goal
	p0, err := s.env.App.Record.Pairing(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	ada := s.user(t, "mentee1@example.com")
	gs, _, err := s.env.App.Record.Goals(ctx, mentoring.Actor{UserID: ada.ID, Role: "mentee"}, p0, mentoring.GoalQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.Specific == "Chair the Monday handover twice" {
			goal = g
		}
	}
	if goal.ID == "" {
		t.Fatal("the mentor's goal is not in the record")
	}

	b := s.tab(t)
	b.signIn("mentee1@example.com")
	b.open(p("pairings", pid, "record"))
	b.click("details:has(form[action$='/goals/" + goal.ID + "']) summary")
	b.set("#gs-"+goal.ID, "achieved")
	b.set("#gp-"+goal.ID, "100")
	b.submit("form[action$='/goals/" + goal.ID + "'] button")
	b.contains(".flash", "The goal is updated.")
	b.axe()
	g, _, err := s.env.App.Record.GoalOf(ctx, goal.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Status != mentoring.GoalAchieved || g.Progress != 100 {
		t.Errorf("the goal after Ada's update: %s %d%%", g.Status, g.Progress)
	}

	// A second update from the same (now stale) form is refused: the goal changed since.
	c := s.httpClient(t)
	tok := s.httpSignIn(t, c, "mentee1@example.com")
	post := func(c *http.Client, path string, form url.Values) int {
		resp, err := c.PostForm(s.base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	stale := url.Values{"csrf": {tok}, "status": {"dropped"}, "revision": {"1"}}
	post(c, p("pairings", pid, "goals", goal.ID), stale)
	if g2, _, _ := s.env.App.Record.GoalOf(ctx, goal.ID); g2.Status != mentoring.GoalAchieved {
		t.Errorf("a stale goal form changed the goal to %s", g2.Status)
	}

	// Ada writes a private note and deletes it; the mentor can neither read nor delete it.
	b.open(p("pairings", pid, "record"))
	b.set("#n-body", "Private: I am nervous about the band 7 interview.")
	b.set("#n-vis", "private")
	b.submit("form[action$='/notes'] button")
	m.open(p("pairings", pid, "record"))
	if txt := m.text("main"); strings.Contains(txt, "band 7 interview") {
		t.Error("the mentor reads Ada's private note")
	}
	ns, _, err := s.env.App.Record.Notes(ctx, mentoring.Actor{UserID: ada.ID, Role: "mentee"}, p0, mentoring.NoteQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var note string
	for _, n := range ns {
		if n.Body == "Private: I am nervous about the band 7 interview." {
			note = n.ID
		}
	}
	if note == "" {
		t.Fatal("Ada's note is not in the record")
	}
	mc := s.httpClient(t)
	mtok := s.httpSignIn(t, mc, "mentor@example.com")
	if st := post(mc, p("pairings", pid, "notes", note, "delete"), url.Values{"csrf": {mtok}}); st != http.StatusNotFound {
		t.Errorf("the mentor deletes Ada's private note: %d, want 404", st)
	}
	b.open(p("pairings", pid, "record"))
	b.acceptDialogs()
	b.submit("form[action$='/notes/" + note + "/delete'] button")
	b.contains(".flash", "The note is deleted.")
	if _, _, err := s.env.App.Record.NoteOf(ctx, note); err == nil {
		t.Error("the deleted note is still stored")
	}
}
