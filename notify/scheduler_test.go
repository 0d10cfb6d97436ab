package notify_test

import (
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/notify"
)

func (h *harness) scheduler() *notify.Scheduler {
	return &notify.Scheduler{Service: h.svc, Recipients: h.people, Goals: h.goals, Assignments: h.assignments, Now: h.clock.Now,
		Log: slog.New(slog.DiscardHandler), Cfg: notify.SchedulerConfig{Interval: 30 * time.Minute, Horizon: time.Hour,
			StreakRiskAt: "20:00", DueReminderAt: "18:00"}}
}

// planned lists the outbox as "dedupKey@dueAt(UTC)".
func (h *harness) planned() []string {
	h.t.Helper()
	cur, err := h.db.DB.Collection("notify_outbox").Find(h.ctx, map[string]any{})
	if err != nil {
		h.t.Fatal(err)
	}
	var docs []struct {
		DedupKey string    `bson:"dedupKey"`
		DueAt    time.Time `bson:"dueAt"`
	}
	if err := cur.All(h.ctx, &docs); err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, d := range docs {
		out = append(out, d.DedupKey+"@"+d.DueAt.UTC().Format("01-02T15:04"))
	}
	sort.Strings(out)
	return out
}

// Reminders are planned at the person's local slot, in their time zone, across a DST change
// and across midnight; not once the goal is met; streak-at-risk only with a streak, and
// also for people who chose no learning slots.
func TestSchedulerPlansRemindersInLocalTime(t *testing.T) {
	tests := []struct {
		name  string
		now   time.Time
		setup func(h *harness)
		want  []string
	}{
		{"New York before the DST change: 07:30 EST is 12:30 UTC", time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC),
			func(h *harness) { h.person("ny", "America/New_York", "07:30", "19:00") },
			[]string{"daily_reminder:ny:2026-03-07:07:30@03-07T12:30"}},
		{"New York after the DST change: 07:30 EDT is 11:30 UTC", time.Date(2026, 3, 8, 11, 0, 0, 0, time.UTC),
			func(h *harness) { h.person("ny", "America/New_York", "07:30", "19:00") },
			[]string{"daily_reminder:ny:2026-03-08:07:30@03-08T11:30"}},
		{"Tokyo just after midnight belongs to the next local day", time.Date(2026, 3, 10, 14, 50, 0, 0, time.UTC),
			func(h *harness) { h.person("tk", "Asia/Tokyo", "00:15") },
			[]string{"daily_reminder:tk:2026-03-11:00:15@03-10T15:15"}},
		{"goal already met: no reminder", time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC),
			func(h *harness) {
				h.person("ny", "America/New_York", "07:30")
				h.goals.met["ny/2026-03-07"] = true
			}, nil},
		{"streak at risk at 20:00 local with a streak", time.Date(2026, 3, 10, 19, 30, 0, 0, time.UTC),
			func(h *harness) {
				h.person("ld", "Europe/London", "06:00")
				h.goals.streak["ld"] = 4
				h.person("nostreak", "Europe/London", "06:00")
			}, []string{"streak_at_risk:ld:2026-03-10@03-10T20:00"}},
		{"streak at risk without learning slots, at 20:00 in Sydney", time.Date(2026, 3, 10, 8, 30, 0, 0, time.UTC),
			func(h *harness) {
				h.person("syd", "Australia/Sydney")
				h.goals.streak["syd"] = 2
				h.person("quiet", "Australia/Sydney")
			}, []string{"streak_at_risk:syd:2026-03-10@03-10T09:00"}},
		{"one person whose goals cannot be read does not stop the others", time.Date(2026, 3, 10, 19, 30, 0, 0, time.UTC),
			func(h *harness) {
				h.person("aa", "Europe/London")
				h.goals.streak["aa"] = 3
				h.goals.broken = map[string]bool{"aa": true}
				h.person("zz", "Europe/London")
				h.goals.streak["zz"] = 5
			}, []string{"streak_at_risk:zz:2026-03-10@03-10T20:00"}},
		{"assignment due tomorrow at 18:00 the day before; overdue at once", time.Date(2026, 3, 10, 17, 30, 0, 0, time.UTC),
			func(h *harness) {
				h.person("m", "Europe/London")
				h.assignments.list = []notify.Assignment{
					{ID: "soon", MenteeID: "m", Title: "Listening", DueAt: time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)},
					{ID: "today", MenteeID: "m", Title: "Goals", DueAt: time.Date(2026, 3, 10, 23, 0, 0, 0, time.UTC)},
					{ID: "late", MenteeID: "m", Title: "Feedback", DueAt: time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)},
				}
			}, []string{"assignment_due_tomorrow:soon:2026-03-11@03-10T18:00", "assignment_overdue:late:2026-03-09T09:00:00Z@03-10T17:30"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.clock.Set(tc.now)
			tc.setup(h)
			s := h.scheduler()
			for i := 0; i < 2; i++ { // planning twice plans once
				if err := s.RunOnce(h.ctx); err != nil && len(h.goals.broken) == 0 {
					t.Fatal(err)
				} else if err == nil && len(h.goals.broken) > 0 {
					t.Error("a round with a person who could not be planned reported no error")
				}
			}
			if diff := cmp.Diff(tc.want, h.planned()); diff != "" {
				t.Errorf("planned (-want +got):\n%s", diff)
			}
		})
	}
}

