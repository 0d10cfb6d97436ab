package insightdb_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/insight/insightdb"
	"github.com/microlearn/microlearn/learning"
)

var errCrash = errors.New("the process died")

// dyingStore is a process that dies at one step of settling: the write of that step is made
// (for a partial Apply, only its first change), then the call fails, as the process's last.
type dyingStore struct {
	insight.Store
	at      string
	partial bool
	dead    bool
}

func (d *dyingStore) dies(step string, err error) error {
	if err != nil || d.dead || step != d.at {
		return err
	}
	d.dead = true
	return errCrash
}

func (d *dyingStore) SaveLearner(ctx context.Context, l insight.Learner, prev int64) error {
	return d.dies("SaveLearner", d.Store.SaveLearner(ctx, l, prev))
}

func (d *dyingStore) SaveSubject(ctx context.Context, x insight.Subject, prev int64) error {
	return d.dies("SaveSubject", d.Store.SaveSubject(ctx, x, prev))
}

func (d *dyingStore) Apply(ctx context.Context, source string, seq int64, ch []insight.Change) error {
	if d.partial && d.at == "Apply" && !d.dead && len(ch) > 1 {
		ch = ch[:1]
	}
	return d.dies("Apply", d.Store.Apply(ctx, source, seq, ch))
}

func (d *dyingStore) Ack(ctx context.Context, kind insight.SourceKind, source string, seq int64) (bool, error) {
	ok, err := d.Store.Ack(ctx, kind, source, seq)
	return ok, d.dies("Ack", err)
}

func (d *dyingStore) Prune(ctx context.Context, source string, seq int64, ch []insight.Change) error {
	return d.dies("Prune", d.Store.Prune(ctx, source, seq, ch))
}

func (d *dyingStore) Touch(ctx context.Context, ids []string, programmeID string, at time.Time) error {
	return d.dies("Touch", d.Store.Touch(ctx, ids, programmeID, at))
}

var crashSteps = []struct {
	at      string
	partial bool
}{{"SaveLearner", false}, {"SaveSubject", false}, {"Apply", true}, {"Apply", false}, {"Ack", false}, {"Prune", false}, {"Touch", false}}

// TestAnEventCountsOnceWhereverTheProcessDies: the worker dies after each step of taking in
// a learning event (the learner written, some or all of the aggregates, the
// acknowledgement, the guards' removal, the touch). While the dead writer's lease runs,
// another process is told to try again (and counts nothing); afterwards three processes
// redeliver the event at once: it counts exactly once, and no guard is left in the
// aggregates (but for a death between the acknowledgement and the removal, which leaves
// the guards of that one change behind, counting nothing).
func TestAnEventCountsOnceWhereverTheProcessDies(t *testing.T) {
	for _, step := range crashSteps {
		if step.at == "SaveSubject" {
			continue
		}
		name := step.at + map[bool]string{true: " (partly)"}[step.partial]
		t.Run(name, func(t *testing.T) {
			store, db := newStoreDB(t)
			ctx := context.Background()
			now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
			e := learning.Event{ID: "e1", Kind: learning.LessonCompleted, UserID: "ada", ProgrammeID: "p", ItemKind: "lesson", ItemID: "l1",
				Domain: "affective", OccurredAt: now.Add(-time.Hour), RecordedAt: now, SecondsSpent: 420}
			if err := newService(&dyingStore{Store: store, at: step.at, partial: step.partial}, now).ObserveLearningEvent(ctx, e); !errors.Is(err, errCrash) {
				t.Fatalf("first delivery: %v, want the crash", err)
			}
			if step.at == "SaveLearner" || step.at == "Apply" {
				err := newService(store, now.Add(30*time.Second)).ObserveLearningEvent(ctx, e)
				if !errors.Is(err, insight.ErrConflict) {
					t.Errorf("a delivery within the dead writer's lease: %v, want a conflict (try again)", err)
				}
			}
			redeliverAtOnce(t, 3, func() error { return newService(store, now.Add(2*time.Minute)).ObserveLearningEvent(ctx, e) })
			checkOnce(t, store, now)
			if n := guardsLeft(t, db); (n != 0) != (step.at == "Ack") {
				t.Errorf("%d guards left in the aggregates", n)
			}
			// The next event counts on top; the guards it shares targets with are gone after it.
			e2 := e
			e2.ID, e2.ItemID, e2.OccurredAt = "e2", "l2", now.Add(-30*time.Minute)
			if err := newService(store, now.Add(3*time.Minute)).ObserveLearningEvent(ctx, e2); err != nil {
				t.Fatal(err)
			}
			total := insight.Target{Kind: insight.TargetTotal, ProgrammeID: "p"}
			got, err := store.Read(ctx, []insight.Target{total})
			if err != nil || got[total].Get("e.lesson_completed") != 2 {
				t.Errorf("after a second event: %v (%v), want 2 lessons", got[total], err)
			}
		})
	}
}

