package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/evidence"
)

// checkins: Ada and her mentor each answer their due 6-month check-in in the browser. Ada's
// answer stays hers (and the owners') until she shares it; then her mentor reads it, and a
// mentee of another pairing never does. Text she writes is shown as text.
func (s *suite) checkins(t *testing.T) {
	ctx := context.Background()
	pid := s.adaPairing(t)
	ep, err := s.env.App.Evidence.Pairings.Pairing(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	// The pairing started six months ago, in the store too (so that the check-in worker, which
	// follows pairing changes, schedules as this test does): its 6-month check-ins are due.
	mp, err := s.env.App.Mentoring.Store.Pairing(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	was := *mp.ActivatedAt
	started := s.env.App.Now().AddDate(0, -6, -2)
	mp.ActivatedAt, mp.UpdatedAt = &started, s.env.App.Now()
	if _, err := s.env.App.Mentoring.Store.SetPairingStatus(ctx, mp, mp.Status); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mp.ActivatedAt, mp.UpdatedAt = &was, s.env.App.Now()
		if _, err := s.env.App.Mentoring.Store.SetPairingStatus(ctx, mp, mp.Status); err != nil {
			t.Error(err)
		}
	})
	ep.ActivatedAt = &started
	if err := s.env.App.Evidence.SyncPairing(ctx, ep); err != nil {
		t.Fatal(err)
	}
	ada, mentor := s.user(t, "mentee1@example.com"), s.user(t, "mentor@example.com")
	adaCI, mentorCI := evidence.CheckinID(pid, "m6", ada.ID), evidence.CheckinID(pid, "m6", mentor.ID)

	b := s.tab(t)
	b.signIn("mentee1@example.com")
	b.open(p("checkins"))
	b.axe()
	b.contains("main", "6 months")
	b.open(p("checkins", adaCI))
	b.axe()
	b.screenshot("mentee-checkin")
	s.answerCheckin(t, b, `<script>window.xss=1</script><img src=x onerror="window.xss=2">I explain trade-offs better.`)
	b.contains(".flash", "Thank you")
	b.contains("main", `<img src=x onerror="window.xss=2">I explain trade-offs better.`)
	if x := evaluate[bool](b, `window.xss === undefined && !document.querySelector("main img[src=x]")`); !x {
		t.Error("text from a check-in answer ran as HTML")
	}
	b.contains("main", "Private")

	status := func(email, path string) int {
		c := s.httpClient(t)
		s.httpSignIn(t, c, email)
		resp, err := c.Get(s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := status("mentor@example.com", p("checkins", adaCI)); st != http.StatusNotFound {
		t.Errorf("the mentor reads Ada's private answer: %d, want 404", st)
	}
	if st := status("owner@example.com", p("checkins", adaCI)); st != http.StatusOK {
		t.Errorf("the owner reads Ada's answer: %d, want 200", st)
	}
	b.submit("form[action$='/share'] button")
	b.contains(".flash", "shared")
	if st := status("mentor@example.com", p("checkins", adaCI)); st != http.StatusOK {
		t.Errorf("the mentor reads Ada's shared answer: %d, want 200", st)
	}
	if st := status("mentee2@example.com", p("checkins", adaCI)); st != http.StatusNotFound {
		t.Errorf("another mentee reads Ada's shared answer: %d, want 404", st)
	}

	// A form posted for someone else's check-in records nothing.
	c := s.httpClient(t)
	tok := s.httpSignIn(t, c, "mentee2@example.com")
	resp, err := c.PostForm(s.base+p("checkins", mentorCI, "answer"), map[string][]string{"csrf": {tok}, "relationship": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("another mentee answers the mentor's check-in: %d, want 404", resp.StatusCode)
	}

	m := s.tab(t)
	m.signIn("mentor@example.com")
	m.open(p("checkins"))
	m.contains("main", "6 months")
	m.open(p("checkins", mentorCI))
	s.answerCheckin(t, m, "My mentee now chairs the handover.")
	m.contains(".flash", "Thank you")
	if _, err := s.env.App.Evidence.ReadAnswer(ctx, evidence.Actor{UserID: mentor.ID}, mustCheckin(t, s, mentorCI)); err != nil {
		t.Errorf("the mentor's answer: %v", err)
	}
}

func mustCheckin(t *testing.T, s *suite, id string) evidence.CheckIn {
	t.Helper()
	c, err := s.env.App.Evidence.Checkin(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answerCheckin fills the check-in form on b's page: a rating for every domain and the
// relationship, one factor each way, and text for the cognitive domain.
func (s *suite) answerCheckin(t *testing.T, b *tab, text string) {
	t.Helper()
	evaluate[bool](b, `(() => { for (const dom of ["cognitive", "skill-based", "affective", "social-networks"])
		document.querySelector("input[name='rating." + dom + "'][value='4']").click();
		document.querySelector("input[name=relationship][value='5']").click();
		document.querySelector("input[name=enabling]").click();
		document.querySelector("input[name=hindering]").click(); return true; })()`)
	b.set("#text-cognitive", text)
	b.submit("form.checkin button[type=submit]")
}

// cpd: Ada downloads her CPD record as PDF, CSV and JSON from the browser.
func (s *suite) cpd(t *testing.T) {
	b := s.tab(t)
	b.signIn("mentee1@example.com")
	b.open(p("cpd"))
	b.axe()
	b.screenshot("mentee-cpd")
	fetch := func(format string) (string, string) {
		got := evaluate[string](b, `fetch(`+quoteJS(p("cpd", "record")+"?format="+format)+`).then(async r => r.status + "\n" +
			r.headers.get("content-type") + "\n" + r.headers.get("content-disposition") + "\n" + (await r.text()))`)
		head, body, _ := strings.Cut(got, "\n")
		ctype, rest, _ := strings.Cut(body, "\n")
		disp, content, _ := strings.Cut(rest, "\n")
		if head != "200" || !strings.Contains(disp, "attachment") {
			t.Errorf("CPD %s: status %s, %s", format, head, disp)
		}
		return ctype, content
	}
	if ct, body := fetch("pdf"); ct != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
		t.Errorf("CPD PDF: %s %.20q", ct, body)
	}
	if ct, body := fetch("csv"); !strings.HasPrefix(ct, "text/csv") || !strings.HasPrefix(body, "section,date,programme") {
		t.Errorf("CPD CSV: %s %.60q", ct, body)
	}
	ct, body := fetch("json")
	var rec struct {
		Name         string `json:"name"`
		Verification struct {
			Code, URL string
		} `json:"verification"`
		Meetings []json.RawMessage `json:"meetings"`
	}
	if err := json.Unmarshal([]byte(body), &rec); err != nil || ct != "application/json" {
		t.Fatalf("CPD JSON: %s %v %.80q", ct, err, body)
	}
	if rec.Name != "Ada Mentee" || rec.Verification.Code == "" || !strings.Contains(rec.Verification.URL, "/v1/cpd/verify/"+rec.Verification.Code) || len(rec.Meetings) == 0 {
		t.Errorf("CPD JSON record: %+v", rec)
	}
	// The verification address the record names answers for it.
	resp, err := http.Get(s.base + "/v1/cpd/verify/" + rec.Verification.Code)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("verify the CPD record: %d", resp.StatusCode)
	}
	if st := evaluate[float64](b, `fetch(`+quoteJS(p("cpd", "record")+"?format=docx")+`).then(r => r.status)`); st != 400 {
		t.Errorf("CPD in an unknown format: %v, want 400", st)
	}
}
