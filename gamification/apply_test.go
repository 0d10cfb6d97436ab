package gamification_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/learning"
)

func TestLevelThresholdsDefaultCurve(t *testing.T) {
	c := gamification.DefaultRules().Levels
	var got []int64
	for l := 1; l <= 10; l++ {
		got = append(got, c.Threshold(l))
	}
	want := []int64{0, 120, 276, 479, 742, 1085, 1531, 2110, 2863, 3842}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("thresholds (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		xp   int64
		want int
	}{{0, 1}, {119, 1}, {120, 2}, {275, 2}, {276, 3}, {478, 3}, {479, 4}, {741, 4}, {742, 5}, {1531, 7}, {1_000_000, c.LevelFor(1_000_000)}} {
		if got := c.LevelFor(tc.xp); got != tc.want {
			t.Errorf("LevelFor(%d) = %d, want %d", tc.xp, got, tc.want)
		}
	}
	// Unbounded: a million XP is far beyond level 10, and the curve still agrees with itself.
	l := c.LevelFor(1_000_000)
	if l < 20 || c.Threshold(l) > 1_000_000 || c.Threshold(l+1) <= 1_000_000 {
		t.Errorf("LevelFor(1e6) = %d with thresholds %d..%d", l, c.Threshold(l), c.Threshold(l+1))
	}
	lin := gamification.LevelCurve{Kind: gamification.CurveLinear, Base: 100}
	if lin.Threshold(4) != 300 || lin.LevelFor(299) != 3 || lin.LevelFor(300) != 4 {
		t.Errorf("linear curve: threshold(4)=%d level(299)=%d level(300)=%d", lin.Threshold(4), lin.LevelFor(299), lin.LevelFor(300))
	}
}

// sim applies events to one player the way the service does, with a clock.
type sim struct {
	t      *testing.T
	p      gamification.Player
	rules  gamification.Rules
	prof   gamification.Profile
	joined time.Time
	zone   *time.Location
	n      int
	// received, when set, is when events reach the server (earn); else when they happen.
	received time.Time
}

func newSim(t *testing.T, tz string) *sim {
	return &sim{t: t, p: gamification.Player{ProgrammeID: "prog", UserID: "u1"}, rules: gamification.DefaultRules(),
		prof: gamification.Profile{UserID: "u1", Timezone: tz, DailyXPGoal: 20, Visibility: gamification.Visible}, zone: time.UTC}
}

