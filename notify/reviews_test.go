package notify_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/notify"
)

// dueReviews is a fake review domain: cards due per user from a time on.
type dueReviews struct {
	mu   sync.Mutex
	from map[string]time.Time
	n    map[string]int
}

func (d *dueReviews) DueCount(_ context.Context, user string, at time.Time) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f, ok := d.from[user]; ok && !at.Before(f) {
		return d.n[user], nil
	}
	return 0, nil
}

func (d *dueReviews) set(user string, from time.Time, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.from[user], d.n[user] = from, n
}

// "Reviews due" takes the place of the first learning slot's reminder when cards will be
// due by then, in the person's zone; the later slots keep their reminders.
func TestSchedulerPlansReviewsDueAtTheFirstSlot(t *testing.T) {
	h := newHarness(t)
	rv := &dueReviews{from: map[string]time.Time{}, n: map[string]int{}}
	s := h.scheduler()
	s.Reviews = rv
	s.Cfg.Horizon = 14 * time.Hour
	h.person("be", "Europe/Berlin", "08:00", "18:00")
	h.person("none", "Europe/Berlin", "08:00")
	rv.set("be", time.Date(2026, 3, 10, 23, 0, 0, 0, time.UTC), 3) // due from local midnight of the 11th
	h.clock.Set(time.Date(2026, 3, 10, 21, 0, 0, 0, time.UTC))     // 22:00 in Berlin
	if err := s.RunOnce(h.ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"daily_reminder:none:2026-03-11:08:00@03-11T07:00", "reviews_due:be:2026-03-11@03-11T07:00"}
	if diff := cmp.Diff(want, h.planned()); diff != "" {
		t.Errorf("planned (-want +got):\n%s", diff)
	}
}

// At send time the nudge is checked again (nothing due any more: withheld), it respects
// quiet hours and the daily nudge allowance, and it speaks the person's language.
func TestReviewsDueNudgeRules(t *testing.T) {
	h := newHarness(t)
	rv := &dueReviews{from: map[string]time.Time{}, n: map[string]int{}}
	h.sender.Reviews = rv
	token := h.user("fr", "Europe/Paris")
	r, _ := h.people.Recipient(h.ctx, "fr")
	r.Locale, r.QuietHours = "fr-FR", &notify.QuietHours{Start: "07:00", End: "08:30"}
	h.people.put(r)
	rv.set("fr", t0.Add(-time.Hour), 2)
	h.clock.Set(time.Date(2026, 3, 11, 6, 30, 0, 0, time.UTC)) // 07:30 in Paris: quiet
	n := notify.Notification{DedupKey: "reviews_due:fr:2026-03-11", UserID: "fr", Kind: notify.KindReviewsDue,
		NotBefore: h.clock.Now(), ExpiresAt: h.clock.Now().Add(2 * time.Hour), Vars: map[string]string{"count": "2"}}
	h.enqueue(n)
	h.run()
	if len(h.fake.For(token)) != 0 {
		t.Fatal("pushed during quiet hours")
	}
	h.clock.Set(time.Date(2026, 3, 11, 7, 30, 0, 0, time.UTC)) // 08:30 in Paris
	h.run()
	msgs := h.fake.For(token)
	if len(msgs) != 1 || msgs[0].Message.Notification == nil || !strings.Contains(msgs[0].Message.Notification.Body, "2 questions") ||
		!strings.Contains(msgs[0].Message.Notification.Title, "révisions") || msgs[0].Message.Data["link"] != "microlearn://reviews" {
		t.Fatalf("after the quiet hours: %+v", msgs)
	}
	// The next day the person has reviewed everything before the nudge falls due: withheld.
	rv.set("fr", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	h.clock.Set(time.Date(2026, 3, 12, 7, 30, 0, 0, time.UTC))
	n.DedupKey, n.NotBefore, n.ExpiresAt = "reviews_due:fr:2026-03-12", h.clock.Now(), h.clock.Now().Add(2*time.Hour)
	h.enqueue(n)
	h.run()
	if got := h.entry(n.DedupKey); got.Status != notify.StatusSuppressed || got.Shown {
		t.Errorf("nothing due any more: %+v, want suppressed and hidden", got)
	}
	if len(h.fake.For(token)) != 1 {
		t.Error("a withheld nudge was pushed")
	}
}

// The nudge counts against the daily allowance like every nudge.
func TestReviewsDueNudgeIsCapped(t *testing.T) {
	h := newHarness(t)
	rv := &dueReviews{from: map[string]time.Time{}, n: map[string]int{}}
	h.sender.Reviews = rv
	h.sender.Cfg.Nudges = notify.NudgeRule{PerDay: 1, Spacing: time.Minute}
	token := h.user("uk", "Europe/London")
	rv.set("uk", t0.Add(-time.Hour), 5)
	h.enqueue(nudge("uk", 1))
	h.run()
	h.enqueue(notify.Notification{DedupKey: "reviews_due:uk:2026-03-10", UserID: "uk", Kind: notify.KindReviewsDue, ExpiresAt: t0.Add(time.Hour)})
	h.clock.Advance(2 * time.Minute)
	h.run()
	if n := len(h.fake.For(token)); n != 1 {
		t.Errorf("%d pushes, want 1: the allowance is one nudge a day", n)
	}
	if got := h.entry("reviews_due:uk:2026-03-10"); got.Status != notify.StatusSuppressed {
		t.Errorf("over the allowance: %+v", got)
	}
}

func TestReviewsDueTemplates(t *testing.T) {
	for _, loc := range notify.Locales() {
		title, body := notify.Render(notify.KindReviewsDue, loc, map[string]string{"count": "4"})
		if title == "" || !strings.Contains(body, "4") || strings.Contains(title+body, "{") {
			t.Errorf("%s: %q %q", loc, title, body)
		}
	}
	if _, body := notify.Render(notify.KindReviewsDue, "de", nil); strings.Contains(body, "{") {
		t.Errorf("a missing count renders %q", body)
	}
}
