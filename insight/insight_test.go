package insight_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/learning"
)

func TestHistogramMedian(t *testing.T) {
	for _, tc := range []struct {
		h    insight.Histogram
		want float64
		ok   bool
	}{
		{insight.Histogram{}, 0, false},
		{insight.Histogram{5: 1}, 5, true},
		{insight.Histogram{1: 1, 9: 1}, 5, true},
		{insight.Histogram{1: 2, 9: 1}, 1, true},
		{insight.Histogram{0: 3, 4: 1, 10: 3}, 4, true},
		{insight.Histogram{2: 1, 3: 1, 4: 1, 100: 1}, 3.5, true},
		{insight.Histogram{7: 1000, 8: 1001}, 8, true},
	} {
		got, ok := tc.h.Median()
		if got != tc.want || ok != tc.ok {
			t.Errorf("median of %v = %v %v, want %v %v", tc.h, got, ok, tc.want, tc.ok)
		}
	}
}

func TestWeeksStartOnMondayInTheProgrammesZone(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	sydney, _ := time.LoadLocation("Australia/Sydney")
	for _, tc := range []struct {
		at   string
		loc  *time.Location
		want string
	}{
		{"2026-03-29T22:30:00Z", london, "2026-03-23"}, // Sunday 23:30 BST, the night the clocks went forward
		{"2026-03-29T23:30:00Z", london, "2026-03-30"}, // Monday 00:30 BST
		{"2026-10-25T23:30:00Z", london, "2026-10-19"}, // Sunday 23:30 GMT after the clocks went back
		{"2026-10-26T00:00:00Z", london, "2026-10-26"},
		{"2026-11-29T14:00:00Z", sydney, "2026-11-30"}, // Monday 01:00 in Sydney, still Sunday in UTC
	} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		if got := insight.Week(at, tc.loc); got != tc.want {
			t.Errorf("week of %s in %s = %s, want %s", tc.at, tc.loc, got, tc.want)
		}
	}
}

// TestLearnerAggregatesMatchAFreshCount applies random events (repeats included) one at a
// time, adds up every change the learners emit, and compares the sums with figures counted
// directly from the events: active people and their minutes per week, first completions,
// reach and completers per item, people by last active day, questions.
func TestLearnerAggregatesMatchAFreshCount(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/London")
	rng := rand.New(rand.NewPCG(7, 9))
	start := time.Date(2026, 10, 20, 6, 0, 0, 0, time.UTC)
	var events []learning.Event
	for i := 0; i < 600; i++ {
		events = append(events, randomEvent(rng, i, start))
	}
	learners := map[string]insight.Learner{}
	got := map[insight.Target]insight.Counts{}
	var deliveries []learning.Event
	for i, e := range events {
		deliveries = append(deliveries, e)
		if i%7 == 3 { // a redelivery of an earlier event changes nothing
			deliveries = append(deliveries, events[rng.IntN(i)])
		}
	}
	for _, e := range deliveries {
		key := insight.LearnerKey(e.ProgrammeID, e.UserID)
		l, ok := learners[key]
		if !ok {
			l = insight.Learner{ProgrammeID: e.ProgrammeID, UserID: e.UserID, Weeks: map[string]insight.LearnerWeek{}, Items: map[string]insight.LearnerItem{}}
		}
		if l.Has(e.ID) {
			continue
		}
		step := l.Apply(e, roleOf(e.UserID), loc, e.RecordedAt)
		if step.Learner.Pending.Seq != l.Version+1 {
			t.Fatalf("change number %d after version %d", step.Learner.Pending.Seq, l.Version)
		}
		for _, c := range step.Learner.Pending.Changes {
			if got[c.Target] == nil {
				got[c.Target] = insight.Counts{}
			}
			got[c.Target].Merge(c.Counts)
		}
		learners[key] = step.Learner
	}
	want := freshCount(events, loc)
	for tg, w := range want {
		g := nonZero(got[tg])
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("%v (-fresh +incremental):\n%s", tg, diff)
		}
	}
}

func roleOf(user string) string {
	if user == "u0" {
		return insight.RoleMentor
	}
	return insight.RoleMentee
}

