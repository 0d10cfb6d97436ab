package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/programme"
)

type profile struct {
	DisplayName           string             `json:"displayName"`
	Timezone              string             `json:"timezone"`
	TimezoneChangedAt     string             `json:"timezoneChangedAt"`
	Locale                string             `json:"locale"`
	LearningSlots         []string           `json:"learningSlots"`
	QuietHours            *map[string]string `json:"quietHours"`
	NotificationPrefs     map[string]bool    `json:"notificationPrefs"`
	DailyXPGoal           int                `json:"dailyXpGoal"`
	LeaderboardVisibility string             `json:"leaderboardVisibility"`
}

func allOn(off ...string) map[string]bool {
	m := map[string]bool{}
	for _, k := range []string{"badge_earned", "level_up", "prize_won", "daily_reminder", "streak_at_risk",
		"assignment_received", "assignment_due", "assignment_overdue", "assignment_completed", "pairing_requested", "profile_reminder", "reviews_due", "checkin_due",
		"meeting_reminder", "meeting_to_confirm", "agreement_changed", "agreement_acknowledged", "meeting_due"} {
		m[k] = true
	}
	for _, k := range off {
		m[k] = false
	}
	return m
}

func TestProfilePatch(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	u := env.Register("Profile Person")
	get := func() profile {
		t.Helper()
		r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me", Token: u.Token})
		var p profile
		r.JSON(t, &p)
		return p
	}
	want := profile{DisplayName: "Profile Person", Timezone: "Europe/London", Locale: "en", LearningSlots: []string{},
		NotificationPrefs: allOn(), DailyXPGoal: 20, LeaderboardVisibility: "visible"}
	if d := cmp.Diff(want, get()); d != "" {
		t.Fatalf("new profile (-want +got):\n%s", d)
	}
	steps := []struct {
		body   string
		status int
		edit   func(p *profile)
	}{
		{`{"displayName":" Ada L ","locale":"en-gb","learningSlots":["19:30","07:00"],"quietHours":{"start":"22:00","end":"07:00"},
		   "notificationPrefs":{"level_up":false,"prize_won":false},"dailyXpGoal":50,"leaderboardVisibility":"anonymous"}`, 200,
			func(p *profile) {
				p.DisplayName, p.Locale, p.LearningSlots = "Ada L", "en-GB", []string{"07:00", "19:30"}
				p.QuietHours = &map[string]string{"start": "22:00", "end": "07:00"}
				p.NotificationPrefs, p.DailyXPGoal, p.LeaderboardVisibility = allOn("level_up", "prize_won"), 50, "anonymous"
			}},
		{`{"notificationPrefs":{"level_up":null,"daily_reminder":false}}`, 200,
			func(p *profile) { p.NotificationPrefs = allOn("prize_won", "daily_reminder") }},
		{`{"quietHours":null,"learningSlots":null,"dailyXpGoal":null,"locale":null,"leaderboardVisibility":null}`, 200,
			func(p *profile) {
				p.QuietHours, p.LearningSlots, p.DailyXPGoal, p.Locale, p.LeaderboardVisibility = nil, []string{}, 20, "en", "visible"
			}},
		{`{"notificationPrefs":null}`, 200, func(p *profile) { p.NotificationPrefs = allOn() }},
		{`{}`, 200, func(p *profile) {}},
		// Invalid content: 422 and nothing changes.
		{`{"dailyXpGoal":4,"timezone":"Mars/Base","learningSlots":["7:00"],"notificationPrefs":{"spam":true}}`, 422, func(p *profile) {}},
		{`{"displayName":null}`, 422, func(p *profile) {}},
		{`{"quietHours":{"start":"22:00","end":"22:00"}}`, 422, func(p *profile) {}},
		{`{"learningSlots":["07:00","08:00","09:00","10:00"]}`, 422, func(p *profile) {}},
		// Malformed: 400.
		{`{"displayName":{"$ne":null}}`, 400, func(p *profile) {}},
		{`{"dailyXpGoal":"50"}`, 400, func(p *profile) {}},
		{`{"dailyXpGoal":50.5}`, 400, func(p *profile) {}},
		{`{"quietHours":{"start":"22:00","end":"07:00","extra":1}}`, 400, func(p *profile) {}},
		{`{"admin":true}`, 400, func(p *profile) {}},
		{`{"email":"x@y.z"}`, 400, func(p *profile) {}},
	}
	for _, st := range steps {
		r := env.Do(apitest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: st.body, ContentType: "application/merge-patch+json"})
		if r.Status != st.status {
			t.Fatalf("PATCH %s: %d, want %d: %s", st.body, r.Status, st.status, r.Body)
		}
		st.edit(&want)
		if r.Status == 200 {
			var p profile
			r.JSON(t, &p)
			if d := cmp.Diff(want, p); d != "" {
				t.Errorf("PATCH %s answered (-want +got):\n%s", st.body, d)
			}
		} else {
			asProblem(t, r, st.status)
		}
		if d := cmp.Diff(want, get()); d != "" {
			t.Errorf("after PATCH %s, GET /v1/me (-want +got):\n%s", st.body, d)
		}
	}
	r := env.Do(apitest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{
		"dailyXpGoal": 4, "timezone": "Mars/Base", "learningSlots": []string{"7:00"}, "notificationPrefs": map[string]bool{"spam": true}}})
	p := asProblem(t, r, 422)
	var ptrs []string
	for _, e := range p.Errors {
		ptrs = append(ptrs, e.Pointer)
	}
	if d := cmp.Diff([]string{"/timezone", "/learningSlots/0", "/notificationPrefs/spam", "/dailyXpGoal"}, ptrs); d != "" {
		t.Errorf("422 pointers (-want +got):\n%s", d)
	}

	// A timezone change is recorded.
	r = env.Do(apitest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"timezone": "America/New_York"}})
	var after profile
	r.JSON(t, &after)
	if after.Timezone != "America/New_York" || after.TimezoneChangedAt == "" {
		t.Errorf("timezone change: %+v", after)
	}
	if r := env.Do(apitest.Req{Method: "PATCH", Path: "/v1/me", Body: `{}`}); r.Status != 401 {
		t.Errorf("anonymous PATCH: %d", r.Status)
	}
}

