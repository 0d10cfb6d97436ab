package gamification

import (
	"fmt"

	"github.com/microlearn/microlearn/learning"
)

// Earning is what one event earns: XP, or none with the reason (an Earning is what the sync
// answer tells the phone about each accepted event).
type Earning struct {
	XP int
	// Reason is set when XP is 0: one of the Reason codes.
	Reason string
}

// Why an event earns no XP.
const (
	ReasonDuplicate      = "duplicate"         // the event was applied already
	ReasonBeforeJoined   = "before_membership" // dated before the person joined the programme
	ReasonFuture         = "future"            // dated after it was received (beyond the skew)
	ReasonTooFast        = "too_fast"          // less time reported than the rules' share of the estimate
	ReasonDailyCap       = "daily_cap"         // the local day's XP reached the cap
	ReasonTooOld         = "too_old"           // its local day is older than the days kept
	ReasonNotACompletion = "not_a_completion"  // a start, a tick that completes nothing: progress, not an achievement
	ReasonAlreadyEarned  = "already_earned"    // the item (or act) already earned once
	ReasonNotPassed      = "not_passed"        // a quiz attempt below the pass mark
	ReasonLate           = "late"              // an assignment completed after its due time
	ReasonNoRule         = "no_xp_rule"        // the programme's rules give this no XP
	ReasonRepeatReview   = "repeat_review"     // a card reviewed again the same day, down to 0
	ReasonNoProgramme    = "no_programme"      // not in a programme (global library items earn no XP)
	ReasonNotMember      = "not_member"        // the person is not a member of the programme
)

// ReasonText says a reason in words, for the sync answer's detail.
func ReasonText(reason string) string {
	switch reason {
	case ReasonDuplicate:
		return "already recorded: this event was counted when it first arrived"
	case ReasonBeforeJoined:
		return "it happened before you joined the programme"
	case ReasonFuture:
		return "its time is in the future (check the device clock)"
	case ReasonTooFast:
		return "completed faster than it can be done: not enough time was spent on it to earn XP"
	case ReasonDailyCap:
		return "today's XP limit is reached"
	case ReasonTooOld:
		return "its day is too long ago to earn XP"
	case ReasonNotACompletion:
		return "progress is saved; XP comes when the item is completed"
	case ReasonAlreadyEarned:
		return "this already earned its XP once"
	case ReasonNotPassed:
		return "the quiz was not passed"
	case ReasonLate:
		return "completed after its due time"
	case ReasonNoRule:
		return "the programme gives no XP for this"
	case ReasonRepeatReview:
		return "this card was already reviewed today"
	case ReasonNoProgramme:
		return "items of the global library earn no XP"
	case ReasonNotMember:
		return "you are not a member of the item's programme"
	}
	return reason
}

func nothing(reason string) Earning { return Earning{Reason: reason} }

// reasonOf says why an event that Apply did not apply earns nothing.
func reasonOf(o Outcome, e learning.Event) string {
	switch o {
	case OutcomeFuture:
		return ReasonFuture
	case OutcomeBeforeJoined:
		return ReasonBeforeJoined
	case OutcomeTooFast:
		return ReasonTooFast
	case OutcomeAlreadyApplied:
		return ReasonDuplicate
	}
	if e.Kind == learning.LessonStarted {
		return ReasonNotACompletion
	}
	return ReasonNoRule
}

// plausible reports whether a completion reports enough time spent on its item: at least
// MinTimePercent of the item's estimate. Events without both measures (derived events, events
// published before the measures existed) and failed quiz attempts, which earn nothing anyway,
// are not checked.
func plausible(e learning.Event, r Rules) bool {
	switch {
	case r.MinTimePercent <= 0 || e.EstimatedSeconds <= 0:
		return true
	case e.Kind == learning.QuizAttempted && !e.Passed:
		return true
	case e.Kind != learning.LessonCompleted && e.Kind != learning.QuizAttempted:
		return true
	}
	return e.SecondsOnItem*100 >= r.MinTimePercent*e.EstimatedSeconds
}

// MinSecondsFor is the least time a completion of an item estimated at estimatedSeconds must
// report under r to earn (0 when nothing is checked).
func MinSecondsFor(r Rules, estimatedSeconds int) int {
	if r.MinTimePercent <= 0 || estimatedSeconds <= 0 {
		return 0
	}
	return (estimatedSeconds*r.MinTimePercent + 99) / 100
}

// whyNoXP says, before e is scored, why it would earn no XP from p's state: the item already
// earned, a failed quiz, a late assignment, a repeat review. "" means the rules decide.
func (p *Player) whyNoXP(e learning.Event) string {
	done := func(key string) string {
		if p.Done[key] {
			return ReasonAlreadyEarned
		}
		return ""
	}
	switch e.Kind {
	case learning.LessonCompleted:
		return done("lesson:" + e.ItemID)
	case learning.ChecklistCompleted:
		return done("checklist:" + e.ItemID)
	case learning.PathCompleted:
		return done("path:" + e.ItemID)
	case learning.QuizAttempted:
		if r := done("quiz:" + e.ItemID); r != "" {
			return r
		}
		if !e.Passed {
			return ReasonNotPassed
		}
	case learning.AssignmentCompleted:
		if r := done("assignment:" + e.ItemID); r != "" {
			return r
		}
		if !e.OnTime {
			return ReasonLate
		}
	case learning.ReviewCompleted:
		if e.Attempt > 1 {
			return ReasonRepeatReview
		}
	case learning.MeetingConfirmed, learning.ReflectionWritten, learning.GoalAchieved, learning.CadenceKept:
		return done(recordKey(e))
	}
	return ""
}

// earningOf sums what an applied event earned; with nothing paid it names the reason: the
// day's cap or window when the rules gave XP that was not paid, else why (or the rules).
func earningOf(rec Applied, earned []LedgerItem, why string, tooOld bool) Earning {
	xp := 0
	for _, it := range rec.Ledger {
		xp += it.XP
	}
	switch {
	case xp > 0:
		return Earning{XP: xp}
	case len(earned) > 0 && tooOld:
		return nothing(ReasonTooOld)
	case len(earned) > 0:
		return nothing(ReasonDailyCap)
	case why != "":
		return nothing(why)
	}
	return nothing(ReasonNoRule)
}

// String is the earning in words.
func (e Earning) String() string {
	if e.XP > 0 {
		return fmt.Sprintf("%d XP", e.XP)
	}
	return "no XP: " + ReasonText(e.Reason)
}

// recordKey is the Done key of a mentoring record act (scoreRecord).
func recordKey(e learning.Event) string {
	switch e.Kind {
	case learning.MeetingConfirmed:
		return "meeting:" + e.ItemID
	case learning.ReflectionWritten:
		return "reflection:" + e.ItemID
	case learning.GoalAchieved:
		return "goal:" + e.ItemID
	}
	return "cadence:" + e.ItemID
}
