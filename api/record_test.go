package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
)

// recordWorld is a programme with a one-to-one pairing (mentor, Ada) and a group pairing
// (mentor, Ben and Chloe), on a clock the test moves.
type recordWorld struct {
	*mentoringWorld
	clockMu        sync.Mutex
	now            time.Time
	one, group     string
	ada, ben, chlo apitest.User
	events         *countingPublisher
}

// countingPublisher records the learning events the record publishes (each ID once, and
// how often it was published).
type countingPublisher struct {
	mu     sync.Mutex
	events map[string]learning.Event
	calls  map[string]int
}

func (p *countingPublisher) Publish(_ context.Context, e learning.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[e.ID]++
	if _, ok := p.events[e.ID]; !ok {
		p.events[e.ID] = e
	}
	return nil
}

func (p *countingPublisher) ofKind(k learning.Kind) []learning.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []learning.Event
	for _, e := range p.events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

func newRecordWorld(t *testing.T, now time.Time) *recordWorld {
	t.Helper()
	w := &recordWorld{now: now, events: &countingPublisher{events: map[string]learning.Event{}, calls: map[string]int{}}}
	w.mentoringWorld = newMentoringWorld(t, apitest.WithClock(w.clock))
	w.ada, w.ben, w.chlo = w.mentees[0], w.mentees[1], w.mentees[2]
	w.env.App.Record.Publisher = w.events
	ctx := context.Background()
	m := w.env.App.Mentoring
	capacity := 5
	if _, err := m.PutMyProfile(ctx, mentoring.Actor{UserID: w.mentor.ID, Role: mentoring.RoleMentor}, w.pid,
		mentoring.ProfileInput{Capacity: &capacity, Skills: []string{"leadership"}}); err != nil {
		t.Fatal(err)
	}
	owner := mentoring.Actor{UserID: w.owner.ID, Role: mentoring.RoleOwner}
	p, err := m.CreatePairing(ctx, owner, w.pid, mentoring.NewPairing{MentorID: w.mentor.ID, MenteeIDs: []string{w.ada.ID}, Type: mentoring.OneToOne,
		Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Monthly}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.CreatePairing(ctx, owner, w.pid, mentoring.NewPairing{MentorID: w.mentor.ID, MenteeIDs: []string{w.ben.ID, w.chlo.ID}, Type: mentoring.Group})
	if err != nil {
		t.Fatal(err)
	}
	w.one, w.group = p.ID, g.ID
	return w
}

func (w *recordWorld) clock() time.Time {
	w.clockMu.Lock()
	defer w.clockMu.Unlock()
	return w.now
}

// set moves the clock and signs everyone in again (access tokens last 15 minutes).
func (w *recordWorld) set(t testing.TB, at time.Time) {
	w.clockMu.Lock()
	w.now = at
	w.clockMu.Unlock()
	for _, u := range []*apitest.User{&w.owner, &w.mentor, &w.ada, &w.ben, &w.chlo} {
		u.Token = w.env.Login(u.Email, "correct-horse-battery")
	}
}

type problemJSON struct {
	Code   string `json:"code"`
	Errors []struct {
		Pointer string `json:"pointer"`
		Detail  string `json:"detail"`
	} `json:"errors"`
}

func pointers(t *testing.T, r *apitest.Response) []string {
	t.Helper()
	var p problemJSON
	r.JSON(t, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Pointer)
	}
	return out
}

type meetingJSON struct {
	ID           string   `json:"id"`
	Status       string   `json:"status"`
	Start        string   `json:"start"`
	StartLocal   string   `json:"startLocal"`
	Timezone     string   `json:"timezone"`
	Revision     int      `json:"revision"`
	Confirmed    bool     `json:"confirmed"`
	Evidence     bool     `json:"evidence"`
	Awaiting     string   `json:"awaitingConfirmationFrom"`
	AttendeeIDs  []string `json:"attendeeIds"`
	Topics       []string `json:"topics"`
	Confirmation *struct {
		By string `json:"by"`
	} `json:"confirmation"`
	Actions []actionJSON `json:"actions"`
}

type actionJSON struct {
	ID       string `json:"id"`
	OwnerID  string `json:"ownerId"`
	Text     string `json:"text"`
	DueAt    string `json:"dueAt"`
	DueLocal string `json:"dueLocal"`
	Done     bool   `json:"done"`
}

func TestMeetingIsLoggedByOneSideAndConfirmedByTheOther(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	// Yesterday afternoon, London time; the action is Ada's, by Friday.
	r := w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.mentor.Token, map[string]any{
		"start": "2026-10-13T15:00", "durationMinutes": 45, "format": "video", "objectives": []string{"Agree the first goal"},
		"topics":  []string{"Morning huddles", "Giving feedback"},
		"actions": []map[string]string{{"text": "Draft the huddle agenda", "ownerId": w.ada.ID, "due": "2026-10-16"}}}, 201)
	var m meetingJSON
	r.JSON(t, &m)
	if m.Status != "held" || m.Start != "2026-10-13T14:00:00Z" || m.StartLocal != "2026-10-13T15:00" || m.Evidence || m.Awaiting != "mentee" {
		t.Fatalf("logged meeting: %+v", m)
	}
	if len(m.Actions) != 1 || m.Actions[0].DueAt != "2026-10-16T22:59:59Z" {
		t.Fatalf("action due at the end of Friday in London: %+v", m.Actions)
	}
	// The mentor's own side cannot confirm it; Ada, who attended, can.
	r = w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.mentor.Token, nil, 422)
	if diff := cmp.Diff([]string{"/updatedBy"}, pointers(t, r)); diff != "" {
		t.Errorf("self-confirmation pointer (-want +got):\n%s", diff)
	}
	r = w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.ada.Token, map[string]int{"revision": 1}, 200)
	m = meetingJSON{}
	r.JSON(t, &m)
	if !m.Evidence || m.Confirmation == nil || m.Confirmation.By != w.ada.ID || m.Awaiting != "" {
		t.Fatalf("confirmed meeting: %+v", m)
	}
	// Confirmed and held: evidence, locked.
	r = w.do(t, "PATCH", "/v1/meetings/"+m.ID, w.ada.Token, map[string]any{"topics": []string{"rewritten"}}, 409)
	if !strings.Contains(string(r.Body), "meeting_confirmed") {
		t.Errorf("edit after confirmation: %s", r.Body)
	}
	// Both attendees earn the confirmed meeting once.
	if got := len(w.events.ofKind(learning.MeetingConfirmed)); got != 2 {
		t.Errorf("meeting_confirmed events: %d, want 2 (mentor and Ada)", got)
	}
	// Ada's actions: listed, ticked by her and nobody else.
	r = w.do(t, "GET", "/v1/me/actions", w.ada.Token, nil, 200)
	var list struct{ Items []actionJSON }
	r.JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].Text != "Draft the huddle agenda" {
		t.Fatalf("Ada's actions: %+v", list.Items)
	}
	w.do(t, "PATCH", "/v1/actions/"+list.Items[0].ID, w.mentor.Token, map[string]bool{"done": true}, 403)
	w.do(t, "PATCH", "/v1/actions/"+list.Items[0].ID, w.ada.Token, map[string]bool{"done": true}, 200)
	r = w.do(t, "GET", "/v1/me/actions?state=open", w.ada.Token, nil, 200)
	r.JSON(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("open actions after the tick: %+v", list.Items)
	}
	r = w.do(t, "GET", "/v1/me/actions?state=done", w.ada.Token, nil, 200)
	r.JSON(t, &list)
	if len(list.Items) != 1 || !list.Items[0].Done {
		t.Errorf("done actions: %+v", list.Items)
	}
}

