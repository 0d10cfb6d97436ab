package console_test

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/content"
)

// TestConsole runs every browser test on one server and one browser.
func TestConsole(t *testing.T) {
	s := newSuite(t)
	t.Run("Scenario", s.scenario)
	t.Run("Accessibility", s.accessibility)
	t.Run("CSRF", s.csrf)
	t.Run("SessionFixation", s.sessionFixation)
	t.Run("Clickjacking", s.clickjacking)
	t.Run("XSS", s.xss)
	t.Run("Throttling", s.throttling)
	t.Run("Languages", s.languages)
	t.Run("Authorization", s.authorization)
	t.Run("LessonMedia", s.lessonMedia)
	t.Run("OfflineLesson", s.offlineLesson)
	t.Run("ReviewsAndCredentials", s.reviewsAndCredentials)
	t.Run("CPD", s.cpd)
	t.Run("Checkins", s.checkins)
	t.Run("GamificationSettings", s.gamificationSettings)
	t.Run("GoalsAndNotes", s.goalsAndNotes)
	t.Run("Reports", s.reports)
}

// scenario is the issue's: the owner signs in, invites, approves a proposed pairing and
// publishes a lesson; the mentor assigns it; the mentee completes it and sees XP arrive;
// the owner sees the leaderboard and the pairing's progress change.
func (s *suite) scenario(t *testing.T) {
	ctx := context.Background()
	owner := s.tab(t)
	owner.signIn("owner@example.com")
	if !strings.HasSuffix(owner.url(), p("overview")) {
		t.Fatalf("the owner lands on %s, want the overview", owner.url())
	}
	owner.screenshot("owner-overview")

	// Invite a new mentee; the link is shown once.
	owner.open(p("members"))
	owner.set("#invite-email", "dana@example.com")
	owner.set("#invite-role", "mentee")
	owner.submit("form[action$='/members/invite'] button")
	link := evaluate[string](owner, `document.querySelector("[data-testid=invite-link]").value`)
	if !strings.Contains(link, "/join?token=") {
		t.Fatalf("invite link %q", link)
	}
	owner.screenshot("owner-members")

	// A CSV invites two more; one invitation is revoked again.
	csv := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(csv, []byte("email,name,role\nfay@example.com,Fay Field,mentee\ngus@example.com,Gus Grant,mentor\nnot-an-email,Bad Row,mentee\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	owner.upload("#csv", csv)
	owner.submit("form[action$='/invites/import'] button")
	owner.contains(".card.success", "invited: 2")
	owner.contains(".card.success", "invalid: 1")
	owner.contains("table.invites", "gus@example.com")
	owner.acceptDialogs()
	owner.submit("form[action*='/invites/'][action$='/revoke'] button")
	owner.contains(".flash", "invitation is revoked")
	owner.contains("table.invites", "revoked")

	// A content pack arrives as a .zip and is imported.
	owner.open(p("content"))
	owner.upload("#pack", packZip(t))
	owner.submit("form[action$='/content/import'] button")
	owner.contains(".flash", "Imported: 1 new")
	owner.contains("table.library", "Saying no kindly")

	// Dana follows the link, creates an account, joins and fills in her profile.
	dana := s.tab(t)
	dana.open(link)
	dana.submit("a.button") // "Create an account"
	dana.set("#name", "Dana Newcomer")
	dana.set("#email", "dana@example.com")
	dana.set("#password", "dana-secret-password")
	dana.set("#timezone", "Europe/London")
	dana.submit("form[action='/register'] button")
	if !strings.HasSuffix(dana.url(), p("profile")) {
		t.Fatalf("after joining Dana is on %s: %s", dana.url(), dana.text("main"))
	}
	dana.contains(".flash", "You have joined")
	dana.set("#department", "Cardiology")
	dana.set("#location", "Birmingham")
	dana.set("#languages", "en")
	dana.set("#objectives", "Leadership, Giving feedback")
	dana.submit("form[action$='/profile'] button")
	dana.contains(".flash", "profile is saved")

	// The owner approves the proposed pairing for Dana.
	danaUser, _, err := s.env.App.Identity.Store.UserByEmail(ctx, "dana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	owner.open(p("matching"))
	owner.contains("table.proposal", "Dana Newcomer")
	owner.screenshot("owner-matching")
	owner.click("input[name=pair][value^='" + danaUser.ID + ":']")
	owner.submit("form[action$='/matching/approve'] button[type=submit]")
	owner.contains(".flash", "1 pairings approved")
	owner.contains("main table", "Dana Newcomer")

	// The owner writes a lesson, previews it and publishes it.
	owner.open(p("content", "new"))
	owner.set("#title", "Handover in five minutes")
	owner.set("#summary", "A safe, short shift handover.")
	owner.set("#domain", "skill-based")
	owner.set("#minutes", "3")
	owner.set("#markdown", "# Handover\n\nUse **SBAR**: situation, background, assessment, recommendation.\n\n- Be brief\n- Be specific")
	owner.submit("form[action$='/content/new'] button")
	owner.contains(".author", "Draft")
	owner.contains("article h1", "Handover in five minutes")
	owner.contains("article strong", "SBAR")
	owner.screenshot("owner-lesson-preview")
	owner.submit("form[action$='/publish'] button")
	owner.contains(".flash", "is published")
	lessonID := lastPathPart(strings.TrimSuffix(owner.url(), "/"))
	it, err := s.env.App.Content.Item(ctx, lessonID)
	if err != nil || it.Status != content.StatusPublished {
		t.Fatalf("lesson %s after publish: %+v, %v", lessonID, it.Status, err)
	}
	owner.open(p("content"))
	owner.screenshot("owner-content")

	// The mentor finds Dana in the cohort and assigns the lesson with a due date.
	mentor := s.tab(t)
	mentor.signIn("mentor@example.com")
	mentor.contains("table.cohort", "Dana Newcomer")
	mentor.screenshot("mentor-mentees")
	pairingURL := ""
	for _, row := range evaluate[[]string](mentor, `[...document.querySelectorAll("table.cohort a")].map(a => a.textContent + "|" + a.href)`) {
		if name, href, _ := strings.Cut(row, "|"); name == "Dana Newcomer" {
			pairingURL = href
		}
	}
	if pairingURL == "" {
		t.Fatal("no link to Dana's pairing in the cohort")
	}
	mentor.open(pairingURL)
	mentor.set("#item", "lesson:"+lessonID)
	due := s.clock.now().In(london()).AddDate(0, 0, 3).Format(time.DateOnly)
	mentor.set("#due", due)
	mentor.set("#note", "Read this before Thursday's handover.")
	mentor.submit("form[action$='/assign'] button")
	mentor.contains(".flash", "Assigned")
	mentor.contains("main", "0 of 1 items done")
	mentor.screenshot("mentor-pairing")

	owner.open(pairingURL)
	owner.contains("main", "0 of 1 items done")

	// Dana sees the assignment, completes the lesson and sees her XP arrive.
	dana.open(p("today"))
	dana.contains(".assignments", "Handover in five minutes")
	if xp := dana.text("[data-testid=xp]"); xp != "0" {
		t.Fatalf("Dana's XP before the lesson: %s", xp)
	}
	dana.submit(".assignments a[href$='/learn/" + lessonID + "']")
	dana.contains("article h1", "Handover in five minutes")
	dana.screenshot("mentee-lesson")
	dana.submit("form[action$='/complete'] button")
	dana.contains(".flash", "Well done")
	xp := waitFor(t, func() (string, bool) {
		dana.open(p("today"))
		x := dana.text("[data-testid=xp]")
		n, _ := strconv.Atoi(x)
		return x, n > 0
	})
	t.Logf("Dana's XP after the lesson: %s", xp)
	dana.screenshot("mentee-today")

	// The owner sees the leaderboard and the pairing's progress change.
	// The board's entries are written just after the player's state (the XP Dana saw), so the
	// owner's read may come a moment before them.
	waitFor(t, func() (string, bool) {
		owner.open(p("leaderboard"))
		txt := owner.text("table.board")
		return txt, strings.Contains(txt, "Dana Newcomer")
	})
	owner.screenshot("owner-leaderboard")
	waitFor(t, func() (string, bool) {
		owner.open(pairingURL)
		txt := owner.text("main")
		return txt, strings.Contains(txt, "1 of 1 items done") && strings.Contains(txt, "1 assignments completed")
	})
	owner.screenshot("owner-pairing")
	// The mentor logs the first meeting and writes a note to the pairing; Dana confirms the
	// meeting and sets a goal; the owner sees the record but not what the note says. (After
	// the XP check: the record earns XP of its own.)
	mentor.open(pairingURL + "/record")
	held := s.clock.now().In(london()).AddDate(0, 0, -1).Format("2006-01-02T15:04")
	mentor.set("#m-start", held)
	mentor.set("#m-status", "held")
	mentor.set("#m-objectives", "Get to know each other, Agree how we work")
	mentor.submit("form[action$='/meetings'] button")
	mentor.contains(".flash", "meeting is saved")
	mentor.set("#n-body", "Dana wants to lead the morning huddle by March.")
	mentor.set("#n-vis", "pairing")
	mentor.submit("form[action$='/notes'] button")
	mentor.contains(".notes", "morning huddle")
	mentor.screenshot("mentor-record")
	dana.open(p("mentoring"))
	dana.submit("main .cards a")
	dana.contains(".notes", "morning huddle")
	dana.submit("form[action$='/confirm'] button")
	dana.contains(".flash", "Meeting confirmed")
	dana.set("#g-specific", "Lead the morning huddle twice a week")
	dana.set("#g-measure", "Huddles led, counted in my diary")
	dana.set("#g-target", s.clock.now().In(london()).AddDate(0, 2, 0).Format(time.DateOnly))
	dana.submit("form[action$='/goals'] button")
	dana.contains(".flash", "goal is saved")
	dana.screenshot("mentee-record")
	owner.open(pairingURL + "/record")
	owner.contains("table.meetings", "by Dana Newcomer")
	owner.contains("main", "Lead the morning huddle twice a week")
	if txt := owner.text(".notes"); strings.Contains(txt, "morning huddle") || !strings.Contains(txt, "A note you may not read") {
		t.Fatalf("the owner reads a pairing note: %s", txt)
	}

	owner.open(p("gamification"))
	owner.screenshot("owner-gamification")
}

// packZip writes a one-lesson content pack as a .zip of its folder.
func packZip(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pack.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{
		"boundaries/pack.yaml": "id: boundaries\ntitle: Boundaries\nversion: 1\n",
		"boundaries/lessons/saying-no.md": "---\nkey: saying-no\ntitle: Saying no kindly\nsummary: Protect your time without damaging trust.\n" +
			"domain: affective\nlocale: en\n---\n\n## Why it matters\n\nA clear no keeps your yes worth something.\n",
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func lastPathPart(u string) string { return u[strings.LastIndex(u, "/")+1:] }

func london() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}

// waitFor retries check (which reloads a page) until it holds, for at most 60 s: the
// gamification worker applies learning events asynchronously.
func waitFor(t *testing.T, check func() (string, bool)) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, ok := check()
		if ok {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("still not there after 60s; last seen:\n%s", got)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
