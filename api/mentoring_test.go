package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/idempotency/idempotencydb"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
	"github.com/microlearn/microlearn/programme"
)

// Content is built by another team: these tests stand in for it with hand-written fakes of
// the two edges mentoring depends on (its ContentCatalog and learning.CompletionReader).

var fakeItems = []learning.ItemRef{{Kind: "lesson", ID: "lesson-1"}, {Kind: "quiz", ID: "quiz-1"},
	{Kind: "checklist", ID: "checklist-1"}, {Kind: "path", ID: "path-1"}}

type fakeContent struct {
	item  func(programmeID string, ref learning.ItemRef) (mentoring.ItemInfo, error)
	byKey func(programmeID, kind, key string) (learning.ItemRef, mentoring.ItemInfo, error)

	mu   sync.Mutex
	done map[string]map[learning.ItemRef]bool
}

func (f *fakeContent) Item(_ context.Context, programmeID string, ref learning.ItemRef) (mentoring.ItemInfo, error) {
	return f.item(programmeID, ref)
}

func (f *fakeContent) ItemByKey(_ context.Context, programmeID, kind, key string) (learning.ItemRef, mentoring.ItemInfo, error) {
	return f.byKey(programmeID, kind, key)
}

func (f *fakeContent) Completed(_ context.Context, userID string, items []learning.ItemRef) (map[learning.ItemRef]bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[learning.ItemRef]bool{}
	for _, it := range items {
		out[it] = f.done[userID][it]
	}
	return out, nil
}

func (f *fakeContent) CompletedMany(ctx context.Context, items map[string][]learning.ItemRef) (map[string]map[learning.ItemRef]bool, error) {
	out := map[string]map[learning.ItemRef]bool{}
	for u, refs := range items {
		out[u], _ = f.Completed(ctx, u, refs)
	}
	return out, nil
}

func (f *fakeContent) complete(userID string, ref learning.ItemRef) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done[userID] == nil {
		f.done[userID] = map[learning.ItemRef]bool{}
	}
	f.done[userID][ref] = true
}

// useFakeContent wires fake content into the running product: items lesson-1, quiz-1,
// checklist-1 and path-1 are published, draft-1 exists unpublished, anything else is unknown;
// pack keys resolve to "<kind>-<key>".
func useFakeContent(env *apitest.Env) *fakeContent {
	f := &fakeContent{done: map[string]map[learning.ItemRef]bool{}}
	f.item = func(_ string, ref learning.ItemRef) (mentoring.ItemInfo, error) {
		switch ref.ID {
		case "draft-1":
			return mentoring.ItemInfo{Title: "Draft", Kind: ref.Kind}, nil
		case "lesson-1", "quiz-1", "checklist-1", "path-1":
			return mentoring.ItemInfo{Title: "The " + ref.ID, Kind: ref.Kind, Published: true}, nil
		}
		if strings.HasPrefix(ref.ID, ref.Kind+"-") {
			return mentoring.ItemInfo{Title: ref.ID, Kind: ref.Kind, Published: true}, nil
		}
		return mentoring.ItemInfo{}, mentoring.ErrItemNotFound
	}
	f.byKey = func(_, kind, key string) (learning.ItemRef, mentoring.ItemInfo, error) {
		return learning.ItemRef{Kind: kind, ID: kind + "-" + key}, mentoring.ItemInfo{Title: key, Kind: kind, Published: true}, nil
	}
	env.App.Mentoring.Catalog = f
	env.App.Mentoring.Completions = f
	return f
}

type mentoringWorld struct {
	env                     *apitest.Env
	f                       *fakeContent
	pid                     string
	owner, mentor, stranger apitest.User
	mentees                 []apitest.User
}

