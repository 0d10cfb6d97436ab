package gamification

import (
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// The counters badge criteria can name.
const (
	CounterLessons           = "lessons"
	CounterQuizzesPassed     = "quizzesPassed"
	CounterPerfectQuizzes    = "perfectQuizzes"
	CounterChecklists        = "checklists"
	CounterPaths             = "paths"
	CounterAssignments       = "assignments"
	CounterAssignmentsOnTime = "assignmentsOnTime"
	// CounterPairingsAllOnTime counts pairings all of whose assignments were completed on time.
	CounterPairingsAllOnTime = "pairingsAllOnTime"
	// CounterDomainItems counts items completed in Criterion.Domain.
	CounterDomainItems = "domainItems"
	// CounterDomainsTouched counts the learning domains with at least one completed item.
	CounterDomainsTouched = "domainsTouched"
	// CounterReviews counts spaced reviews answered; CounterReviewDays the local days with
	// at least one.
	CounterReviews    = "reviews"
	CounterReviewDays = "reviewDays"
	// The mentoring record: confirmed meetings attended, reflections (subjects reflected on),
	// goals achieved, and the longest run of the agreed meeting cadence kept, in months.
	CounterMeetings      = "meetings"
	CounterReflections   = "reflections"
	CounterGoalsAchieved = "goalsAchieved"
	CounterCadenceMonths = "cadenceMonths"
	// CounterStreak is the longest streak in days.
	CounterStreak     = "streak"
	CounterActiveDays = "activeDays"
	CounterXP         = "xp"
	CounterLevel      = "level"
)

// Counters lists every counter name, for validation and documentation.
func Counters() []string {
	return []string{CounterLessons, CounterQuizzesPassed, CounterPerfectQuizzes, CounterChecklists, CounterPaths,
		CounterAssignments, CounterAssignmentsOnTime, CounterPairingsAllOnTime, CounterDomainItems, CounterDomainsTouched,
		CounterReviews, CounterReviewDays, CounterMeetings, CounterReflections, CounterGoalsAchieved, CounterCadenceMonths,
		CounterStreak, CounterActiveDays, CounterXP, CounterLevel}
}

// Criterion says when a badge is earned: when Counter reaches Target.
type Criterion struct {
	Counter string
	Domain  string
	Target  int
}

// Badge is an award for reaching a criterion.
type Badge struct {
	ID          string
	ProgrammeID string // empty for built-in badges
	Name        string
	Description string
	Criterion   Criterion
	BuiltIn     bool
	// ImageURL is the https address of a programme badge's own image; without one (and for
	// built-in badges) the badge shows its embedded art (ArtKey).
	ImageURL string
}

// BuiltInBadges are earned in every programme.
func BuiltInBadges() []Badge {
	b := func(id, name, desc, counter string, target int) Badge {
		return Badge{ID: id, Name: name, Description: desc, BuiltIn: true, Criterion: Criterion{Counter: counter, Target: target}}
	}
	out := []Badge{
		b("first-lesson", "First steps", "Complete your first lesson.", CounterLessons, 1),
		b("five-lessons", "Getting going", "Complete 5 lessons.", CounterLessons, 5),
		b("twenty-lessons", "Dedicated learner", "Complete 20 lessons.", CounterLessons, 20),
		b("first-checklist", "Prepared", "Complete your first checklist.", CounterChecklists, 1),
		b("perfect-quiz", "Flawless", "Answer every question of a quiz right.", CounterPerfectQuizzes, 1),
		b("quiz-master", "Quiz master", "Pass 5 quizzes.", CounterQuizzesPassed, 5),
		b("first-path", "Pathfinder", "Complete a learning path.", CounterPaths, 1),
		b("all-domains", "All-rounder", "Complete something in every learning domain.", CounterDomainsTouched, len(learning.Domains())),
		b("streak-3", "On a roll", "Keep a 3-day streak.", CounterStreak, 3),
		b("streak-7", "Week streak", "Keep a 7-day streak.", CounterStreak, 7),
		b("streak-30", "Habit formed", "Keep a 30-day streak.", CounterStreak, 30),
		b("on-time-pairing", "Reliable", "Complete all of a pairing's assignments on time.", CounterPairingsAllOnTime, 1),
		b("first-review", "Second look", "Review a question you once got wrong.", CounterReviews, 1),
		b("reviews-25", "Memory keeper", "Answer 25 spaced reviews.", CounterReviews, 25),
		b("review-days-7", "Spaced out", "Do spaced reviews on 7 different days.", CounterReviewDays, 7),
		b("first-meeting", "First meeting", "Hold a mentoring meeting that the other side confirmed.", CounterMeetings, 1),
		b("five-meetings", "Regulars", "Hold five confirmed mentoring meetings.", CounterMeetings, 5),
		b("reflective-practitioner", "Reflective practitioner", "Write reflections on five meetings or weeks.", CounterReflections, 5),
		b("goal-achieved", "Goal achieved", "Achieve a SMART goal.", CounterGoalsAchieved, 1),
		b("cadence-3-months", "Kept the cadence", "Keep the agreed meeting cadence for three months.", CounterCadenceMonths, 3),
	}
	for _, d := range learning.Domains() {
		x := b("domain-"+d, "Explorer: "+d, "Complete 3 items in the "+d+" domain.", CounterDomainItems, 3)
		x.Criterion.Domain = d
		out = append(out, x)
	}
	return out
}

var badgeIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)

// Validate checks a programme-defined badge.
func (b *Badge) Validate() error {
	var f apperr.Fields
	b.Name = strings.TrimSpace(b.Name)
	f.Check(badgeIDPattern.MatchString(b.ID), "/id", "must be 1 to 48 lower-case letters, digits or dashes")
	f.Check(b.Name != "" && utf8.RuneCountInString(b.Name) <= 80, "/name", "must be 1 to 80 characters")
	f.Check(utf8.RuneCountInString(b.Description) <= 500, "/description", "must be at most 500 characters")
	f.Check(b.ImageURL == "" || validImageURL(b.ImageURL), "/imageUrl", "must be an https URL of at most 2048 characters")
	known := false
	for _, c := range Counters() {
		known = known || c == b.Criterion.Counter
	}
	f.Check(known, "/criterion/counter", "must be one of "+strings.Join(Counters(), ", "))
	f.Check(b.Criterion.Target >= 1 && b.Criterion.Target <= 1000000, "/criterion/target", "must be 1 to 1000000")
	if b.Criterion.Counter == CounterDomainItems {
		f.Check(b.Criterion.Domain != "" && len(b.Criterion.Domain) <= 64, "/criterion/domain", "must name a learning domain")
	} else {
		f.Check(b.Criterion.Domain == "", "/criterion/domain", "only applies to the domainItems counter")
	}
	return f.Err()
}

// BadgeProgress is how far a user is toward a badge ("3 of 5").
type BadgeProgress struct {
	ProgrammeID string
	Badge       Badge
	Earned      *EarnedBadge
	Current     int
	Target      int
}

func validImageURL(s string) bool {
	if len(s) > 2048 {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}