func randomEvent(rng *rand.Rand, i int, start time.Time) learning.Event {
	at := start.Add(time.Duration(rng.IntN(20*24)) * time.Hour)
	e := learning.Event{ID: fmt.Sprintf("e%d", i), UserID: fmt.Sprintf("u%d", rng.IntN(6)), ProgrammeID: "p",
		OccurredAt: at, RecordedAt: start.Add(time.Duration(i) * time.Minute), SecondsSpent: rng.IntN(400)}
	item := rng.IntN(5)
	switch rng.IntN(5) {
	case 0:
		e.Kind, e.ItemKind = learning.LessonStarted, "lesson"
	case 1:
		e.Kind, e.ItemKind = learning.LessonCompleted, "lesson"
	case 2:
		e.Kind, e.ItemKind, e.Passed, e.Attempt = learning.QuizAttempted, "quiz", rng.IntN(2) == 0, 1+rng.IntN(2)
		e.Questions = []learning.QuestionResult{{Key: "q1", Correct: rng.IntN(2) == 0}, {Key: "q2", Correct: true}}
	case 3:
		e.Kind, e.ItemKind, e.SecondsSpent = learning.ChecklistCompleted, "checklist", 0
	default:
		e.Kind, e.ItemKind, e.ItemID, e.OnTime, e.SecondsSpent = learning.AssignmentCompleted, "assignment", fmt.Sprintf("a%d", i), rng.IntN(2) == 0, 0
		return e
	}
	e.ItemID = e.ItemKind + strconv.Itoa(item)
	e.Domain = []string{"cognitive", "affective", ""}[item%3]
	return e
}

func nonZero(c insight.Counts) insight.Counts {
	out := insight.Counts{}
	for k, v := range c {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// freshCount counts the figures straight from the events, in processing order.
func freshCount(es []learning.Event, loc *time.Location) map[insight.Target]insight.Counts {
	out := map[insight.Target]insight.Counts{}
	at := func(k insight.TargetKind, key string) insight.Counts {
		t := insight.Target{Kind: k, ProgrammeID: "p", Key: key}
		if out[t] == nil {
			out[t] = insight.Counts{}
		}
		return out[t]
	}
	type pw struct{ user, week string }
	secs := map[pw]int64{}
	done := map[string]bool{}
	itemSecs := map[string]int64{}
	last := map[string]time.Time{}
	for _, e := range es {
		w := insight.Week(e.OccurredAt, loc)
		wk := at(insight.TargetWeek, w)
		wk.Add("e."+string(e.Kind), 1)
		at(insight.TargetTotal, "").Add("e."+string(e.Kind), 1)
		secs[pw{e.UserID, w}] += int64(e.SecondsSpent)
		if e.OccurredAt.After(last[e.UserID]) {
			last[e.UserID] = e.OccurredAt
		}
		if e.Kind == learning.AssignmentCompleted {
			path := map[bool]string{true: "a.ontime", false: "a.late"}[e.OnTime]
			wk.Add("c.assignment", 1)
			wk.Add(path, 1)
			at(insight.TargetTotal, "").Add(path, 1)
			continue
		}
		dom := e.Domain
		if dom == "" {
			dom = "none"
		}
		wk.Add("d."+dom+".sec", int64(e.SecondsSpent))
		key := e.UserID + "/" + e.ItemID
		it := at(insight.TargetItem, e.ItemID)
		if _, ok := itemSecs[key]; !ok {
			it.Add("reach", 1)
		}
		itemSecs[key] += int64(e.SecondsSpent)
		it.Add("sec", int64(e.SecondsSpent))
		completes := e.Kind != learning.LessonStarted && (e.Kind != learning.QuizAttempted || e.Passed)
		if completes && !done[key] {
			done[key] = true
			wk.Add("c."+e.ItemKind, 1)
			wk.Add("d."+dom+".c", 1)
			it.Add("done", 1)
		}
		if e.Kind == learning.QuizAttempted {
			quizCounts(wk, it, e)
		}
	}
	for k, s := range secs {
		wk := at(insight.TargetWeek, k.week)
		role := roleOf(k.user)
		wk.Add("n."+role, 1)
		wk.Add("h."+role+".m"+strconv.FormatInt(s/60, 10), 1)
		wk.Add("sec."+role, s)
	}
	for key, s := range itemSecs {
		if done[key] {
			item := key[len(key)-len("lesson0"):]
			if item[0] != 'l' {
				item = key[len(key)-len("quiz0"):]
				if item[0] != 'q' {
					item = key[len(key)-len("checklist0"):]
				}
			}
			at(insight.TargetItem, item).Add("h.b"+strconv.Itoa(bucket(s)), 1)
		}
	}
	users := make([]string, 0, len(last))
	for u := range last {
		users = append(users, u)
	}
	sort.Strings(users)
	for _, u := range users {
		at(insight.TargetLast, "").Add("d."+roleOf(u)+".d"+insight.Day(last[u], loc), 1)
	}
	return out
}

func quizCounts(wk, it insight.Counts, e learning.Event) {
	wk.Add("q.attempts", 1)
	it.Add("att", 1)
	if e.Passed {
		wk.Add("q.passed", 1)
		it.Add("pass", 1)
	}
	if e.Attempt == 1 {
		it.Add("first.att", 1)
		if e.Passed {
			it.Add("first.pass", 1)
		}
	}
	for _, q := range e.Questions {
		it.Add("q."+q.Key+".n", 1)
		if q.Correct {
			it.Add("q."+q.Key+".ok", 1)
		}
	}
}

func bucket(sec int64) int {
	if sec < 3600 {
		return int(sec / 10)
	}
	return 360 + int((sec-3600)/300)
}
