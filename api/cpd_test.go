package api_test

import (
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/learning"
)

// cpdWorld gives Ada (renamed with letters outside Latin-1) a week of mentoring: a held
// meeting the mentor logged and she confirmed, with objectives, topics and an action; the
// mentor's shared feedback and a private note on it; her reflection on it; an achieved goal;
// a lesson completed; her baseline check-in.
func cpdWorld(t *testing.T) *evidenceWorld {
	t.Helper()
	start := time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC)
	w := newEvidenceWorld(t, start)
	w.do(t, "PATCH", "/v1/me", w.ada.Token, map[string]any{"displayName": "Ada Łukasiewicz 王芳"}, 200)
	w.tick(t, start.Add(time.Minute))
	var m struct{ ID string }
	w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.mentor.Token, map[string]any{
		"start": "2027-01-19T14:00", "durationMinutes": 45, "format": "video",
		"objectives": []string{"Plan the first huddle"}, "topics": []string{"Rota pressure", "Giving feedback"},
		"actions": []map[string]any{{"text": "Draft the huddle agenda", "ownerId": w.ada.ID, "due": "2027-01-26"}},
	}, 201).JSON(t, &m)
	w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.ada.Token, nil, 200)
	notes := "/v1/pairings/" + w.one + "/notes"
	w.do(t, "POST", notes, w.mentor.Token, map[string]any{"meetingId": m.ID, "visibility": "pairing",
		"body": "FEEDBACK: Ada prepared well and listened first."}, 201)
	w.do(t, "POST", notes, w.mentor.Token, map[string]any{"meetingId": m.ID, "body": "PRIVATE-MENTOR: I talked too much."}, 201)
	w.do(t, "POST", notes, w.ada.Token, map[string]any{"meetingId": m.ID, "kind": "reflection", "learned": "Listening before proposing",
		"apply": "Ask two questions first at each huddle", "domains": []string{"skill-based", "affective"}}, 201)
	var g struct{ ID string }
	w.do(t, "POST", "/v1/pairings/"+w.one+"/goals", w.ada.Token, map[string]any{"specific": "Lead the morning huddle",
		"measure": "Three huddles led"}, 201).JSON(t, &g)
	w.do(t, "PATCH", "/v1/goals/"+g.ID, w.ada.Token, map[string]any{"status": "achieved"}, 200)
	if err := w.env.App.Evidence.ObserveLearningEvent(context.Background(), learning.Event{ID: "ev-lesson-1", Kind: learning.LessonCompleted,
		UserID: w.ada.ID, ProgrammeID: w.pid, ItemKind: "lesson", ItemID: "lesson-active-listening", Domain: "skill-based",
		OccurredAt: start.Add(-time.Hour), RecordedAt: start, SecondsSpent: 420}); err != nil {
		t.Fatal(err)
	}
	base := w.due(t, w.ada)[0].ID
	w.do(t, "POST", "/v1/checkins/"+base+"/answer", w.ada.Token, answerBody(2, 3, 2, 1), 201)
	return w
}

type cpdResp struct {
	Name         string `json:"name"`
	Verification struct {
		Code string `json:"code"`
	} `json:"verification"`
	Meetings []struct {
		Topics      []string                   `json:"topics"`
		Feedback    []struct{ Body string }    `json:"feedback"`
		Reflections []struct{ Learned string } `json:"reflections"`
		Actions     []struct{ Text string }    `json:"actions"`
	} `json:"meetings"`
	Goals    []struct{ Status string } `json:"goals"`
	Content  []struct{ Minutes int }   `json:"content"`
	Checkins []struct{ Label string }  `json:"checkins"`
	Totals   struct {
		MeetingMinutes  int            `json:"meetingMinutes"`
		ContentMinutes  int            `json:"contentMinutes"`
		MinutesByDomain map[string]int `json:"minutesByDomain"`
	} `json:"totals"`
}