// at parses a local time in zone.
func at(t *testing.T, zone, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// apply applies an event that happened at occurred and reached the server at recorded.
func (s *sim) apply(e learning.Event, occurred, recorded time.Time) gamification.Outcome {
	s.n++
	if e.ID == "" {
		e.ID = fmt.Sprintf("e%d", s.n)
	}
	e.UserID, e.ProgrammeID, e.OccurredAt, e.RecordedAt = "u1", "prog", occurred, recorded
	return s.p.Apply(e, gamification.Inputs{Now: recorded, Rules: s.rules, Badges: gamification.BuiltInBadges(), Profile: s.prof,
		ProgrammeZone: s.zone, JoinedAt: s.joined})
}

func (s *sim) lesson(id string, t time.Time) gamification.Outcome {
	return s.apply(learning.Event{Kind: learning.LessonCompleted, ItemKind: learning.KindLesson, ItemID: id, Domain: "cognitive"}, t, t)
}

func (s *sim) ledger() []string {
	var out []string
	for _, a := range s.p.Applied {
		for _, l := range a.Ledger {
			out = append(out, fmt.Sprintf("%s %s %d", a.Day, l.Rule, l.XP))
		}
	}
	return out
}

func TestPointRules(t *testing.T) {
	day := func(h int) time.Time { return time.Date(2026, 9, 2, h, 0, 0, 0, time.UTC) }
	quiz := func(id string, score, attempt int, passed, perfect bool) learning.Event {
		return learning.Event{Kind: learning.QuizAttempted, ItemKind: learning.KindQuiz, ItemID: id, ScorePercent: score, Attempt: attempt, Passed: passed, Perfect: perfect}
	}
	tests := []struct {
		name   string
		events []learning.Event
		want   []string
		xp     int64
	}{
		{"lesson counts the first time only", []learning.Event{
			{Kind: learning.LessonCompleted, ItemKind: "lesson", ItemID: "a"}, {Kind: learning.LessonCompleted, ItemKind: "lesson", ItemID: "a"}},
			[]string{"2026-09-02 lesson_completed 10"}, 10},
		{"quiz first pass earns 10 plus score share; later passes nothing", []learning.Event{quiz("q", 80, 1, true, false), quiz("q", 100, 2, true, true)},
			[]string{"2026-09-02 quiz_passed 18"}, 18},
		{"quiz pass on a retry earns half", []learning.Event{quiz("q", 40, 1, false, false), quiz("q", 100, 2, true, true)},
			[]string{"2026-09-02 quiz_passed 10"}, 10},
		{"a failed attempt seen earlier makes the pass a retry even if attempt says 1", []learning.Event{quiz("q", 40, 1, false, false), quiz("q", 90, 1, true, false)},
			[]string{"2026-09-02 quiz_passed 10"}, 10},
		{"checklist 5 once", []learning.Event{{Kind: learning.ChecklistCompleted, ItemKind: "checklist", ItemID: "c"}, {Kind: learning.ChecklistCompleted, ItemKind: "checklist", ItemID: "c"}},
			[]string{"2026-09-02 checklist_completed 5"}, 5},
		{"assignment on time earns 5, late earns nothing", []learning.Event{
			{Kind: learning.AssignmentCompleted, ItemKind: "assignment", ItemID: "a1", OnTime: true},
			{Kind: learning.AssignmentCompleted, ItemKind: "assignment", ItemID: "a2", OnTime: false},
			{Kind: learning.AssignmentCompleted, ItemKind: "assignment", ItemID: "a1", OnTime: true}},
			[]string{"2026-09-02 assignment_on_time 5"}, 5},
		{"daily goal met earns 5 once", []learning.Event{
			{Kind: learning.LessonCompleted, ItemKind: "lesson", ItemID: "a"}, {Kind: learning.LessonCompleted, ItemKind: "lesson", ItemID: "b"},
			{Kind: learning.LessonCompleted, ItemKind: "lesson", ItemID: "c"}},
			[]string{"2026-09-02 lesson_completed 10", "2026-09-02 lesson_completed 10", "2026-09-02 daily_goal 5", "2026-09-02 lesson_completed 10"}, 35},
		{"lesson started earns nothing", []learning.Event{{Kind: learning.LessonStarted, ItemKind: "lesson", ItemID: "a"}}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, "UTC")
			for i, e := range tc.events {
				s.apply(e, day(8+i), day(8+i))
			}
			if diff := cmp.Diff(tc.want, s.ledger()); diff != "" {
				t.Errorf("ledger (-want +got):\n%s", diff)
			}
			if s.p.XP != tc.xp {
				t.Errorf("XP = %d, want %d", s.p.XP, tc.xp)
			}
		})
	}
}

func TestAntiAbuse(t *testing.T) {
	base := time.Date(2026, 9, 2, 12, 0, 0, 0, time.UTC)
	t.Run("future-dated events earn nothing, small skew is tolerated", func(t *testing.T) {
		s := newSim(t, "UTC")
		if o := s.apply(learning.Event{Kind: learning.LessonCompleted, ItemID: "a"}, base.Add(10*time.Minute), base); o != gamification.OutcomeFuture {
			t.Errorf("outcome %s, want future", o)
		}
		if o := s.apply(learning.Event{Kind: learning.LessonCompleted, ItemID: "b"}, base.Add(2*time.Minute), base); o != gamification.OutcomeApplied {
			t.Errorf("outcome %s, want applied", o)
		}
		if s.p.XP != 10 {
			t.Errorf("XP %d, want 10", s.p.XP)
		}
	})
	t.Run("events before joining earn nothing", func(t *testing.T) {
		s := newSim(t, "UTC")
		s.joined = base
		if o := s.apply(learning.Event{Kind: learning.LessonCompleted, ItemID: "a"}, base.Add(-time.Hour), base); o != gamification.OutcomeBeforeJoined {
			t.Errorf("outcome %s, want before_joined", o)
		}
		if s.p.XP != 0 || len(s.p.Applied) != 0 {
			t.Errorf("XP %d applied %d, want nothing", s.p.XP, len(s.p.Applied))
		}
	})
	t.Run("daily cap per local day", func(t *testing.T) {
		s := newSim(t, "Europe/London")
		s.rules.DailyCap = 30
		for i, id := range []string{"a", "b", "c", "d"} {
			s.lesson(id, at(t, "Europe/London", fmt.Sprintf("2026-09-02 %02d:00", 9+i)))
		}
		// Next local day the cap starts again.
		s.lesson("e", at(t, "Europe/London", "2026-09-03 00:05"))
		want := []string{"2026-09-02 lesson_completed 10", "2026-09-02 lesson_completed 10", "2026-09-02 daily_goal 5",
			"2026-09-02 lesson_completed 5", "2026-09-03 lesson_completed 10"}
		if diff := cmp.Diff(want, s.ledger()); diff != "" {
			t.Errorf("ledger (-want +got):\n%s", diff)
		}
	})
}

