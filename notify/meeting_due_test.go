package notify_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microlearn/microlearn/notify"
)

// dueCadences is the mentoring record as the scheduler sees it: pairings due for a meeting.
// It does not forget what was nudged, so that the outbox's dedup key alone must keep a second
// round (or a restarted scheduler) from enqueueing twice.
type dueCadences struct {
	mu     sync.Mutex
	due    map[string]notify.MeetingDue
	nudged int
}

func (c *dueCadences) DueBetween(_ context.Context, from, to time.Time) ([]notify.MeetingDue, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []notify.MeetingDue
	for _, d := range c.due {
		if !d.DueAt.Before(from) && d.DueAt.Before(to) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (c *dueCadences) Nudged(context.Context, string, time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nudged++
	return nil
}

func (c *dueCadences) StillDue(_ context.Context, id string, at time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.due[id]
	return ok && d.DueAt.Equal(at), nil
}

// A pairing whose monthly meeting fell due late on Saturday 24 October 2026 (UTC) is nudged
// at 09:00 on each member's own local day: the day after in London and Berlin (midnight has
// passed there), the same Saturday's evening being too late in New York so its Sunday
// morning. That Sunday the clocks go back in Europe (not yet in America), so 09:00 is 09:00
// UTC in London and 08:00 UTC in Berlin. Quiet hours defer it, a second round and a restarted
// scheduler enqueue nothing new, and a meeting planned meanwhile withholds it.
func TestMeetingDueNudgeFollowsEachZoneAcrossMidnightAndDST(t *testing.T) {
	h := newHarness(t)
	due := time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC)
	cad := &dueCadences{due: map[string]notify.MeetingDue{
		"pr": {PairingID: "pr", ProgrammeID: "p", MentorID: "mentor", MenteeIDs: []string{"mentee"}, Frequency: "monthly", DueAt: due},
		"g":  {PairingID: "g", ProgrammeID: "p", MentorID: "lead", MenteeIDs: []string{"m1", "m2"}, Frequency: "weekly", DueAt: due},
	}}
	h.sender.Cadences = cad
	uk, de, us := h.user("mentor", "Europe/London"), h.user("mentee", "Europe/Berlin"), h.user("lead", "America/New_York")
	h.user("m1", "Europe/London")
	h.user("m2", "Europe/London")
	r, _ := h.people.Recipient(h.ctx, "mentee")
	r.Locale, r.QuietHours = "de", &notify.QuietHours{Start: "22:00", End: "09:30"}
	h.people.put(r)
	newScheduler := func() *notify.Scheduler {
		return &notify.Scheduler{Service: h.svc, Recipients: h.people, Cadences: cad, Now: h.clock.Now,
			Cfg: notify.SchedulerConfig{Interval: 10 * time.Minute, Horizon: 20 * time.Minute}}
	}
	h.clock.Set(due.Add(-15 * time.Minute)) // due within the horizon
	if err := newScheduler().RunOnce(h.ctx); err != nil {
		t.Fatal(err)
	}
	key := func(pairing, user string) string {
		return "meeting_due:" + pairing + ":" + user + ":" + strconv.FormatInt(due.Unix(), 10)
	}
	want := map[string]time.Time{
		key("pr", "mentor"): time.Date(2026, 10, 25, 9, 0, 0, 0, time.UTC),  // London, GMT again
		key("pr", "mentee"): time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC),  // Berlin, CET again
		key("g", "lead"):    time.Date(2026, 10, 25, 13, 0, 0, 0, time.UTC), // New York, still EDT
	}
	check := func(when string) {
		t.Helper()
		for k, at := range want {
			p, ok := h.pending(k)
			if !ok || !p.DueAt.Equal(at) {
				t.Errorf("%s: %s due at %v (queued %v), want %v", when, k, p.DueAt, ok, at)
			}
		}
		if n := h.count("notify_outbox"); n != 5 {
			t.Errorf("%s: %d notifications queued, want 5 (one per member of each pairing)", when, n)
		}
	}
	check("first round")
	// The next round, and a restarted process, find the same pairings due: nothing new.
	h.clock.Advance(10 * time.Minute)
	if err := newScheduler().RunOnce(h.ctx); err != nil {
		t.Fatal(err)
	}
	check("after a restart")
	// 07:59 UTC: nothing yet, though it is Sunday everywhere in Europe.
	h.clock.Set(time.Date(2026, 10, 25, 7, 59, 0, 0, time.UTC))
	h.run()
	if n := len(h.fake.For(de)) + len(h.fake.For(uk)); n != 0 {
		t.Fatalf("sent before the local morning: %d", n)
	}
	// 08:00 UTC is 09:00 in Berlin, but the mentee's quiet hours last until 09:30.
	h.clock.Set(time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC))
	h.run()
	if got := h.fake.For(de); len(got) != 0 {
		t.Fatalf("sent in quiet hours: %+v", got)
	}
	h.clock.Set(time.Date(2026, 10, 25, 8, 30, 0, 0, time.UTC))
	h.run()
	msgs := h.fake.For(de)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Message.Notification.Body, "jeden Monat") ||
		!strings.Contains(msgs[0].Message.Notification.Body, "User mentor") {
		t.Fatalf("German nudge after quiet hours: %+v", msgs)
	}
	if got := h.fake.For(uk); len(got) != 0 {
		t.Fatalf("London nudged at 08:30 UTC (07:30 BST would have been the bug): %+v", got)
	}
	h.clock.Set(time.Date(2026, 10, 25, 9, 0, 0, 0, time.UTC))
	h.run()
	msgs = h.fake.For(uk)
	if len(msgs) != 1 || msgs[0].Message.Notification.Title != "Time to meet again" ||
		!strings.Contains(msgs[0].Message.Notification.Body, "every month") || !strings.Contains(msgs[0].Message.Notification.Body, "User mentee") {
		t.Fatalf("London nudge: %+v", msgs)
	}
	// The group plans a meeting before New York's morning: the lead's nudge is withheld.
	cad.mu.Lock()
	g := cad.due["g"]
	g.DueAt = g.DueAt.AddDate(0, 0, 7)
	cad.due["g"] = g
	cad.mu.Unlock()
	h.clock.Set(time.Date(2026, 10, 25, 13, 0, 0, 0, time.UTC))
	h.run()
	if e := h.entry(key("g", "lead")); e.Status != notify.StatusSuppressed || len(h.fake.For(us)) != 0 {
		t.Errorf("nudge of a pairing that planned a meeting: %+v", e)
	}
	for _, loc := range notify.Locales() {
		title, body := notify.Render(notify.KindMeetingDue, loc, nil)
		if title == string(notify.KindMeetingDue) || strings.Contains(title+body, "{") {
			t.Errorf("meeting_due in %s: %q %q", loc, title, body)
		}
	}
}