func TestPlannedMeetingEditsNeedAFreshConfirmation(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	r := w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.ada.Token, map[string]any{"start": "2026-10-21T12:30", "place": "Café"}, 201)
	var m meetingJSON
	r.JSON(t, &m)
	if m.Status != "planned" || m.Awaiting != "mentor" {
		t.Fatalf("planned meeting: %+v", m)
	}
	r = w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.mentor.Token, nil, 200)
	r.JSON(t, &m)
	if !m.Confirmed || m.Evidence {
		t.Fatalf("accepted plan: %+v", m)
	}
	// The mentor moves it: revision 2, which Ada now confirms; a stale revision is refused.
	r = w.do(t, "PATCH", "/v1/meetings/"+m.ID, w.mentor.Token, map[string]any{"start": "2026-10-22T12:30", "revision": 1}, 200)
	r.JSON(t, &m)
	if m.Revision != 2 || m.Confirmed || m.Awaiting != "mentee" {
		t.Fatalf("rescheduled: %+v", m)
	}
	w.do(t, "PATCH", "/v1/meetings/"+m.ID, w.ada.Token, map[string]any{"place": "Library", "revision": 1}, 409)
	w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.ada.Token, map[string]int{"revision": 1}, 409)
	w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.ada.Token, map[string]int{"revision": 2}, 200)
	// It happened: the mentor records it as held with its topics, Ada confirms it.
	w.set(t, time.Date(2026, 10, 22, 14, 0, 0, 0, time.UTC))
	r = w.do(t, "PATCH", "/v1/meetings/"+m.ID, w.mentor.Token, map[string]any{"status": "held", "topics": []string{"Rotas"}}, 200)
	r.JSON(t, &m)
	if m.Status != "held" || m.Confirmed || len(m.AttendeeIDs) != 2 {
		t.Fatalf("held: %+v", m)
	}
	w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.ada.Token, nil, 200)
	if n := len(w.events.ofKind(learning.MeetingConfirmed)); n != 2 {
		t.Errorf("meeting_confirmed events: %d, want 2 (accepting a plan earns nothing)", n)
	}
}

// Meeting times are wall-clock times in the planner's zone: the night the clocks go forward
// in London has no 01:30, and the morning after is on BST; an action due "Sunday" for a
// mentee in New York ends at midnight there.
func TestMeetingTimesAreZonedAcrossDSTAndMidnight(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2027, 3, 27, 23, 30, 0, 0, time.UTC)) // Saturday 23:30 GMT
	r := w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.mentor.Token, map[string]any{"start": "2027-03-28T01:30"}, 422)
	if diff := cmp.Diff([]string{"/start"}, pointers(t, r)); diff != "" {
		t.Errorf("skipped local time (-want +got):\n%s", diff)
	}
	w.do(t, "PATCH", "/v1/me", w.ada.Token, map[string]string{"timezone": "America/New_York"}, 200)
	r = w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.mentor.Token, map[string]any{"start": "2027-03-28T10:00",
		"actions": []map[string]string{{"text": "Book the room", "ownerId": w.ada.ID, "due": "2027-03-28"}}}, 201)
	var m meetingJSON
	r.JSON(t, &m)
	if m.Start != "2027-03-28T09:00:00Z" || m.Timezone != "Europe/London" {
		t.Errorf("BST start: %+v", m)
	}
	if a := m.Actions[0]; a.DueAt != "2027-03-29T03:59:59Z" || a.DueLocal != "2027-03-28" {
		t.Errorf("action due at the end of Sunday in New York: %+v", a)
	}
	// Ada plans in her own zone by default; an explicit zone wins.
	r = w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.ada.Token, map[string]any{"start": "2027-03-28T20:00"}, 201)
	r.JSON(t, &m)
	if m.Start != "2027-03-29T00:00:00Z" || m.Timezone != "America/New_York" || m.StartLocal != "2027-03-28T20:00" {
		t.Errorf("New York evening (past midnight UTC): %+v", m)
	}
	r = w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.ada.Token, map[string]any{"start": "2027-03-28T20:00", "timezone": "Europe/Paris"}, 201)
	r.JSON(t, &m)
	if m.Start != "2027-03-28T18:00:00Z" {
		t.Errorf("Paris evening: %+v", m)
	}
}

func TestRecordRefusesBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	meetings, notes, goals := "/v1/pairings/"+w.one+"/meetings", "/v1/pairings/"+w.one+"/notes", "/v1/pairings/"+w.one+"/goals"
	long := strings.Repeat("x", mentoring.MaxNoteBody+1)
	for _, c := range []struct {
		name, path string
		body       any
		status     int
		want       []string
	}{
		{"duration over a day", meetings, map[string]any{"start": "2026-10-20T10:00", "durationMinutes": 1441}, 422, []string{"/durationMinutes"}},
		{"start far ahead", meetings, map[string]any{"start": "2029-10-20T10:00"}, 422, []string{"/start"}},
		{"start long ago", meetings, map[string]any{"start": "2025-09-20T10:00"}, 422, []string{"/start"}},
		{"start not a time", meetings, map[string]any{"start": "next tuesday"}, 422, []string{"/start"}},
		{"unknown zone", meetings, map[string]any{"start": "2026-10-20T10:00", "timezone": "Mars/Olympus"}, 422, []string{"/timezone"}},
		{"unknown format", meetings, map[string]any{"start": "2026-10-20T10:00", "format": "telepathy"}, 422, []string{"/format"}},
		{"planned in the past", meetings, map[string]any{"start": "2026-10-10T10:00", "status": "planned"}, 422, []string{"/start"}},
		{"held in the future", meetings, map[string]any{"start": "2026-10-20T10:00", "status": "held"}, 422, []string{"/start"}},
		{"attendee from elsewhere", meetings, map[string]any{"start": "2026-10-10T10:00", "attendeeIds": []string{w.ben.ID}}, 422,
			[]string{"/attendeeIds/0", "/attendeeIds"}},
		{"action without owner", meetings, map[string]any{"start": "2026-10-20T10:00", "actions": []map[string]string{{"text": "x", "due": "2026-10-30"}}}, 422,
			[]string{"/actions/0/ownerId"}},
		{"operator as a value", meetings, map[string]any{"start": map[string]any{"$gt": ""}}, 400, []string{"/start"}},
		{"note too long", notes, map[string]any{"body": long}, 422, []string{"/body"}},
		{"unknown domain", notes, map[string]any{"kind": "reflection", "learned": "a", "apply": "b", "domains": []string{"cognitive", "spiritual"}}, 422,
			[]string{"/domains/1"}},
		{"reflection without domains", notes, map[string]any{"kind": "reflection", "learned": "a", "apply": "b"}, 422, []string{"/domains"}},
		{"unknown visibility", notes, map[string]any{"body": "x", "visibility": "everyone"}, 422, []string{"/visibility"}},
		{"meeting of another pairing", notes, map[string]any{"body": "x", "meetingId": "nope"}, 422, []string{"/meetingId"}},
		{"goal progress", goals, map[string]any{"specific": "x", "progress": 101}, 422, []string{"/progress"}},
		{"goal target out of range", goals, map[string]any{"specific": "x", "targetDate": "2040-01-01"}, 422, []string{"/targetDate"}},
		{"goal link unknown", goals, map[string]any{"specific": "x", "links": []map[string]string{{"kind": "lesson", "id": "nope"}}}, 422,
			[]string{"/links/0/id"}},
		{"goal for the mentor by a mentee", goals, map[string]any{"specific": "x", "ownerId": w.mentor.ID}, 422, []string{"/ownerId"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			token := w.ada.Token
			r := w.do(t, "POST", c.path, token, c.body, c.status)
			if diff := cmp.Diff(c.want, pointers(t, r)); diff != "" {
				t.Errorf("pointers (-want +got):\n%s", diff)
			}
		})
	}
	// An ended pairing's record is read, not written.
	w.do(t, "POST", "/v1/pairings/"+w.one+"/status", w.owner.Token, map[string]string{"status": "ended"}, 200)
	r := w.do(t, "POST", meetings, w.ada.Token, map[string]any{"start": "2026-10-20T10:00"}, 409)
	if !strings.Contains(string(r.Body), "pairing_ended") {
		t.Errorf("ended pairing: %s", r.Body)
	}
	w.do(t, "POST", notes, w.ada.Token, map[string]any{"body": "x"}, 409)
	w.do(t, "GET", meetings, w.ada.Token, nil, 200)
}

type noteJSON struct {
	ID         string  `json:"id"`
	AuthorID   string  `json:"authorId"`
	Visibility string  `json:"visibility"`
	Redacted   bool    `json:"redacted"`
	Body       *string `json:"body"`
	Learned    *string `json:"learned"`
}

