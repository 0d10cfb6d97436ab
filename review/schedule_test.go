package review_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/microlearn/microlearn/review"
)

func logAt(i int, at time.Time, r review.Rating) review.Log {
	return review.Log{ID: fmt.Sprintf("u:%03d", i), Kind: review.LogReview, OccurredAt: at, Rating: r}
}

// The schedule follows go-fsrs's documented behaviour: its long-term scheduler's own test
// (TestLongTermScheduler, default weights, retention 0.9, each review on its due day) gives
// intervals 3, 11, 35, 101, 269, 669 for Good, Good, ..., then 12 after Again and 2 after a
// second Again; intervals grow on Good and shrink on Again.
func TestFoldFollowsFSRS(t *testing.T) {
	start := time.Date(2022, 11, 29, 12, 30, 0, 0, time.UTC)
	ratings := []review.Rating{review.Good, review.Good, review.Good, review.Good, review.Good, review.Good, review.Again, review.Again,
		review.Good, review.Good, review.Good, review.Good, review.Good}
	want := []int{3, 11, 35, 101, 269, 669, 12, 2, 5, 12, 26, 55, 112}
	var logs []review.Log
	at := start
	for i, r := range ratings {
		logs = append(logs, logAt(i, at, r))
		m, due := review.Fold(append([]review.Log(nil), logs...), 0.9, time.UTC)
		if m.ScheduledDays != want[i] {
			t.Fatalf("review %d (%d): interval %d days, want %d", i+1, r, m.ScheduledDays, want[i])
		}
		if wantDue := review.StartOfDay(at.AddDate(0, 0, want[i]), time.UTC); !due.Equal(wantDue) {
			t.Fatalf("review %d: due %s, want %s", i+1, due, wantDue)
		}
		at = at.AddDate(0, 0, want[i])
	}
}

// A wrong quiz answer is the card's first answer (Again): due the next day, at the start of
// that day in the person's zone, so it can be reviewed any time that day.
func TestMissedQuestionIsDueNextLocalDay(t *testing.T) {
	loc, _ := time.LoadLocation("America/New_York")
	failed := time.Date(2026, 3, 7, 22, 30, 0, 0, loc) // the evening before the spring DST change
	_, due := review.Fold([]review.Log{logAt(0, failed, review.Again)}, 0.9, loc)
	if want := time.Date(2026, 3, 8, 0, 0, 0, 0, loc); !due.Equal(want) {
		t.Errorf("due %s, want %s", due.In(loc), want)
	}
	// Higher desired retention reviews sooner.
	good := []review.Log{logAt(0, failed, review.Again), logAt(1, failed.AddDate(0, 0, 1), review.Good), logAt(2, failed.AddDate(0, 0, 3), review.Good)}
	m90, _ := review.Fold(append([]review.Log(nil), good...), 0.9, loc)
	m97, _ := review.Fold(append([]review.Log(nil), good...), 0.97, loc)
	if m97.ScheduledDays >= m90.ScheduledDays {
		t.Errorf("retention 0.97 interval %d, 0.9 interval %d: want shorter at higher retention", m97.ScheduledDays, m90.ScheduledDays)
	}
}

// Answers fold in the order they happened, whatever order they arrived in.
func TestFoldOrderIndependent(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	a := []review.Log{logAt(0, t0, review.Again), logAt(1, t0.AddDate(0, 0, 1), review.Good), logAt(2, t0.AddDate(0, 0, 4), review.Hard)}
	b := []review.Log{a[2], a[0], a[1]}
	ma, da := review.Fold(a, 0.9, time.UTC)
	mb, db := review.Fold(b, 0.9, time.UTC)
	if ma != mb || !da.Equal(db) {
		t.Errorf("fold depends on arrival order: %+v %s vs %+v %s", ma, da, mb, db)
	}
}

func TestDeriveRating(t *testing.T) {
	for _, tc := range []struct {
		correct bool
		self    review.Rating
		secs    int
		want    review.Rating
	}{
		{false, review.Easy, 3, review.Again}, // a wrong answer is Again whatever the phone says
		{true, 0, 8, review.Good},
		{true, 0, 0, review.Good},
		{true, 0, 45, review.Hard},
		{true, review.Easy, 45, review.Easy},
		{true, review.Again, 4, review.Again}, // "I guessed"
	} {
		if got, _ := review.DeriveRating(tc.correct, tc.self, tc.secs); got != tc.want {
			t.Errorf("DeriveRating(%v, %v, %d) = %v, want %v", tc.correct, tc.self, tc.secs, got, tc.want)
		}
	}
}

func TestGradeAndFingerprint(t *testing.T) {
	q := review.Question{Key: "q1", Type: review.TypeMultiple, Prompt: "Pick two", Options: []review.Option{
		{Key: "a", Text: "A", Correct: true}, {Key: "b", Text: "B"}, {Key: "c", Text: "C", Correct: true}}}
	if ok, err := q.Grade([]string{"c", "a"}); err != nil || !ok {
		t.Errorf("right answer graded %v, %v", ok, err)
	}
	if ok, err := q.Grade([]string{"a"}); err != nil || ok {
		t.Errorf("half answer graded %v, %v", ok, err)
	}
	for _, bad := range [][]string{nil, {"z"}, {"a", "a"}} {
		if _, err := q.Grade(bad); err == nil {
			t.Errorf("Grade(%q) accepted", bad)
		}
	}
	single := q
	single.Type = review.TypeSingle
	if _, err := single.Grade([]string{"a", "c"}); err == nil {
		t.Error("two answers to a one-answer question accepted")
	}
	reworded := q
	reworded.Explanation = "now explained"
	if reworded.Fingerprint() != q.Fingerprint() {
		t.Error("a new explanation changed the fingerprint")
	}
	changed := q
	changed.Options = append([]review.Option(nil), q.Options...)
	changed.Options[1].Correct = true
	if changed.Fingerprint() == q.Fingerprint() {
		t.Error("a changed answer kept the fingerprint")
	}
}
