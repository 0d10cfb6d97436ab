package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/fcm/fcmfake"
	"github.com/microlearn/microlearn/notify/notifydb"
)

// A badge for a user with one device: exactly one request to FCM, with the right token,
// collapse key, TTL and deep link; the outbox is empty afterwards and the inbox has it.
func TestBadgeEarnedSendsExactlyOnePush(t *testing.T) {
	h := newHarness(t)
	token := h.user("u1", "Europe/London")
	if err := h.svc.BadgeEarned(h.ctx, "u1", "prog1", "listener", "Active Listener"); err != nil {
		t.Fatal(err)
	}
	// A producer retry enqueues nothing new.
	if err := h.svc.BadgeEarned(h.ctx, "u1", "prog1", "listener", "Active Listener"); err != nil {
		t.Fatal(err)
	}
	h.run()
	reqs := h.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests to FCM, want 1", len(reqs))
	}
	r := reqs[0]
	if len(r.Problems) > 0 {
		t.Errorf("payload problems: %v", r.Problems)
	}
	if r.Token != token || r.Message.Android.CollapseKey != "badge" || r.Message.Data["link"] != "microlearn://programmes/prog1/badges/listener" {
		t.Errorf("token %q collapse %q link %q", r.Token, r.Message.Android.CollapseKey, r.Message.Data["link"])
	}
	if r.Message.Notification.Title != "New badge: Active Listener" {
		t.Errorf("title %q", r.Message.Notification.Title)
	}
	if got := h.entry("badge_earned:u1:prog1:listener"); got.Status != notify.StatusSent || !got.Shown {
		t.Errorf("inbox entry %+v", got)
	}
	if n := h.count(notifydb.Outbox) + h.count(notifydb.Deliveries); n != 0 {
		t.Errorf("%d documents left in the outbox and deliveries", n)
	}
	// Enqueued again after delivery (a late producer retry): still nothing new.
	if err := h.svc.BadgeEarned(h.ctx, "u1", "prog1", "listener", "Active Listener"); err != nil {
		t.Fatal(err)
	}
	h.run()
	if n := len(h.fake.Requests()); n != 1 {
		t.Errorf("%d requests after a late retry, want still 1", n)
	}
}

// With no credentials the log transport writes exactly one line per notification, and no
// token reaches the log.
func TestLogTransportWritesOneLineWithoutTokens(t *testing.T) {
	h := newHarness(t)
	token := h.user("u1", "UTC")
	var buf bytes.Buffer
	h.sender = h.newSender("log", notify.LogTransport{Log: slog.New(slog.NewJSONHandler(&buf, nil))})
	if err := h.svc.BadgeEarned(h.ctx, "u1", "prog1", "b1", "First Steps"); err != nil {
		t.Fatal(err)
	}
	h.run()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), buf.String())
	}
	if strings.Contains(buf.String(), token) {
		t.Error("the token reached the log")
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatal(err)
	}
	if line["link"] != "microlearn://programmes/prog1/badges/b1" || line["collapseKey"] != "badge" {
		t.Errorf("log line %v", line)
	}
	if got := h.entry("badge_earned:u1:prog1:b1"); got.Status != notify.StatusSent {
		t.Errorf("status %q", got.Status)
	}
}