func TestCPDRecord(t *testing.T) {
	t.Parallel()
	w := cpdWorld(t)
	q := "/v1/me/cpd?from=2027-01-01&to=2027-01-31"
	var r cpdResp
	w.do(t, "GET", q, w.ada.Token, nil, 200).JSON(t, &r)
	if len(r.Meetings) != 1 || len(r.Meetings[0].Feedback) != 1 || len(r.Meetings[0].Reflections) != 1 || len(r.Meetings[0].Actions) != 1 {
		t.Fatalf("meetings: %+v, want the confirmed meeting with its action, the mentor's shared feedback and Ada's reflection", r.Meetings)
	}
	if len(r.Goals) != 1 || r.Goals[0].Status != "achieved" || len(r.Content) != 1 || r.Content[0].Minutes != 7 || len(r.Checkins) != 1 {
		t.Errorf("goals %+v, content %+v, check-ins %+v", r.Goals, r.Content, r.Checkins)
	}
	// 45 meeting minutes over the two domains Ada's reflection named, 7 lesson minutes.
	if r.Totals.MeetingMinutes != 45 || r.Totals.ContentMinutes != 7 || r.Totals.MinutesByDomain["skill-based"] != 23+7 || r.Totals.MinutesByDomain["affective"] != 22 {
		t.Errorf("totals %+v", r.Totals)
	}
	var again cpdResp
	w.do(t, "GET", q, w.ada.Token, nil, 200).JSON(t, &again)
	if again.Verification.Code != r.Verification.Code || r.Verification.Code == "" {
		t.Errorf("the same record got codes %q and %q", r.Verification.Code, again.Verification.Code)
	}

	// CSV, by Accept.
	c := w.env.Do(apitest.Req{Method: "GET", Path: q, Token: w.ada.Token, Header: map[string]string{"Accept": "text/csv"}})
	rows, err := csv.NewReader(strings.NewReader(string(c.Body))).ReadAll()
	if c.Status != 200 || err != nil || !strings.HasPrefix(c.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %v %s", c.Status, err, c.Header.Get("Content-Type"))
	}
	body := string(c.Body)
	for _, want := range []string{"Ada Łukasiewicz 王芳", "Rota pressure", "FEEDBACK: Ada prepared well", "Listening before proposing",
		"Lead the morning huddle", r.Verification.Code, "Baseline"} {
		if !strings.Contains(body, want) {
			t.Errorf("CSV lacks %q", want)
		}
	}
	if len(rows) < 8 || rows[0][0] != "section" {
		t.Errorf("CSV rows: %v", rows)
	}

	// PDF, by format: its text, extracted by pdftotext, shows every field.
	p := w.do(t, "GET", q+"&format=pdf", w.ada.Token, nil, 200)
	text := pdfText(t, p.Body)
	for _, want := range []string{"Continuing Professional Development record", "Ada Łukasiewicz 王芳", "Ward leaders", "Malik Mentor",
		"Plan the first huddle", "Rota pressure", "Draft the huddle agenda", "FEEDBACK: Ada prepared well", "Listening before proposing",
		"Lead the morning huddle", "achieved, 100% progress", "Baseline", "Skill-based", "45 min", "Verification code " + r.Verification.Code, "Page 1 of"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	for _, secret := range []string{"PRIVATE-MENTOR"} {
		if strings.Contains(text, secret) || strings.Contains(body, secret) {
			t.Errorf("the record shows the mentor's private note %q", secret)
		}
	}

	// Anyone with the code confirms names and totals, nothing of what was said.
	v := w.do(t, "GET", "/v1/cpd/verify/"+strings.ToLower(strings.ReplaceAll(r.Verification.Code, "-", "")), "", nil, 200)
	for _, secret := range []string{"Rota pressure", "FEEDBACK", "Listening", "huddle"} {
		if strings.Contains(string(v.Body), secret) {
			t.Errorf("verification shows %q: %s", secret, v.Body)
		}
	}
	if !strings.Contains(string(v.Body), "Ada Łukasiewicz 王芳") || !strings.Contains(string(v.Body), "Malik Mentor") {
		t.Errorf("verification lacks the names: %s", v.Body)
	}
	w.do(t, "GET", "/v1/cpd/verify/AAAA-BBBB-CCCC-DDDD", "", nil, 404)

	// Bad input names the field.
	for path, ptr := range map[string]string{
		"/v1/me/cpd?format=docx":                   "/format",
		"/v1/me/cpd?from=2020-01-01&to=2026-01-02": "/to",
		"/v1/me/cpd?from=2027-02-01&to=2027-01-01": "/to",
		"/v1/me/cpd?from=yesterday":                "/from",
	} {
		r := w.env.Do(apitest.Req{Method: "GET", Path: path, Token: w.ada.Token})
		if r.Status/100 != 4 || !strings.Contains(string(r.Body), `"pointer":"`+ptr+`"`) {
			t.Errorf("%s: %d %s, want a problem naming %s", path, r.Status, r.Body, ptr)
		}
	}
}

// pdfText extracts a PDF's text with pdftotext (Debian's poppler-utils).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is not installed: apt-get install poppler-utils (.ci/run does)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "record.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}