// Private means private: another member never learns of a private note, an owner sees only
// that it exists and when, and the database query leaves others' private notes behind.
func TestNotesAreReadOnlyByThoseTheyAreFor(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	notes := "/v1/pairings/" + w.one + "/notes"
	write := func(token string, body map[string]any) string {
		w.clockMu.Lock()
		w.now = w.now.Add(time.Minute) // newest first: one minute apart
		w.clockMu.Unlock()
		var n noteJSON
		w.do(t, "POST", notes, token, body, 201).JSON(t, &n)
		return n.ID
	}
	adaPrivate := write(w.ada.Token, map[string]any{"body": "SECRET-ADA: I am not sure I want this job"})
	adaPairing := write(w.ada.Token, map[string]any{"body": "PAIRING-ADA: agenda for Tuesday", "visibility": "pairing"})
	adaOwners := write(w.ada.Token, map[string]any{"kind": "reflection", "learned": "OWNERS-ADA: listening first", "apply": "at huddles",
		"domains": []string{"skill-based", "affective"}, "visibility": "owners"})
	mentorPrivate := write(w.mentor.Token, map[string]any{"kind": "reflection", "learned": "SECRET-MENTOR: I talk too much",
		"apply": "count to five", "domains": []string{"affective"}})

	list := func(token string) []noteJSON {
		r := w.do(t, "GET", notes, token, nil, 200)
		var l struct{ Items []noteJSON }
		r.JSON(t, &l)
		return l.Items
	}
	ids := func(ns []noteJSON) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return out
	}
	if diff := cmp.Diff([]string{mentorPrivate, adaOwners, adaPairing}, ids(list(w.mentor.Token))); diff != "" {
		t.Errorf("the mentor's list (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{mentorPrivate, adaOwners, adaPairing, adaPrivate}, ids(list(w.owner.Token))); diff != "" {
		t.Errorf("the owner's list (-want +got):\n%s", diff)
	}
	raw := string(w.do(t, "GET", notes, w.owner.Token, nil, 200).Body)
	for _, secret := range []string{"SECRET-ADA", "PAIRING-ADA", "SECRET-MENTOR", "count to five"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the owner's list shows %q: %s", secret, raw)
		}
	}
	if !strings.Contains(raw, "OWNERS-ADA") {
		t.Errorf("the owner's list hides the reflection shared with owners: %s", raw)
	}
	for _, n := range list(w.owner.Token) {
		if n.Redacted != (n.ID != adaOwners) || (n.Redacted && (n.Body != nil || n.Learned != nil)) {
			t.Errorf("owner's view of %s: %+v", n.ID, n)
		}
	}
	w.do(t, "GET", "/v1/notes/"+adaPrivate, w.owner.Token, nil, 404)
	w.do(t, "GET", "/v1/notes/"+adaPrivate, w.mentor.Token, nil, 404)
	w.do(t, "GET", "/v1/notes/"+adaPairing, w.owner.Token, nil, 404)
	w.do(t, "GET", "/v1/notes/"+adaOwners, w.owner.Token, nil, 200)
	w.do(t, "GET", "/v1/notes/"+adaPairing, w.mentor.Token, nil, 200)
	w.do(t, "PATCH", "/v1/notes/"+adaPairing, w.mentor.Token, map[string]string{"body": "rewritten"}, 403)
	w.do(t, "DELETE", "/v1/notes/"+adaPairing, w.mentor.Token, nil, 403)
	// Members of other pairings see nothing of this one.
	w.do(t, "GET", notes, w.ben.Token, nil, 404)
	// Ada erases her private note: gone for everyone.
	w.do(t, "DELETE", "/v1/notes/"+adaPrivate, w.ada.Token, nil, 204)
	if got := len(list(w.owner.Token)); got != 3 {
		t.Errorf("owner's list after erasure: %d notes, want 3", got)
	}
	// Reflections earn once per subject: two on the pairing in one week earn once.
	write(w.ada.Token, map[string]any{"kind": "reflection", "learned": "again", "apply": "again", "domains": []string{"cognitive"}})
	var adaReflections int
	for _, e := range w.events.ofKind(learning.ReflectionWritten) {
		if e.UserID == w.ada.ID {
			adaReflections++
		}
	}
	if adaReflections != 1 {
		t.Errorf("Ada's reflection events this week: %d, want 1", adaReflections)
	}
}

type goalJSON struct {
	ID         string  `json:"id"`
	OwnerID    string  `json:"ownerId"`
	Status     string  `json:"status"`
	Progress   int     `json:"progress"`
	Revision   int     `json:"revision"`
	TargetDate *string `json:"targetDate"`
	Links      []struct {
		Kind, ID string
		Done     bool
	} `json:"links"`
}