func newMentoringWorld(t *testing.T, opts ...apitest.Option) *mentoringWorld {
	env := apitest.New(t, opts...)
	w := &mentoringWorld{env: env, f: useFakeContent(env)}
	w.owner, w.mentor, w.stranger = env.Register("Olivia Owner"), env.Register("Malik Mentor"), env.Register("Sam Mentor")
	for i := range 3 {
		w.mentees = append(w.mentees, env.Register(fmt.Sprintf("Mentee %d", i)))
	}
	ctx := context.Background()
	p, err := env.App.Programmes.Create(ctx, w.owner.ID, programme.Programme{Name: "Ward leaders", Timezone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	w.pid = p.ID
	for _, u := range []apitest.User{w.mentor, w.stranger} {
		if err := env.App.Programmes.AddMember(ctx, p.ID, u.ID, programme.RoleMentor); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range w.mentees {
		if err := env.App.Programmes.AddMember(ctx, p.ID, u.ID, programme.RoleMentee); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *mentoringWorld) do(t *testing.T, method, path, token string, body any, want int) *apitest.Response {
	t.Helper()
	r := w.env.Do(apitest.Req{Method: method, Path: path, Token: token, Body: body})
	if r.Status != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

func TestMentoringOverHTTP(t *testing.T) {
	t.Parallel()
	// 20:00 UTC on Saturday 24 October 2026: in London the clocks go back at 02:00 tomorrow.
	now := time.Date(2026, 10, 24, 20, 0, 0, 0, time.UTC)
	var clockMu sync.Mutex
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	w := newMentoringWorld(t, apitest.WithClock(clock))
	pp := "/v1/programmes/" + w.pid
	ada, ben, chloe := w.mentees[0], w.mentees[1], w.mentees[2]

	// Profiles: role-specific fields are checked, free text becomes tags.
	r := w.do(t, "PUT", pp+"/profiles/me", w.mentor.Token, map[string]any{"capacity": 3, "skills": []string{"Leading Teams", "Rota planning"},
		"department": "Surgery", "location": "York", "languages": []string{"EN"}, "objectives": []string{"x"}}, 422)
	var problem struct{ Errors []struct{ Pointer string } }
	r.JSON(t, &problem)
	if len(problem.Errors) != 1 || problem.Errors[0].Pointer != "/objectives" {
		t.Errorf("mentor sending objectives: %s", r.Body)
	}
	w.do(t, "PUT", pp+"/profiles/me", w.mentor.Token, map[string]any{"capacity": 3, "skills": []string{"Leading Teams", "Rota planning"},
		"department": "Surgery", "location": "York", "languages": []string{"EN"}, "availabilityNote": "Tuesdays"}, 200)
	w.do(t, "PUT", pp+"/profiles/me", w.stranger.Token, map[string]any{"capacity": 1, "skills": []string{"Budgeting"}, "languages": []string{"en"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", ada.Token, map[string]any{"objectives": []string{"leadership", "rota planning"}, "department": "ICU",
		"departmentPreference": "different", "languages": []string{"en"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", ben.Token, map[string]any{"objectives": []string{"Budgeting"}, "languages": []string{"en"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", ben.Token, map[string]any{"capacity": 2}, 422)
	w.do(t, "PUT", pp+"/profiles/me", chloe.Token, map[string]any{"objectives": []string{"leading teams"}, "languages": []string{"en"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", w.owner.Token, map[string]any{"objectives": []string{"x"}}, 403)
	w.do(t, "PUT", pp+"/profiles/me", ada.Token, `{"objectives": {"$ne": null}}`, 400)

	// The owner curates: "leading teams" becomes a synonym of "leadership".
	w.do(t, "POST", pp+"/tags", w.owner.Token, map[string]any{"name": "Leadership", "synonyms": []string{"Leading teams"}}, 200)
	w.do(t, "POST", pp+"/tags", w.mentor.Token, map[string]any{"name": "x"}, 403)
	var tags struct {
		Items []struct {
			Name             string
			Synonyms         []string
			Mentors, Mentees int
		}
	}
	w.do(t, "GET", pp+"/tags", ada.Token, nil, 200).JSON(t, &tags)
	var names []string
	for _, tg := range tags.Items {
		names = append(names, fmt.Sprintf("%s(%d/%d)", tg.Name, tg.Mentors, tg.Mentees))
	}
	if diff := cmp.Diff([]string{"budgeting(1/1)", "leadership(1/2)", "rota planning(1/1)"}, names); diff != "" {
		t.Errorf("vocabulary (-want +got):\n%s", diff)
	}

	// Settings, then suggestions with the score explained.
	w.do(t, "PUT", pp+"/matching-settings", w.owner.Token, map[string]any{"weights": map[string]int{"overlap": 60, "capacity": 10}}, 422)
	w.do(t, "PUT", pp+"/matching-settings", w.owner.Token, map[string]any{
		"weights":  map[string]int{"overlap": 60, "capacity": 10, "department": 10, "location": 10, "language": 10},
		"mustHave": []string{"language"}, "excludedPairs": []map[string]string{{"mentorId": w.stranger.ID, "menteeId": chloe.ID}}}, 200)
	var sugg struct {
		AlreadyPaired bool
		Items         []struct {
			Mentor        struct{ UserID, DisplayName string }
			Score         float64
			MatchedTags   []string
			Contributions []struct {
				Criterion string
				Points    float64
			}
		}
	}
	w.do(t, "GET", pp+"/matching/suggestions/"+ada.ID, w.owner.Token, nil, 200).JSON(t, &sugg)
	if len(sugg.Items) != 2 || sugg.Items[0].Mentor.UserID != w.mentor.ID || sugg.Items[0].Mentor.DisplayName != "Malik Mentor" {
		t.Fatalf("suggestions for Ada: %+v", sugg)
	}
	// 60 (both objectives) + 10 (all places free) + 10 (ICU vs Surgery: different, as wished)
	// + 0 (Ada gave no location) + 10 (English) = 90.
	if sugg.Items[0].Score != 90 || len(sugg.Items[0].Contributions) != 5 {
		t.Errorf("Malik for Ada: score %v, contributions %+v", sugg.Items[0].Score, sugg.Items[0].Contributions)
	}
	w.do(t, "GET", pp+"/matching/suggestions/"+ada.ID, ada.Token, nil, 403) // self-selection is off
	w.do(t, "GET", pp+"/matching/suggestions/"+ada.ID, ben.Token, nil, 403) // not yours
	w.do(t, "GET", pp+"/matching/suggestions/"+ada.ID, w.mentor.Token, nil, 403)

	var proposal struct {
		Pairs []struct {
			Mentee    struct{ UserID string }
			Candidate struct{ Mentor struct{ UserID string } }
		}
		Unmatched []struct {
			Mentee struct{ UserID string }
			Reason string
		}
	}
	w.do(t, "GET", pp+"/matching/proposal", w.owner.Token, nil, 200).JSON(t, &proposal)
	got := map[string]string{}
	for _, p := range proposal.Pairs {
		got[p.Mentee.UserID] = p.Candidate.Mentor.UserID
	}
	// Sam (budgeting, one place) is excluded for Chloe; Ben wants budgeting.
	if diff := cmp.Diff(map[string]string{ada.ID: w.mentor.ID, ben.ID: w.stranger.ID, chloe.ID: w.mentor.ID}, got); diff != "" {
		t.Errorf("proposal (-want +got):\n%s", diff)
	}

	// The owner confirms: a one-to-one and a group; the mentor is then full (capacity 3).
	var one, group struct {
		ID, Status string
		Mentees    []struct{ UserID string }
	}
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ada.ID}, "type": "one-to-one",
		"agreement": map[string]any{"meetingFrequency": "monthly", "goals": []string{"Lead the huddle"}, "startsOn": "2026-11-01", "endsOn": "2027-06-30"}}, 201).JSON(t, &one)
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ada.ID}, "type": "one-to-one"}, 409)
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": ada.ID, "menteeIds": []string{ben.ID}, "type": "one-to-one"}, 422)
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ben.ID, chloe.ID}, "type": "group"}, 201).JSON(t, &group)
	r = w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ben.ID}, "type": "one-to-one"}, 409)
	var p409 struct{ Code string }
	r.JSON(t, &p409)
	if p409.Code != "mentor_at_capacity" {
		t.Errorf("409 code %q, want mentor_at_capacity", p409.Code)
	}
	if one.Status != "active" || len(group.Mentees) != 2 {
		t.Fatalf("pairings: %+v %+v", one, group)
	}
	// Who sees what.
	w.do(t, "GET", "/v1/pairings/"+one.ID, ada.Token, nil, 200)
	w.do(t, "GET", "/v1/pairings/"+one.ID, ben.Token, nil, 404)
	w.do(t, "GET", "/v1/pairings/"+one.ID, w.stranger.Token, nil, 404)
	w.do(t, "GET", pp+"/profiles/"+ada.ID, w.mentor.Token, nil, 200)
	w.do(t, "GET", pp+"/profiles/"+ada.ID, w.stranger.Token, nil, 404)
	w.do(t, "GET", pp+"/profiles/"+w.mentor.ID, ada.Token, nil, 200)
	w.do(t, "GET", pp+"/profiles/"+w.stranger.ID, ada.Token, nil, 404)
	var list struct {
		Items      []struct{ ID string }
		NextCursor string
	}
	w.do(t, "GET", pp+"/pairings?limit=1", w.owner.Token, nil, 200).JSON(t, &list)
	if len(list.Items) != 1 || list.NextCursor == "" {
		t.Fatalf("first page: %+v", list)
	}
	first := list.Items[0].ID
	cursor := list.NextCursor
	list.NextCursor = ""
	w.do(t, "GET", pp+"/pairings?limit=1&cursor="+cursor, w.owner.Token, nil, 200).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID == first || list.NextCursor != "" {
		t.Errorf("second page: %+v", list)
	}
	w.do(t, "GET", pp+"/pairings", w.stranger.Token, nil, 200).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("a mentor sees others' pairings: %+v", list)
	}
	w.do(t, "GET", pp+"/pairings?cursor=nonsense", w.owner.Token, nil, 400)

	// Assignments: due "2026-10-25" is the end of Sunday in London, after the clocks went
	// back: 23:59:59 GMT. A local time on the 26th is GMT too.
	w.do(t, "POST", "/v1/pairings/"+group.ID+"/assignments", w.mentor.Token, map[string]any{
		"items": []map[string]string{{"kind": "lesson", "id": "nope"}, {"kind": "quiz", "id": "draft-1"}}, "due": "2026-10-20"}, 422)
	w.do(t, "POST", "/v1/pairings/"+group.ID+"/assignments", w.owner.Token, map[string]any{
		"items": []map[string]string{{"kind": "lesson", "id": "lesson-1"}}, "due": "2026-10-25"}, 403)
	var asg struct {
		ID       string
		DueAt    time.Time
		DueLocal string
		Mentees  []struct{ UserID string }
		Title    string
	}
	w.do(t, "POST", "/v1/pairings/"+group.ID+"/assignments", w.mentor.Token, map[string]any{
		"items": []map[string]string{{"kind": "lesson", "id": "lesson-1"}, {"kind": "quiz", "id": "quiz-1"}}, "due": "2026-10-25",
		"note": "Before Monday"}, 201).JSON(t, &asg)
	if !asg.DueAt.Equal(time.Date(2026, 10, 25, 23, 59, 59, 0, time.UTC)) || asg.DueLocal != "2026-10-25" || len(asg.Mentees) != 2 || asg.Title != "The lesson-1 and 1 more" {
		t.Errorf("assignment: %+v", asg)
	}
	var onlyBen struct{ DueAt time.Time }
	w.do(t, "POST", "/v1/pairings/"+group.ID+"/assignments", w.mentor.Token, map[string]any{
		"items": []map[string]string{{"kind": "checklist", "id": "checklist-1"}}, "menteeIds": []string{ben.ID}, "due": "2026-10-24T21:10"}, 201).JSON(t, &onlyBen)
	if !onlyBen.DueAt.Equal(time.Date(2026, 10, 24, 20, 10, 0, 0, time.UTC)) {
		t.Errorf("21:10 BST is 20:10Z, got %v", onlyBen.DueAt)
	}

	// Ben's list: soonest first, progress bars, due today.
	type myList struct {
		Items []struct {
			AssignmentID, State, DueState string
			Progress                      struct{ Done, Total, Percent int }
			Items                         []struct{ Done bool }
			Mentor                        struct{ DisplayName string }
			OnTime                        *bool
		}
	}
	var bl myList
	w.do(t, "GET", "/v1/me/assignments", ben.Token, nil, 200).JSON(t, &bl)
	if len(bl.Items) != 2 || bl.Items[0].DueState != "due_today" || bl.Items[1].AssignmentID != asg.ID || bl.Items[1].DueState != "upcoming" ||
		bl.Items[0].Mentor.DisplayName != "Malik Mentor" {
		t.Fatalf("Ben's assignments: %+v", bl)
	}

	// Ben does the lesson, then passes the quiz; the gamification worker tells mentoring.
	ctx := context.Background()
	w.f.complete(ben.ID, fakeItems[0])
	if err := w.env.App.Mentoring.ObserveLearningEvent(ctx, learning.Event{ID: "e1", Kind: learning.LessonCompleted, UserID: ben.ID,
		ProgrammeID: w.pid, ItemKind: "lesson", ItemID: "lesson-1", OccurredAt: now}); err != nil {
		t.Fatal(err)
	}
	w.do(t, "GET", "/v1/me/assignments", ben.Token, nil, 200).JSON(t, &bl)
	if p := bl.Items[1].Progress; p.Done != 1 || p.Total != 2 || p.Percent != 50 || !bl.Items[1].Items[0].Done || bl.Items[1].Items[1].Done {
		t.Errorf("half way: %+v", bl.Items[1])
	}
	w.f.complete(ben.ID, fakeItems[1])
	quiz := learning.Event{ID: "e2", Kind: learning.QuizAttempted, Passed: true, UserID: ben.ID, ProgrammeID: w.pid, ItemKind: "quiz", ItemID: "quiz-1", OccurredAt: now}
	for range 2 { // at-least-once delivery
		if err := w.env.App.Mentoring.ObserveLearningEvent(ctx, quiz); err != nil {
			t.Fatal(err)
		}
	}
	if n := events(t, w.env, ben.ID)["assignment_completed"]; n != 1 {
		t.Errorf("assignment_completed events for Ben: %d, want 1", n)
	}
	w.do(t, "GET", "/v1/me/assignments?state=completed", ben.Token, nil, 200).JSON(t, &bl)
	if len(bl.Items) != 1 || bl.Items[0].State != "completed" || bl.Items[0].OnTime == nil || !*bl.Items[0].OnTime {
		t.Errorf("Ben's completed list: %+v", bl)
	}
	var progress struct {
		Mentees []struct {
			Mentee             struct{ UserID string }
			Items              struct{ Done, Total, Percent int }
			Completed, Overdue int
		}
	}
	clockMu.Lock()
	now = now.Add(14 * time.Minute) // past Ben's checklist (and within the access tokens' life)
	clockMu.Unlock()
	w.do(t, "GET", "/v1/pairings/"+group.ID+"/progress", w.mentor.Token, nil, 200).JSON(t, &progress)
	type row struct{ Done, Total, Completed, Overdue int }
	var rows []row
	for _, m := range progress.Mentees {
		rows = append(rows, row{m.Items.Done, m.Items.Total, m.Completed, m.Overdue})
	}
	if diff := cmp.Diff([]row{{2, 3, 1, 1}, {0, 2, 0, 0}}, rows); diff != "" {
		t.Errorf("mentor's view, Ben then Chloe (-want +got):\n%s", diff)
	}
	w.do(t, "GET", "/v1/pairings/"+group.ID+"/progress", ben.Token, nil, 403)
	w.do(t, "GET", "/v1/pairings/"+group.ID+"/progress", w.stranger.Token, nil, 404)

	// Pause, resume, end; ending frees capacity for a new pairing.
	w.do(t, "POST", "/v1/pairings/"+one.ID+"/status", ada.Token, map[string]string{"status": "paused"}, 403)
	w.do(t, "POST", "/v1/pairings/"+one.ID+"/status", w.mentor.Token, map[string]string{"status": "paused"}, 200)
	w.do(t, "POST", "/v1/pairings/"+one.ID+"/assignments", w.mentor.Token, map[string]any{
		"items": []map[string]string{{"kind": "lesson", "id": "lesson-1"}}, "due": "2026-12-01"}, 409)
	w.do(t, "POST", "/v1/pairings/"+one.ID+"/status", w.mentor.Token, map[string]string{"status": "sleeping"}, 400)
	w.do(t, "POST", "/v1/pairings/"+one.ID+"/status", ada.Token, map[string]string{"status": "ended", "reason": "moving on"}, 200)
	w.do(t, "PATCH", "/v1/pairings/"+one.ID+"/agreement", w.mentor.Token, map[string]any{"boundaries": "x"}, 409)
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ada.ID}, "type": "flash"}, 201)
}

