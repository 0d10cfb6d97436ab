package identity

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Notification kinds a user can switch off one by one. A kind absent from
// User.NotificationPrefs is on.
const (
	NotifyBadgeEarned         = "badge_earned"
	NotifyLevelUp             = "level_up"
	NotifyPrizeWon            = "prize_won"
	NotifyDailyReminder       = "daily_reminder"
	NotifyStreakAtRisk        = "streak_at_risk"
	NotifyAssignmentReceived  = "assignment_received"
	NotifyAssignmentDue       = "assignment_due"
	NotifyAssignmentOverdue   = "assignment_overdue"
	NotifyAssignmentCompleted = "assignment_completed"
	NotifyPairingRequested    = "pairing_requested"
	NotifyProfileReminder     = "profile_reminder"
	NotifyReviewsDue          = "reviews_due"
	NotifyCheckinDue          = "checkin_due"
	// The mentoring record's kinds (notify.KindMeetingReminder and the others).
	NotifyMeetingReminder       = "meeting_reminder"
	NotifyMeetingToConfirm      = "meeting_to_confirm"
	NotifyAgreementChanged      = "agreement_changed"
	NotifyAgreementAcknowledged = "agreement_acknowledged"
	NotifyMeetingDue            = "meeting_due"
)

// NotificationKinds lists every kind, in a stable order.
func NotificationKinds() []string {
	return []string{
		NotifyBadgeEarned, NotifyLevelUp, NotifyPrizeWon, NotifyDailyReminder, NotifyStreakAtRisk,
		NotifyAssignmentReceived, NotifyAssignmentDue, NotifyAssignmentOverdue, NotifyAssignmentCompleted,
		NotifyPairingRequested, NotifyProfileReminder, NotifyReviewsDue, NotifyCheckinDue,
		NotifyMeetingReminder, NotifyMeetingToConfirm, NotifyAgreementChanged, NotifyAgreementAcknowledged, NotifyMeetingDue,
	}
}

// Leaderboard visibility: how a user appears on leaderboards.
const (
	LeaderboardVisible   = "visible"   // with their display name
	LeaderboardAnonymous = "anonymous" // ranked, but without a name
	LeaderboardHidden    = "hidden"    // not listed (others do not see them at all)
)

// Profile limits.
const (
	MaxLearningSlots = 3
	MinDailyXPGoal   = 5
	MaxDailyXPGoal   = 500
)

// DefaultLeaderboardVisibility is the visibility of a new account.
const DefaultLeaderboardVisibility = LeaderboardVisible

// QuietHours is a daily span of local time ("HH:MM" to "HH:MM", end exclusive) in which the
// user receives no pushes. It may wrap midnight (22:00 to 07:00).
type QuietHours struct {
	Start string
	End   string
}

