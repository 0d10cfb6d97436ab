package gamification_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/gamification/gamificationdb"
	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/learning/learningdb"
)

// ---- fakes for the other domains (storage is always the real database)

type fakePeople struct {
	mu sync.Mutex
	m  map[string]gamification.Profile
}

func (f *fakePeople) Profile(_ context.Context, id string) (gamification.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.m[id]
	if !ok {
		return p, gamification.ErrNotFound
	}
	return p, nil
}

func (f *fakePeople) set(p gamification.Profile) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[p.UserID] = p
}

type fakeProgrammes struct {
	zone    string
	joined  time.Time
	members map[string]bool
}

func (f *fakeProgrammes) Timezone(_ context.Context, id string) (string, error) {
	if id != "prog" {
		return "", gamification.ErrNotFound
	}
	return f.zone, nil
}

func (f *fakeProgrammes) Membership(_ context.Context, pid, uid string) (gamification.Membership, error) {
	if pid != "prog" || !f.members[uid] {
		return gamification.Membership{}, gamification.ErrNotMember
	}
	return gamification.Membership{ProgrammeID: "prog", Role: "mentee", JoinedAt: f.joined}, nil
}

func (f *fakeProgrammes) Memberships(_ context.Context, uid string) ([]gamification.Membership, error) {
	if !f.members[uid] {
		return nil, nil
	}
	return []gamification.Membership{{ProgrammeID: "prog", Role: "mentee", JoinedAt: f.joined}}, nil
}

type fakeCatalog struct {
	paths   []gamification.Container
	library int
}