// What FCM answers decides what happens: accepted, token dropped at once and never
// retried, retried later with back-off honouring Retry-After, or dead-lettered.
func TestRetryClassification(t *testing.T) {
	tests := []struct {
		name       string
		answers    []fcmfake.Answer
		wantStatus notify.Status // "" = still pending
		wantDelay  time.Duration // when pending: how long until it is due again
		deviceGone bool
	}{
		{"accepted", nil, notify.StatusSent, 0, false},
		{"unregistered: token dropped, not retried", []fcmfake.Answer{fcmfake.Unregistered}, notify.StatusNoDevice, 0, true},
		{"invalid token: dropped, not retried", []fcmfake.Answer{fcmfake.InvalidToken}, notify.StatusNoDevice, 0, true},
		{"invalid payload: dead letter, token kept", []fcmfake.Answer{fcmfake.InvalidPayload}, notify.StatusFailed, 0, false},
		// Jitter is pinned to 1 in the harness: the first back-off is the 30s base.
		{"429 with Retry-After 120: retried after 120s", []fcmfake.Answer{fcmfake.TooMany("120")}, "", 120 * time.Second, false},
		{"429 with Retry-After 5: back-off wins", []fcmfake.Answer{fcmfake.TooMany("5")}, "", 30 * time.Second, false},
		{"500: retried", []fcmfake.Answer{fcmfake.Internal}, "", 30 * time.Second, false},
		{"503 with Retry-After 600: retried after 600s", []fcmfake.Answer{fcmfake.Unavailable("600")}, "", 600 * time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			token := h.user("u1", "UTC")
			h.fake.Script(token, tc.answers...)
			h.enqueue(notify.Notification{DedupKey: "k", UserID: "u1", Kind: notify.KindLevelUp, Vars: map[string]string{"level": "2"}})
			h.run()
			if n := len(h.fake.For(token)); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			p, pending := h.pending("k")
			if tc.wantStatus == "" {
				if !pending {
					t.Fatalf("finished as %+v, want it pending", h.entry("k"))
				}
				if got := p.DueAt.Sub(t0); got != tc.wantDelay || p.Attempts != 1 || p.Lease != "" {
					t.Errorf("due in %s after %d attempts (lease %q), want %s after 1", got, p.Attempts, p.Lease, tc.wantDelay)
				}
			} else if got := h.entry("k"); pending || got.Status != tc.wantStatus {
				t.Errorf("status %q (pending %v), want %q", got.Status, pending, tc.wantStatus)
			}
			devs, _ := h.store.Devices(h.ctx, "u1")
			if gone := len(devs) == 0; gone != tc.deviceGone {
				t.Errorf("device gone = %v, want %v", gone, tc.deviceGone)
			}
			if tc.wantStatus == notify.StatusFailed && h.count(notifydb.Dead) != 1 {
				t.Error("no dead letter recorded")
			}
			// Nothing is retried before it is due.
			h.clock.Advance(tc.wantDelay - time.Second)
			h.run()
			if n := len(h.fake.For(token)); n != 1 {
				t.Errorf("%d requests before the retry was due", n)
			}
		})
	}
}

// A transient failure is retried until the bound, then dead-lettered with the reason; a
// retry that succeeds finishes it as sent.
func TestRetryUntilBoundThenDeadLetter(t *testing.T) {
	h := newHarness(t)
	token := h.user("u1", "UTC")
	h.fake.Script(token, fcmfake.Internal, fcmfake.Internal, fcmfake.Internal, fcmfake.Internal)
	h.enqueue(notify.Notification{DedupKey: "k", UserID: "u1", Kind: notify.KindPrizeWon})
	for i := 0; i < 4; i++ {
		h.run()
		h.clock.Advance(2 * time.Hour)
	}
	if n := len(h.fake.For(token)); n != 4 {
		t.Errorf("%d requests, want 4 (MaxAttempts)", n)
	}
	got := h.entry("k")
	if got.Status != notify.StatusFailed || !strings.Contains(got.Reason, "gave up after 4 attempts: INTERNAL") || !got.Shown {
		t.Errorf("entry %+v", got)
	}
	var dead struct{ Reason string }
	if err := h.db.DB.Collection(notifydb.Dead).FindOne(h.ctx, map[string]any{}).Decode(&dead); err != nil || dead.Reason != got.Reason {
		t.Errorf("dead letter %+v, %v", dead, err)
	}

	h.fake.Script(token, fcmfake.TooMany("60"))
	h.enqueue(notify.Notification{DedupKey: "k2", UserID: "u1", Kind: notify.KindPrizeWon})
	h.run()
	h.clock.Advance(time.Minute)
	h.run()
	if got := h.entry("k2"); got.Status != notify.StatusSent {
		t.Errorf("after a successful retry: %+v", got)
	}
}