func TestMentoringSelfSelection(t *testing.T) {
	t.Parallel()
	w := newMentoringWorld(t)
	pp := "/v1/programmes/" + w.pid
	ada := w.mentees[0]
	w.do(t, "PUT", pp+"/profiles/me", w.mentor.Token, map[string]any{"capacity": 1, "skills": []string{"Leadership"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", w.stranger.Token, map[string]any{"capacity": 1, "available": false}, 200)
	w.do(t, "PUT", pp+"/profiles/me", ada.Token, map[string]any{"objectives": []string{"Leadership"}}, 200)
	w.do(t, "POST", pp+"/pairings", ada.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ada.ID}, "type": "one-to-one"}, 403)
	w.do(t, "PUT", pp+"/matching-settings", w.owner.Token, map[string]any{
		"weights": map[string]int{"overlap": 1, "capacity": 0, "department": 0, "location": 0, "language": 0}, "allowSelfSelection": true}, 200)

	var sugg struct {
		Items []struct{ Mentor struct{ UserID string } }
	}
	w.do(t, "GET", pp+"/matching/suggestions/"+ada.ID, ada.Token, nil, 200).JSON(t, &sugg)
	if len(sugg.Items) != 1 || sugg.Items[0].Mentor.UserID != w.mentor.ID {
		t.Errorf("Ada's suggestions (Sam is unavailable): %+v", sugg)
	}
	w.do(t, "GET", pp+"/profiles/"+w.stranger.ID, ada.Token, nil, 200) // mentors are visible when mentees choose
	w.do(t, "POST", pp+"/pairings", ada.Token, map[string]any{"mentorId": w.stranger.ID, "menteeIds": []string{ada.ID}, "type": "one-to-one"}, 409)
	w.do(t, "POST", pp+"/pairings", ada.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{w.mentees[1].ID}, "type": "one-to-one"}, 422)
	var p struct{ ID, Status, Origin string }
	w.do(t, "POST", pp+"/pairings", ada.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ada.ID}, "type": "one-to-one"}, 201).JSON(t, &p)
	if p.Status != "proposed" || p.Origin != "self-selection" {
		t.Fatalf("Ada's request: %+v", p)
	}
	w.do(t, "GET", pp+"/profiles/"+ada.ID, w.mentor.Token, nil, 200) // the mentor sees who asks
	w.do(t, "POST", "/v1/pairings/"+p.ID+"/accept", ada.Token, nil, 403)
	w.do(t, "POST", "/v1/pairings/"+p.ID+"/accept", w.stranger.Token, nil, 404)
	w.do(t, "POST", "/v1/pairings/"+p.ID+"/accept", w.mentor.Token, nil, 200).JSON(t, &p)
	if p.Status != "active" {
		t.Errorf("accepted: %+v", p)
	}
	w.do(t, "POST", "/v1/pairings/"+p.ID+"/decline", w.mentor.Token, nil, 409)
	// A second request to the now full mentor is refused at once (issue 11: it used to be
	// proposed and then could not be accepted).
	r := w.do(t, "POST", pp+"/pairings", w.mentees[1].Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{w.mentees[1].ID}, "type": "one-to-one"}, 409)
	var problem struct{ Code, Detail string }
	r.JSON(t, &problem)
	if problem.Code != "mentor_at_capacity" || !strings.Contains(problem.Detail, "choose another mentor") {
		t.Errorf("request to a full mentor: %+v", problem)
	}
}

