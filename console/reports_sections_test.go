package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/programme"
)

// reportSections: the questions and outcomes sections show what the reports say (the most
// missed question first, its correct rate; the mean change per learning domain since the
// baseline and the factors named, as the evidence aggregates have them), each with its CSV;
// the long lists page (one row a page, ?per=1) through the same rows the service lists, for
// owners and, on their own rows only, for a mentor, who sees neither questions nor outcomes.
func (s *suite) reportSections(t *testing.T, owner *tab) {
	ctx := context.Background()
	pid := app.DemoProgrammeID
	owner.open(p("reports"))
	owner.axe()

	q, err := s.env.App.Insight.Questions(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Questions) == 0 || q.Questions[0].CorrectRate == nil || *q.Questions[0].CorrectRate >= 1 {
		t.Fatalf("the demo has no missed quiz question: the section would prove nothing: %+v", q.Questions)
	}
	rows := evaluate[[][]string](owner, `[...document.querySelectorAll("table.questions tbody tr")].map(r => [...r.cells].map(c => c.textContent.trim()))`)
	if len(rows) != min(len(q.Questions), 20) {
		t.Fatalf("questions rows %d, the report has %d", len(rows), len(q.Questions))
	}
	for i, r := range rows {
		want := q.Questions[i]
		rate := "–"
		if want.CorrectRate != nil {
			rate = fmt.Sprintf("%.0f%%", *want.CorrectRate*100)
		}
		if r[1] != want.Prompt || r[2] != strconv.FormatInt(want.Answered, 10) || r[3] != rate {
			t.Errorf("question row %d: %v, want %q answered %d, %s correct", i, r, want.Prompt, want.Answered, rate)
		}
	}

	o, err := s.env.App.Evidence.Outcomes(ctx, evidence.Actor{Role: "owner", Admin: true}, evidence.AggregateKey{Level: evidence.LevelProgramme, ProgrammeID: pid})
	if err != nil {
		t.Fatal(err)
	}
	s.checkOutcomes(t, owner, o)
	evaluate[chromedp.Void](owner, `document.getElementById("questions-h").scrollIntoView()`)
	owner.screenshot("owner-reports-questions")
	s.checkCSV(t, "owner@example.com", "questions.csv", "quiz_id,quiz_title,question_key,prompt,answered,correct,correct_rate\r\n", q.Questions[0].Prompt)
	s.checkCSV(t, "owner@example.com", "outcomes.csv", "scope,pairing_id,mentor,mentees,occasion,side,measure,key,value\r\n", "programme,,,,")

	// Two mentees who joined ten days ago and never learnt need attention: a list to page.
	var idle []string
	for _, name := range []string{"Idle Iris", "Idle Ivo"} {
		u := s.env.Register(name)
		m := programme.Membership{ProgrammeID: pid, UserID: u.ID, Role: programme.RoleMentee, JoinedAt: s.clock.now().AddDate(0, 0, -10)}
		if err := s.env.App.Programmes.Store.AddMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		idle = append(idle, insight.PersonSubject(pid, u.ID))
	}
	if err := s.env.App.Insight.Touch(ctx, pid, idle...); err != nil {
		t.Fatal(err)
	}
	s.settleReports(t)
	all, err := s.env.App.Insight.AtRisk(ctx, pid, insight.Scope{All: true}, "", nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Rows) < 2 {
		t.Fatalf("only %d at risk: nothing to page", len(all.Rows))
	}
	want := make([]string, len(all.Rows))
	for i, r := range all.Rows {
		want[i] = r.Subject.ID
	}
	if got := pageThrough(t, owner, p("reports")+"?per=1", "atrisk", "tr[data-subject]", "data-subject"); !slicesEq(got, want) {
		t.Errorf("at-risk pages %v, the list %v", got, want)
	}
	items, err := s.env.App.Insight.Items(ctx, pid, "", insight.ItemCursor{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	var wantItems []string
	for _, it := range items.Items {
		wantItems = append(wantItems, it.Item.ID)
	}
	if got := pageThrough(t, owner, p("reports")+"?per=1", "items", "tr[data-item]", "data-item"); len(got) < 4 || !slicesEq(got[:4], wantItems) {
		t.Errorf("item pages start %v, the report %v", got, wantItems)
	}

	mentor := s.tab(t)
	mentor.signIn("mentor@example.com")
	mentor.open(p("reports"))
	if n := evaluate[int](mentor, `document.querySelectorAll("#questions-h, #outcomes-h, #health-h, #items-h").length`); n != 0 {
		t.Errorf("the mentor sees %d owner-only sections", n)
	}
	mine, err := s.mentorAtRisk(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	got := pageThrough(t, mentor, p("reports")+"?per=1", "atrisk", "tr[data-subject]", "data-subject")
	if !slicesEq(got, mine) || slices.Contains(got, idle[0]) || slices.Contains(got, idle[1]) {
		t.Errorf("the mentor's at-risk pages %v, their rows %v (the idle mentees %v are not theirs)", got, mine, idle)
	}
}

// checkOutcomes compares the outcomes tables with the programme's outcomes.
func (s *suite) checkOutcomes(t *testing.T, b *tab, o evidence.Outcomes) {
	t.Helper()
	var changes, factors int
	firstMean := ""
	for _, x := range o.Occasions {
		if len(x.ChangeN) == 0 {
			continue
		}
		changes++
		for _, d := range evidence.Domains() {
			if n := x.ChangeN[d]; n > 0 && firstMean == "" {
				firstMean = fmt.Sprintf("%+.2f (n = %d)", x.MeanChange[d], n)
			}
		}
	}
	for _, f := range o.Factors {
		factors += len(f.Enabling) + len(f.Hindering)
	}
	if changes == 0 || factors == 0 {
		t.Fatalf("the demo's outcomes have %d changes and %d factors: the section would prove nothing", changes, factors)
	}
	got := evaluate[[]int](b, `[document.querySelectorAll("table.changes tbody tr").length, document.querySelectorAll("table.factors tbody tr").length]`)
	if got[0] != changes || got[1] != factors {
		t.Errorf("outcomes tables: %d change rows and %d factor rows, the report has %d and %d", got[0], got[1], changes, factors)
	}
	b.contains("table.changes tbody", firstMean)
}

// checkCSV downloads one report as email and checks its header row and one value.
func (s *suite) checkCSV(t *testing.T, email, name, header, holds string) {
	t.Helper()
	c := s.httpClient(t)
	s.httpSignIn(t, c, email)
	resp, err := c.Get(s.base + p("reports", name))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), header) || !strings.Contains(string(body), holds) {
		t.Errorf("%s: %d\n%.600s", name, resp.StatusCode, body)
	}
}

// mentorAtRisk lists the at-risk subject IDs the demo mentor may see.
func (s *suite) mentorAtRisk(ctx context.Context, pid string) ([]string, error) {
	u, _, err := s.env.App.Identity.Store.UserByEmail(ctx, "mentor@example.com")
	if err != nil {
		return nil, err
	}
	page, err := s.env.App.Insight.AtRisk(ctx, pid, insight.Scope{MentorID: u.ID}, "", nil, 100)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range page.Rows {
		out = append(out, r.Subject.ID)
	}
	return out, nil
}

// pageThrough follows a list's "next page" links from start, collecting attr of the rows
// (css) on each page, and checks each page after the first links back to the first.
func pageThrough(t *testing.T, b *tab, start, section, css, attr string) []string {
	t.Helper()
	var out []string
	b.open(start)
	for range 50 {
		ids := evaluate[[]string](b, `[...document.querySelectorAll("section[aria-labelledby='`+section+`-h'] `+css+`")].map(r => r.getAttribute("`+attr+`"))`)
		if len(ids) > 1 {
			t.Fatalf("%s: %d rows on a page of one", b.url(), len(ids))
		}
		out = append(out, ids...)
		next := evaluate[string](b, `(document.querySelector("section[aria-labelledby='`+section+`-h'] nav.pager a[rel=next]") || {}).href || ""`)
		if len(out) > 1 {
			if first := evaluate[string](b, `(document.querySelector("section[aria-labelledby='`+section+`-h'] nav.pager a[rel=first]") || {}).href || ""`); first == "" {
				t.Errorf("%s: no link back to the first page", b.url())
			}
		}
		if next == "" {
			break
		}
		b.open(strings.TrimPrefix(next, b.s.base))
	}
	return out
}

func slicesEq(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
