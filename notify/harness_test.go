package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/fcm"
	"github.com/microlearn/microlearn/notify/fcm/fcmfake"
	"github.com/microlearn/microlearn/notify/notifydb"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// people is a fake Recipients.
type people struct {
	mu sync.Mutex
	m  map[string]notify.Recipient
	// everyone counts the pages of Everyone asked for; asked, the people looked up in bulk.
	everyone int
	asked    []string
}

func (p *people) put(r notify.Recipient) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[r.UserID] = r
}

var errNoUser = apperr.New(apperr.KindNotFound, "user_not_found", "user not found")

func (p *people) Recipient(_ context.Context, id string) (notify.Recipient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.m[id]
	if !ok {
		return r, errNoUser
	}
	return r, nil
}

func (p *people) RecipientsOf(ctx context.Context, ids []string) (map[string]notify.Recipient, error) {
	p.mu.Lock()
	p.asked = append(p.asked, ids...)
	p.mu.Unlock()
	out := map[string]notify.Recipient{}
	for _, id := range ids {
		if r, err := p.Recipient(ctx, id); err == nil {
			out[id] = r
		}
	}
	return out, nil
}

func (p *people) Everyone(_ context.Context, after string, limit int) ([]notify.Recipient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.everyone++
	var out []notify.Recipient
	for _, r := range p.m {
		if r.UserID > after {
			out = append(out, r)
		}
	}
	// sorted by ID for paging
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].UserID < out[i].UserID {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// goals is a fake Goals: met[user/day], streak[user].
type goals struct {
	met    map[string]bool
	streak map[string]int
	broken map[string]bool // users whose status cannot be read
}

func (g *goals) DayStatus(_ context.Context, user, day string) (notify.DayStatus, error) {
	if g.broken[user] {
		return notify.DayStatus{}, errors.New("gamification is unreachable for " + user)
	}
	return notify.DayStatus{GoalMet: g.met[user+"/"+day], Streak: g.streak[user]}, nil
}

// assignments is a fake Assignments.
type assignments struct {
	list   []notify.Assignment
	closed map[string]bool
}

func (a *assignments) OpenDueBetween(_ context.Context, from, to time.Time) ([]notify.Assignment, error) {
	var out []notify.Assignment
	for _, x := range a.list {
		if !a.closed[x.ID] && !x.DueAt.Before(from) && x.DueAt.Before(to) {
			out = append(out, x)
		}
	}
	return out, nil
}

func (a *assignments) Open(_ context.Context, id string) (bool, error) {
	for _, x := range a.list {
		if x.ID == id {
			return !a.closed[id], nil
		}
	}
	return false, nil
}

// harness is a real store on a private database, the real Admin SDK talking to the fake
// FCM, and fakes for the collaborators notify does not own.
type harness struct {
	t           testing.TB
	db          *mongodb.DB
	store       *notifydb.Store
	fake        *fcmfake.Server
	clock       *clock
	people      *people
	goals       *goals
	assignments *assignments
	svc         *notify.Service
	sender      *notify.Sender
	ctx         context.Context
}

var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func newHarness(t testing.TB) *harness {
	t.Helper()
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, notifydb.Indexes()); err != nil {
		t.Fatal(err)
	}
	fake := fcmfake.New()
	t.Cleanup(fake.Close)
	tr, err := fcm.New(ctx, fcm.Config{ProjectID: "test-project", Endpoint: fake.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, store: notifydb.New(db.DB), fake: fake, clock: &clock{t: t0},
		people: &people{m: map[string]notify.Recipient{}}, goals: &goals{met: map[string]bool{}, streak: map[string]int{}},
		assignments: &assignments{closed: map[string]bool{}}, ctx: ctx}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h.svc = notify.NewService(h.store, h.people, h.clock.Now, log)
	h.sender = h.newSender("a", tr)
	return h
}

func (h *harness) newSender(id string, tr notify.Transport) *notify.Sender {
	return &notify.Sender{Store: h.store, Transport: tr, Recipients: h.people, Goals: h.goals, Assignments: h.assignments,
		Now: h.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), ID: id,
		Cfg: notify.SenderConfig{Lease: 2 * time.Minute, SendTimeout: 10 * time.Second, Batch: 100,
			Nudges: notify.NudgeRule{PerDay: 3, Spacing: 3 * time.Hour},
			Retry:  notify.Retry{Base: 30 * time.Second, Max: time.Hour, MaxAttempts: 4, Jitter: func() float64 { return 1 }}}}
}

// user registers a person in timezone tz with one device whose token is returned.
func (h *harness) user(id, tz string) string {
	h.t.Helper()
	h.people.put(notify.Recipient{UserID: id, DisplayName: "User " + id, Timezone: tz, Locale: "en"})
	token := "fcm-token-" + id + "-0123456789abcdef"
	if _, _, err := h.svc.RegisterDevice(h.ctx, id, notify.DeviceInput{InstallationID: "inst-" + id, Token: token, Platform: "android", AppVersion: "1.0.0"}); err != nil {
		h.t.Fatal(err)
	}
	return token
}

// run runs sender rounds until one claims nothing.
func (h *harness) run() {
	h.t.Helper()
	for i := 0; i < 20; i++ {
		n, err := h.sender.RunOnce(h.ctx)
		if err != nil {
			h.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	h.t.Fatal("the sender never ran out of work")
}

// entry returns the inbox/history entry of a notification (zero when absent).
func (h *harness) entry(dedupKey string) notify.Entry {
	h.t.Helper()
	var d struct {
		Status string `bson:"status"`
		Reason string `bson:"reason"`
		Shown  bool   `bson:"shown"`
	}
	err := h.db.DB.Collection(notifydb.Inbox).FindOne(h.ctx, map[string]string{"_id": notify.NotificationID(dedupKey)}).Decode(&d)
	if err != nil && !mongodb.IsNotFound(err) {
		h.t.Fatal(err)
	}
	return notify.Entry{Status: notify.Status(d.Status), Reason: d.Reason, Shown: d.Shown}
}

// pending returns the outbox item of a notification (ok false when absent).
func (h *harness) pending(dedupKey string) (notify.Pending, bool) {
	h.t.Helper()
	var d struct {
		DueAt     time.Time `bson:"dueAt"`
		Attempts  int       `bson:"attempts"`
		LastError string    `bson:"lastError"`
		Lease     string    `bson:"lease"`
	}
	err := h.db.DB.Collection(notifydb.Outbox).FindOne(h.ctx, map[string]string{"_id": notify.NotificationID(dedupKey)}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return notify.Pending{}, false
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return notify.Pending{DueAt: d.DueAt, Attempts: d.Attempts, LastError: d.LastError, Lease: d.Lease}, true
}

func (h *harness) count(coll string) int {
	h.t.Helper()
	n, err := h.db.DB.Collection(coll).CountDocuments(h.ctx, map[string]any{})
	if err != nil {
		h.t.Fatal(err)
	}
	return int(n)
}

func (h *harness) enqueue(n notify.Notification) {
	h.t.Helper()
	if err := h.svc.Enqueue(h.ctx, n); err != nil {
		h.t.Fatal(err)
	}
}

func nudge(user string, i int) notify.Notification {
	return notify.Notification{DedupKey: fmt.Sprintf("test-nudge:%s:%d", user, i), UserID: user, Kind: notify.KindDailyReminder,
		ExpiresAt: t0.Add(72 * time.Hour)}
}
