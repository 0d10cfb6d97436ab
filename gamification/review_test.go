package gamification_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/learning"
)

func review(card string, attempt int, correct bool) learning.Event {
	return learning.Event{Kind: learning.ReviewCompleted, ItemKind: learning.KindReview, ItemID: card, Attempt: attempt, Passed: correct}
}

// Reviews earn XP through the rules, less for the same card again on the same local day,
// and count for the streak, the daily goal and the review badges.
func TestReviewRules(t *testing.T) {
	s := newSim(t, "Europe/Berlin")
	d1 := at(t, "Europe/Berlin", "2026-09-02 08:00")
	s.apply(review("c1", 1, true), d1, d1)
	s.apply(review("c1", 2, true), d1.Add(time.Minute), d1.Add(time.Minute))
	s.apply(review("c1", 3, true), d1.Add(2*time.Minute), d1.Add(2*time.Minute))
	s.apply(review("c2", 1, false), d1.Add(3*time.Minute), d1.Add(3*time.Minute))
	// 23:30 local is still the same day; 00:30 the next (the card starts over).
	late := at(t, "Europe/Berlin", "2026-09-02 23:30")
	s.apply(review("c1", 4, true), late, late)
	next := at(t, "Europe/Berlin", "2026-09-03 00:30")
	s.apply(review("c1", 1, true), next, next)
	want := []string{"2026-09-02 review 3", "2026-09-02 review 1", "2026-09-02 review 1", "2026-09-03 review 3"}
	if diff := cmp.Diff(want, s.ledger()); diff != "" {
		t.Errorf("ledger (-want +got):\n%s", diff)
	}
	if s.p.Tally.Reviews != 6 || s.p.Tally.ReviewDays != 2 {
		t.Errorf("tally: %d reviews on %d days, want 6 on 2", s.p.Tally.Reviews, s.p.Tally.ReviewDays)
	}
	if s.p.Streak.Current != 2 {
		t.Errorf("streak %d, want 2: review days are active days", s.p.Streak.Current)
	}
	if _, ok := s.p.HasBadge("first-review"); !ok {
		t.Error("first-review badge not earned")
	}
	if _, ok := s.p.HasBadge("review-days-7"); ok {
		t.Error("review-days-7 earned after 2 days")
	}
	for i := 3; i <= 8; i++ {
		d := at(t, "Europe/Berlin", "2026-09-0"+string(rune('0'+i))+" 09:00")
		s.apply(review("c9", 1, false), d, d)
	}
	if _, ok := s.p.HasBadge("review-days-7"); !ok {
		t.Errorf("review-days-7 not earned after %d review days", s.p.Tally.ReviewDays)
	}
}

func TestReviewGoal(t *testing.T) {
	s := newSim(t, "UTC")
	s.rules.ReviewCorrect = 10
	d := time.Date(2026, 9, 2, 8, 0, 0, 0, time.UTC)
	s.apply(review("a", 1, true), d, d)
	s.apply(review("b", 1, true), d, d)
	if got := s.p.DayXP("2026-09-02"); !got.GoalMet {
		t.Errorf("day %+v: 20 XP of reviews should meet the goal of 20", got)
	}
	r := gamification.DefaultRules()
	r.ReviewRepeatPercent = 101
	if err := r.Validate(); err == nil {
		t.Error("reviewRepeatPercent 101 accepted")
	}
}