// TestAnEvaluationCountsOnceWhereverTheProcessDies: the same for a subject's evaluation (the
// members by role it moves).
func TestAnEvaluationCountsOnceWhereverTheProcessDies(t *testing.T) {
	for _, step := range crashSteps {
		if step.at == "SaveLearner" || step.at == "Touch" || step.partial {
			continue
		}
		t.Run(step.at, func(t *testing.T) {
			store, db := newStoreDB(t)
			ctx := context.Background()
			now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
			id := insight.PersonSubject("p", "ada")
			if err := newService(&dyingStore{Store: store, at: step.at}, now).Evaluate(ctx, id); !errors.Is(err, errCrash) {
				t.Fatalf("first evaluation: %v, want the crash", err)
			}
			if step.at == "SaveSubject" || step.at == "Apply" {
				if err := newService(store, now.Add(30*time.Second)).Evaluate(ctx, id); !errors.Is(err, insight.ErrConflict) {
					t.Errorf("an evaluation within the dead writer's lease: %v, want a conflict", err)
				}
			}
			redeliverAtOnce(t, 3, func() error { return newService(store, now.Add(2*time.Minute)).Evaluate(ctx, id) })
			people := insight.Target{Kind: insight.TargetPeople, ProgrammeID: "p"}
			got, err := store.Read(ctx, []insight.Target{people})
			if err != nil || got[people].Get("role.mentee") != 1 {
				t.Errorf("members by role %v (%v), want one mentee", got[people], err)
			}
			if n := guardsLeft(t, db); (n != 0) != (step.at == "Ack") {
				t.Errorf("%d guards left in the aggregates", n)
			}
		})
	}
}

// redeliverAtOnce runs fn in n goroutines at once, each trying again while it is told to
// (another of them holds the lease), and fails on any other error.
func redeliverAtOnce(t *testing.T, n int, fn func() error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for try := 0; ; try++ {
				err := fn()
				if err == nil || !errors.Is(err, insight.ErrConflict) || try == 20 {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// checkOnce checks that the one lesson of TestAnEventCountsOnceWhereverTheProcessDies
// counts once in its item, week and totals.
func checkOnce(t *testing.T, store *insightdb.Store, now time.Time) {
	t.Helper()
	item := insight.Target{Kind: insight.TargetItem, ProgrammeID: "p", Key: "l1"}
	wk := insight.Target{Kind: insight.TargetWeek, ProgrammeID: "p", Key: insight.Week(now, london(t))}
	total := insight.Target{Kind: insight.TargetTotal, ProgrammeID: "p"}
	got, err := store.Read(context.Background(), []insight.Target{item, wk, total})
	if err != nil {
		t.Fatal(err)
	}
	want := map[insight.Target]insight.Counts{item: {"reach": 1, "done": 1, "sec": 420}, wk: {"n.mentee": 1, "c.lesson": 1, "sec.mentee": 420},
		total: {"e.lesson_completed": 1}}
	for target, counts := range want {
		for path, n := range counts {
			if got[target].Get(path) != n {
				t.Errorf("%s %s: %d, want %d (%v)", target.Kind, path, got[target].Get(path), n, got[target])
			}
		}
	}
}

func london(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// guardsLeft counts the guards in every aggregate document.
func guardsLeft(t *testing.T, db *mongo.Database) int {
	t.Helper()
	cur, err := db.Collection(insightdb.Aggs).Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		G bson.M `bson:"g"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range docs {
		n += len(d.G)
	}
	return n
}