// A warm programme-scoped request authorizes from memory: GET /v1/programmes/{id} reads only
// the programme, not the membership.
func TestWarmAuthorizationReadsNoMembership(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	owner, mentee, stranger := env.Register("Warm Owner"), env.Register("Warm Mentee"), env.Register("Warm Stranger")
	ctx := context.Background()
	p, err := env.App.Programmes.Create(ctx, owner.ID, programme.Programme{Name: "Warm"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/v1/programmes/" + p.ID
	// Cold: membership + programme. Warm: programme only.
	for i, want := range []int64{2, 1, 1} {
		r := env.Do(apitest.Req{Method: "GET", Path: path, Token: owner.Token})
		if r.Status != 200 || env.DBCommands(r) != want {
			t.Errorf("owner request %d: status %d, %d commands, want 200 and %d", i, r.Status, env.DBCommands(r), want)
		}
	}
	// A non-member's 404 is cached too, and joining invalidates it at once.
	for i, want := range []int64{1, 0} {
		r := env.Do(apitest.Req{Method: "GET", Path: path, Token: mentee.Token})
		if r.Status != 404 || env.DBCommands(r) != want {
			t.Errorf("outsider request %d: status %d, %d commands, want 404 and %d", i, r.Status, env.DBCommands(r), want)
		}
	}
	if err := env.App.Programmes.AddMember(ctx, p.ID, mentee.ID, programme.RoleMentee); err != nil {
		t.Fatal(err)
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: path, Token: mentee.Token}); r.Status != http.StatusOK {
		t.Errorf("after joining: %d", r.Status)
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: path, Token: stranger.Token}); r.Status != http.StatusNotFound {
		t.Errorf("stranger: %d", r.Status)
	}
}
