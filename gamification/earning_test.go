package gamification_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/learning"
)

// earn applies e, which happened at `at` and arrives then (or at s.received when set), with
// the sim's inputs and returns what it earned.
func (s *sim) earn(e learning.Event, at time.Time) (gamification.Outcome, gamification.Earning) {
	s.n++
	if e.ID == "" {
		e.ID = fmt.Sprintf("e%d", s.n)
	}
	recorded := at
	if !s.received.IsZero() {
		recorded = s.received
	}
	e.UserID, e.ProgrammeID, e.OccurredAt, e.RecordedAt = "u1", "prog", at, recorded
	return s.p.Earn(e, gamification.Inputs{Now: recorded, Rules: s.rules, Badges: gamification.BuiltInBadges(), Profile: s.prof,
		ProgrammeZone: s.zone, JoinedAt: s.joined})
}

func timed(kind learning.Kind, id string, estimate, spent int) learning.Event {
	e := learning.Event{Kind: kind, ItemKind: map[learning.Kind]string{learning.LessonCompleted: "lesson", learning.QuizAttempted: "quiz"}[kind],
		ItemID: id, EstimatedSeconds: estimate, SecondsOnItem: spent}
	if kind == learning.QuizAttempted {
		e.Passed, e.ScorePercent, e.Attempt = true, 100, 1
	}
	return e
}

// A completion reporting less than 30% of the estimate (the default) earns nothing and
// changes nothing; a later completion with enough time earns as the first would have.
func TestCompletionEarnsOnlyWithPlausibleTime(t *testing.T) {
	now := time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)
	s := newSim(t, "Europe/London")
	// A 5-minute lesson needs 90 seconds.
	if o, e := s.earn(timed(learning.LessonCompleted, "l1", 300, 89), now); o != gamification.OutcomeTooFast || e.Reason != gamification.ReasonTooFast || e.XP != 0 {
		t.Errorf("89 s on a 300 s lesson: %s %+v, want too_fast", o, e)
	}
	if s.p.XP != 0 || s.p.Tally.Lessons != 0 || len(s.p.Active) != 0 || s.p.HasSeen("e1") {
		t.Errorf("a too-fast completion changed the player: xp %d lessons %d active %v", s.p.XP, s.p.Tally.Lessons, s.p.Active)
	}
	if o, e := s.earn(timed(learning.LessonCompleted, "l1", 300, 90), now.Add(time.Minute)); o != gamification.OutcomeApplied || e.XP != 10 {
		t.Errorf("90 s on a 300 s lesson: %s %+v, want 10 XP", o, e)
	}
	// A quiz pass is timed the same way; a failed attempt is not (it earns nothing anyway).
	if _, e := s.earn(timed(learning.QuizAttempted, "q1", 180, 10), now.Add(2*time.Minute)); e.Reason != gamification.ReasonTooFast {
		t.Errorf("10 s on a 180 s quiz: %+v, want too_fast", e)
	}
	fail := timed(learning.QuizAttempted, "q2", 180, 5)
	fail.Passed, fail.ScorePercent = false, 20
	if o, e := s.earn(fail, now.Add(3*time.Minute)); o != gamification.OutcomeApplied || e.Reason != gamification.ReasonNotPassed {
		t.Errorf("a quick failed attempt: %s %+v, want applied, not_passed", o, e)
	}
	// Events without measures (derived, or from before they existed) and programmes that
	// switch the check off are not timed.
	if _, e := s.earn(learning.Event{Kind: learning.LessonCompleted, ItemKind: "lesson", ItemID: "l2"}, now.Add(4*time.Minute)); e.XP != 15 {
		t.Errorf("an unmeasured completion: %+v, want 15 XP (10 and the daily goal's 5)", e)
	}
	s.rules.MinTimePercent = 0
	if _, e := s.earn(timed(learning.LessonCompleted, "l3", 300, 0), now.Add(5*time.Minute)); e.XP != 10 {
		t.Errorf("with the check off: %+v, want 10 XP", e)
	}
	if got := gamification.MinSecondsFor(gamification.DefaultRules(), 300); got != 90 {
		t.Errorf("MinSecondsFor(300) = %d, want 90", got)
	}
}

// Every event that earns nothing says why.
func TestEveryEventThatEarnsNothingSaysWhy(t *testing.T) {
	now := time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)
	s := newSim(t, "Europe/London")
	s.joined = now.Add(-time.Hour)
	lesson := func(id string) learning.Event {
		return learning.Event{Kind: learning.LessonCompleted, ItemKind: "lesson", ItemID: id}
	}
	check := func(name string, e learning.Event, at time.Time, wantXP int, wantReason string) {
		t.Helper()
		_, got := s.earn(e, at)
		if got.XP != wantXP || got.Reason != wantReason {
			t.Errorf("%s: %+v, want %d XP %q", name, got, wantXP, wantReason)
		}
		if wantXP == 0 && gamification.ReasonText(got.Reason) == got.Reason {
			t.Errorf("%s: reason %q has no words", name, got.Reason)
		}
	}
	check("before joining", lesson("a"), now.Add(-2*time.Hour), 0, gamification.ReasonBeforeJoined)
	check("a start", learning.Event{Kind: learning.LessonStarted, ItemKind: "lesson", ItemID: "a"}, now, 0, gamification.ReasonNotACompletion)
	check("first completion", lesson("a"), now, 10, "")
	check("second completion", lesson("a"), now.Add(time.Minute), 0, gamification.ReasonAlreadyEarned)
	check("a path (0 XP by default)", learning.Event{Kind: learning.PathCompleted, ItemKind: "path", ItemID: "p"}, now, 0, gamification.ReasonNoRule)
	s.received = now
	check("in the future", lesson("f"), now.Add(time.Hour), 0, gamification.ReasonFuture)
	s.received = time.Time{}
	s.rules.DailyCap = 25
	check("up to the cap", lesson("b"), now.Add(2*time.Minute), 15, "") // 10 + the daily goal's 5 = 25 of 25
	check("over the cap", lesson("c"), now.Add(3*time.Minute), 0, gamification.ReasonDailyCap)
	s.p.Seen = append(s.p.Seen, gamification.SeenEvent{ID: "dup", At: now})
	dup := lesson("d")
	dup.ID = "dup"
	check("a replay", dup, now, 0, gamification.ReasonDuplicate)
}
