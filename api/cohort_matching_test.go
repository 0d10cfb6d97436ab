package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/programme"
)

type proposalJSON struct {
	Algorithm string
	Pairs     []struct {
		Mentee    struct{ UserID string }
		Candidate struct {
			Mentor struct{ UserID string }
			Score  float64
		}
		ProfileMissing bool
	}
	Unmatched []struct {
		Mentee struct{ UserID string }
		Reason string
	}
}

func (p proposalJSON) pairs() map[string]string {
	out := map[string]string{}
	for _, x := range p.Pairs {
		out[x.Mentee.UserID] = x.Candidate.Mentor.UserID
	}
	return out
}

func (p proposalJSON) reasons() map[string]string {
	out := map[string]string{}
	for _, x := range p.Unmatched {
		out[x.Mentee.UserID] = x.Reason
	}
	return out
}

// Issue 11's first misfire: the bulk one-to-one proposal gave a mentor's last place to a
// mentee who already had a group mentor, and marked the mentee with no mentor at all
// `capacity_taken`. The proposal must prefer mentees without any mentor.
func TestProposalPrefersMenteesWithoutAnyMentor(t *testing.T) {
	t.Parallel()
	w := newMentoringWorld(t)
	pp := "/v1/programmes/" + w.pid
	withGroup, alsoInGroup, alone := w.mentees[0], w.mentees[1], w.mentees[2]
	// Malik has one place and covers both of withGroup's objectives; Sam leads a group and
	// covers nobody's objectives (overlap is a must-have), so he is nobody's candidate.
	w.do(t, "PUT", pp+"/profiles/me", w.mentor.Token, map[string]any{"capacity": 1, "skills": []string{"Budgeting", "Rota planning"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", w.stranger.Token, map[string]any{"capacity": 5, "skills": []string{"Origami"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", withGroup.Token, map[string]any{"objectives": []string{"Budgeting", "Rota planning"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", alsoInGroup.Token, map[string]any{"objectives": []string{"Knitting"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", alone.Token, map[string]any{"objectives": []string{"Budgeting", "Conflict"}}, 200)
	w.do(t, "PUT", pp+"/matching-settings", w.owner.Token, map[string]any{
		"weights":  map[string]int{"overlap": 50, "capacity": 10, "department": 15, "location": 15, "language": 10},
		"mustHave": []string{"overlap"}}, 200)
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.stranger.ID,
		"menteeIds": []string{withGroup.ID, alsoInGroup.ID}, "type": "group"}, 201)

	var p proposalJSON
	w.do(t, "GET", pp+"/matching/proposal?type=one-to-one", w.owner.Token, nil, 200).JSON(t, &p)
	if diff := cmp.Diff(map[string]string{alone.ID: w.mentor.ID}, p.pairs()); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
	if got := p.reasons()[withGroup.ID]; got != "capacity_taken" {
		t.Errorf("the mentee who has a group mentor: reason %q, want capacity_taken", got)
	}
	if got := p.reasons()[alone.ID]; got != "" {
		t.Errorf("the mentee without any mentor was left out: %q", got)
	}
}

type inboxJSON struct {
	Items []struct {
		Kind, Title, Body, Link string
		Data                    map[string]string
	}
}

// waitInbox polls the user's inbox until an entry of kind arrives (the notification sender
// runs in the background) and returns the inbox.
func waitInbox(t *testing.T, env *apitest.Env, token, kind string, n int) inboxJSON {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var in inboxJSON
		r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/notifications", Token: token})
		r.JSON(t, &in)
		got := 0
		for _, it := range in.Items {
			if it.Kind == kind {
				got++
			}
		}
		if got >= n {
			return in
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d %s notifications in the inbox: %s", n, kind, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Issue 11's third misfire: a mentee whose suggestions were empty (the mentor was full) could
// still ask that mentor; the mentor got no notice, and accepting returned 409. Now the request
// is refused with a clear problem, and a request the mentor can accept reaches them (push and
// inbox).
func TestRequestsToMentors(t *testing.T) {
	t.Parallel()
	w := newMentoringWorld(t)
	pp := "/v1/programmes/" + w.pid
	ada, ben := w.mentees[0], w.mentees[1]
	w.do(t, "PUT", pp+"/profiles/me", w.mentor.Token, map[string]any{"capacity": 1, "skills": []string{"Leadership"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", w.stranger.Token, map[string]any{"capacity": 2, "skills": []string{"Budgeting"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", ada.Token, map[string]any{"objectives": []string{"Leadership"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", ben.Token, map[string]any{"objectives": []string{"Leadership"}}, 200)
	w.do(t, "PUT", pp+"/matching-settings", w.owner.Token, map[string]any{
		"weights":  map[string]int{"overlap": 1, "capacity": 0, "department": 0, "location": 0, "language": 0},
		"mustHave": []string{"overlap"}, "allowSelfSelection": true}, 200)
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ada.ID}, "type": "one-to-one"}, 201)

	var sugg struct{ Items []any }
	w.do(t, "GET", pp+"/matching/suggestions/"+ben.ID, ben.Token, nil, 200).JSON(t, &sugg)
	if len(sugg.Items) != 0 {
		t.Fatalf("Ben's suggestions while Malik is full: %+v", sugg)
	}
	var problem struct{ Code, Detail string }
	w.do(t, "POST", pp+"/pairings", ben.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ben.ID}, "type": "one-to-one"}, 409).JSON(t, &problem)
	if problem.Code != "mentor_at_capacity" || !strings.Contains(problem.Detail, "choose another mentor") {
		t.Errorf("request to a full mentor: %+v", problem)
	}

	var p struct{ ID, Status string }
	w.do(t, "POST", pp+"/pairings", ben.Token, map[string]any{"mentorId": w.stranger.ID, "menteeIds": []string{ben.ID}, "type": "one-to-one"}, 201).JSON(t, &p)
	in := waitInbox(t, w.env, w.stranger.Token, "pairing_requested", 1)
	it := in.Items[0]
	if it.Data["pairingId"] != p.ID || !strings.Contains(it.Title, "Mentee 1") || it.Link != "microlearn://pairings/"+p.ID {
		t.Errorf("the mentor's notice: %+v", it)
	}
	w.do(t, "POST", "/v1/pairings/"+p.ID+"/accept", w.stranger.Token, nil, 200).JSON(t, &p)
	if p.Status != "active" {
		t.Errorf("accepted: %+v", p)
	}
}

// Issue 11's second misfire: members who joined but have no mentoring profile appeared
// neither in `pairs` nor in `unmatched`. Now they are listed as profile_missing, can be
// matched on what their invitation said (department), and can be reminded by push.
func TestMembersWithoutProfileAreVisibleToMatching(t *testing.T) {
	t.Parallel()
	w := newMentoringWorld(t)
	pp := "/v1/programmes/" + w.pid
	ada, ben, chloe := w.mentees[0], w.mentees[1], w.mentees[2]
	w.do(t, "PUT", pp+"/profiles/me", w.mentor.Token, map[string]any{"capacity": 3, "skills": []string{"Leadership"}, "department": "Surgery"}, 200)
	w.do(t, "PUT", pp+"/profiles/me", ada.Token, map[string]any{"objectives": []string{"Leadership"}}, 200)
	// Ben and Chloe have no profile; Ben's membership knows his department (from his
	// invitation), and Sam (a mentor) has no profile either.
	ctx := context.Background()
	if err := w.env.App.Programmes.RemoveMember(ctx, programme.Actor{UserID: w.owner.ID, Role: programme.RoleOwner}, w.pid, ben.ID); err != nil {
		t.Fatal(err)
	}
	inv, _, err := w.env.App.Programmes.InviteOne(ctx, w.pid, w.owner.ID, programme.InviteInput{Email: ben.Email, Role: programme.RoleMentee, Department: "Surgery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.env.App.Programmes.Join(ctx, ben.ID, ben.Email, "", w.env.App.Programmes.InviteToken(inv)); err != nil {
		t.Fatal(err)
	}
	w.do(t, "PUT", pp+"/matching-settings", w.owner.Token, map[string]any{
		"weights": map[string]int{"overlap": 50, "capacity": 10, "department": 15, "location": 15, "language": 10}}, 200)

	var p struct {
		proposalJSON
		MentorsWithoutProfile []struct{ UserID string }
	}
	w.do(t, "GET", pp+"/matching/proposal", w.owner.Token, nil, 200).JSON(t, &p)
	if diff := cmp.Diff(map[string]string{ada.ID: w.mentor.ID}, p.pairs()); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{ben.ID: "profile_missing", chloe.ID: "profile_missing"}, p.reasons()); diff != "" {
		t.Errorf("unmatched (-want +got):\n%s", diff)
	}
	if len(p.MentorsWithoutProfile) != 1 || p.MentorsWithoutProfile[0].UserID != w.stranger.ID {
		t.Errorf("mentors without profile: %+v", p.MentorsWithoutProfile)
	}
	var m struct {
		proposalJSON
	}
	w.do(t, "GET", pp+"/matching/proposal?withoutProfile=match", w.owner.Token, nil, 200).JSON(t, &m)
	if diff := cmp.Diff(map[string]string{ada.ID: w.mentor.ID, ben.ID: w.mentor.ID, chloe.ID: w.mentor.ID}, m.pairs()); diff != "" {
		t.Errorf("matched on what the programme knows (-want +got):\n%s", diff)
	}
	for _, x := range m.Pairs {
		if x.ProfileMissing != (x.Mentee.UserID != ada.ID) {
			t.Errorf("profileMissing of %s: %v", x.Mentee.UserID, x.ProfileMissing)
		}
		if x.Mentee.UserID == ben.ID && x.Candidate.Score <= scoreOf(m.proposalJSON, chloe.ID) {
			t.Errorf("Ben's department (Surgery, from his invitation) did not count: %v vs %v", x.Candidate.Score, scoreOf(m.proposalJSON, chloe.ID))
		}
	}
	w.do(t, "GET", pp+"/matching/proposal?withoutProfile=maybe", w.owner.Token, nil, 400)

	var rem struct{ Reminded []struct{ UserID string } }
	w.do(t, "POST", pp+"/matching/profile-reminders", w.owner.Token, nil, 200).JSON(t, &rem)
	if len(rem.Reminded) != 3 {
		t.Errorf("reminded %+v, want Sam, Ben and Chloe", rem.Reminded)
	}
	w.do(t, "POST", pp+"/matching/profile-reminders", w.owner.Token, nil, 200)
	in := waitInbox(t, w.env, chloe.Token, "profile_reminder", 1)
	if len(in.Items) != 1 || !strings.Contains(in.Items[0].Body, "Ward leaders") {
		t.Errorf("Chloe's inbox after two reminders on one day: %+v", in.Items)
	}
	w.do(t, "POST", pp+"/matching/profile-reminders", w.mentor.Token, nil, 403)
}

func scoreOf(p proposalJSON, menteeID string) float64 {
	for _, x := range p.Pairs {
		if x.Mentee.UserID == menteeID {
			return x.Candidate.Score
		}
	}
	return -1
}

// The mentoring types over HTTP: a flash pairing on the mentor's flash places with its time
// box, a reverse pairing where a programme mentee mentors a programme mentor, and a mutual
// pairing where both sides assign to each other.
func TestMentoringTypesOverHTTP(t *testing.T) {
	t.Parallel()
	w := newMentoringWorld(t)
	useFakeContent(w.env)
	pp := "/v1/programmes/" + w.pid
	ada, ben := w.mentees[0], w.mentees[1]
	w.do(t, "PUT", pp+"/profiles/me", w.mentor.Token, map[string]any{"capacity": 1, "flashCapacity": 1, "skills": []string{"Rotas"}}, 200)
	var prof struct{ Capacity, FlashCapacity int }
	w.do(t, "GET", pp+"/profiles/me", w.mentor.Token, nil, 200).JSON(t, &prof)
	if prof.FlashCapacity != 1 {
		t.Fatalf("profile %+v", prof)
	}
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ada.ID}, "type": "one-to-one"}, 201)
	var flash struct {
		ID, Status    string
		TimeboxDays   int
		TimeboxEndsAt time.Time
	}
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{ben.ID}, "type": "flash",
		"timeboxDays": 10}, 201).JSON(t, &flash)
	if flash.Status != "active" || flash.TimeboxDays != 10 || flash.TimeboxEndsAt.IsZero() {
		t.Fatalf("flash pairing %+v", flash)
	}
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{w.mentees[2].ID}, "type": "flash"}, 409)
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{w.mentees[2].ID}, "type": "group",
		"timeboxDays": 3}, 422)

	var rev struct {
		ID      string
		Mentor  struct{ UserID string }
		Mentees []struct{ UserID string }
	}
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": ada.ID, "menteeIds": []string{w.mentor.ID}, "type": "reverse"}, 201).JSON(t, &rev)
	if rev.Mentor.UserID != ada.ID || rev.Mentees[0].UserID != w.mentor.ID {
		t.Fatalf("reverse pairing %+v", rev)
	}
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": ada.ID, "menteeIds": []string{w.stranger.ID}, "type": "reverse"}, 409)
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": ada.ID, "menteeIds": []string{w.stranger.ID}, "type": "one-to-one"}, 422)

	var mut struct{ ID string }
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": ben.ID, "menteeIds": []string{w.stranger.ID}, "type": "mutual"}, 201).JSON(t, &mut)
	for _, by := range []apitest.User{ben, w.stranger} {
		w.do(t, "POST", "/v1/pairings/"+mut.ID+"/assignments", by.Token, map[string]any{
			"items": []map[string]string{{"kind": "lesson", "id": "lesson-1"}}, "due": "2099-12-01"}, 201)
	}
	for _, u := range []apitest.User{ben, w.stranger} {
		var mine struct{ Items []struct{ PairingID string } }
		w.do(t, "GET", "/v1/me/assignments", u.Token, nil, 200).JSON(t, &mine)
		if len(mine.Items) != 1 || mine.Items[0].PairingID != mut.ID {
			t.Errorf("%s: assignments in the mutual pairing: %+v", u.ID, mine.Items)
		}
	}
}