func (f fakeCatalog) PathsContaining(_ context.Context, _ string, item learning.ItemRef) ([]gamification.Container, error) {
	var out []gamification.Container
	for _, p := range f.paths {
		for _, it := range p.Items {
			if it == item {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

func (f fakeCatalog) LibrarySize(context.Context, string) (int, error) { return f.library, nil }

func (f fakeCatalog) Paths(context.Context, string) ([]gamification.Container, error) {
	return f.paths, nil
}

type fakePairings struct {
	pairing     gamification.Pairing
	assignments []gamification.Container
}

func (f fakePairings) AssignmentsContaining(_ context.Context, _, _ string, item learning.ItemRef) ([]gamification.Container, error) {
	var out []gamification.Container
	for _, a := range f.assignments {
		for _, it := range a.Items {
			if it == item {
				out = append(out, a)
			}
		}
	}
	return out, nil
}

func (f fakePairings) Pairing(_ context.Context, id string) (gamification.Pairing, error) {
	if id != f.pairing.ID {
		return gamification.Pairing{}, gamification.ErrNotFound
	}
	return f.pairing, nil
}

// recorder is the notifier and observer of the service tests. It keeps notices the way
// notify does, once per key, and records a contract breach: a notice still fresh when it
// arrives (FreshUntil not yet passed) whose key was handed over before (notify would then
// skip its check against finished ones and could send it twice).
type recorder struct {
	mu       sync.Mutex
	now      func() time.Time
	events   []string
	keys     map[string]bool
	breaches []string
	fail     func(e learning.Event) error
	// notifyErr, when set, fails NotifyAll (before anything is kept).
	notifyErr error
	// brokenPrize, when set, fails PrizeWon for the prize of that name.
	brokenPrize string
}

func (r *recorder) notice(key string, freshUntil time.Time, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys == nil {
		r.keys = map[string]bool{}
	}
	if r.keys[key] {
		if !freshUntil.IsZero() && r.now().Before(freshUntil) {
			r.breaches = append(r.breaches, key)
		}
		return
	}
	r.keys[key] = true
	r.events = append(r.events, text)
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, s)
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

func (r *recorder) NotifyAll(_ context.Context, levels []gamification.LevelNotice, badges []gamification.BadgeNotice) error {
	r.mu.Lock()
	err := r.notifyErr
	r.mu.Unlock()
	if err != nil {
		return err
	}
	for _, n := range levels {
		r.notice(n.Key, n.FreshUntil, fmt.Sprintf("level %s %d", n.UserID, n.Level))
	}
	for _, n := range badges {
		r.notice(n.Key, n.FreshUntil, "badge "+n.UserID+" "+n.Badge.ID)
	}
	return nil
}

func (r *recorder) PrizeWon(_ context.Context, n gamification.PrizeNotice) error {
	r.mu.Lock()
	broken := r.brokenPrize != "" && n.Prize.Name == r.brokenPrize
	r.mu.Unlock()
	if broken {
		return errors.New("cannot announce " + n.Prize.Name)
	}
	r.add(fmt.Sprintf("prize %s %s %s#%d key=%s", n.UserID, n.Prize.Name, n.Winner.PeriodKey, n.Winner.Place, n.Key))
	return nil
}

func (r *recorder) ObserveLearningEvent(_ context.Context, e learning.Event) error {
	if r.fail != nil {
		if err := r.fail(e); err != nil {
			return err
		}
	}
	r.add("observed " + e.ID)
	return nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	t        *testing.T
	db       *mongo.Database
	ctx      context.Context
	clock    *clock
	queue    *learningdb.Store
	store    *gamificationdb.Store
	people   *fakePeople
	progs    *fakeProgrammes
	notes    *recorder
	services []*gamification.Service
}

func newHarness(t *testing.T) *harness {
	db := mongotest.DB(t)
	h := &harness{t: t, db: db.DB, ctx: context.Background(), clock: &clock{t: time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)},
		queue: learningdb.New(db.DB), store: gamificationdb.New(db.DB), notes: &recorder{},
		people: &fakePeople{m: map[string]gamification.Profile{}},
		progs:  &fakeProgrammes{zone: "Europe/London", joined: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), members: map[string]bool{}}}
	h.queue.Now = h.clock.Now
	h.notes.now = h.clock.Now
	for _, u := range []string{"ada", "ben", "cy", "dee", "eve"} {
		h.people.set(gamification.Profile{UserID: u, DisplayName: "Name " + u, Timezone: "Europe/London", DailyXPGoal: 20, Visibility: gamification.Visible})
		h.progs.members[u] = true
	}
	if err := mongodb.EnsureIndexes(h.ctx, db.DB, append(gamificationdb.Indexes(), learningdb.Indexes()...)); err != nil {
		t.Fatal(err)
	}
	h.services = []*gamification.Service{h.service(), h.service()}
	t.Cleanup(func() {
		h.notes.mu.Lock()
		defer h.notes.mu.Unlock()
		if len(h.notes.breaches) > 0 {
			t.Errorf("fresh notices whose key was handed over before: %v", h.notes.breaches)
		}
	})
	return h
}

// service returns a new instance of the service (as another process would have), sharing
// the database.
func (h *harness) service() *gamification.Service {
	return &gamification.Service{Store: h.store, Queue: h.queue, People: h.people, Programmes: h.progs, Notifier: h.notes,
		Observers: []learning.Observer{h.notes}, Now: h.clock.Now, Lease: 30 * time.Second}
}

func (h *harness) svc() *gamification.Service { return h.services[0] }

var seq int

func (h *harness) publish(e learning.Event) learning.Event {
	h.t.Helper()
	if e.ID == "" {
		seq++
		e.ID = fmt.Sprintf("ev-%d", seq)
	}
	if e.ProgrammeID == "" {
		e.ProgrammeID = "prog"
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = h.clock.Now()
	}
	if e.RecordedAt.IsZero() {
		e.RecordedAt = h.clock.Now()
	}
	if err := h.queue.Publish(h.ctx, e); err != nil {
		h.t.Fatal(err)
	}
	return e
}

func (h *harness) lesson(user, item string) learning.Event {
	return h.publish(learning.Event{Kind: learning.LessonCompleted, UserID: user, ItemKind: learning.KindLesson, ItemID: item, Domain: "cognitive"})
}

// drain processes until the queue has nothing due.
func (h *harness) drain(s *gamification.Service, batch int) {
	h.t.Helper()
	for i := 0; i < 1000; i++ {
		n, err := s.ProcessOnce(h.ctx, "drainer", batch)
		if err != nil {
			h.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	h.t.Fatal("queue never drained")
}

func (h *harness) player(user string) gamification.Player {
	h.t.Helper()
	ps, err := h.store.Players(h.ctx, []gamification.PlayerKey{{ProgrammeID: "prog", UserID: user}})
	if err != nil {
		h.t.Fatal(err)
	}
	return ps[gamification.PlayerKey{ProgrammeID: "prog", UserID: user}]
}

type standing struct {
	XP          int64
	LedgerXP    int64
	LedgerRows  int
	Badges      []string
	AwardRows   int
	ActiveDays  int
	Streak      int
	AllTimeRank int64
}

// standing gathers everything that must not double or go missing.
func (h *harness) standing(user string) standing {
	h.t.Helper()
	p := h.player(user)
	entries, err := h.store.Entries(h.ctx, p.Key())
	if err != nil {
		h.t.Fatal(err)
	}
	awards, err := h.store.AwardsOf(h.ctx, "prog", user)
	if err != nil {
		h.t.Fatal(err)
	}
	st := standing{XP: p.XP, LedgerRows: len(entries), AwardRows: len(awards), Streak: p.Streak.Current,
		ActiveDays: p.Counter(gamification.Criterion{Counter: gamification.CounterActiveDays})}
	for _, e := range entries {
		st.LedgerXP += int64(e.XP)
	}
	for _, b := range p.Badges {
		st.Badges = append(st.Badges, b.ID)
	}
	board, err := h.svc().Leaderboard(h.ctx, gamification.LeaderboardQuery{ProgrammeID: "prog", Period: gamification.PeriodAll, CallerID: user})
	if err != nil {
		h.t.Fatal(err)
	}
	if board.Me != nil {
		st.AllTimeRank = board.Me.Score
	}
	return st
}

func (h *harness) queued() int64 {
	q, _, err := h.queue.Pending(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return q
}

// ---- correctness: duplicate, racing and interrupted delivery

func TestSameEventDeliveredTwice(t *testing.T) {
	h := newHarness(t)
	e := h.lesson("ada", "l1")
	h.drain(h.svc(), 10)
	want := h.standing("ada")
	if want.XP != 10 || want.LedgerXP != 10 || want.AllTimeRank != 10 || len(want.Badges) != 1 || want.AwardRows != 1 {
		t.Fatalf("after one delivery: %+v", want)
	}
	// The client retries the same event (its response was lost): it is queued again, and
	// the claim finds the event's lease from the first delivery and drops it.
	h.publish(e)
	h.drain(h.svc(), 10)
	// So does a redelivery of the logged event.
	if err := h.queue.Redeliver(h.ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if h.queued() != 1 {
		t.Fatalf("redelivery did not queue the event")
	}
	before := h.player("ada")
	h.clock.Add(31 * time.Second) // the first delivery's lease runs out
	if n, err := h.services[1].ProcessOnce(h.ctx, "other", 1); err != nil || n != 0 {
		t.Fatalf("the redelivered event was delivered (%d, %v), want it dropped at claim", n, err)
	}
	if h.queued() != 0 {
		t.Fatalf("the redelivered event was left in the queue")
	}
	after := h.player("ada")
	// Nothing about the player may change (the rules alone would refuse a second lesson
	// XP; the exactly-once guard must also keep streak days, recent awards and the rest).
	if diff := cmp.Diff(before, after, cmpopts.IgnoreFields(gamification.Player{}, "Version", "UpdatedAt", "Applied")); diff != "" {
		t.Errorf("a second delivery changed the player (-once +twice):\n%s", diff)
	}
	if diff := cmp.Diff(want, h.standing("ada")); diff != "" {
		t.Errorf("a second delivery changed the standing (-once +twice):\n%s", diff)
	}
	if n := countPrefix(h.notes.list(), "badge "); n != 1 {
		t.Errorf("%d badge notifications, want 1: %v", n, h.notes.list())
	}
}

func winnerID(ws []gamification.Winner, userID string) string {
	for _, w := range ws {
		if w.UserID == userID {
			return w.ID
		}
	}
	return ""
}

func countPrefix(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}

func TestTwoWorkersRacing(t *testing.T) {
	h := newHarness(t)
	users := []string{"ada", "ben", "cy", "dee", "eve"}
	for i := 0; i < 8; i++ {
		for _, u := range users {
			h.lesson(u, fmt.Sprintf("l%d", i))
		}
	}
	// Two instances drain the queue at once, one event at a time and in batches.
	var wg sync.WaitGroup
	for i, s := range h.services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := s.ProcessOnce(h.ctx, fmt.Sprintf("w%d", i), 1+i*6)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, u := range users {
		got := h.standing(u)
		// 8 lessons of 10 XP plus the daily goal bonus; one active day.
		want := standing{XP: 85, LedgerXP: 85, LedgerRows: 9, Badges: []string{"first-lesson", "domain-cognitive", "five-lessons"},
			AwardRows: 3, ActiveDays: 1, Streak: 1, AllTimeRank: 85}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", u, diff)
		}
	}
	if h.queued() != 0 {
		t.Errorf("%d events left in the queue", h.queued())
	}
}

func TestLeaseExpiresWhileAWorkerIsStuck(t *testing.T) {
	// Stuck after its player write, or after all its writes just before it tells the
	// notifier (whose notices must then not count as fresh: the other worker told it first).
	for _, at := range []string{"after state", "before done"} {
		t.Run(at, func(t *testing.T) { leaseExpiresWhileAWorkerIsStuck(t, at) })
	}
}

func leaseExpiresWhileAWorkerIsStuck(t *testing.T, at string) {
	h := newHarness(t)
	h.lesson("ada", "l1")
	h.lesson("ada", "l2")
	stuck, release := make(chan struct{}), make(chan struct{})
	slow := h.services[0]
	hook := func([]string) error { close(stuck); <-release; return nil }
	if at == "after state" {
		slow.Hooks.AfterState = hook
	} else {
		slow.Hooks.BeforeDone = hook
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := slow.ProcessOnce(h.ctx, "slow", 10); err != nil {
			t.Error(err)
		}
	}()
	<-stuck
	// The slow worker wrote the player and hangs; its lease runs out and another worker
	// takes the same events over and finishes them.
	h.clock.Add(31 * time.Second)
	h.drain(h.services[1], 10)
	close(release)
	wg.Wait()
	want := standing{XP: 25, LedgerXP: 25, LedgerRows: 3, Badges: []string{"first-lesson"}, AwardRows: 1, ActiveDays: 1, Streak: 1, AllTimeRank: 25}
	if diff := cmp.Diff(want, h.standing("ada")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

var errKilled = errors.New("killed")

func TestWorkerKilledBetweenWrites(t *testing.T) {
	for _, point := range []string{"after state", "after ledger", "before done"} {
		t.Run(point, func(t *testing.T) {
			h := newHarness(t)
			h.people.set(gamification.Profile{UserID: "ada", DisplayName: "Ada", Timezone: "Europe/London", DailyXPGoal: 10})
			h.lesson("ada", "l1")
			h.lesson("ada", "l2")
			s := h.service()
			kill := func([]string) error { return errKilled }
			switch point {
			case "after state":
				s.Hooks.AfterState = kill
			case "after ledger":
				s.Hooks.AfterLedger = kill
			case "before done":
				s.Hooks.BeforeDone = kill
			}
			if _, err := s.ProcessOnce(h.ctx, "doomed", 10); !errors.Is(err, errKilled) {
				t.Fatalf("err = %v", err)
			}
			if point == "after state" {
				// The player holds the XP but the ledger does not yet: recompute heals it
				// from what the player recorded rather than calling it drift.
				if st := h.standing("ada"); st.XP != 25 || st.LedgerRows != 0 {
					t.Fatalf("after the kill: %+v", st)
				}
				rep, err := h.svc().Recompute(h.ctx, false)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Redriven != 3 || len(rep.Drifts) != 0 {
					t.Errorf("recompute: %+v, want 3 re-driven entries and no drift", rep)
				}
			}
			// Nothing is due until the dead worker's lease runs out.
			if n, _ := h.svc().ProcessOnce(h.ctx, "early", 10); n != 0 {
				t.Fatalf("claimed %d events under a live lease", n)
			}
			h.clock.Add(31 * time.Second)
			h.drain(h.svc(), 10)
			want := standing{XP: 25, LedgerXP: 25, LedgerRows: 3, Badges: []string{"first-lesson"}, AwardRows: 1, ActiveDays: 1, Streak: 1, AllTimeRank: 25}
			if diff := cmp.Diff(want, h.standing("ada")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if h.queued() != 0 {
				t.Errorf("events left in the queue")
			}
			rep, err := h.svc().Recompute(h.ctx, false)
			if err != nil || len(rep.Drifts) != 0 {
				t.Errorf("recompute after recovery: %+v %v", rep, err)
			}
		})
	}
}

// A client may replay an event up to 30 days after it happened, long after the player's
// Seen window (48 h) forgot it: the claim drops the replay, since the lease of the first
// delivery is kept as the event's marker for 31 days.
func TestReplayLongAfterProcessingIsDroppedAtClaim(t *testing.T) {
	h := newHarness(t)
	quiz := h.publish(learning.Event{Kind: learning.QuizAttempted, UserID: "ada", ItemKind: learning.KindQuiz, ItemID: "q1", Domain: "cognitive",
		ScorePercent: 100, Passed: true, Attempt: 1, Perfect: true})
	h.publish(quiz) // a retry while it is still queued changes nothing
	if h.queued() != 1 {
		t.Fatalf("%d queued, want 1", h.queued())
	}
	h.drain(h.svc(), 10)
	h.clock.Add(3 * 24 * time.Hour)
	h.lesson("ada", "l1") // the player is written again, and forgets the quiz
	h.drain(h.svc(), 10)
	if p := h.player("ada"); p.HasSeen(quiz.ID) {
		t.Fatalf("the player still remembers the quiz; the test needs it forgotten")
	}
	want, before := h.standing("ada"), h.player("ada")

	h.clock.Add(27 * 24 * time.Hour) // 30 days after the quiz
	quiz.RecordedAt = h.clock.Now()
	h.publish(quiz)
	if h.queued() != 1 {
		t.Fatalf("the replay was not queued")
	}
	if n, err := h.svc().ProcessOnce(h.ctx, "w", 10); err != nil || n != 0 {
		t.Fatalf("the replay was delivered (%d, %v), want it dropped at claim", n, err)
	}
	if h.queued() != 0 {
		t.Errorf("the replay was left in the queue")
	}
	if diff := cmp.Diff(want, h.standing("ada")); diff != "" {
		t.Errorf("the replay changed the standing (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(before, h.player("ada")); diff != "" {
		t.Errorf("the replay changed the player (-before +after):\n%s", diff)
	}
	// Both events are recorded once: their leases hold them.
	published := func(when string) {
		t.Helper()
		logged, err := h.queue.Published(h.ctx, "ada")
		if err != nil || len(logged) != 2 {
			t.Errorf("%s: published events: %d (%v), want 2", when, len(logged), err)
		}
	}
	logEntries := func() int64 {
		t.Helper()
		n, err := h.db.Collection(learningdb.Events).CountDocuments(h.ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	published("30 days on")
	// Markers are kept 31 days after their lease ran out, then swept into the log.
	if n, err := h.queue.SweepLeases(h.ctx, h.clock.Now()); err != nil || n != 0 || logEntries() != 0 {
		t.Errorf("swept %d leases (%v) 30 days on, want 0; %d log entries", n, err, logEntries())
	}
	h.clock.Add(2 * 24 * time.Hour)
	if n, err := h.queue.SweepLeases(h.ctx, h.clock.Now()); err != nil || n != 1 || logEntries() != 1 {
		t.Errorf("swept %d leases (%v) 32 days on, want the quiz's; %d log entries, want 1", n, err, logEntries())
	}
	published("32 days on")
	// The other lease goes the same way when its time comes.
	h.clock.Add(30 * 24 * time.Hour)
	if n, err := h.queue.SweepLeases(h.ctx, h.clock.Now()); err != nil || n != 1 || logEntries() != 2 {
		t.Errorf("swept %d leases (%v) later, want the last one; %d log entries, want 2", n, err, logEntries())
	}
	published("after every sweep")
}

func TestFailingObserverRetriesWithoutDoubling(t *testing.T) {
	h := newHarness(t)
	fails := 2
	h.notes.fail = func(e learning.Event) error {
		if fails > 0 {
			fails--
			return errors.New("mentoring is down")
		}
		return nil
	}
	h.lesson("ada", "l1")
	for i := 0; i < 5 && h.queued() > 0; i++ {
		h.drain(h.svc(), 10)
		h.clock.Add(time.Minute)
	}
	if h.queued() != 0 {
		t.Fatal("event still queued")
	}
	if st := h.standing("ada"); st.XP != 10 || st.LedgerRows != 1 {
		t.Errorf("%+v", st)
	}
	if got := h.notes.list(); countPrefix(got, "observed ") != 1 || countPrefix(got, "badge ") != 1 {
		t.Errorf("notifications %v: want one observation and one badge after the retries", got)
	}
}

func TestRecomputeRepairsDrift(t *testing.T) {
	h := newHarness(t)
	h.lesson("ada", "l1")
	h.lesson("ben", "l1")
	h.drain(h.svc(), 10)
	p := h.player("ada")
	p.XP += 50 // corrupted by hand
	if _, err := h.store.SavePlayer(h.ctx, p); err != nil {
		t.Fatal(err)
	}
	rep, err := h.svc().Recompute(h.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []gamification.Drift{{Key: gamification.PlayerKey{ProgrammeID: "prog", UserID: "ada"}, PlayerXP: 60, LedgerXP: 10}}
	if diff := cmp.Diff(want, rep.Drifts); diff != "" || rep.Players != 2 {
		t.Errorf("report %d players (-want +got):\n%s", rep.Players, diff)
	}
	if rep, err = h.svc().Recompute(h.ctx, true); err != nil || !rep.Drifts[0].Repaired {
		t.Fatalf("repair: %+v %v", rep, err)
	}
	if st := h.standing("ada"); st.XP != 10 || st.AllTimeRank != 10 {
		t.Errorf("after repair: %+v", st)
	}
	if rep, _ = h.svc().Recompute(h.ctx, false); len(rep.Drifts) != 0 {
		t.Errorf("drift after repair: %+v", rep.Drifts)
	}
}

// ---- behaviour through the service

func TestRejectedEventsEarnNothing(t *testing.T) {
	h := newHarness(t)
	now := h.clock.Now()
	h.publish(learning.Event{Kind: learning.LessonCompleted, UserID: "ada", ItemID: "l1", OccurredAt: now.Add(time.Hour)})
	h.publish(learning.Event{Kind: learning.LessonCompleted, UserID: "ada", ItemID: "l2", OccurredAt: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)})
	h.publish(learning.Event{Kind: learning.LessonCompleted, UserID: "stranger", ItemID: "l3"})
	h.drain(h.svc(), 10)
	if st := h.standing("ada"); st.XP != 0 || st.LedgerRows != 0 {
		t.Errorf("%+v", st)
	}
	if h.queued() != 0 {
		t.Errorf("rejected events stay queued")
	}
	if n := countPrefix(h.notes.list(), "observed "); n != 3 {
		t.Errorf("observers saw %d events, want all 3", n)
	}
}

func TestRulesChangeAppliesToLaterEvents(t *testing.T) {
	h := newHarness(t)
	r := gamification.DefaultRules()
	r.LessonCompleted = 40
	r.Levels = gamification.LevelCurve{Kind: gamification.CurveLinear, Base: 50}
	if _, err := h.svc().SetRules(h.ctx, "prog", r); err != nil {
		t.Fatal(err)
	}
	h.lesson("ada", "l1")
	h.drain(h.svc(), 10)
	p := h.player("ada")
	if p.XP != 45 || p.Level != 1 {
		t.Errorf("XP %d level %d, want 45 (40 + goal) and 1", p.XP, p.Level)
	}
	h.lesson("ada", "l2")
	h.drain(h.svc(), 10)
	if got := h.notes.list(); countPrefix(got, "level ada 2") != 1 {
		t.Errorf("notifications %v, want a level-up to 2", got)
	}
	bad := r
	bad.DailyCap, bad.Levels.Kind = 0, "spiral"
	_, err := h.svc().SetRules(h.ctx, "prog", bad)
	if err == nil {
		t.Fatal("invalid rules accepted")
	}
	if want := "invalid input: /dailyCap: must be 1 to 100000; /levels/kind: must be relative or linear"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestProgressBars(t *testing.T) {
	h := newHarness(t)
	l := func(id string) learning.ItemRef { return learning.ItemRef{Kind: learning.KindLesson, ID: id} }
	for _, s := range h.services {
		s.Catalog = fakeCatalog{library: 4, paths: []gamification.Container{{Kind: "path", ID: "p1", Items: []learning.ItemRef{l("l1"), l("l2"), {Kind: "quiz", ID: "q1"}}}}}
		s.Pairings = fakePairings{pairing: gamification.Pairing{ID: "pair1", ProgrammeID: "prog", Members: []string{"ada", "mentor"}, AssignmentIDs: []string{"a1", "a2"}},
			assignments: []gamification.Container{{Kind: "assignment", ID: "a1", PairingID: "pair1", Items: []learning.ItemRef{l("l1"), l("l3")}}}}
	}
	h.lesson("ada", "l1")
	h.drain(h.svc(), 10)
	due := h.clock.Now().Add(time.Hour)
	h.publish(learning.Event{Kind: learning.AssignmentCompleted, UserID: "ada", ItemKind: "assignment", ItemID: "a1", PairingID: "pair1", DueAt: &due, OnTime: true})
	h.drain(h.svc(), 10)
	bars, err := h.svc().BarsOf(h.ctx, "ada", "prog")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range bars {
		got[b.Kind+":"+b.ID] = fmt.Sprintf("%d/%d %d%%", b.Done, b.Total, b.Percent())
	}
	want := map[string]string{"lesson:l1": "1/1 100%", "path:p1": "1/3 33%", "assignment:a1": "2/2 100%", "programme:prog": "1/4 25%", "pairing:pair1": "1/2 50%"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bars (-want +got):\n%s", diff)
	}
}

func TestPairingAllOnTimeBadge(t *testing.T) {
	h := newHarness(t)
	h.svc().Pairings = fakePairings{pairing: gamification.Pairing{ID: "pair1", ProgrammeID: "prog", Members: []string{"ada"}, AssignmentIDs: []string{"a1", "a2"}}}
	for _, id := range []string{"a1", "a2"} {
		h.publish(learning.Event{Kind: learning.AssignmentCompleted, UserID: "ada", ItemKind: "assignment", ItemID: id, PairingID: "pair1", OnTime: true})
		h.drain(h.svc(), 10)
	}
	if _, ok := func() (gamification.EarnedBadge, bool) { p := h.player("ada"); return p.HasBadge("on-time-pairing") }(); !ok {
		t.Errorf("on-time-pairing not earned: %+v", h.player("ada").Badges)
	}
	bp, err := h.svc().BadgesOf(h.ctx, "ada", "prog")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bp {
		if b.Badge.ID == "five-lessons" && (b.Current != 0 || b.Target != 5 || b.Earned != nil) {
			t.Errorf("five-lessons progress %+v", b)
		}
		if b.Badge.ID == "on-time-pairing" && b.Earned == nil {
			t.Errorf("on-time-pairing shown unearned")
		}
	}
}

func TestLeaderboardPeriodsAndPrizes(t *testing.T) {
	h := newHarness(t)
	h.progs.zone = "America/New_York"
	// Monday 31 August 2026 at noon in New York.
	h.clock.t = time.Date(2026, 8, 31, 16, 0, 0, 0, time.UTC)
	pz, err := h.svc().CreatePrize(h.ctx, gamification.Prize{ProgrammeID: "prog", Name: "Mug", Kind: gamification.PrizeLeaderboard,
		Period: gamification.PeriodWeek, PlaceFrom: 1, PlaceTo: 2})
	if err != nil {
		t.Fatal(err)
	}
	h.people.set(gamification.Profile{UserID: "eve", DisplayName: "Eve", Timezone: "UTC", Visibility: gamification.Hidden})
	for _, u := range []string{"ada", "ben", "cy", "eve", "eve"} {
		h.lesson(u, "l-"+u+fmt.Sprint(seq))
	}
	h.lesson("ben", "extra")
	h.drain(h.svc(), 10)
	b, err := h.svc().Leaderboard(h.ctx, gamification.LeaderboardQuery{ProgrammeID: "prog", Period: gamification.PeriodWeek, CallerID: "cy", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var top []string
	for _, e := range b.Top {
		top = append(top, fmt.Sprintf("%d %s %d", e.Rank, e.UserID, e.Score))
	}
	if diff := cmp.Diff([]string{"1 ben 25", "2 ada 10", "3 cy 10"}, top); diff != "" || b.Key != "w2026-08-31" {
		t.Errorf("week %s (-want +got):\n%s", b.Key, diff)
	}
	// Sunday 23:59 New York is still this week; Monday 00:00 New York (04:00 UTC) starts the next.
	h.clock.t = time.Date(2026, 9, 7, 4, 0, 0, 0, time.UTC)
	if b, _ = h.svc().Leaderboard(h.ctx, gamification.LeaderboardQuery{ProgrammeID: "prog", Period: gamification.PeriodWeek, CallerID: "cy"}); b.Key != "w2026-09-07" || len(b.Top) != 0 {
		t.Errorf("new week %s with %d entries", b.Key, len(b.Top))
	}
	// Not closed before the grace time has passed.
	if err := h.svc().ClosePeriods(h.ctx); err != nil {
		t.Fatal(err)
	}
	if ws, _ := h.svc().Winners(h.ctx, "prog"); len(ws) != 0 {
		t.Fatalf("winners before the grace time: %+v", ws)
	}
	h.clock.Add(16 * time.Minute)
	// Two closers at once record the winners once.
	var wg sync.WaitGroup
	for _, s := range h.services {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.ClosePeriods(h.ctx) }()
	}
	wg.Wait()
	if err := h.svc().ClosePeriods(h.ctx); err != nil {
		t.Fatal(err)
	}
	ws, err := h.svc().Winners(h.ctx, "prog")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, fmt.Sprintf("%t %s #%d %d", w.PrizeID == pz.ID, w.UserID, w.Place, w.Score))
	}
	if diff := cmp.Diff([]string{"true ada #2 10", "true ben #1 25"}, sortStrings(got)); diff != "" {
		t.Errorf("winners (-want +got):\n%s", diff)
	}
	// Prize notices are at least once (two closers racing may both send one) with a stable
	// key per win, which the real notifier deduplicates on: two wins, two distinct notices.
	var prizeNotes []string
	for _, s := range h.notes.list() {
		if strings.HasPrefix(s, "prize ") && !slices.Contains(prizeNotes, s) {
			prizeNotes = append(prizeNotes, s)
		}
	}
	wantNotes := []string{"prize ada Mug w2026-08-31#2 key=" + winnerID(ws, "ada"), "prize ben Mug w2026-08-31#1 key=" + winnerID(ws, "ben")}
	if diff := cmp.Diff(wantNotes, sortStrings(prizeNotes)); diff != "" {
		t.Errorf("prize notifications (-want +got):\n%s", diff)
	}
	w, err := h.svc().HandOver(h.ctx, "prog", ws[0].ID, "owner")
	if err != nil || w.HandedOverAt == nil {
		t.Fatalf("hand over: %+v %v", w, err)
	}
	h.clock.Add(time.Hour)
	again, _ := h.svc().HandOver(h.ctx, "prog", ws[0].ID, "someone-else")
	if !again.HandedOverAt.Equal(*w.HandedOverAt) || again.HandedOverBy != "owner" {
		t.Errorf("second hand-over changed the record: %+v", again)
	}
	if _, err := h.svc().HandOver(h.ctx, "other-prog", ws[0].ID, "owner"); !errors.Is(err, gamification.ErrWinnerNotFound) {
		t.Errorf("hand-over through another programme: %v", err)
	}
}

func TestPairingLeaderboard(t *testing.T) {
	h := newHarness(t)
	h.svc().Pairings = fakePairings{pairing: gamification.Pairing{ID: "pair1", ProgrammeID: "prog", Members: []string{"ada", "ben"}}}
	h.lesson("ada", "l1")
	h.lesson("ben", "l1")
	h.lesson("ben", "l2")
	h.lesson("cy", "l1")
	h.drain(h.svc(), 10)
	q := gamification.LeaderboardQuery{ProgrammeID: "prog", Period: gamification.PeriodAll, PairingID: "pair1", CallerID: "ada"}
	b, err := h.svc().Leaderboard(h.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if b.Participants != 2 || b.Top[0].UserID != "ben" || b.Me == nil || b.Me.Rank != 2 {
		t.Errorf("pairing board %+v", b)
	}
	q.CallerID = "cy"
	if _, err := h.svc().Leaderboard(h.ctx, q); !errors.Is(err, gamification.ErrPairingNotFound) {
		t.Errorf("outsider: %v", err)
	}
	q.SeeAllPairings = true
	if _, err := h.svc().Leaderboard(h.ctx, q); err != nil {
		t.Errorf("owner: %v", err)
	}
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// An instance applies events to the player it wrote last without reading it again. Whatever
// changed the player elsewhere meanwhile (another instance's event, a profile change made
// through another instance) must make that write fail and be redone on what is stored:
// nothing is lost or counted twice, and the board shows the new name and visibility although
// a still holds the old profile in its cache.
func TestRememberedPlayerChangedElsewhere(t *testing.T) {
	h := newHarness(t)
	a, b := h.services[0], h.services[1]
	a.CacheTTL = time.Hour // a keeps the profile it read first, as cmd/gamification does for 10 s
	h.lesson("ada", "l1")
	h.drain(a, 1) // a now remembers ada at version 1
	h.lesson("ada", "l2")
	h.drain(b, 1) // b moves ada to version 2
	h.lesson("ada", "l3")
	if _, err := a.ProcessOnce(h.ctx, "a", 1); err != nil { // a's remembered version 1 is stale
		t.Fatal(err)
	}
	st := h.standing("ada")
	// 3 lessons of 10 XP, and the daily goal of 20 met once (+5).
	if st.XP != 35 || st.LedgerXP != 35 || st.LedgerRows != 4 {
		t.Fatalf("after a stale write was redone: %+v, want 35 XP from 4 ledger rows", st)
	}
	if p := h.player("ada"); p.Version != 3 || p.Tally.Lessons != 3 {
		t.Errorf("player version %d with %d lessons, want 3 and 3", p.Version, p.Tally.Lessons)
	}

	// A profile change through b, then an event processed by a (which remembers version 3).
	h.people.set(gamification.Profile{UserID: "ada", DisplayName: "Ada Lovelace", Timezone: "Europe/London", DailyXPGoal: 20, Visibility: gamification.Anonymous})
	if err := b.ProfileChanged(h.ctx, "ada"); err != nil {
		t.Fatal(err)
	}
	h.lesson("ada", "l4")
	h.drain(a, 1)
	p := h.player("ada")
	if p.XP != 45 || p.Tally.Lessons != 4 {
		t.Errorf("after a profile change: %d XP, %d lessons; want 45 and 4", p.XP, p.Tally.Lessons)
	}
	st2, err := h.store.Standings(h.ctx, "prog", []string{"ada"})
	if err != nil || len(st2) != 1 || st2[0].DisplayName != "Ada Lovelace" || st2[0].Visibility != gamification.Anonymous || st2[0].XP != 45 {
		t.Errorf("board standing after the profile change: %+v %v", st2, err)
	}

	// With nothing changed elsewhere, an instance's next event of ada needs no read of the
	// player: exactly one command fewer than the same event processed by an instance that
	// does not know ada yet (both without caches of the other domains, like the harness's).
	events := func(svc *gamification.Service, item string) int64 {
		h.lesson("ada", item)
		cctx, counter := dbcount.WithCounter(h.ctx)
		if n, err := svc.ProcessOnce(cctx, "a", 1); err != nil || n != 1 {
			t.Fatalf("processed %d: %v", n, err)
		}
		return counter.Load()
	}
	events(b, "l5") // b's remembered ada is stale (a wrote since): read again after the CAS fails
	remembered := events(b, "l6")
	if cold := events(h.service(), "l7"); cold != remembered+1 {
		t.Errorf("%d commands for an event of a remembered player, %d for one read first; want one fewer", remembered, cold)
	}
	if p := h.player("ada"); p.XP != 75 {
		t.Errorf("%d XP after the seventh lesson, want 75", p.XP)
	}
}

// An event that keeps failing is parked after MaxAttempts; once the cause is fixed the
// operator puts it back (api gamification requeue-dead) and it is applied exactly once.
func TestParkedEventRequeued(t *testing.T) {
	h := newHarness(t)
	s := h.service()
	s.MaxAttempts = 2
	broken := true
	h.notes.fail = func(learning.Event) error {
		if broken {
			return errors.New("mentoring is down")
		}
		return nil
	}
	e := h.lesson("ada", "l1")
	for i := 0; i < 5 && h.queued() > 0; i++ {
		if _, err := s.ProcessOnce(h.ctx, "w", 10); err != nil {
			t.Fatal(err)
		}
		h.clock.Add(time.Minute)
	}
	if q, dead, err := h.queue.Pending(h.ctx); err != nil || q != 0 || dead != 1 {
		t.Fatalf("queued %d, parked %d (%v); want the event parked", q, dead, err)
	}
	// Parked after the player write: the XP is there, the observer never heard of it.
	if p := h.player("ada"); p.XP != 10 {
		t.Fatalf("XP %d before the requeue, want 10", p.XP)
	}
	broken = false
	if n, err := h.queue.RequeueDead(h.ctx, nil); err != nil || n != 1 {
		t.Fatalf("requeued %d (%v), want 1", n, err)
	}
	h.drain(s, 10)
	if q, dead, err := h.queue.Pending(h.ctx); err != nil || q != 0 || dead != 0 {
		t.Errorf("after the requeue: queued %d, parked %d (%v)", q, dead, err)
	}
	if got := countPrefix(h.notes.list(), "observed "+e.ID); got != 1 {
		t.Errorf("observer told %d times, want once", got)
	}
	if st := h.standing("ada"); st.XP != 10 || st.LedgerXP != 10 || st.LedgerRows != 1 {
		t.Errorf("after the requeue: %+v, want 10 XP once", st)
	}
	if n, err := h.queue.RequeueDead(h.ctx, nil); err != nil || n != 0 {
		t.Errorf("second requeue: %d (%v), want nothing to do", n, err)
	}
}

// path_completed has a deterministic ID and is published again whenever a completed path is
// viewed, so it can come back after its lease (the replay marker) was swept. The player's
// permanent record of the path keeps it from earning twice.
func TestPathCompletedRepublishedAfterMarkersAreGone(t *testing.T) {
	h := newHarness(t)
	r := gamification.DefaultRules()
	r.PathCompleted = 15
	if err := h.store.SaveRules(h.ctx, "prog", r, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e := h.publish(learning.Event{ID: "path_completed:ada:p1", Kind: learning.PathCompleted, UserID: "ada",
		ItemKind: learning.KindPath, ItemID: "p1", Domain: "cognitive"})
	h.drain(h.svc(), 10)
	// A lesson three days later: the player forgets the path event's ID (kept 48 hours).
	h.clock.Add(3 * 24 * time.Hour)
	h.lesson("ada", "l1")
	h.drain(h.svc(), 10)
	if p := h.player("ada"); p.HasSeen(e.ID) {
		t.Fatal("the player still remembers the path event; the test needs it forgotten")
	}
	want := h.standing("ada")
	if want.XP != 25 {
		t.Fatalf("XP %d after the path and a lesson, want 25", want.XP)
	}
	h.clock.Add(40 * 24 * time.Hour)
	if n, err := h.queue.SweepLeases(h.ctx, h.clock.Now()); err != nil || n != 2 {
		t.Fatalf("swept %d leases (%v), want both events'", n, err)
	}
	e.OccurredAt, e.RecordedAt = h.clock.Now(), h.clock.Now()
	h.publish(e)
	h.drain(h.svc(), 10)
	if h.queued() != 0 {
		t.Fatalf("the republished event is still queued")
	}
	got := h.standing("ada")
	// Forty days on the all-time board is the same; the streak has lapsed meanwhile.
	if got.XP != want.XP || got.LedgerXP != want.LedgerXP || got.LedgerRows != want.LedgerRows || got.AwardRows != want.AwardRows {
		t.Errorf("the republished path earned again: before %+v, after %+v", want, got)
	}
}

// A level reached again after a repair lowered it has the same notice key as before: it is
// handed over as a repeat (not fresh), so notify checks it against what it already sent.
func TestLevelReachedAgainAfterRepairIsNotFresh(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 12; i++ {
		h.lesson("ada", fmt.Sprintf("l%d", i))
	}
	h.drain(h.svc(), 10)
	if p := h.player("ada"); p.Level != 2 {
		t.Fatalf("level %d after 12 lessons, want 2", p.Level)
	}
	// Three ledger entries go missing (a restore from an old backup, say); the repair
	// brings the player down to the ledger's 95 XP, back on level 1.
	res, err := h.db.Collection(gamificationdb.Ledger).DeleteMany(h.ctx, bson.D{{Key: "rule", Value: "lesson_completed"},
		{Key: "eventId", Value: bson.D{{Key: "$in", Value: h.eventIDs("ada", 3)}}}})
	if err != nil || res.DeletedCount != 3 {
		t.Fatalf("deleted %v (%v)", res, err)
	}
	if _, err := h.svc().Recompute(h.ctx, true); err != nil {
		t.Fatal(err)
	}
	if p := h.player("ada"); p.Level != 1 || p.XP != 95 {
		t.Fatalf("after the repair: level %d, %d XP; want 1 and 95", p.Level, p.XP)
	}
	for i := 12; i < 15; i++ {
		h.lesson("ada", fmt.Sprintf("l%d", i))
	}
	h.drain(h.svc(), 1)
	if p := h.player("ada"); p.Level != 2 {
		t.Fatalf("level %d after three more lessons, want 2 again", p.Level)
	}
	// The harness fails the test if the repeated level-2 notice came as fresh.
	if n := countPrefix(h.notes.list(), "level ada 2"); n != 1 {
		t.Errorf("%d level-2 notices kept, want 1", n)
	}
}

// When the notifier cannot take the notices, the events go round again instead of being
// marked done: the badge is announced once the notifier is back, and XP counts once.
func TestNotifierFailureRetriesTheEvents(t *testing.T) {
	h := newHarness(t)
	h.notes.mu.Lock()
	h.notes.notifyErr = errors.New("outbox unavailable")
	h.notes.mu.Unlock()
	h.lesson("ada", "l1")
	if _, err := h.svc().ProcessOnce(h.ctx, "w", 10); err != nil {
		t.Fatal(err)
	}
	if h.queued() != 1 {
		t.Fatalf("the event was marked done although its badge notice was not taken")
	}
	h.notes.mu.Lock()
	h.notes.notifyErr = nil
	h.notes.mu.Unlock()
	h.clock.Add(time.Minute)
	h.drain(h.svc(), 10)
	if n := countPrefix(h.notes.list(), "badge ada first-lesson"); n != 1 {
		t.Errorf("%d first-lesson notices, want 1", n)
	}
	if st := h.standing("ada"); st.XP != 10 || st.LedgerRows != 1 {
		t.Errorf("after the retry: %+v, want 10 XP once", st)
	}
}

// eventIDs returns the IDs of the first n lesson events published for user.
func (h *harness) eventIDs(user string, n int) []string {
	h.t.Helper()
	es, err := h.queue.Published(h.ctx, user)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if e.Kind == learning.LessonCompleted && len(out) < n {
			out = append(out, e.ID)
		}
	}
	return out
}

// A notifier that stays down past MaxAttempts does not get events parked: their effects are
// written, and a parked event's notices could be lost for good once the player forgets it.
func TestNotifierDownNeverParks(t *testing.T) {
	h := newHarness(t)
	s := h.service()
	s.MaxAttempts = 2
	h.notes.mu.Lock()
	h.notes.notifyErr = errors.New("outbox unavailable")
	h.notes.mu.Unlock()
	h.lesson("ada", "l1")
	for i := 0; i < 6; i++ {
		if _, err := s.ProcessOnce(h.ctx, "w", 10); err != nil {
			t.Fatal(err)
		}
		h.clock.Add(15 * time.Minute)
	}
	if q, dead, err := h.queue.Pending(h.ctx); err != nil || q != 1 || dead != 0 {
		t.Fatalf("queued %d, parked %d (%v); want the event still queued", q, dead, err)
	}
	h.notes.mu.Lock()
	h.notes.notifyErr = nil
	h.notes.mu.Unlock()
	h.drain(s, 10)
	if n := countPrefix(h.notes.list(), "badge ada first-lesson"); n != 1 {
		t.Errorf("%d first-lesson notices, want 1", n)
	}
}

// A player created with a profile cached from before a change (made through another
// instance while the player did not exist, so no board row to update) is corrected at once.
func TestNewPlayerGetsTheProfileChangedMeanwhile(t *testing.T) {
	h := newHarness(t)
	a, b := h.services[0], h.services[1]
	a.CacheTTL = time.Hour
	if err := a.ProfileChanged(h.ctx, "eve"); err != nil { // a caches eve's profile: visible
		t.Fatal(err)
	}
	h.people.set(gamification.Profile{UserID: "eve", DisplayName: "Eve", Timezone: "Europe/London", DailyXPGoal: 20, Visibility: gamification.Hidden})
	if err := b.ProfileChanged(h.ctx, "eve"); err != nil { // no player yet: nothing to update
		t.Fatal(err)
	}
	h.lesson("eve", "l1")
	h.drain(a, 10)
	st, err := h.store.Standings(h.ctx, "prog", []string{"eve"})
	if err != nil || len(st) != 1 || st[0].Visibility != gamification.Hidden || st[0].DisplayName != "Eve" {
		t.Fatalf("eve on the boards: %+v (%v), want hidden as Eve", st, err)
	}
	h.lesson("eve", "l2") // and a's next write does not undo it
	h.drain(a, 10)
	if st, _ := h.store.Standings(h.ctx, "prog", []string{"eve"}); len(st) != 1 || st[0].Visibility != gamification.Hidden || st[0].XP != 25 {
		t.Errorf("after another event: %+v", st)
	}
}

// A prize whose winners cannot be told does not hold back the other prizes' periods; it is
// closed once the winners can be told.
func TestOnePrizeFailingDoesNotBlockTheOthers(t *testing.T) {
	h := newHarness(t)
	h.clock.t = time.Date(2026, 8, 31, 12, 0, 0, 0, time.UTC) // a Monday
	for _, name := range []string{"Broken", "Mug"} {          // closed in this order (oldest first)
		if _, err := h.svc().CreatePrize(h.ctx, gamification.Prize{ProgrammeID: "prog", Name: name, Kind: gamification.PrizeLeaderboard,
			Period: gamification.PeriodWeek, PlaceFrom: 1, PlaceTo: 1}); err != nil {
			t.Fatal(err)
		}
		h.clock.Add(time.Minute)
	}
	h.lesson("ada", "l1")
	h.drain(h.svc(), 10)
	h.notes.mu.Lock()
	h.notes.brokenPrize = "Broken"
	h.notes.mu.Unlock()
	h.clock.t = time.Date(2026, 9, 7, 12, 0, 0, 0, time.UTC) // the week has ended
	if err := h.svc().ClosePeriods(h.ctx); err == nil {
		t.Error("closing reported no error although a prize's winner could not be told")
	}
	if got := countPrefix(h.notes.list(), "prize ada Mug"); got != 1 {
		t.Errorf("%d Mug notices, want 1 despite the broken prize", got)
	}
	h.notes.mu.Lock()
	h.notes.brokenPrize = ""
	h.notes.mu.Unlock()
	if err := h.svc().ClosePeriods(h.ctx); err != nil {
		t.Fatal(err)
	}
	if got := countPrefix(h.notes.list(), "prize ada Broken"); got != 1 {
		t.Errorf("%d Broken notices after the fix, want 1", got)
	}
	if got := countPrefix(h.notes.list(), "prize ada Mug"); got != 1 {
		t.Errorf("%d Mug notices after the second round, want still 1", got)
	}
}
