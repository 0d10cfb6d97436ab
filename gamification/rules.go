package gamification

import (
	"math"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Rules are a programme's point, level and streak rules.
type Rules struct {
	// XP for the first completion of each kind of item.
	LessonCompleted    int
	ChecklistCompleted int
	PathCompleted      int
	// A passed quiz earns QuizPassed plus up to QuizScoreBonus in proportion to the score;
	// a pass on a retry (attempt > 1) earns QuizRetryPercent of that; later passes nothing.
	QuizPassed       int
	QuizScoreBonus   int
	QuizRetryPercent int
	// AssignmentOnTime is earned by completing an assignment by its due time.
	AssignmentOnTime int
	// A spaced review earns ReviewCorrect for a right answer and ReviewIncorrect for a wrong
	// one; each further review of the same card on the same local day earns
	// ReviewRepeatPercent of the one before, rounded down (50: 3, 1, 0 XP).
	ReviewCorrect       int
	ReviewIncorrect     int
	ReviewRepeatPercent int
	// The mentoring record's acts, for mentors and mentees alike, each once: a held meeting
	// the other side confirmed, a reflection (once per meeting, or per pairing and week), a
	// goal achieved, and a period of the agreed meeting cadence kept.
	MeetingConfirmed  int
	ReflectionWritten int
	GoalAchieved      int
	CadenceKept       int
	// DailyGoalMet is earned once a local day when the day's XP reaches the daily goal.
	DailyGoalMet int
	// DailyCap is the most XP a user earns in one programme in one local day.
	DailyCap int
	// MinTimePercent is the least time, in percent of an item's estimate, a completion
	// must report spent on the item to earn anything (0: no check). A completion reported
	// faster is recorded but earns nothing (ReasonTooFast).
	MinTimePercent int
	// FutureSkew is how far after the server received it an event may claim to have
	// happened (device clocks drift); later-dated events earn nothing.
	FutureSkew time.Duration
	// A streak freeze is earned every FreezeEvery days of streak; at most MaxFreezes held.
	FreezeEvery int
	MaxFreezes  int
	Levels      LevelCurve
}

// DefaultRules are the rules of a programme that has not set its own.
func DefaultRules() Rules {
	return Rules{LessonCompleted: 10, ChecklistCompleted: 5, PathCompleted: 0, QuizPassed: 10, QuizScoreBonus: 10,
		QuizRetryPercent: 50, AssignmentOnTime: 5,
		ReviewCorrect: 3, ReviewIncorrect: 1, ReviewRepeatPercent: 50, DailyGoalMet: 5, DailyCap: 200, MinTimePercent: 30, FutureSkew: 5 * time.Minute,
		MeetingConfirmed: 15, ReflectionWritten: 10, GoalAchieved: 20, CadenceKept: 10,
		FreezeEvery: 7, MaxFreezes: 2, Levels: LevelCurve{Kind: CurveRelative, Base: 120, Coefficient: 1.3}}
}

// Validate checks the rules and reports every invalid field by JSON pointer.
func (r Rules) Validate() error {
	var f apperr.Fields
	xp := func(v int, p string) { f.Check(v >= 0 && v <= 10000, p, "must be 0 to 10000") }
	xp(r.LessonCompleted, "/lessonCompleted")
	xp(r.ChecklistCompleted, "/checklistCompleted")
	xp(r.PathCompleted, "/pathCompleted")
	xp(r.QuizPassed, "/quizPassed")
	xp(r.QuizScoreBonus, "/quizScoreBonus")
	xp(r.AssignmentOnTime, "/assignmentOnTime")
	xp(r.ReviewCorrect, "/reviewCorrect")
	xp(r.ReviewIncorrect, "/reviewIncorrect")
	f.Check(r.ReviewRepeatPercent >= 0 && r.ReviewRepeatPercent <= 100, "/reviewRepeatPercent", "must be 0 to 100")
	xp(r.MeetingConfirmed, "/meetingConfirmed")
	xp(r.ReflectionWritten, "/reflectionWritten")
	xp(r.GoalAchieved, "/goalAchieved")
	xp(r.CadenceKept, "/cadenceKept")
	xp(r.DailyGoalMet, "/dailyGoalMet")
	f.Check(r.QuizRetryPercent >= 0 && r.QuizRetryPercent <= 100, "/quizRetryPercent", "must be 0 to 100")
	f.Check(r.DailyCap >= 1 && r.DailyCap <= 100000, "/dailyCap", "must be 1 to 100000")
	f.Check(r.MinTimePercent >= 0 && r.MinTimePercent <= 100, "/minTimePercent", "must be 0 (no check) to 100")
	f.Check(r.FutureSkew >= 0 && r.FutureSkew <= 24*time.Hour, "/futureSkewSeconds", "must be 0 to 86400")
	f.Check(r.FreezeEvery >= 1 && r.FreezeEvery <= 365, "/freezeEvery", "must be 1 to 365")
	f.Check(r.MaxFreezes >= 0 && r.MaxFreezes <= 10, "/maxFreezes", "must be 0 to 10")
	switch r.Levels.Kind {
	case CurveRelative:
		f.Check(r.Levels.Base >= 1 && r.Levels.Base <= 1000000, "/levels/base", "must be 1 to 1000000")
		f.Check(r.Levels.Coefficient >= 1 && r.Levels.Coefficient <= 3, "/levels/coefficient", "must be 1 to 3")
	case CurveLinear:
		f.Check(r.Levels.Base >= 1 && r.Levels.Base <= 1000000, "/levels/base", "must be 1 to 1000000")
	default:
		f.Add("/levels/kind", "must be relative or linear")
	}
	return f.Err()
}

// The kinds of level curve.
const (
	// CurveRelative: each level needs Coefficient times the XP of the previous step,
	// starting with Base (120, 1.3 gives 0, 120, 276, 479, 742, 1085, 1531, ...).
	CurveRelative = "relative"
	// CurveLinear: every level needs Base more XP.
	CurveLinear = "linear"
)

// LevelCurve maps total XP to levels. Level 1 starts at 0 XP; there is no top level.
type LevelCurve struct {
	Kind        string
	Base        int
	Coefficient float64
}

// Threshold returns the total XP at which level starts: the exact sum of the steps below
// it, rounded to the nearest integer once (rounding each step would drift: 742 vs 743).
func (c LevelCurve) Threshold(level int) int64 {
	if level <= 1 {
		return 0
	}
	if c.Kind == CurveLinear || c.Coefficient == 1 {
		return int64(c.Base) * int64(level-1)
	}
	sum, step := 0.0, float64(c.Base)
	for i := 1; i < level; i++ {
		sum += step
		step *= c.Coefficient
		if sum > math.MaxInt64/4 {
			return math.MaxInt64 / 4
		}
	}
	return int64(math.Round(sum))
}

// LevelFor returns the level a total of xp reaches. It accumulates the steps exactly as
// Threshold does, so the two always agree.
func (c LevelCurve) LevelFor(xp int64) int {
	if c.Base <= 0 || xp <= 0 {
		return 1
	}
	if c.Kind == CurveLinear || c.Coefficient == 1 {
		return int(min(xp/int64(c.Base), 1_000_000)) + 1
	}
	level, sum, step := 1, 0.0, float64(c.Base)
	for level < 1_000_000 {
		next := sum + step
		if next > math.MaxInt64/4 || int64(math.Round(next)) > xp {
			break
		}
		sum = next
		step *= c.Coefficient
		level++
	}
	return level
}