// A planned reminder is pushed at its slot, not before; a goal met in the meantime
// withholds it.
func TestPlannedReminderIsSentAtItsSlot(t *testing.T) {
	h := newHarness(t)
	token := h.person("ny", "America/New_York", "07:30", "11:00")
	h.clock.Set(time.Date(2026, 3, 8, 11, 0, 0, 0, time.UTC))
	if err := h.scheduler().RunOnce(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.run()
	if n := len(h.fake.For(token)); n != 0 {
		t.Fatal("sent before the slot")
	}
	h.clock.Set(time.Date(2026, 3, 8, 11, 30, 0, 0, time.UTC))
	h.run()
	if n := len(h.fake.For(token)); n != 1 {
		t.Fatalf("%d pushes at the slot, want 1", n)
	}
	if link := h.fake.For(token)[0].Message.Data["link"]; link != "microlearn://today" {
		t.Errorf("link %q", link)
	}
	// The 11:00 slot is planned; the goal is met before it falls due: it is withheld.
	h.clock.Set(time.Date(2026, 3, 8, 14, 30, 0, 0, time.UTC))
	if err := h.scheduler().RunOnce(h.ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.planned(); len(got) != 1 {
		t.Fatalf("planned %v", got)
	}
	h.goals.met["ny/2026-03-08"] = true
	h.clock.Set(time.Date(2026, 3, 8, 15, 0, 0, 0, time.UTC))
	h.run()
	if n := len(h.fake.For(token)); n != 1 {
		t.Errorf("%d pushes, want the 11:00 reminder withheld once the goal was met", n)
	}
	if got := h.entry("daily_reminder:ny:2026-03-08:11:00"); got.Status != notify.StatusSuppressed {
		t.Errorf("11:00 reminder %+v", got)
	}
}

// person is a user with learning slots and a device.
func (h *harness) person(id, tz string, slots ...string) string {
	token := h.user(id, tz)
	r, _ := h.people.Recipient(h.ctx, id)
	r.LearningSlots = slots
	h.people.put(r)
	return token
}

// A round reads the people due in its window from the due index, not everyone: once the
// index is built, nobody is walked, and a profile change is planned without a walk.
func TestSchedulerPlansFromTheDueIndex(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Date(2026, 3, 10, 6, 0, 0, 0, time.UTC))
	for i := range 40 {
		h.person(fmt.Sprintf("p%02d", i), "Europe/London", fmt.Sprintf("%02d:00", 8+i%10))
	}
	s := h.scheduler()
	if err := s.RunOnce(h.ctx); err != nil { // builds the index
		t.Fatal(err)
	}
	if h.people.everyone == 0 {
		t.Fatal("the first round did not build the due index from everyone")
	}
	walks := h.people.everyone
	h.people.asked = nil
	h.clock.Set(time.Date(2026, 3, 10, 7, 45, 0, 0, time.UTC)) // 08:00 falls in this hour
	if err := s.RunOnce(h.ctx); err != nil {
		t.Fatal(err)
	}
	if h.people.everyone != walks {
		t.Errorf("a later round walked everyone again")
	}
	sort.Strings(h.people.asked)
	if want := []string{"p00", "p10", "p20", "p30"}; !cmp.Equal(h.people.asked, want) {
		t.Errorf("the round looked up %v, want only the people due at 08:00 %v", h.people.asked, want)
	}
	if got := len(h.planned()); got != 4 {
		t.Errorf("%d reminders planned, want 4", got)
	}
	// A new slot reaches the index through Track, and the next round plans it.
	r, _ := h.people.Recipient(h.ctx, "p01")
	r.LearningSlots = []string{"08:30"}
	h.people.put(r)
	if err := s.Track(h.ctx, "p01"); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(time.Date(2026, 3, 10, 8, 15, 0, 0, time.UTC))
	if err := s.RunOnce(h.ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(h.planned(), "daily_reminder:p01:2026-03-10:08:30@03-10T08:30") {
		t.Errorf("the new slot was not planned: %v", h.planned())
	}
	if h.people.everyone != walks {
		t.Errorf("planning the new slot walked everyone")
	}
}
