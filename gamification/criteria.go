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
	count := func(one, many string) string {
		if n == 1 {
			return one
		}
		return fmt.Sprintf(many, n)
	}
	switch c.Counter {
	case CounterLessons:
		return count("Complete a lesson.", "Complete %d lessons.")
	case CounterQuizzesPassed:
		return count("Pass a quiz.", "Pass %d quizzes.")
	case CounterPerfectQuizzes:
		return count("Answer every question of a quiz right.", "Answer every question right in %d quizzes.")
	case CounterChecklists:
		return count("Complete a checklist.", "Complete %d checklists.")
	case CounterPaths:
		return count("Complete a learning path.", "Complete %d learning paths.")
	case CounterAssignments:
		return count("Complete an assignment.", "Complete %d assignments.")
	case CounterAssignmentsOnTime:
		return count("Complete an assignment by its due date.", "Complete %d assignments by their due dates.")
	case CounterPairingsAllOnTime:
		return count("Complete all of a pairing's assignments on time.", "Complete all of a pairing's assignments on time in %d pairings.")
	case CounterDomainItems:
		return count("Complete an item in the "+c.Domain+" domain.", "Complete %d items in the "+c.Domain+" domain.")
	case CounterDomainsTouched:
		return count("Complete something in a learning domain.", "Complete something in %d learning domains.")
	case CounterReviews:
		return count("Answer a spaced review.", "Answer %d spaced reviews.")
	case CounterReviewDays:
		return count("Do spaced reviews on a day.", "Do spaced reviews on %d different days.")
	case CounterMeetings:
		return count("Hold a mentoring meeting the other side confirmed.", "Hold %d mentoring meetings the other side confirmed.")
	case CounterReflections:
		return count("Write a reflection.", "Write reflections on %d meetings or weeks.")
	case CounterGoalsAchieved:
		return count("Achieve a SMART goal.", "Achieve %d SMART goals.")
	case CounterCadenceMonths:
		return count("Keep the agreed meeting cadence for a month.", "Keep the agreed meeting cadence for %d months.")
	case CounterStreak:
		return fmt.Sprintf("Keep a %d-day streak.", n)
	case CounterActiveDays:
		return count("Learn on a day.", "Learn on %d different days.")
	case CounterXP:
		return fmt.Sprintf("Earn %d XP.", n)
	case CounterLevel:
		return fmt.Sprintf("Reach level %d.", n)
	}
	return fmt.Sprintf("Reach %d on %s.", n, strings.TrimSpace(c.Counter))
}