func TestGoalsMoveWithTheirLinksAndKeepTheirHistory(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	r := w.do(t, "POST", "/v1/pairings/"+w.one+"/goals", w.mentor.Token, map[string]any{"ownerId": w.ada.ID,
		"specific": "Lead the morning huddle three times", "measure": "Three huddles led, with feedback from the charge nurse",
		"targetDate": "2026-12-18", "tags": []string{"Leadership"},
		"links": []map[string]string{{"kind": "lesson", "id": "lesson-1"}, {"kind": "quiz", "id": "quiz-1"}}}, 201)
	var g goalJSON
	r.JSON(t, &g)
	if g.OwnerID != w.ada.ID || g.Status != "not_started" || g.Progress != 0 || len(g.Links) != 2 {
		t.Fatalf("new goal: %+v", g)
	}
	// Ada completes the lesson: the record observes the learning event (twice: delivery is
	// at least once) and the goal moves to 50%.
	ev := learning.Event{ID: "e1", Kind: learning.LessonCompleted, UserID: w.ada.ID, ProgrammeID: w.pid, ItemKind: "lesson", ItemID: "lesson-1"}
	for range 2 {
		if err := w.env.App.Record.ObserveLearningEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	r = w.do(t, "GET", "/v1/goals/"+g.ID, w.ada.Token, nil, 200)
	r.JSON(t, &g)
	if g.Status != "in_progress" || g.Progress != 50 || !g.Links[0].Done || g.Links[1].Done {
		t.Fatalf("after the lesson: %+v", g)
	}
	// Ada drags it back to 10: links completed keep it at 50.
	r = w.do(t, "PATCH", "/v1/goals/"+g.ID, w.ada.Token, map[string]any{"progress": 10}, 200)
	r.JSON(t, &g)
	if g.Progress != 50 {
		t.Errorf("progress under its links: %d", g.Progress)
	}
	r = w.do(t, "PATCH", "/v1/goals/"+g.ID, w.ada.Token, map[string]any{"status": "achieved", "targetDate": nil, "note": "Third huddle today"}, 200)
	r.JSON(t, &g)
	if g.Status != "achieved" || g.Progress != 100 || g.TargetDate != nil {
		t.Errorf("achieved: %+v", g)
	}
	if n := len(w.events.ofKind(learning.GoalAchieved)); n != 1 {
		t.Errorf("goal_achieved events: %d", n)
	}
	r = w.do(t, "GET", "/v1/goals/"+g.ID+"/history", w.owner.Token, nil, 200)
	var h struct {
		Items []struct {
			Revision int    `json:"revision"`
			Reason   string `json:"reason"`
			Progress int    `json:"progress"`
			Status   string `json:"status"`
			By       string `json:"by"`
		}
	}
	r.JSON(t, &h)
	var got []string
	for _, c := range h.Items {
		got = append(got, fmt.Sprintf("%d %s %s %d", c.Revision, c.Reason, c.Status, c.Progress))
	}
	want := []string{"1 created not_started 0", "2 link in_progress 50", "3 edited in_progress 50", "4 edited achieved 100"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	// The mentor's own development goal, in the same pairing; Ada cannot change it.
	r = w.do(t, "POST", "/v1/pairings/"+w.one+"/goals", w.mentor.Token, map[string]any{"specific": "Ask more open questions"}, 201)
	var mine goalJSON
	r.JSON(t, &mine)
	w.do(t, "PATCH", "/v1/goals/"+mine.ID, w.ada.Token, map[string]any{"progress": 30}, 403)
	r = w.do(t, "GET", "/v1/me/goals", w.mentor.Token, nil, 200)
	var l struct{ Items []goalJSON }
	r.JSON(t, &l)
	if len(l.Items) != 1 || l.Items[0].ID != mine.ID {
		t.Errorf("the mentor's own goals: %+v", l.Items)
	}
}

// Two edits of the same revision race: exactly one takes, the others are told the goal
// changed, and the history has one entry for that revision.
func TestConcurrentGoalEditsTakeOnce(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	var g goalJSON
	w.do(t, "POST", "/v1/pairings/"+w.one+"/goals", w.ada.Token, map[string]any{"specific": "Give feedback weekly"}, 201).JSON(t, &g)
	statuses := make(chan int, 8)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			r := w.env.Do(apitest.Req{Method: "PATCH", Path: "/v1/goals/" + g.ID, Token: w.ada.Token,
				Body: map[string]any{"progress": 10 + i, "revision": 1}})
			statuses <- r.Status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[200] != 1 || count[409] != 7 {
		t.Errorf("statuses: %v, want one 200 and seven 409", count)
	}
	r := w.do(t, "GET", "/v1/goals/"+g.ID+"/history", w.ada.Token, nil, 200)
	var h struct{ Items []json.RawMessage }
	r.JSON(t, &h)
	if len(h.Items) != 2 {
		t.Errorf("history entries: %d, want 2", len(h.Items))
	}
}

// Confirmations race on a unique key: Ben and Chloe both tap "confirm" on the group's
// meeting, four times each, at once. Exactly one confirmation is stored; its author gets 200
// every time, the other mentee 409; the attendees earn the meeting once.
func TestConcurrentConfirmationsAreExactlyOnce(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	var m meetingJSON
	w.do(t, "POST", "/v1/pairings/"+w.group+"/meetings", w.mentor.Token, map[string]any{"start": "2026-10-13T16:00", "topics": []string{"Rotas"}}, 201).JSON(t, &m)
	type answer struct {
		who    string
		status int
	}
	answers := make(chan answer, 8)
	var wg sync.WaitGroup
	for i := range 8 {
		u := []apitest.User{w.ben, w.chlo}[i%2]
		wg.Go(func() {
			r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/meetings/" + m.ID + "/confirmation", Token: u.Token})
			answers <- answer{u.ID, r.Status}
		})
	}
	wg.Wait()
	close(answers)
	byWho := map[string]map[int]int{w.ben.ID: {}, w.chlo.ID: {}}
	for a := range answers {
		byWho[a.who][a.status]++
	}
	var got meetingJSON
	w.do(t, "GET", "/v1/meetings/"+m.ID, w.mentor.Token, nil, 200).JSON(t, &got)
	if got.Confirmation == nil {
		t.Fatal("no confirmation stored")
	}
	winner, loser := got.Confirmation.By, w.ben.ID
	if winner == w.ben.ID {
		loser = w.chlo.ID
	}
	if byWho[winner][200] != 4 || byWho[loser][409] != 4 {
		t.Errorf("answers: winner %v, loser %v; want four 200s and four 409s", byWho[winner], byWho[loser])
	}
	n, err := w.env.App.DB.DB.Collection("mentoring_meeting_confirmations").CountDocuments(context.Background(), map[string]any{"meetingId": m.ID})
	if err != nil || n != 1 {
		t.Errorf("stored confirmations: %d (%v), want 1", n, err)
	}
	es := w.events.ofKind(learning.MeetingConfirmed)
	if len(es) != 3 {
		t.Errorf("meeting_confirmed events: %d, want 3 (mentor, Ben, Chloe)", len(es))
	}
}

// The record's routes cost a bounded number of database commands, whatever the size of the
// programme: budgets per route (docs/benchmarks.md lists the figures).
func TestRecordRoutesDatabaseBudgets(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	w.env.App.Record.Publisher = w.env.App.Learning // count the learning events' inserts too
	// Warm the role cache the way a session does.
	w.do(t, "GET", "/v1/pairings/"+w.one, w.ada.Token, nil, 200)
	w.do(t, "GET", "/v1/pairings/"+w.one, w.mentor.Token, nil, 200)
	w.do(t, "GET", "/v1/pairings/"+w.one, w.owner.Token, nil, 200)
	var m, planned meetingJSON
	var n noteJSON
	var g goalJSON
	type call struct {
		name, method, path, token string
		body                      any
		status                    int
		budget                    int64
		keep                      any
	}
	calls := []call{
		// 8 and 6, and 3 to move the pairing's meeting-due instant (programme zone,
		// meetings, the due-index write).
		{"plan a meeting with an action", "POST", "/v1/pairings/" + w.one + "/meetings", w.mentor.Token, map[string]any{"start": "2026-10-13T15:00",
			"actions": []map[string]string{{"text": "Agenda", "ownerId": w.ada.ID, "due": "2026-10-20"}}}, 201, 12, &m}, // and 1: the report subject's touch
		{"plan a meeting to come", "POST", "/v1/pairings/" + w.one + "/meetings", w.mentor.Token, map[string]any{"start": "2026-10-28T15:00"}, 201, 10, &planned}, // and 1: the report subject's touch
	}
	for _, c := range calls {
		r := w.do(t, c.method, c.path, c.token, c.body, c.status)
		r.JSON(t, c.keep)
		t.Logf("%-32s %s %-45s %d commands", c.name, c.method, c.path, w.env.DBCommands(r))
		if got := w.env.DBCommands(r); got > c.budget {
			t.Errorf("%s: %d database commands, budget %d", c.name, got, c.budget)
		}
	}
	calls = []call{
		{"list meetings", "GET", "/v1/pairings/" + w.one + "/meetings", w.ada.Token, nil, 200, 3, nil},
		{"get a meeting", "GET", "/v1/meetings/" + m.ID, w.ada.Token, nil, 200, 3, nil},
		// 7, and one insert per learning event: 2 attendees' meeting, 2 members' cadence.
		{"confirm a held meeting", "POST", "/v1/meetings/" + m.ID + "/confirmation", w.ada.Token, nil, 200, 11, nil},
		{"add an action", "POST", "/v1/meetings/" + m.ID + "/actions", w.ada.Token, map[string]any{"actions": []map[string]string{
			{"text": "Room", "ownerId": w.mentor.ID, "due": "2026-10-21"}}}, 201, 4, nil},
		{"my actions", "GET", "/v1/me/actions", w.ada.Token, nil, 200, 1, nil},
		{"tick an action", "PATCH", "/v1/actions/" + m.Actions[0].ID, w.ada.Token, map[string]bool{"done": true}, 200, 3, nil},
		{"write a reflection", "POST", "/v1/pairings/" + w.one + "/notes", w.ada.Token, map[string]any{"kind": "reflection", "learned": "a",
			"apply": "b", "domains": []string{"cognitive"}, "meetingId": m.ID}, 201, 4, &n},
		{"list notes", "GET", "/v1/pairings/" + w.one + "/notes", w.owner.Token, nil, 200, 2, nil},
		{"set a goal", "POST", "/v1/pairings/" + w.one + "/goals", w.ada.Token, map[string]any{"specific": "x"}, 201, 4, &g}, // 3, and the report subject's touch
		{"list goals", "GET", "/v1/pairings/" + w.one + "/goals", w.ada.Token, nil, 200, 2, nil},
		{"my goals", "GET", "/v1/me/goals", w.ada.Token, nil, 200, 1, nil},
	}
	for _, c := range calls {
		r := w.do(t, c.method, c.path, c.token, c.body, c.status)
		if c.keep != nil {
			r.JSON(t, c.keep)
		}
		got := w.env.DBCommands(r)
		t.Logf("%-32s %s %-45s %d commands", c.name, c.method, c.path, got)
		if got > c.budget {
			t.Errorf("%s: %d database commands, budget %d", c.name, got, c.budget)
		}
	}
	for _, c := range []call{
		{"get a note", "GET", "/v1/notes/" + n.ID, w.ada.Token, nil, 200, 2, nil},
		{"edit a note", "PATCH", "/v1/notes/" + n.ID, w.ada.Token, map[string]string{"apply": "c"}, 200, 3, nil},
		{"get a goal", "GET", "/v1/goals/" + g.ID, w.ada.Token, nil, 200, 2, nil},
		{"edit a goal", "PATCH", "/v1/goals/" + g.ID, w.ada.Token, map[string]int{"progress": 40}, 200, 5, nil}, // 4, and the report subject's touch
		{"goal history", "GET", "/v1/goals/" + g.ID + "/history", w.ada.Token, nil, 200, 3, nil},
		{"edit a meeting (an owner)", "PATCH", "/v1/meetings/" + m.ID, w.owner.Token, map[string]string{"place": "x"}, 403, 2, nil},
		{"edit a meeting (a party)", "PATCH", "/v1/meetings/" + planned.ID, w.ada.Token, map[string]any{"place": "Room 2", "revision": 1}, 200, 8, nil}, // 7, and the report subject's touch
		{"read the agreement", "GET", "/v1/pairings/" + w.one + "/agreement", w.ada.Token, nil, 200, 2, nil},
		{"change the agreement", "PATCH", "/v1/pairings/" + w.one + "/agreement", w.mentor.Token, map[string]string{"boundaries": "Confidential"}, 200, 7, nil},
		{"agreement versions", "GET", "/v1/pairings/" + w.one + "/agreement/versions", w.ada.Token, nil, 200, 3, nil},
		{"acknowledge a change", "POST", "/v1/pairings/" + w.one + "/agreement/versions/2/acknowledgement", w.ada.Token, nil, 200, 11, nil}, // 10, and the report subject's touch (the cadence agreed)
		{"change it again", "PATCH", "/v1/pairings/" + w.one + "/agreement", w.ada.Token, map[string]string{"meetingFrequency": "weekly"}, 200, 7, nil},
		// 10, and 3 to move the meeting-due instant to the new frequency.
		{"acknowledge a new frequency", "POST", "/v1/pairings/" + w.one + "/agreement/versions/3/acknowledgement", w.mentor.Token, nil, 200, 14, nil}, // and 1: the report subject's touch
		{"read the agreement (with versions)", "GET", "/v1/pairings/" + w.one + "/agreement", w.mentor.Token, nil, 200, 3, nil},
		{"the cadence", "GET", "/v1/pairings/" + w.one + "/cadence", w.ada.Token, nil, 200, 3, nil},
		{"a calendar token", "POST", "/v1/me/calendar-token", w.ada.Token, nil, 201, 2, nil},
		{"a new calendar token", "POST", "/v1/me/calendar-token", w.ada.Token, nil, 201, 2, nil},
		{"revoke the calendar token", "DELETE", "/v1/me/calendar-token", w.ada.Token, nil, 204, 1, nil},
		{"delete a note", "DELETE", "/v1/notes/" + n.ID, w.ada.Token, nil, 204, 3, nil},
	} {
		r := w.do(t, c.method, c.path, c.token, c.body, c.status)
		got := w.env.DBCommands(r)
		t.Logf("%-32s %s %-45s %d commands", c.name, c.method, c.path, got)
		if got > c.budget {
			t.Errorf("%s: %d database commands, budget %d", c.name, got, c.budget)
		}
	}
	_ = http.StatusOK
}

// The mentoring record feeds the game through the real publisher and worker: the mentor and
// the mentee each earn the confirmed meeting, the mentee her reflection and her goal, both
// the kept cadence; each once, with the built-in badges. Boards keep mentors apart from
// their mentees unless asked.
func TestMentoringActsEarnXPForBothSides(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	w.env.App.Record.Publisher = w.env.App.Learning // the product's publisher, not the counter
	var m meetingJSON
	w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.mentor.Token, map[string]any{"start": "2026-10-14T08:00", "topics": []string{"Huddles"}}, 201).JSON(t, &m)
	for range 2 { // a double tap confirms (and earns) once
		w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.ada.Token, nil, 200)
	}
	w.do(t, "POST", "/v1/pairings/"+w.one+"/notes", w.ada.Token, map[string]any{"kind": "reflection", "meetingId": m.ID,
		"learned": "Silence gives people room", "apply": "Wait five seconds", "domains": []string{"skill-based"}}, 201)
	var g goalJSON
	w.do(t, "POST", "/v1/pairings/"+w.one+"/goals", w.ada.Token, map[string]any{"specific": "Lead a huddle"}, 201).JSON(t, &g)
	w.do(t, "PATCH", "/v1/goals/"+g.ID, w.ada.Token, map[string]any{"status": "achieved"}, 200)

	type counters struct {
		Meetings, Reflections, GoalsAchieved, CadenceMonths int
	}
	read := func(u apitest.User, want counters) (int64, counters) {
		deadline := time.Now().Add(15 * time.Second)
		for {
			r := w.do(t, "GET", "/v1/me/gamification?programmeId="+w.pid, u.Token, nil, 200)
			var body struct {
				Items []struct {
					XP       int64    `json:"xp"`
					Counters counters `json:"counters"`
				}
			}
			r.JSON(t, &body)
			if len(body.Items) == 1 && body.Items[0].Counters == want {
				return body.Items[0].XP, body.Items[0].Counters
			}
			if time.Now().After(deadline) {
				t.Fatalf("counters of %s never reached %+v: %s", u.Email, want, r.Body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Monthly cadence from the day the pairing started: this month is kept, one month so far.
	rules := w.env.App.Gamification
	_ = rules
	adaXP, _ := read(w.ada, counters{Meetings: 1, Reflections: 1, GoalsAchieved: 1, CadenceMonths: 1})
	mentorXP, _ := read(w.mentor, counters{Meetings: 1, CadenceMonths: 1})
	// Ada: meeting 15 + reflection 10 + goal 20 + cadence 10, and the daily goal bonus 5;
	// the mentor: meeting 15 + cadence 10 + daily goal 5.
	if adaXP != 60 || mentorXP != 30 {
		t.Errorf("XP: Ada %d (want 60), mentor %d (want 30)", adaXP, mentorXP)
	}
	earned := func(u apitest.User) map[string]bool {
		r := w.do(t, "GET", "/v1/me/badges?programmeId="+w.pid, u.Token, nil, 200)
		var badges struct {
			Items []struct {
				ID     string
				Earned bool
			}
		}
		r.JSON(t, &badges)
		out := map[string]bool{}
		for _, b := range badges.Items {
			if b.Earned {
				out[b.ID] = true
			}
		}
		return out
	}
	if b := earned(w.ada); !b["first-meeting"] || !b["goal-achieved"] || b["five-meetings"] || b["cadence-3-months"] {
		t.Errorf("Ada's badges: %v", b)
	}
	if b := earned(w.mentor); !b["first-meeting"] || b["goal-achieved"] {
		t.Errorf("the mentor's badges: %v", b)
	}
	board := func(u apitest.User, query string) []string {
		r := w.do(t, "GET", "/v1/programmes/"+w.pid+"/leaderboard?period=week"+query, u.Token, nil, 200)
		var b struct {
			Role string
			Top  []struct{ UserID string }
		}
		r.JSON(t, &b)
		var out []string
		for _, e := range b.Top {
			out = append(out, e.UserID)
		}
		return append([]string{b.Role}, out...)
	}
	if diff := cmp.Diff([]string{"mentee", w.ada.ID}, board(w.ada, "")); diff != "" {
		t.Errorf("Ada's default board (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"mentor", w.mentor.ID}, board(w.mentor, "")); diff != "" {
		t.Errorf("the mentor's default board (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"all", w.ada.ID, w.mentor.ID}, board(w.ada, "&role=all")); diff != "" {
		t.Errorf("everyone's board (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"mentee", w.ada.ID}, board(w.mentor, "&pairingId="+w.one)); diff != "" {
		t.Errorf("the pairing's board (-want +got):\n%s", diff)
	}
}

type agreementViewJSON struct {
	Current struct {
		Version   int
		Agreement struct {
			MeetingFrequency string `json:"meetingFrequency"`
			Boundaries       string `json:"boundaries"`
			StartsOn         string `json:"startsOn"`
		}
		Agreed bool
	}
	Pending *struct {
		Version  int
		By       string
		Awaiting []string
		Changes  []struct{ Field, From, To string }
	}
}

// The agreement both sides own: a mentee's merge patch changes only what it names (the
// mentor's boundaries stay), waits for the mentor, and every version is kept.
func TestAgreementChangesWaitForTheOtherSide(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	path := "/v1/pairings/" + w.one + "/agreement"
	patch := func(token string, body string, want int) agreementViewJSON {
		r := w.env.Do(apitest.Req{Method: "PATCH", Path: path, Token: token, Body: body, ContentType: "application/merge-patch+json"})
		if r.Status != want {
			t.Fatalf("PATCH %s: %d, want %d: %s", body, r.Status, want, r.Body)
		}
		var v agreementViewJSON
		if want == 200 {
			r.JSON(t, &v)
		}
		return v
	}
	v := patch(w.mentor.Token, `{"boundaries": "Confidential unless there is a safety concern", "startsOn": "2026-10-01"}`, 200)
	if v.Current.Version != 1 || v.Pending == nil || v.Pending.Version != 2 || len(v.Pending.Awaiting) != 1 || v.Pending.Awaiting[0] != w.ada.ID {
		t.Fatalf("mentor's change: %+v", v)
	}
	// Ada acknowledges: in force.
	r := w.do(t, "POST", path+"/versions/2/acknowledgement", w.ada.Token, nil, 200)
	r.JSON(t, &v)
	if v.Current.Version != 2 || v.Pending != nil || v.Current.Agreement.Boundaries == "" {
		t.Fatalf("after Ada's acknowledgement: %+v", v)
	}
	// Ada changes only the frequency: the boundaries stay; the pairing keeps version 2 in
	// force until the mentor acknowledges.
	v = patch(w.ada.Token, `{"meetingFrequency": "fortnightly"}`, 200)
	if v.Current.Agreement.MeetingFrequency != "monthly" || v.Pending == nil || v.Pending.By != w.ada.ID ||
		len(v.Pending.Changes) != 1 || v.Pending.Changes[0].Field != "meetingFrequency" || v.Pending.Changes[0].From != "monthly" {
		t.Fatalf("Ada's change: %+v", v)
	}
	var pairing struct {
		Agreement struct {
			MeetingFrequency string `json:"meetingFrequency"`
			Boundaries       string `json:"boundaries"`
		}
	}
	w.do(t, "GET", "/v1/pairings/"+w.one, w.ada.Token, nil, 200).JSON(t, &pairing)
	if pairing.Agreement.MeetingFrequency != "monthly" || pairing.Agreement.Boundaries == "" {
		t.Errorf("the pairing's agreement in force: %+v", pairing.Agreement)
	}
	// Ada cannot acknowledge her own change; an old version cannot be acknowledged.
	w.do(t, "POST", path+"/versions/3/acknowledgement", w.ada.Token, nil, 422)
	w.do(t, "POST", path+"/versions/2/acknowledgement", w.mentor.Token, nil, 409)
	w.do(t, "POST", path+"/versions/3/acknowledgement", w.mentor.Token, nil, 200).JSON(t, &v)
	w.do(t, "GET", "/v1/pairings/"+w.one, w.ada.Token, nil, 200).JSON(t, &pairing)
	if v.Current.Version != 3 || pairing.Agreement.MeetingFrequency != "fortnightly" || pairing.Agreement.Boundaries == "" {
		t.Errorf("after the mentor's acknowledgement: %+v, pairing %+v", v, pairing.Agreement)
	}
	// null clears; nothing changed makes no version; goals and unknown members are refused.
	v = patch(w.mentor.Token, `{"startsOn": null}`, 200)
	if v.Pending == nil || v.Pending.Version != 4 || v.Pending.Changes[0].To != "" {
		t.Errorf("clearing startsOn: %+v", v)
	}
	if v = patch(w.mentor.Token, `{"startsOn": null}`, 200); v.Pending.Version != 4 {
		t.Errorf("a patch that changes nothing made version %d", v.Pending.Version)
	}
	patch(w.mentor.Token, `{"goals": ["Lead"]}`, 422)
	patch(w.mentor.Token, `{"colour": "blue"}`, 400)
	patch(w.mentor.Token, `{"meetingFrequency": {"$set": "weekly"}}`, 400)
	patch(w.mentor.Token, `{"meetingFrequency": "hourly"}`, 422)
	patch(w.owner.Token, `{"boundaries": "the owner's"}`, 403)
	var versions struct {
		Items []struct {
			Version int
			By      string
			Agreed  bool
		}
	}
	w.do(t, "GET", path+"/versions", w.owner.Token, nil, 200).JSON(t, &versions)
	var got []string
	for _, x := range versions.Items {
		got = append(got, fmt.Sprintf("%d %v", x.Version, x.Agreed))
	}
	if diff := cmp.Diff([]string{"1 true", "2 true", "3 true", "4 false"}, got); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
}

// Racing changes and acknowledgements: six changes at once all become versions (none
// overwrites another), and Ben and Chloe acknowledging the mentor's change three times each
// at once store two acknowledgements and put it in force once.
func TestConcurrentAgreementChangesAndAcknowledgements(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	path := "/v1/pairings/" + w.group + "/agreement"
	var wg sync.WaitGroup
	statuses := make(chan int, 12)
	for i := range 6 {
		u := []apitest.User{w.mentor, w.ben}[i%2]
		wg.Go(func() {
			r := w.env.Do(apitest.Req{Method: "PATCH", Path: path, Token: u.Token, Body: map[string]string{"boundaries": fmt.Sprintf("version by %d", i)}})
			statuses <- r.Status
		})
	}
	wg.Wait()
	for range 6 {
		if s := <-statuses; s != 200 {
			t.Errorf("concurrent change: %d", s)
		}
	}
	var versions struct{ Items []struct{ Version int } }
	w.do(t, "GET", path+"/versions", w.mentor.Token, nil, 200).JSON(t, &versions)
	if len(versions.Items) != 7 {
		t.Fatalf("versions after six changes: %d, want 7", len(versions.Items))
	}
	var v agreementViewJSON
	w.do(t, "PATCH", path, w.mentor.Token, map[string]string{"meetingFrequency": "weekly"}, 200).JSON(t, &v)
	version := v.Pending.Version
	for i := range 6 {
		u := []apitest.User{w.ben, w.chlo}[i%2]
		wg.Go(func() {
			r := w.env.Do(apitest.Req{Method: "POST", Path: fmt.Sprintf("%s/versions/%d/acknowledgement", path, version), Token: u.Token})
			statuses <- r.Status
		})
	}
	wg.Wait()
	for range 6 {
		if s := <-statuses; s != 200 {
			t.Errorf("concurrent acknowledgement: %d", s)
		}
	}
	n, err := w.env.App.DB.DB.Collection("mentoring_agreement_acks").CountDocuments(context.Background(), map[string]any{"pairingId": w.group, "version": version})
	if err != nil || n != 2 {
		t.Errorf("stored acknowledgements: %d (%v), want 2", n, err)
	}
	w.do(t, "GET", path, w.ben.Token, nil, 200).JSON(t, &v)
	if v.Current.Version != version || v.Pending != nil || v.Current.Agreement.MeetingFrequency != "weekly" {
		t.Errorf("after both acknowledgements: %+v", v)
	}
}
