package gamification

import (
	"fmt"
	"strings"
)

// Text says in words what earns a badge with this criterion ("Complete 5 lessons."): what
// the badge list shows under its name, built-in and programme badges alike, so that a
// badge's description can say why it matters rather than repeat the rule.
func (c Criterion) Text() string {
	n := c.Target
	switch c.Counter {
	case CounterStreak:
		return fmt.Sprintf("Keep a %d-day streak.", n)
	case CounterXP:
		return fmt.Sprintf("Earn %d XP.", n)
	case CounterLevel:
		return fmt.Sprintf("Reach level %d.", n)
	case CounterDomainItems:
		if n == 1 {
			return "Complete an item in the " + c.Domain + " domain."
		}
		return fmt.Sprintf("Complete %d items in the %s domain.", n, c.Domain)
	}
	w, ok := criterionWords()[c.Counter]
	switch {
	case !ok:
		return fmt.Sprintf("Reach %d on %s.", n, strings.TrimSpace(c.Counter))
	case n == 1:
		return w.one
	}
	return fmt.Sprintf(w.many, n)
}

// criterionWords says each counted criterion in words, for a target of one and of many.
func criterionWords() map[string]struct{ one, many string } {
	return map[string]struct{ one, many string }{
		CounterLessons:           {"Complete a lesson.", "Complete %d lessons."},
		CounterQuizzesPassed:     {"Pass a quiz.", "Pass %d quizzes."},
		CounterPerfectQuizzes:    {"Answer every question of a quiz right.", "Answer every question right in %d quizzes."},
		CounterChecklists:        {"Complete a checklist.", "Complete %d checklists."},
		CounterPaths:             {"Complete a learning path.", "Complete %d learning paths."},
		CounterAssignments:       {"Complete an assignment.", "Complete %d assignments."},
		CounterAssignmentsOnTime: {"Complete an assignment by its due date.", "Complete %d assignments by their due dates."},
		CounterPairingsAllOnTime: {"Complete all of a pairing's assignments on time.", "Complete all of a pairing's assignments on time in %d pairings."},
		CounterDomainsTouched:    {"Complete something in a learning domain.", "Complete something in %d learning domains."},
		CounterReviews:           {"Answer a spaced review.", "Answer %d spaced reviews."},
		CounterReviewDays:        {"Do spaced reviews on a day.", "Do spaced reviews on %d different days."},
		CounterMeetings:          {"Hold a mentoring meeting the other side confirmed.", "Hold %d mentoring meetings the other side confirmed."},
		CounterReflections:       {"Write a reflection.", "Write reflections on %d meetings or weeks."},
		CounterGoalsAchieved:     {"Achieve a SMART goal.", "Achieve %d SMART goals."},
		CounterCadenceMonths:     {"Keep the agreed meeting cadence for a month.", "Keep the agreed meeting cadence for %d months."},
		CounterActiveDays:        {"Learn on a day.", "Learn on %d different days."},
	}
}