// GET /v1/me/mentees answers with a fixed number of database commands whatever the number of
// mentees: measured with 2 and with 6 mentees (plus their assignments and a meeting).
func TestMyMenteesBudget(t *testing.T) {
	t.Parallel()
	w := newMentoringWorld(t)
	useFakeContent(w.env)
	ctx := context.Background()
	pp := "/v1/programmes/" + w.pid
	w.do(t, "PUT", pp+"/profiles/me", w.mentor.Token, map[string]any{"capacity": 10, "skills": []string{"Rotas"}}, 200)
	pair := func(u apitest.User) string {
		var p struct{ ID string }
		w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.mentor.ID, "menteeIds": []string{u.ID}, "type": "one-to-one"}, 201).JSON(t, &p)
		w.do(t, "POST", "/v1/pairings/"+p.ID+"/assignments", w.mentor.Token, map[string]any{
			"items": []map[string]string{{"kind": "quiz", "id": "quiz-1"}, {"kind": "lesson", "id": "lesson-1"}}, "due": "2099-12-01"}, 201)
		return p.ID
	}
	first := pair(w.mentees[0])
	pair(w.mentees[1])
	start := apitest.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	w.do(t, "POST", "/v1/pairings/"+first+"/meetings", w.mentor.Token, map[string]any{"start": start, "durationMinutes": 30, "format": "video"}, 201)

	measure := func(want int) int64 {
		t.Helper()
		var l struct {
			Items []struct {
				Mentee      struct{ UserID, DisplayName string }
				Assignments struct{ Open, Overdue, Completed int }
				Quizzes     []struct{ ItemID, Result string }
				NextMeeting *struct{ PairingID string }
			}
		}
		r := w.do(t, "GET", "/v1/me/mentees", w.mentor.Token, nil, 200)
		r.JSON(t, &l)
		if len(l.Items) != want {
			t.Fatalf("%d mentees, want %d: %s", len(l.Items), want, r.Body)
		}
		for _, it := range l.Items {
			if it.Assignments.Open != 1 || len(it.Quizzes) != 1 || it.Quizzes[0].Result != "not_attempted" || it.Mentee.DisplayName == "" {
				t.Errorf("mentee %+v", it)
			}
			if (it.Mentee.UserID == w.mentees[0].ID) != (it.NextMeeting != nil && it.NextMeeting.PairingID == first) {
				t.Errorf("next meeting of %s: %+v", it.Mentee.UserID, it.NextMeeting)
			}
		}
		return w.env.DBCommands(r)
	}
	measure(2) // warms the caches (programme zone, roles)
	two := measure(2)
	for i := range 4 {
		u := w.env.Register(fmt.Sprintf("Extra Mentee %d", i))
		if err := w.env.App.Programmes.AddMember(ctx, w.pid, u.ID, programme.RoleMentee); err != nil {
			t.Fatal(err)
		}
		pair(u)
	}
	six := measure(6)
	if two != six || six > 6 {
		t.Errorf("database commands: %d with 2 mentees, %d with 6 (want the same, at most 6)", two, six)
	}
	t.Logf("GET /v1/me/mentees: %d database commands with 2 and with 6 mentees", six)
	var none struct{ Items []any }
	w.do(t, "GET", "/v1/me/mentees", w.mentees[0].Token, nil, 200).JSON(t, &none)
	if len(none.Items) != 0 {
		t.Errorf("a mentee's mentees: %+v", none)
	}
}
