package identity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/apperr"
)

func pointers(err error) []string {
	var ve *apperr.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Pointer)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestProfilePatchValidate(t *testing.T) {
	tests := []struct {
		name  string
		patch identity.ProfilePatch
		want  []string // invalid pointers
	}{
		{"empty", identity.ProfilePatch{}, nil},
		{"good", identity.ProfilePatch{DisplayName: ptr(" Ada "), Timezone: ptr("America/New_York"), Locale: ptr("en-gb"),
			SetLearningSlots: true, LearningSlots: []string{"19:30", "07:00"},
			SetQuietHours: true, QuietHours: &identity.QuietHours{Start: "22:00", End: "07:00"},
			NotificationPrefs: map[string]*bool{"level_up": ptr(false), "badge_earned": nil},
			DailyXPGoal:       ptr(500), LeaderboardVisibility: ptr("anonymous")}, nil},
		{"blank name", identity.ProfilePatch{DisplayName: ptr("  ")}, []string{"/displayName"}},
		{"bad zone", identity.ProfilePatch{Timezone: ptr("Mars/Olympus")}, []string{"/timezone"}},
		{"Local zone", identity.ProfilePatch{Timezone: ptr("Local")}, []string{"/timezone"}},
		{"bad locale", identity.ProfilePatch{Locale: ptr("english")}, []string{"/locale"}},
		{"too many slots", identity.ProfilePatch{SetLearningSlots: true, LearningSlots: []string{"07:00", "08:00", "09:00", "10:00"}}, []string{"/learningSlots"}},
		{"bad slot", identity.ProfilePatch{SetLearningSlots: true, LearningSlots: []string{"07:00", "24:00"}}, []string{"/learningSlots/1"}},
		{"duplicate slot", identity.ProfilePatch{SetLearningSlots: true, LearningSlots: []string{"07:00", "07:00"}}, []string{"/learningSlots/1"}},
		{"quiet same", identity.ProfilePatch{SetQuietHours: true, QuietHours: &identity.QuietHours{Start: "22:00", End: "22:00"}}, []string{"/quietHours/end"}},
		{"quiet bad", identity.ProfilePatch{SetQuietHours: true, QuietHours: &identity.QuietHours{Start: "9:00", End: "22:00"}}, []string{"/quietHours/start"}},
		{"unknown kind", identity.ProfilePatch{NotificationPrefs: map[string]*bool{"$set": ptr(true)}}, []string{"/notificationPrefs/$set"}},
		{"goal low", identity.ProfilePatch{DailyXPGoal: ptr(4)}, []string{"/dailyXpGoal"}},
		{"goal high", identity.ProfilePatch{DailyXPGoal: ptr(501)}, []string{"/dailyXpGoal"}},
		{"visibility", identity.ProfilePatch{LeaderboardVisibility: ptr("public")}, []string{"/leaderboardVisibility"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.patch.Validate()
			if diff := cmp.Diff(tt.want, pointers(err)); diff != "" {
				t.Errorf("invalid fields (-want +got):\n%s (err %v)", diff, err)
			}
			if tt.want != nil && apperr.KindOf(err) != apperr.KindUnprocessable {
				t.Errorf("kind %v, want unprocessable", apperr.KindOf(err))
			}
		})
	}
	p := identity.ProfilePatch{Locale: ptr("EN_gb"), SetLearningSlots: true, LearningSlots: []string{"19:30", "07:00"}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if *p.Locale != "en-GB" || !cmp.Equal(p.LearningSlots, []string{"07:00", "19:30"}) {
		t.Errorf("not normalised: %q %v", *p.Locale, p.LearningSlots)
	}
}

func TestLocales(t *testing.T) {
	for in, want := range map[string]string{"en": "en", "en-GB": "en-GB", "zh-hant-tw": "zh-Hant-TW", "es-419": "es-419", "fil": "fil"} {
		if got, ok := identity.NormalizeLocale(in); !ok || got != want {
			t.Errorf("NormalizeLocale(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "e", "english", "en-", "en-GBR", "en GB", "12"} {
		if _, ok := identity.NormalizeLocale(bad); ok {
			t.Errorf("NormalizeLocale(%q) accepted", bad)
		}
	}
}

func TestQuietHours(t *testing.T) {
	at := func(hm string) time.Time {
		tm, _ := time.Parse("15:04", hm)
		return tm
	}
	tests := []struct {
		q    identity.QuietHours
		at   string
		want bool
	}{
		{identity.QuietHours{"22:00", "07:00"}, "23:30", true},
		{identity.QuietHours{"22:00", "07:00"}, "00:00", true},
		{identity.QuietHours{"22:00", "07:00"}, "06:59", true},
		{identity.QuietHours{"22:00", "07:00"}, "07:00", false},
		{identity.QuietHours{"22:00", "07:00"}, "21:59", false},
		{identity.QuietHours{"12:00", "13:00"}, "12:30", true},
		{identity.QuietHours{"12:00", "13:00"}, "13:00", false},
		{identity.QuietHours{"12:00", "13:00"}, "11:59", false},
	}
	for _, tt := range tests {
		if got := tt.q.Contains(at(tt.at)); got != tt.want {
			t.Errorf("%v contains %s = %v, want %v", tt.q, tt.at, got, tt.want)
		}
	}
	// InQuietHours reads the instant in the user's zone: 23:30 UTC is 00:30 in London in
	// summer (inside 00:00-06:00) but 23:30 in winter (outside).
	u := identity.User{Timezone: "Europe/London", QuietHours: &identity.QuietHours{Start: "00:00", End: "06:00"}}
	if !u.InQuietHours(time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC)) {
		t.Error("summer 23:30 UTC should be quiet in London")
	}
	if u.InQuietHours(time.Date(2026, 1, 1, 23, 30, 0, 0, time.UTC)) {
		t.Error("winter 23:30 UTC should not be quiet in London")
	}
}

func TestNotifies(t *testing.T) {
	u := identity.User{NotificationPrefs: map[string]bool{identity.NotifyLevelUp: false, identity.NotifyBadgeEarned: true}}
	if u.Notifies(identity.NotifyLevelUp) || !u.Notifies(identity.NotifyBadgeEarned) || !u.Notifies(identity.NotifyDailyReminder) {
		t.Error("Notifies: absent must mean on, false off")
	}
}
