package insightdb_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/insight/insightdb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/learning"
)

func newStore(t testing.TB) *insightdb.Store {
	t.Helper()
	s, _ := newStoreDB(t)
	return s
}

func newStoreDB(t testing.TB) (*insightdb.Store, *mongo.Database) {
	t.Helper()
	db := mongotest.DB(t)
	if err := mongodb.EnsureIndexes(context.Background(), db.DB, insightdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	return insightdb.New(db.DB), db.DB
}

var week = insight.Target{Kind: insight.TargetWeek, ProgrammeID: "p", Key: "2026-11-30"}

func change(n int64) []insight.Change {
	return []insight.Change{{Target: week, Counts: insight.Counts{"c.lesson": n, "h.mentee.m3": 1}}}
}

// TestApplyCountsEachChangeOnce: a change applied again, or an older one applied late, adds
// nothing; a newer one from the same source and changes from other sources add up.
func TestApplyCountsEachChangeOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, step := range []struct {
		source string
		seq    int64
	}{{"a", 1}, {"a", 1}, {"b", 1}, {"a", 2}, {"a", 1}, {"a", 2}, {"b", 1}, {"b", 5}} {
		if err := s.Apply(ctx, step.source, step.seq, change(1)); err != nil {
			t.Fatalf("apply %v: %v", step, err)
		}
	}
	got, err := s.Read(ctx, []insight.Target{week})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(insight.Counts{"c.lesson": 4, "h.mentee.m3": 4}, got[week]); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

// TestConcurrentApplyCountsOnce races the same changes from many sources, each sent by three
// writers at once: every source counts exactly once.
func TestConcurrentApplyCountsOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for src := 0; src < 40; src++ {
		for w := 0; w < 3; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.Apply(ctx, fmt.Sprintf("learner-%d", src), 1, change(1))
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Read(ctx, []insight.Target{week})
	if err != nil {
		t.Fatal(err)
	}
	if got[week].Get("c.lesson") != 40 {
		t.Errorf("40 sources counted %d times", got[week].Get("c.lesson"))
	}
}

func TestSaveLearnerIsACompareAndSwap(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	l := insight.Learner{ProgrammeID: "p", UserID: "u", Version: 1, LastDay: "2026-11-30", Weeks: map[string]insight.LearnerWeek{"2026-11-30": {Role: "mentee", Seconds: 90}},
		Items: map[string]insight.LearnerItem{"l1": {Done: true, Seconds: 90, Bucket: 9}}, Seen: []insight.SeenEvent{{ID: "e1", At: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}},
		Pending: &insight.Pending{Seq: 1, Changes: change(1)}}
	if err := s.SaveLearner(ctx, l, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveLearner(ctx, l, 0); !errors.Is(err, insight.ErrConflict) {
		t.Fatalf("second insert: %v, want a conflict", err)
	}
	got, ok, err := s.Learner(ctx, l.Key())
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if diff := cmp.Diff(l, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	next := got
	next.Version = 2
	if err := s.SaveLearner(ctx, next, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveLearner(ctx, next, 1); !errors.Is(err, insight.ErrConflict) {
		t.Fatalf("stale write: %v, want a conflict", err)
	}
}

func TestDueReadsTheSlotsSinceTheLastSweep(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if err := s.Touch(ctx, []string{"m:p:a", "m:p:b"}, "p", now.Add(-3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, []string{"p:x"}, "p", now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	ids, through, err := s.Due(ctx, now, 10)
	if err != nil || !through.Equal(now) {
		t.Fatal(err, through)
	}
	if diff := cmp.Diff([]string{"m:p:a", "m:p:b"}, sorted(ids)); diff != "" {
		t.Errorf("due (-want +got):\n%s", diff)
	}
	if ids, through, _ := s.Due(ctx, now, 1); len(ids) != 1 || !through.Equal(now.Add(-3*time.Hour)) {
		t.Errorf("limit 1: %v through %v, want through the first slot read", ids, through)
	}
	if err := s.Swept(ctx, now); err != nil {
		t.Fatal(err)
	}
	// Behind the watermark: the slots before the sweep are not read again (an evaluation
	// moves every subject it looks at to its next slot).
	if ids, _, _ := s.Due(ctx, now.Add(time.Minute), 10); len(ids) != 0 {
		t.Errorf("after the sweep: %v, want none", ids)
	}
	if ids, _, _ := s.Due(ctx, now.Add(20*time.Minute), 10); len(ids) != 1 || ids[0] != "p:x" {
		t.Errorf("later: %v, want p:x only", ids)
	}
	x, ok, err := s.Subject(ctx, "m:p:a")
	if err != nil || !ok || x.Kind != insight.KindMember || x.ProgrammeID != "p" || x.UserID != "a" || x.Version != 1 {
		t.Errorf("touched subject %+v %v %v", x, ok, err)
	}
}

// TestDueMissesNoOneAfterALongGap: before a database's first sweep, subjects that fell due
// months ago are found (the first sweep starts at the earliest); after a sweep, a gap of a
// hundred days (a server switched off over the summer) is read through; a touch computed
// just before a sweep's moment and written after it is still found by the next sweep.
func TestDueMissesNoOneAfterALongGap(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if err := s.Touch(ctx, []string{"m:p:old"}, "p", t0.Add(-80*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ids, through, err := s.Due(ctx, t0, 10); err != nil || !slicesEqual(ids, "m:p:old") || !through.Equal(t0) {
		t.Fatalf("first sweep: %v through %v (%v), want the subject due 80 days ago", ids, through, err)
	}
	if err := s.Swept(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, []string{"m:p:old"}, "p", t0.Add(100*24*time.Hour)); err != nil { // evaluated: due again later
		t.Fatal(err)
	}
	if err := s.Touch(ctx, []string{"m:p:next-day"}, "p", t0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(101 * 24 * time.Hour)
	ids, through, err := s.Due(ctx, later, 10)
	if err != nil || !through.Equal(later) {
		t.Fatal(err, through)
	}
	if diff := cmp.Diff([]string{"m:p:next-day", "m:p:old"}, sorted(ids)); diff != "" {
		t.Errorf("after 101 days without a sweep (-want +got):\n%s", diff)
	}
	// The limit cuts a long read short: through says how far it got; sweeping that far and
	// reading again finds the rest.
	ids, through, err = s.Due(ctx, later, 1)
	if err != nil || len(ids) != 1 || !through.Before(later) {
		t.Fatalf("limit 1: %v through %v (%v)", ids, through, err)
	}
	if err := s.Swept(ctx, later); err != nil {
		t.Fatal(err)
	}
	// A request computed its touch a minute before the sweep's moment and wrote it after.
	if err := s.Touch(ctx, []string{"m:p:in-flight"}, "p", later.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ids, _, _ := s.Due(ctx, later.Add(time.Minute), 10); !slicesEqual(ids, "m:p:in-flight") {
		t.Errorf("the touch written after a sweep read its slot: %v, want it found", ids)
	}
}

func slicesEqual(got []string, want ...string) bool { return cmp.Equal(sorted(got), sorted(want)) }

func sorted(xs []string) []string {
	out := append([]string(nil), xs...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestAtRiskIsOrderedAndPaged(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, id := range []string{"m:p:c", "m:p:a", "p:z", "m:p:b", "m:q:a"} {
		kind, pid, _, _, _ := insight.ParseSubject(id)
		if pid == "" {
			pid = "p"
		}
		x := insight.Subject{ID: id, Kind: kind, ProgrammeID: pid, Version: 1, AtRisk: i != 3, Since: base.AddDate(0, 0, i%3),
			Reasons: []insight.Reason{{Code: insight.ReasonInactive, Since: base.AddDate(0, 0, i%3), Days: 9}}, DueAt: base}
		if err := s.SaveSubject(ctx, x, 0); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.AtRisk(ctx, "p", "", nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := idsOf(page); !cmp.Equal(got, []string{"m:p:c", "m:p:a"}) {
		t.Errorf("first page %v", got)
	}
	last := page[1]
	page, err = s.AtRisk(ctx, "p", "", &insight.Cursor{At: last.Since, ID: last.ID}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := idsOf(page); !cmp.Equal(got, []string{"p:z"}) {
		t.Errorf("second page %v", got)
	}
	if page, _ := s.AtRisk(ctx, "p", insight.KindPairing, nil, 10); len(page) != 1 || page[0].Reasons[0].Days != 9 {
		t.Errorf("pairings %+v", page)
	}
}

func idsOf(xs []insight.Subject) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x.ID)
	}
	return out
}

func TestHeldEventsRoundTrip(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	due := time.Date(2026, 12, 3, 23, 59, 59, 0, time.UTC)
	e := learning.Event{ID: "e1", Kind: learning.QuizAttempted, UserID: "u", ProgrammeID: "p", ItemKind: "quiz", ItemID: "q",
		OccurredAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), RecordedAt: time.Date(2026, 12, 1, 9, 0, 1, 0, time.UTC),
		Passed: true, Attempt: 2, Questions: []learning.QuestionResult{{Key: "k", Correct: true}}, DueAt: &due}
	for i := 0; i < 2; i++ {
		if err := s.Hold(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Held(ctx, 10)
	if err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	if diff := cmp.Diff(e, got[0]); diff != "" {
		t.Errorf("held event (-want +got):\n%s", diff)
	}
	if err := s.Release(ctx, []string{"e1"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Held(ctx, 10); len(got) != 0 {
		t.Errorf("released: %v", got)
	}
}

// TestReadManyTargets reads more shards than one `_id` list can search (a page of items):
// every target gets its own counts, and another programme's aggregates of the same keys
// count for nothing.
func TestReadManyTargets(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var ts []insight.Target
	for i := range 100 {
		key := fmt.Sprintf("item%03d", i)
		ts = append(ts, insight.Target{Kind: insight.TargetItem, ProgrammeID: "p", Key: key})
		for j := range i%3 + 1 {
			for _, pid := range []string{"p", "q"} {
				ch := []insight.Change{{Target: insight.Target{Kind: insight.TargetItem, ProgrammeID: pid, Key: key}, Counts: insight.Counts{"reach": 1}}}
				if err := s.Apply(ctx, fmt.Sprintf("%s|u%d", pid, j), 1, ch); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	got, err := s.Read(ctx, ts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ts) {
		t.Fatalf("%d targets read, want %d", len(got), len(ts))
	}
	for i, target := range ts {
		if want := int64(i%3 + 1); got[target].Get("reach") != want {
			t.Errorf("%s: reach %d, want %d", target.Key, got[target].Get("reach"), want)
		}
	}
}

// TestApplyAgainAfterPartOfIt: changes applied again when some of their aggregates took them
// already (a crash in the middle of a bulk) reach the others, whatever the order.
func TestApplyAgainAfterPartOfIt(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a := insight.Target{Kind: insight.TargetTotal, ProgrammeID: "p"}
	b := insight.Target{Kind: insight.TargetItem, ProgrammeID: "p", Key: "x"}
	c := insight.Target{Kind: insight.TargetItem, ProgrammeID: "p", Key: "y"}
	one := func(ts ...insight.Target) []insight.Change {
		var out []insight.Change
		for _, x := range ts {
			out = append(out, insight.Change{Target: x, Counts: insight.Counts{"n": 1}})
		}
		return out
	}
	for _, ch := range [][]insight.Change{one(a), one(a, b), one(c, a, b), one(a, b, c)} {
		if err := s.Apply(ctx, "s", 1, ch); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Read(ctx, []insight.Target{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []insight.Target{a, b, c} {
		if got[x].Get("n") != 1 {
			t.Errorf("%v: %v, want counted once", x, got[x])
		}
	}
}

// TestProgrammeSubjectsListsEveryOne: every subject of the programme, past any batch, and
// none of another programme.
func TestProgrammeSubjectsListsEveryOne(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var want []string
	for i := range 1200 {
		want = append(want, fmt.Sprintf("m:p:u%04d", i))
	}
	if err := s.Touch(ctx, want, "p", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, []string{"m:q:u0001", "p:x"}, "q", at); err != nil {
		t.Fatal(err)
	}
	got, err := s.ProgrammeSubjects(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if !slicesEqual(got, want...) {
		t.Errorf("%d subjects listed, want the programme's %d", len(got), len(want))
	}
}