func TestLevelUpsAndBadges(t *testing.T) {
	s := newSim(t, "UTC")
	s.rules.LessonCompleted = 60
	s.rules.DailyCap = 10000
	d := time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		s.lesson(fmt.Sprintf("l%d", i), d.Add(time.Duration(i)*time.Minute))
	}
	// 60, 125 (goal bonus), 185 XP: level 2 at 120.
	if s.p.XP != 185 || s.p.Level != 2 {
		t.Fatalf("XP %d level %d, want 185 and 2", s.p.XP, s.p.Level)
	}
	var levels []int
	var badges []string
	for _, a := range s.p.Applied {
		levels = append(levels, a.Levels...)
		badges = append(badges, a.Badges...)
	}
	if diff := cmp.Diff([]int{2}, levels); diff != "" {
		t.Errorf("level-ups (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"first-lesson", "domain-cognitive"}, badges); diff != "" {
		t.Errorf("badges (-want +got):\n%s", diff)
	}
	if got := s.p.Counter(gamification.Criterion{Counter: gamification.CounterLessons}); got != 3 {
		t.Errorf("lessons counter %d (\"3 of 5\" toward five-lessons), want 3", got)
	}
}

// streak applies one lesson per given local time and returns the streak as seen on the day
// of the last one.
func streakAfter(t *testing.T, tz string, times ...string) (gamification.StreakView, []string) {
	s := newSim(t, tz)
	var days []string
	for i, v := range times {
		s.lesson(fmt.Sprintf("l%d", i), at(t, tz, v))
	}
	for _, r := range s.p.Active {
		days = append(days, r.From+".."+r.To)
	}
	last := at(t, tz, times[len(times)-1])
	return s.p.Streak.View(last.In(last.Location()).Format("2006-01-02")), days
}