// Contains reports whether the local wall-clock time of t falls inside the quiet hours.
// t must already be in the user's zone (see User.InQuietHours).
func (q QuietHours) Contains(t time.Time) bool {
	s, ok1 := ClockMinutes(q.Start)
	e, ok2 := ClockMinutes(q.End)
	if !ok1 || !ok2 || s == e {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	if s < e {
		return m >= s && m < e
	}
	return m >= s || m < e // wraps midnight
}

var clockRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// ClockMinutes parses "HH:MM" (00:00 to 23:59) into minutes after midnight.
func ClockMinutes(s string) (int, bool) {
	if !clockRE.MatchString(s) {
		return 0, false
	}
	return int(s[0]-'0')*600 + int(s[1]-'0')*60 + int(s[3]-'0')*10 + int(s[4]-'0'), true
}

// localeRE accepts the BCP 47 shapes the apps use: a language (en, fil), optionally a script
// (zh-Hant) and a region (en-GB, es-419).
var localeRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$`)

// NormalizeLocale writes a locale tag in canonical case (EN_gb -> en-GB) and reports whether
// it is a valid tag.
func NormalizeLocale(s string) (string, bool) {
	parts := strings.Split(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"), "-")
	for i, p := range parts {
		switch {
		case i == 0:
			parts[i] = strings.ToLower(p)
		case len(p) == 4:
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		default:
			parts[i] = strings.ToUpper(p)
		}
	}
	out := strings.Join(parts, "-")
	return out, len(out) <= 16 && localeRE.MatchString(out)
}

// ValidNotificationKind reports whether kind is a known notification kind.
func ValidNotificationKind(kind string) bool { return slices.Contains(NotificationKinds(), kind) }

// Notifies reports whether the user wants notifications of kind (absent means on).
func (u User) Notifies(kind string) bool {
	on, ok := u.NotificationPrefs[kind]
	return !ok || on
}

// InQuietHours reports whether t, seen in the user's time zone, falls in their quiet hours.
func (u User) InQuietHours(t time.Time) bool {
	return u.QuietHours != nil && u.QuietHours.Contains(t.In(u.Location()))
}

// ProfilePatch is a partial update of a profile with JSON merge-patch semantics: nil or
// unset fields stay as they are.
type ProfilePatch struct {
	DisplayName *string
	Timezone    *string
	Locale      *string
	// LearningSlots replaces the list when SetLearningSlots is true (an empty list clears it).
	LearningSlots    []string
	SetLearningSlots bool
	// QuietHours replaces the quiet hours when SetQuietHours is true; nil removes them.
	QuietHours    *QuietHours
	SetQuietHours bool
	// NotificationPrefs merges per kind: true or false sets the kind, nil returns it to the
	// default (on). ResetNotificationPrefs first returns every kind to the default.
	NotificationPrefs      map[string]*bool
	ResetNotificationPrefs bool
	DailyXPGoal            *int
	LeaderboardVisibility  *string
}

// Empty reports whether the patch changes nothing.
func (p *ProfilePatch) Empty() bool {
	return p.DisplayName == nil && p.Timezone == nil && p.Locale == nil && !p.SetLearningSlots && !p.SetQuietHours &&
		len(p.NotificationPrefs) == 0 && !p.ResetNotificationPrefs && p.DailyXPGoal == nil && p.LeaderboardVisibility == nil
}

// Validate checks and normalises the patch, returning field errors by JSON pointer.
func (p *ProfilePatch) Validate() error {
	var f apperr.Fields
	if p.DisplayName != nil {
		n := strings.TrimSpace(*p.DisplayName)
		p.DisplayName = &n
		f.Check(n != "" && utf8.RuneCountInString(n) <= 80, "/displayName", "must be 1 to 80 characters")
	}
	if p.Timezone != nil {
		f.Check(ValidTimezone(*p.Timezone), "/timezone", "must be an IANA time zone name such as Europe/London")
	}
	if p.Locale != nil {
		l, ok := NormalizeLocale(*p.Locale)
		p.Locale = &l
		f.Check(ok, "/locale", "must be a language tag such as en or en-GB")
	}
	if p.SetLearningSlots {
		f.Check(len(p.LearningSlots) <= MaxLearningSlots, "/learningSlots", "must hold at most 3 times")
		seen := map[string]bool{}
		for i, s := range p.LearningSlots {
			_, ok := ClockMinutes(s)
			f.Check(ok, "/learningSlots/"+strconv.Itoa(i), "must be a local time HH:MM")
			f.Check(!seen[s], "/learningSlots/"+strconv.Itoa(i), "is listed twice")
			seen[s] = true
		}
		p.LearningSlots = slices.Sorted(slices.Values(p.LearningSlots))
		if p.LearningSlots == nil {
			p.LearningSlots = []string{}
		}
	}
	if p.SetQuietHours && p.QuietHours != nil {
		_, ok1 := ClockMinutes(p.QuietHours.Start)
		_, ok2 := ClockMinutes(p.QuietHours.End)
		f.Check(ok1, "/quietHours/start", "must be a local time HH:MM")
		f.Check(ok2, "/quietHours/end", "must be a local time HH:MM")
		f.Check(!ok1 || !ok2 || p.QuietHours.Start != p.QuietHours.End, "/quietHours/end", "must differ from start")
	}
	for k := range p.NotificationPrefs {
		f.Check(ValidNotificationKind(k), "/notificationPrefs/"+escapePointer(k), "is not a notification kind")
	}
	if p.DailyXPGoal != nil {
		f.Check(*p.DailyXPGoal >= MinDailyXPGoal && *p.DailyXPGoal <= MaxDailyXPGoal, "/dailyXpGoal", "must be from 5 to 500")
	}
	if p.LeaderboardVisibility != nil {
		v := *p.LeaderboardVisibility
		f.Check(v == LeaderboardVisible || v == LeaderboardAnonymous || v == LeaderboardHidden,
			"/leaderboardVisibility", "must be visible, anonymous or hidden")
	}
	return f.Err()
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// ProfileChange is a validated patch as the store applies it: TimezoneChangedAt is set when
// the timezone really changes.
type ProfileChange struct {
	ProfilePatch
	TimezoneChangedAt time.Time
	UpdatedAt         time.Time
}
