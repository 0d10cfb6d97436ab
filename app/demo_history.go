package app

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/identity"
)

// A lived-in demo (issue 15): the demo mentees joined four weeks ago and have three weeks of
// learning behind them, recorded through content as their phones would have sent it (so the
// activity, progress, XP, streaks, badges and leaderboard all follow from real events), and a
// badge prize that the most regular of them has won. Every event has a fixed ID: seeding
// again replays them and changes nothing.

// demoJoinedDaysAgo is when the demo members joined the programme.
const demoJoinedDaysAgo = 28

// demoHistoryDays is how far back the demo mentees' learning goes.
const demoHistoryDays = 21

// demoLearner is one demo mentee's habit: on which of the last 21 days (0 is today) they
// learned, and what (the demo pack's items as "kind:key", in order).
type demoLearner struct {
	email string
	days  []int
	keys  []string
}

// demoLearners: Ada learns almost daily (a streak into today), Ben most weekdays, Chloe
// started strong and lapsed. None of them has done what their mentor assigned yet (nor all
// of an assigned path), and the rest of the pack is left for the home to suggest.
func demoLearners() []demoLearner {
	var ada, ben []int
	for d := demoHistoryDays - 1; d >= 0; d-- {
		if d != 12 && d != 13 { // a weekend off, then an unbroken run to today
			ada = append(ada, d)
		}
		if d%7 != 1 && d%7 != 2 && d != 0 {
			ben = append(ben, d)
		}
	}
	adaKeys := []string{"lesson:mentoring-types", "lesson:mentoring-agreement", "lesson:preparing-a-session", "quiz:mentoring-foundations-check",
		"lesson:giving-and-receiving-feedback", "lesson:reflective-practice", "checklist:after-session-reflection", "lesson:confidence-and-setbacks"}
	groupKeys := []string{"lesson:mentoring-types", "lesson:preparing-a-session", "quiz:mentoring-foundations-check", "lesson:active-listening",
		"lesson:giving-and-receiving-feedback", "lesson:reflective-practice", "checklist:after-session-reflection", "lesson:confidence-and-setbacks"}
	return []demoLearner{{"mentee1@example.com", ada, adaKeys}, {"mentee2@example.com", ben, groupKeys},
		{"mentee3@example.com", []int{20, 19, 18, 16, 15, 9}, groupKeys}}
}

// seedHistoryDemo records the demo mentees' three weeks and the demo's badge prize.
func (a *App) seedHistoryDemo(ctx context.Context, users map[string]identity.User) error {
	if err := a.demoPrize(ctx, users); err != nil {
		return err
	}
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	now := a.Now().In(loc)
	for li, l := range demoLearners() {
		u, ok := users[l.email]
		items, err := a.demoItems(ctx, l.keys)
		if err != nil {
			return err
		}
		if !ok || len(items) < 2 {
			continue
		}
		for n, d := range l.days {
			// Mornings on the way in, an item a day; after that a first lesson is read again
			// (it keeps the streak, it earns nothing).
			at := time.Date(now.Year(), now.Month(), now.Day()-d, 8, 10+li*7, 0, 0, loc)
			if d == 0 && at.After(now) {
				at = now.Add(-time.Minute)
			}
			it := items[n%2]
			if n < len(items) {
				it = items[n]
			}
			if err := a.demoLearn(ctx, u.ID, it, at, fmt.Sprintf("%s/%d", l.email, d)); err != nil {
				return fmt.Errorf("demo history of %s: %w", l.email, err)
			}
		}
	}
	return nil
}

// demoItems finds the demo pack's items by "kind:key" (those missing are left out).
func (a *App) demoItems(ctx context.Context, keys []string) ([]content.Item, error) {
	var out []content.Item
	for _, k := range keys {
		kind, key, _ := strings.Cut(k, ":")
		it, err := a.Content.ItemByKey(ctx, DemoProgrammeID, content.Kind(kind), key)
		if errors.Is(err, content.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// demoLearn records one item done at a time, in the time its estimate says.
func (a *App) demoLearn(ctx context.Context, userID string, it content.Item, at time.Time, seed string) error {
	seconds := max(60, it.EstimatedMinutes*60)
	switch it.Kind {
	case content.KindLesson:
		_, err := a.Content.RecordLesson(ctx, userID, it, content.LessonProgress{EventID: demoEventID(seed, 0), OccurredAt: at.UTC(),
			State: content.LessonCompleted, SecondsSpent: seconds})
		return err
	case content.KindQuiz:
		_, _, err := a.Content.SubmitQuiz(ctx, userID, it, content.QuizSubmission{EventID: demoEventID(seed, 0), OccurredAt: at.UTC(),
			Answers: rightAnswers(it.Quiz), SecondsSpent: seconds})
		if errors.Is(err, content.ErrAttemptsUsedUp) {
			return nil
		}
		return err
	case content.KindChecklist:
		for i, ci := range it.Checklist.Items {
			if _, err := a.Content.TickChecklist(ctx, userID, it, content.ChecklistTick{EventID: demoEventID(seed, i), OccurredAt: at.Add(time.Duration(i) * time.Minute).UTC(),
				ItemKey: ci.Key, Ticked: true}); err != nil {
				return err
			}
		}
	}
	return nil
}

// rightAnswers answers every question of q correctly.
func rightAnswers(q *content.Quiz) []content.Answer {
	var out []content.Answer
	for _, qu := range q.Questions {
		a := content.Answer{QuestionKey: qu.Key}
		for _, o := range qu.Options {
			if o.Correct {
				a.OptionKeys = append(a.OptionKeys, o.Key)
			}
		}
		out = append(out, a)
	}
	return out
}

// demoEventID is a fixed UUID for one demo event.
func demoEventID(seed string, n int) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s#%d", seed, n)
	return fmt.Sprintf("7a1e0c55-d3e0-4b15-8a00-%012x", h.Sum64()&0xffffffffffff)
}

// demoPrize is the programme's badge prize for a seven-day streak, with how to claim it.
func (a *App) demoPrize(ctx context.Context, users map[string]identity.User) error {
	ps, err := a.Gamification.Prizes(ctx, DemoProgrammeID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.BadgeID == "streak-7" {
			return nil
		}
	}
	_, err = a.Gamification.CreatePrize(ctx, gamification.Prize{ProgrammeID: DemoProgrammeID, Name: "Lunch with the Chief Nurse",
		Description: "For anyone who learns seven days in a row.", Kind: gamification.PrizeBadge, BadgeID: "streak-7",
		ClaimInstructions: "Email clinical.education@northfield.example with your ward and two dates that suit you; lunch is in the Education Centre.",
		CreatedBy:         users[DemoAccounts[0].Email].ID})
	return err
}