func TestStreaksOnLocalDaysAcrossMidnightAndDST(t *testing.T) {
	tests := []struct {
		name, tz string
		times    []string
		current  int
		active   []string
	}{
		{"London: a minute either side of midnight are two days", "Europe/London",
			[]string{"2026-09-01 23:59", "2026-09-02 00:00"}, 2, []string{"2026-09-01..2026-09-02"}},
		{"London spring forward (29 March): 00:10 BST on the 30th is 23:10 UTC on the 29th", "Europe/London",
			[]string{"2026-03-28 23:30", "2026-03-29 00:30", "2026-03-30 00:10"}, 3, []string{"2026-03-28..2026-03-30"}},
		{"London fall back (25 October): the 25-hour day is one day", "Europe/London",
			[]string{"2026-10-24 23:50", "2026-10-25 00:30", "2026-10-25 23:50", "2026-10-26 00:10"}, 3, []string{"2026-10-24..2026-10-26"}},
		{"New York spring forward (8 March): 23:30 EDT is already the 9th in UTC", "America/New_York",
			[]string{"2026-03-07 23:30", "2026-03-08 23:30", "2026-03-09 23:45"}, 3, []string{"2026-03-07..2026-03-09"}},
		{"Sydney DST ends (5 April): two local days within one UTC day", "Australia/Sydney",
			[]string{"2026-04-05 23:30", "2026-04-06 00:30"}, 2, []string{"2026-04-05..2026-04-06"}},
		{"a missed day breaks the streak without freezes", "America/New_York",
			[]string{"2026-03-07 10:00", "2026-03-09 10:00"}, 1, []string{"2026-03-07..2026-03-07", "2026-03-09..2026-03-09"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, active := streakAfter(t, tc.tz, tc.times...)
			if v.Current != tc.current {
				t.Errorf("streak %d, want %d", v.Current, tc.current)
			}
			if diff := cmp.Diff(tc.active, active); diff != "" {
				t.Errorf("active days (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStreakFreezes(t *testing.T) {
	days := func(from string, n int, skip ...int) []string {
		var out []string
		d, _ := time.Parse("2006-01-02", from)
	next:
		for i := 0; i < n; i++ {
			for _, s := range skip {
				if s == i {
					continue next
				}
			}
			out = append(out, d.AddDate(0, 0, i).Format("2006-01-02")+" 12:00")
		}
		return out
	}
	t.Run("seven days earn a freeze that bridges a missed day", func(t *testing.T) {
		v, _ := streakAfter(t, "Europe/London", days("2026-09-01", 9, 7)...) // days 1-7, miss 8, day 9
		if v.Current != 8 || v.Freezes != 0 || v.Best != 8 {
			t.Errorf("streak %+v, want current 8 (freeze used), 0 freezes", v)
		}
		if diff := cmp.Diff([]string{"2026-09-08"}, v.FrozenDays); diff != "" {
			t.Errorf("frozen days (-want +got):\n%s", diff)
		}
	})
	t.Run("at most two freezes held; a three-day gap breaks the streak", func(t *testing.T) {
		v, _ := streakAfter(t, "Europe/London", days("2026-09-01", 25, 21, 22, 23)...) // 21 days, miss 3, day 25
		if v.Current != 1 || v.Best != 21 || v.Freezes != 2 {
			t.Errorf("streak %+v, want current 1, best 21, 2 freezes kept", v)
		}
	})
	t.Run("freezes are used automatically when seen before the user is back", func(t *testing.T) {
		s := newSim(t, "UTC")
		for i, d := range days("2026-09-01", 7) {
			s.lesson(fmt.Sprint(i), at(t, "UTC", d))
		}
		if v := s.p.Streak.View("2026-09-09"); v.Current != 7 || v.Freezes != 0 || len(v.FrozenDays) != 1 {
			t.Errorf("one day missed: %+v, want streak alive on a freeze", v)
		}
		if v := s.p.Streak.View("2026-09-10"); v.Current != 0 {
			t.Errorf("two days missed with one freeze: %+v, want broken", v)
		}
	})
}

func TestLateOfflineEventCountsForItsLocalDay(t *testing.T) {
	s := newSim(t, "Australia/Sydney")
	s.lesson("a", at(t, "Australia/Sydney", "2026-04-04 09:00"))
	s.lesson("b", at(t, "Australia/Sydney", "2026-04-06 09:00"))
	if v := s.p.Streak.View("2026-04-06"); v.Current != 1 {
		t.Fatalf("before the offline event arrives: %+v, want 1", v)
	}
	// Done offline at 23:50 on the 5th (the DST day), received two days later.
	occurred := at(t, "Australia/Sydney", "2026-04-05 23:50")
	s.apply(learning.Event{Kind: learning.LessonCompleted, ItemKind: "lesson", ItemID: "c"}, occurred, occurred.Add(48*time.Hour))
	if v := s.p.Streak.View("2026-04-07"); v.Current != 3 {
		t.Errorf("after: %+v, want 3 (the 4th, 5th and 6th)", v)
	}
	if d := s.p.DayXP("2026-04-05"); d.XP != 10 {
		t.Errorf("XP of the 5th = %d, want 10 (counted for the day it happened)", d.XP)
	}
}

func TestTimezoneChangeAppliesFromTheNextLocalDay(t *testing.T) {
	s := newSim(t, "Europe/London")
	s.lesson("a", time.Date(2026, 6, 9, 11, 0, 0, 0, time.UTC))
	// At 13:00 London time on the 10th the user moves to Sydney.
	s.prof.Timezone, s.prof.TimezoneChangedAt = "Australia/Sydney", time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	// 21:00 in London (06:00 on the 11th in Sydney): still London's 10th.
	s.lesson("b", time.Date(2026, 6, 10, 20, 0, 0, 0, time.UTC))
	// After London's midnight: Sydney's day.
	s.lesson("c", time.Date(2026, 6, 11, 1, 0, 0, 0, time.UTC))
	var got []string
	for _, a := range s.p.Applied {
		got = append(got, a.Day)
	}
	if diff := cmp.Diff([]string{"2026-06-09", "2026-06-10", "2026-06-11"}, got); diff != "" {
		t.Errorf("days (-want +got):\n%s", diff)
	}
	if s.p.Streak.Current != 3 {
		t.Errorf("streak %d, want 3", s.p.Streak.Current)
	}
}

func TestAlreadyAppliedChangesNothing(t *testing.T) {
	s := newSim(t, "UTC")
	d := time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)
	s.apply(learning.Event{ID: "same", Kind: learning.LessonCompleted, ItemID: "a"}, d, d)
	before := s.p.Clone()
	if o := s.apply(learning.Event{ID: "same", Kind: learning.LessonCompleted, ItemID: "a"}, d, d); o != gamification.OutcomeAlreadyApplied {
		t.Fatalf("outcome %s", o)
	}
	if diff := cmp.Diff(before, s.p); diff != "" {
		t.Errorf("replay changed the player (-before +after):\n%s", diff)
	}
}

func TestBoardRanking(t *testing.T) {
	sc := func(u string, score int64, v gamification.Visibility) gamification.Score {
		return gamification.Score{UserID: u, DisplayName: "name-" + u, Score: score, Visibility: v}
	}
	scores := []gamification.Score{sc("u5", 50, gamification.Visible), sc("u2", 80, gamification.Visible), sc("u3", 80, gamification.Anonymous),
		sc("u1", 90, gamification.Hidden), sc("u4", 60, gamification.Visible), sc("u6", 10, gamification.Visible), sc("u7", 5, gamification.Visible)}
	b := gamification.BuildBoard(scores, "u4", 2)
	type row struct {
		Rank int
		User string
		Name string
	}
	rows := func(es []gamification.BoardEntry) []row {
		var out []row
		for _, e := range es {
			out = append(out, row{e.Rank, e.UserID, e.DisplayName})
		}
		return out
	}
	if diff := cmp.Diff([]row{{1, "u2", "name-u2"}, {2, "", gamification.AnonymousName}}, rows(b.Top)); diff != "" {
		t.Errorf("top: ties by user ID, anonymous without ID, hidden left out (-want +got):\n%s", diff)
	}
	if b.Me == nil || b.Me.Rank != 3 || b.Participants != 6 {
		t.Fatalf("me %+v participants %d, want rank 3 of 6", b.Me, b.Participants)
	}
	if diff := cmp.Diff([]row{{1, "u2", "name-u2"}, {2, "", gamification.AnonymousName}, {4, "u5", "name-u5"}, {5, "u6", "name-u6"}}, rows(b.Neighbours)); diff != "" {
		t.Errorf("neighbours (-want +got):\n%s", diff)
	}
	if h := gamification.BuildBoard(scores, "u1", 3); !h.MeHidden || h.Me != nil {
		t.Errorf("hidden caller: %+v", h)
	}
}

func TestPeriodKeysStartMondayInProgrammeZone(t *testing.T) {
	syd, _ := time.LoadLocation("Australia/Sydney")
	ny, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		t    time.Time
		loc  *time.Location
		week string
	}{
		// Sunday 23:30 UTC is already Monday 09:30 in Sydney.
		{time.Date(2026, 9, 6, 23, 30, 0, 0, time.UTC), syd, "w2026-09-07"},
		{time.Date(2026, 9, 6, 23, 30, 0, 0, time.UTC), ny, "w2026-08-31"},
		// Monday 00:30 local in New York, just after the DST change week.
		{time.Date(2026, 3, 9, 4, 30, 0, 0, time.UTC), ny, "w2026-03-09"},
	}
	for _, tc := range tests {
		if got := gamification.PeriodKey(gamification.PeriodWeek, tc.t, tc.loc); got != tc.week {
			t.Errorf("week of %s in %s = %s, want %s", tc.t, tc.loc, got, tc.week)
		}
	}
	start, end, _ := gamification.PeriodBounds("w2026-03-02", ny)
	if end.Sub(start) != 7*24*time.Hour-time.Hour {
		t.Errorf("the DST week in New York lasts %s, want 167h", end.Sub(start))
	}
	if got := gamification.PeriodKey(gamification.PeriodMonth, time.Date(2026, 8, 31, 15, 0, 0, 0, time.UTC), syd); got != "m2026-09" {
		t.Errorf("month = %s, want m2026-09", got)
	}
}