func TestMentoringDemo(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.WithDemo())
	ctx := context.Background()
	login := func(email string) string { return env.Login(email, app.DemoPassword) }
	mentor, ada := login("mentor@example.com"), login("mentee1@example.com")
	pp := "/v1/programmes/" + app.DemoProgrammeID
	var list struct {
		Items []struct {
			Type    string
			Status  string
			Mentees []struct{ DisplayName string }
		}
	}
	r := env.Do(apitest.Req{Method: "GET", Path: pp + "/pairings", Token: mentor})
	r.JSON(t, &list)
	var got []string
	for _, p := range list.Items {
		got = append(got, fmt.Sprintf("%s %s %d", p.Type, p.Status, len(p.Mentees)))
	}
	if diff := cmp.Diff([]string{"group active 2", "one-to-one active 1"}, got); diff != "" {
		t.Errorf("demo pairings (-want +got):\n%s", diff)
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: pp + "/profiles/me", Token: ada}); r.Status != http.StatusOK {
		t.Errorf("Ada's demo profile: %d %s", r.Status, r.Body)
	}
	// The demo assignments reference the imported demo pack; running the step again changes
	// nothing.
	for range 2 {
		if err := env.App.SeedMentoringDemo(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var mine struct {
		Items []struct {
			Items    []struct{ Kind, ID string }
			DueState string
		}
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/me/assignments", Token: ada}).JSON(t, &mine)
	if len(mine.Items) != 2 || mine.Items[0].Items[0].Kind != "lesson" {
		t.Errorf("Ada's demo assignments: %+v", mine)
	}
	var pl struct{ Items []struct{ ID string } }
	env.Do(apitest.Req{Method: "GET", Path: pp + "/pairings", Token: mentor}).JSON(t, &pl)
	count := 0
	for _, p := range pl.Items {
		var progress struct{ Mentees []struct{ Assignments []any } }
		env.Do(apitest.Req{Method: "GET", Path: "/v1/pairings/" + p.ID + "/progress", Token: mentor}).JSON(t, &progress)
		for _, m := range progress.Mentees {
			count += len(m.Assignments)
		}
	}
	if count < 4 { // one-to-one: 2 assignments; group: 1 assignment x 2 mentees (and one more if "tonight" is still ahead)
		t.Errorf("demo assignments across pairings: %d, want at least 4", count)
	}
}

// A mentor on a flaky connection retries "assign": with an Idempotency-Key the retry gets
// the first answer, and a request re-run after the server died part-way (one mentee's copy
// written, the other not) completes the same assignment instead of making a second one.
func TestAssignmentRetries(t *testing.T) {
	t.Parallel()
	w := newMentoringWorld(t)
	pp := "/v1/programmes/" + w.pid
	ada, ben := w.mentees[0], w.mentees[1]
	w.do(t, "PUT", pp+"/profiles/me", w.mentor.Token, map[string]any{"capacity": 3, "skills": []string{"Rota planning"}, "languages": []string{"en"}}, 200)
	var group struct{ ID string }
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ada.ID, ben.ID}, "type": "group"}, 201).JSON(t, &group)
	path := "/v1/pairings/" + group.ID + "/assignments"
	body := map[string]any{"items": []map[string]string{{"kind": "lesson", "id": "lesson-1"}}, "due": apitest.Now().AddDate(0, 0, 7).Format("2006-01-02")}
	assign := func(key string, want int) (id string, replayed bool) {
		t.Helper()
		req := apitest.Req{Method: "POST", Path: path, Token: w.mentor.Token, Body: body}
		if key != "" {
			req.Header = map[string]string{"Idempotency-Key": key}
		}
		r := w.env.Do(req)
		if r.Status != want {
			t.Fatalf("assign with key %q: %d, want %d: %s", key, r.Status, want, r.Body)
		}
		var a struct{ ID string }
		r.JSON(t, &a)
		return a.ID, r.Header.Get("Idempotent-Replayed") == "true"
	}
	copies := func(assignmentID string) []string {
		t.Helper()
		cur, err := w.env.App.DB.DB.Collection(mentoringdb.Assignments).Find(context.Background(), bson.D{{Key: "assignmentId", Value: assignmentID}})
		if err != nil {
			t.Fatal(err)
		}
		var docs []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(context.Background(), &docs); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
		slices.Sort(ids)
		return ids
	}

	first, _ := assign("tap-1", 201)
	again, replayed := assign("tap-1", 201)
	if again != first || !replayed {
		t.Errorf("retry with the same key: %s (replayed %t), want %s replayed", again, replayed, first)
	}
	want := []string{first + ":" + ada.ID, first + ":" + ben.ID}
	slices.Sort(want)
	if got := copies(first); !slices.Equal(got, want) {
		t.Fatalf("copies %v, want %v", got, want)
	}

	// The server died after writing only Ada's copy: Ben's is missing and the key's record,
	// in flight and stale, was given up. The re-run completes the same assignment.
	ctx := context.Background()
	if _, err := w.env.App.DB.DB.Collection(mentoringdb.Assignments).DeleteOne(ctx, bson.D{{Key: "_id", Value: first + ":" + ben.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.env.App.DB.DB.Collection(idempotencydb.Collection).DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	rerun, replayed := assign("tap-1", 201)
	if rerun != first || replayed {
		t.Errorf("re-run: %s (replayed %t), want %s run again", rerun, replayed, first)
	}
	if got := copies(first); !slices.Equal(got, want) {
		t.Errorf("copies after the re-run %v, want %v", got, want)
	}
	var list struct {
		Items []struct{ AssignmentID string }
	}
	w.do(t, "GET", "/v1/me/assignments", ben.Token, nil, 200).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].AssignmentID != first {
		t.Errorf("Ben's assignments after the re-run: %+v", list)
	}

	// The key's record is gone (24 hours on) and the mentor reuses the key for something
	// else: that is a new assignment, not the first one's ID with the new content.
	if _, err := w.env.App.DB.DB.Collection(idempotencydb.Collection).DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	body["note"] = "A different request"
	reused, _ := assign("tap-1", 201)
	if reused == first {
		t.Errorf("a different request under a reused key got the first assignment's ID")
	}
	delete(body, "note")

	// Without a key every request is a new assignment; another key is another one too.
	plain1, _ := assign("", 201)
	plain2, _ := assign("", 201)
	other, _ := assign("tap-2", 201)
	if plain1 == plain2 || plain1 == first || other == first || other == plain1 || other == plain2 {
		t.Errorf("distinct requests gave IDs %s %s %s (first %s)", plain1, plain2, other, first)
	}
}