// Killing the sender between claiming and sending loses nothing: the lease runs out and
// another sender delivers it, exactly once.
func TestCrashBetweenClaimAndSend(t *testing.T) {
	h := newHarness(t)
	token := h.user("u1", "UTC")
	h.enqueue(notify.Notification{DedupKey: "k", UserID: "u1", Kind: notify.KindBadgeEarned})
	// Sender A claims and dies.
	if _, err := h.store.Claim(h.ctx, h.clock.Now(), "a/dead", h.clock.Now().Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	b := h.newSender("b", h.sender.Transport)
	if n, _ := b.RunOnce(h.ctx); n != 0 {
		t.Fatal("another sender claimed a leased notification")
	}
	h.clock.Advance(2*time.Minute + time.Second)
	if n, err := b.RunOnce(h.ctx); err != nil || n != 1 {
		t.Fatalf("after the lease: claimed %d, %v", n, err)
	}
	if n, _ := b.RunOnce(h.ctx); n != 0 {
		t.Fatal("claimed again after delivery")
	}
	if n := len(h.fake.For(token)); n != 1 {
		t.Errorf("%d requests, want exactly 1", n)
	}
	if got := h.entry("k"); got.Status != notify.StatusSent {
		t.Errorf("status %q", got.Status)
	}
}

// Killed after FCM accepted and the acceptance was recorded, but before the bookkeeping:
// the next sender finishes it without sending again.
func TestCrashAfterAcceptanceIsNotResent(t *testing.T) {
	h := newHarness(t)
	token := h.user("u1", "UTC")
	h.enqueue(notify.Notification{DedupKey: "k", UserID: "u1", Kind: notify.KindBadgeEarned})
	p, err := h.store.Claim(h.ctx, h.clock.Now(), "a/dead", h.clock.Now().Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	devs, _ := h.store.Devices(h.ctx, "u1")
	if err := h.store.RecordDelivery(h.ctx, notify.Delivery{NotificationID: p.ID, DeviceID: devs[0].ID, MessageID: "projects/x/messages/1", At: h.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(3 * time.Minute)
	h.run()
	if n := len(h.fake.For(token)); n != 0 {
		t.Errorf("%d requests, want 0: FCM already accepted it", n)
	}
	if got := h.entry("k"); got.Status != notify.StatusSent {
		t.Errorf("status %q", got.Status)
	}
}

// Quiet hours are in the user's time zone: 22:00–07:00 in New York defers a badge earned at
// 23:30 New York time (03:30 UTC) until 07:00 New York time (11:00 UTC in summer).
func TestQuietHoursDeferAcrossTimezone(t *testing.T) {
	h := newHarness(t)
	token := h.user("ny", "America/New_York")
	r, _ := h.people.Recipient(h.ctx, "ny")
	r.QuietHours = &notify.QuietHours{Start: "22:00", End: "07:00"}
	h.people.put(r)
	h.clock.Set(time.Date(2026, 6, 2, 3, 30, 0, 0, time.UTC)) // 23:30 on 1 June in New York
	h.enqueue(notify.Notification{DedupKey: "badge", UserID: "ny", Kind: notify.KindBadgeEarned})
	// A reminder that expires before the quiet hours end is dropped, not sent at 07:00.
	h.enqueue(notify.Notification{DedupKey: "reminder", UserID: "ny", Kind: notify.KindDailyReminder})
	h.run()
	if n := len(h.fake.Requests()); n != 0 {
		t.Fatalf("%d pushes during quiet hours", n)
	}
	p, ok := h.pending("badge")
	if want := time.Date(2026, 6, 2, 11, 0, 0, 0, time.UTC); !ok || !p.DueAt.Equal(want) {
		t.Fatalf("deferred until %s, want %s", p.DueAt, want)
	}
	if got := h.entry("reminder"); got.Status != notify.StatusExpired || got.Shown {
		t.Errorf("reminder %+v, want expired and hidden", got)
	}
	h.clock.Set(time.Date(2026, 6, 2, 10, 59, 0, 0, time.UTC))
	h.run()
	if n := len(h.fake.Requests()); n != 0 {
		t.Fatal("pushed before the quiet hours ended")
	}
	h.clock.Set(time.Date(2026, 6, 2, 11, 0, 0, 0, time.UTC))
	h.run()
	if n := len(h.fake.For(token)); n != 1 {
		t.Errorf("%d pushes after the quiet hours, want 1", n)
	}
}

func TestQuietUntil(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	night := &notify.QuietHours{Start: "22:00", End: "07:00"}
	lunch := &notify.QuietHours{Start: "12:00", End: "13:30"}
	tests := []struct {
		name  string
		q     *notify.QuietHours
		now   time.Time
		loc   *time.Location
		quiet bool
		until time.Time
	}{
		{"evening, ends tomorrow", night, time.Date(2026, 1, 5, 22, 30, 0, 0, berlin), berlin, true, time.Date(2026, 1, 6, 7, 0, 0, 0, berlin)},
		{"early morning, ends today", night, time.Date(2026, 1, 6, 6, 59, 0, 0, berlin), berlin, true, time.Date(2026, 1, 6, 7, 0, 0, 0, berlin)},
		{"at the end, not quiet", night, time.Date(2026, 1, 6, 7, 0, 0, 0, berlin), berlin, false, time.Time{}},
		{"daytime span", lunch, time.Date(2026, 1, 6, 12, 15, 0, 0, tokyo), tokyo, true, time.Date(2026, 1, 6, 13, 30, 0, 0, tokyo)},
		// The night the clocks go forward in Berlin (29 March 2026): 07:00 CEST is 05:00 UTC.
		{"across the DST change", night, time.Date(2026, 3, 28, 23, 0, 0, 0, berlin), berlin, true, time.Date(2026, 3, 29, 5, 0, 0, 0, time.UTC)},
		{"no quiet hours", nil, time.Date(2026, 1, 6, 3, 0, 0, 0, berlin), berlin, false, time.Time{}},
		{"start equals end means none", &notify.QuietHours{Start: "08:00", End: "08:00"}, time.Date(2026, 1, 6, 8, 0, 0, 0, berlin), berlin, false, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			until, quiet := notify.QuietUntil(tc.q, tc.now, tc.loc)
			if quiet != tc.quiet || !until.Equal(tc.until) {
				t.Errorf("QuietUntil = %s, %v; want %s, %v", until, quiet, tc.until, tc.quiet)
			}
		})
	}
}

// At most three nudges a day, at least three hours apart: a nudge too soon waits for the
// spacing, the fourth of the day is dropped, and transactional kinds are never capped.
func TestDailyCapAndSpacing(t *testing.T) {
	h := newHarness(t)
	token := h.user("u1", "Europe/Paris")
	h.clock.Set(time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC)) // 08:00 in Paris
	for i := 0; i < 4; i++ {
		h.enqueue(nudge("u1", i))
	}
	h.run()
	if n := len(h.fake.For(token)); n != 1 {
		t.Fatalf("%d nudges at once, want 1", n)
	}
	for i := 1; i < 4; i++ {
		p, ok := h.pending(nudgeKey("u1", i))
		if want := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC); !ok || !p.DueAt.Equal(want) {
			t.Errorf("nudge %d due %s, want %s (3h after the first)", i, p.DueAt, want)
		}
	}
	// Transactional kinds are not capped or spaced.
	h.enqueue(notify.Notification{DedupKey: "badge", UserID: "u1", Kind: notify.KindBadgeEarned})
	h.run()
	if n := len(h.fake.For(token)); n != 2 {
		t.Fatalf("%d pushes, want the badge too", n)
	}
	h.clock.Set(time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC))
	h.run()
	h.clock.Set(time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC))
	h.run()
	if n := len(h.fake.For(token)); n != 4 {
		t.Fatalf("%d pushes, want 4 (3 nudges + 1 badge)", n)
	}
	statuses := map[notify.Status]int{}
	for i := 0; i < 4; i++ {
		statuses[h.entry(nudgeKey("u1", i)).Status]++
	}
	if diff := cmp.Diff(map[notify.Status]int{notify.StatusSent: 3, notify.StatusSuppressed: 1}, statuses); diff != "" {
		t.Errorf("nudge outcomes (-want +got):\n%s", diff)
	}
	// A new local day in Paris has a new allowance.
	h.clock.Set(time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC)) // 00:30 on the 11th in Paris
	h.enqueue(nudge("u1", 9))
	h.run()
	if n := len(h.fake.For(token)); n != 5 {
		t.Errorf("%d pushes, want the first nudge of the new day", n)
	}
}

