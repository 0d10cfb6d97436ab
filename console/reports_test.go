package console_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// reports: the owner opens Reports and notes this week's lesson completions; a mentee
// completes a new lesson in the browser; once the reports' aggregates have caught up (the
// gamification worker's observers, then a sweep round, as the API's report tests wait),
// the owner reloads and sees the figure one higher; the CSV downloads with its header row.
func (s *suite) reports(t *testing.T) {
	owner := s.tab(t)
	owner.signIn("owner@example.com")
	s.settleReports(t) // the demo's own events first (run alone, the test starts as the demo is seeded)
	owner.open(p("reports"))
	owner.axe()
	before := s.lessonsThisWeek(t, owner)

	lesson := s.draft(t, "Reported lesson", "Counted in the owner's report.")
	if _, err := s.env.App.Content.Publish(context.Background(), lesson.ID); err != nil {
		t.Fatal(err)
	}
	mentee := s.tab(t)
	mentee.signIn("mentee1@example.com")
	mentee.open(p("learn", lesson.ID))
	mentee.submit("form[action$='/complete'] button")
	mentee.contains(".flash", "Well done")
	s.settleReports(t)

	owner.open(p("reports"))
	if after := s.lessonsThisWeek(t, owner); after != before+1 {
		t.Fatalf("lessons completed this week: %d before, %d after a completion", before, after)
	}
	owner.screenshot("owner-reports")

	c := s.httpClient(t)
	s.httpSignIn(t, c, "owner@example.com")
	resp, err := c.Get(s.base + p("reports", "health.csv"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("health.csv: %d %v", resp.StatusCode, resp.Header)
	}
	if !strings.HasPrefix(string(body), "section,metric,value\r\n") ||
		!strings.Contains(string(body), "this_week,lesson_completed,"+strconv.Itoa(before+1)+"\r\n") {
		t.Fatalf("health.csv:\n%s", body)
	}
	s.reportSections(t, owner)
}

func (s *suite) lessonsThisWeek(t *testing.T, b *tab) int {
	t.Helper()
	txt := strings.TrimSpace(b.text("#this-week-lesson"))
	n, err := strconv.Atoi(txt)
	if err != nil {
		t.Fatalf("this week's lessons: %q", txt)
	}
	return n
}

// settleReports lets the reports catch up: the learning queue applied and the sweeper run dry.
func (s *suite) settleReports(t *testing.T) { s.env.SettleReports(t) }
