package identitydb_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/identity/identitydb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

func ptr[T any](v T) *T { return &v }

func newService(t *testing.T, now func() time.Time) *identity.Service {
	db := mongotest.DB(t)
	if err := mongodb.EnsureIndexes(context.Background(), db.DB, identitydb.Indexes()); err != nil {
		t.Fatal(err)
	}
	return &identity.Service{Store: identitydb.New(db.DB), Now: now}
}

func TestProfileUpdates(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC)
	start := clock
	svc := newService(t, func() time.Time { return clock })
	u, err := svc.Register(ctx, identity.NewUser{Email: "Ada@Example.com", Password: "correct-horse-battery", DisplayName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" || u.DailyXPGoal != 20 || u.LeaderboardVisibility != "visible" || u.Timezone != "UTC" {
		t.Fatalf("defaults: %+v", u)
	}

	steps := []struct {
		name  string
		patch identity.ProfilePatch
		check func(identity.User) string
	}{
		{"set everything", identity.ProfilePatch{Timezone: ptr("Europe/London"), Locale: ptr("en-GB"),
			SetLearningSlots: true, LearningSlots: []string{"19:00", "07:30"},
			SetQuietHours: true, QuietHours: &identity.QuietHours{Start: "22:00", End: "07:00"},
			NotificationPrefs: map[string]*bool{"level_up": ptr(false), "prize_won": ptr(false)},
			DailyXPGoal:       ptr(50), LeaderboardVisibility: ptr("hidden")},
			func(u identity.User) string {
				want := identity.User{ID: u.ID, Email: "ada@example.com", DisplayName: "Ada", Timezone: "Europe/London",
					TimezoneChangedAt: start, Locale: "en-GB", LearningSlots: []string{"07:30", "19:00"},
					QuietHours: &identity.QuietHours{Start: "22:00", End: "07:00"}, NotificationPrefs: map[string]bool{"level_up": false, "prize_won": false},
					DailyXPGoal: 50, LeaderboardVisibility: "hidden", CreatedAt: u.CreatedAt, UpdatedAt: start}
				return cmp.Diff(want, u)
			}},
		{"merge one kind, clear another", identity.ProfilePatch{NotificationPrefs: map[string]*bool{"level_up": nil, "daily_reminder": ptr(false)}},
			func(u identity.User) string {
				return cmp.Diff(map[string]bool{"prize_won": false, "daily_reminder": false}, u.NotificationPrefs)
			}},
		{"same timezone keeps timezoneChangedAt", identity.ProfilePatch{Timezone: ptr("Europe/London")},
			func(u identity.User) string { return cmp.Diff(start, u.TimezoneChangedAt) }},
		{"clear slots and quiet hours, reset prefs", identity.ProfilePatch{SetLearningSlots: true, SetQuietHours: true, ResetNotificationPrefs: true,
			NotificationPrefs: map[string]*bool{"streak_at_risk": ptr(false)}},
			func(u identity.User) string {
				return cmp.Diff([]any{[]string{}, (*identity.QuietHours)(nil), map[string]bool{"streak_at_risk": false}},
					[]any{u.LearningSlots, u.QuietHours, u.NotificationPrefs})
			}},
	}
	for i, st := range steps {
		// Each step runs an hour later; TimezoneChangedAt must stay at the first step's time.
		clock = start.Add(time.Duration(i) * time.Hour)
		got, err := svc.UpdateProfile(ctx, u.ID, st.patch)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if d := st.check(got); d != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, d)
		}
		reread, err := svc.User(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(got, reread); d != "" {
			t.Errorf("%s: stored user differs from the returned one:\n%s", st.name, d)
		}
	}
	if _, err := svc.UpdateProfile(ctx, "nobody", identity.ProfilePatch{DailyXPGoal: ptr(30)}); !errors.Is(err, identity.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}

// The scheduler pages through everyone by ID, with or without learning slots.
func TestUsersPage(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, time.Now)
	var want []string
	for _, name := range []string{"ada", "ben", "cy", "dee", "eve"} {
		u, err := svc.Register(ctx, identity.NewUser{Email: name + "@example.com", Password: "correct-horse-battery", DisplayName: name})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, u.ID)
	}
	slices.Sort(want)
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		page, err := svc.Store.UsersPage(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page {
			got = append(got, u.ID)
		}
		if len(page) < 2 || pages > 5 {
			break
		}
		after = page[len(page)-1].ID
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}