func nudgeKey(user string, i int) string { return nudge(user, i).DedupKey }

// Reminders are not sent once the day's goal is met, a streak nudge not without a streak,
// and a due/overdue nudge not for a completed assignment; push can be turned off per kind.
func TestRulesThatWithholdPushes(t *testing.T) {
	h := newHarness(t)
	token := h.user("u1", "Asia/Tokyo")
	day := notify.LocalDay(t0, mustLoc(t, "Asia/Tokyo"))
	h.goals.met["u1/"+day] = true
	h.enqueue(notify.Notification{DedupKey: "reminder", UserID: "u1", Kind: notify.KindDailyReminder})
	h.assignments.list = []notify.Assignment{{ID: "as1", MenteeID: "u1", Title: "SMART goals", DueAt: t0.Add(time.Hour)}}
	h.assignments.closed["as1"] = true
	h.enqueue(notify.Notification{DedupKey: "due", UserID: "u1", Kind: notify.KindAssignmentDueTomorrow, Refs: map[string]string{"assignmentId": "as1"}})
	r, _ := h.people.Recipient(h.ctx, "u1")
	r.Prefs = map[string]bool{string(notify.KindLevelUp): false}
	h.people.put(r)
	h.enqueue(notify.Notification{DedupKey: "level", UserID: "u1", Kind: notify.KindLevelUp})
	h.enqueue(notify.Notification{DedupKey: "gone", UserID: "nobody", Kind: notify.KindLevelUp})
	h.people.put(notify.Recipient{UserID: "nodevice", Timezone: "UTC"})
	h.enqueue(notify.Notification{DedupKey: "inapp", UserID: "nodevice", Kind: notify.KindAssignmentReceived})
	h.run()
	if n := len(h.fake.For(token)); n != 0 {
		t.Errorf("%d pushes, want none", n)
	}
	want := map[string]notify.Entry{
		"reminder": {Status: notify.StatusSuppressed},
		"due":      {Status: notify.StatusSuppressed},
		"level":    {Status: notify.StatusPushOff, Shown: true},
		"inapp":    {Status: notify.StatusNoDevice, Shown: true},
		"gone":     {},
	}
	for k, w := range want {
		got := h.entry(k)
		got.Reason = ""
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	if n := h.count(notifydb.Outbox); n != 0 {
		t.Errorf("%d left in the outbox", n)
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// The janitor prunes devices unseen for 60 days and keeps the others.
func TestTokenPruning(t *testing.T) {
	h := newHarness(t)
	h.user("old", "UTC")
	h.clock.Advance(59 * 24 * time.Hour)
	h.user("recent", "UTC")
	h.clock.Advance(24*time.Hour + time.Minute)
	j := &notify.Janitor{Store: h.store, Now: h.clock.Now, Log: slog.New(slog.DiscardHandler), DeviceMaxAge: 60 * 24 * time.Hour, InboxRetention: 365 * 24 * time.Hour}
	if err := j.RunOnce(h.ctx); err != nil {
		t.Fatal(err)
	}
	old, _ := h.store.Devices(h.ctx, "old")
	recent, _ := h.store.Devices(h.ctx, "recent")
	if len(old) != 0 || len(recent) != 1 {
		t.Errorf("old %d, recent %d devices; want 0 and 1", len(old), len(recent))
	}
}

// A user holds at most 10 devices: the eleventh evicts the one seen least recently; a token
// that moves to another user leaves the previous holder.
func TestDeviceLimitsAndTokenMoves(t *testing.T) {
	h := newHarness(t)
	put := func(user, inst, token string) {
		t.Helper()
		if _, _, err := h.svc.RegisterDevice(h.ctx, user, notify.DeviceInput{InstallationID: inst, Token: token, Platform: "ios", AppVersion: "2.1"}); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(time.Minute)
	}
	for i := 0; i < 10; i++ {
		put("u1", "inst-"+string(rune('a'+i)), "token-"+string(rune('a'+i)))
	}
	put("u1", "inst-a", "token-a") // refresh: inst-a is now the most recent
	put("u1", "inst-k", "token-k")
	devs, _ := h.store.Devices(h.ctx, "u1")
	var insts []string
	for _, d := range devs {
		insts = append(insts, d.InstallationID)
	}
	if len(devs) != 10 || strings.Contains(strings.Join(insts, ","), "inst-b") {
		t.Errorf("devices %v: want 10, without inst-b (the least recently seen)", insts)
	}
	put("u2", "phone", "token-c")
	devs, _ = h.store.Devices(h.ctx, "u1")
	if len(devs) != 9 {
		t.Errorf("u1 has %d devices after token-c moved to u2, want 9", len(devs))
	}
	if err := h.svc.RemoveDevice(h.ctx, "u1", "phone"); err == nil {
		t.Error("u1 removed u2's device")
	}
}

var _ = context.Background

// A batch enqueue (gamification hands over a batch's awards at once) deduplicates within the
// batch, against pending items and against delivered ones, like single enqueues.
func TestEnqueueAllDeduplicates(t *testing.T) {
	h := newHarness(t)
	h.user("u1", "Europe/London")
	badge := notify.BadgeEarnedNotification("u1", "prog1", "listener", "Active Listener")
	level := notify.LevelUpNotification("u1", "prog1", 2)
	if err := h.svc.EnqueueAll(h.ctx, []notify.Notification{badge, level, badge}); err != nil {
		t.Fatal(err)
	}
	if n := h.count(notifydb.Outbox); n != 2 {
		t.Fatalf("%d outbox items after a batch with a duplicate, want 2", n)
	}
	h.run()
	if n := len(h.fake.Requests()); n != 2 {
		t.Fatalf("%d requests to FCM, want 2", n)
	}
	// The same batch again, after delivery, and with one new notice: only the new one goes.
	if err := h.svc.EnqueueAll(h.ctx, []notify.Notification{badge, level, notify.LevelUpNotification("u1", "prog1", 3)}); err != nil {
		t.Fatal(err)
	}
	h.run()
	if n := len(h.fake.Requests()); n != 3 {
		t.Errorf("%d requests after a repeated batch, want 3", n)
	}
}

func TestPrizeWonOncePerWin(t *testing.T) {
	h := newHarness(t)
	h.user("u1", "Europe/London")
	// Week 1's win announced twice (two closers raced), then the same prize won in week 2.
	for _, winner := range []string{"mug:w2026-08-31:1", "mug:w2026-08-31:1", "mug:w2026-09-07:1"} {
		if err := h.svc.PrizeWon(h.ctx, "u1", "prog1", "mug", "Mug", winner); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.count(notifydb.Outbox); n != 2 {
		t.Errorf("%d outbox items for two wins, one announced twice; want 2", n)
	}
}

// A notice its producer marks Fresh (gamification: the award was just made, by the worker
// that still holds the event) costs one insert; a retried one, not fresh, is checked against
// finished notifications and not sent again.
func TestFreshNoticeSkipsTheFinishedCheck(t *testing.T) {
	h := newHarness(t)
	h.user("u1", "Europe/London")
	badge := notify.BadgeEarnedNotification("u1", "prog1", "listener", "Active Listener")
	badge.FreshUntil = h.clock.Now().Add(time.Minute)
	ctx, counter := dbcount.WithCounter(h.ctx)
	if err := h.svc.EnqueueAll(ctx, []notify.Notification{badge}); err != nil {
		t.Fatal(err)
	}
	if n := counter.Load(); n != 1 {
		t.Errorf("%d commands to enqueue a fresh notice, want 1", n)
	}
	h.run()
	badge.FreshUntil = time.Time{}
	if err := h.svc.EnqueueAll(h.ctx, []notify.Notification{badge}); err != nil {
		t.Fatal(err)
	}
	h.run()
	if n := len(h.fake.Requests()); n != 1 {
		t.Errorf("%d requests to FCM after the notice was handed over again, want 1", n)
	}
	// Handed over as fresh but after its deadline (the producer stalled): checked against
	// the delivered one at once and dropped, not left for the sender.
	badge.FreshUntil = h.clock.Now()
	if err := h.svc.EnqueueAll(h.ctx, []notify.Notification{badge}); err != nil {
		t.Fatal(err)
	}
	if n := h.count(notifydb.Outbox); n != 0 {
		t.Errorf("%d outbox items after a late fresh notice, want 0", n)
	}
	h.run()
	if n := len(h.fake.Requests()); n != 1 {
		t.Errorf("%d requests to FCM after a late fresh notice, want 1", n)
	}
}
