package insightdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// fakeProgrammes is one programme in London whose members are given by role.
type fakeProgrammes struct{ roles map[string]string }

func (f fakeProgrammes) Location(context.Context, string) (*time.Location, error) {
	return time.LoadLocation("Europe/London")
}

func (f fakeProgrammes) Membership(_ context.Context, _, userID string) (insight.Membership, error) {
	r, ok := f.roles[userID]
	if !ok {
		return insight.Membership{}, apperr.ErrNotFound
	}
	return insight.Membership{Role: r, JoinedAt: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}, nil
}

func (f fakeProgrammes) MembersPage(context.Context, string, string, int) ([]string, error) {
	return nil, nil
}
func (f fakeProgrammes) ProgrammesPage(context.Context, string, int) ([]string, error) {
	return nil, nil
}

type noPeople struct{}

func (noPeople) People(context.Context, []string) (map[string]insight.Person, error) {
	return map[string]insight.Person{}, nil
}

// crashingStore fails the next Apply, as a process dying between the learner's write and
// the aggregates' would.
type crashingStore struct {
	insight.Store
	crash bool
}

var errCrash = errors.New("the process died")

func (c *crashingStore) Apply(ctx context.Context, source string, seq int64, ch []insight.Change) error {
	if c.crash {
		c.crash = false
		return errCrash
	}
	return c.Store.Apply(ctx, source, seq, ch)
}

func newService(store insight.Store, now time.Time) *insight.Service {
	return &insight.Service{Store: store, Programmes: fakeProgrammes{roles: map[string]string{"ada": insight.RoleMentee}}, People: noPeople{},
		Now: func() time.Time { return now }}
}

// TestAnEventCountsOnceThroughCrashesAndRedeliveries: the worker dies after the learner is
// written and before the aggregates are; the redelivery, in the same process or in a new
// one that never saw the learner, counts the event once; later redeliveries change nothing.
func TestAnEventCountsOnceThroughCrashesAndRedeliveries(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	e := learning.Event{ID: "e1", Kind: learning.LessonCompleted, UserID: "ada", ProgrammeID: "p", ItemKind: "lesson", ItemID: "l1",
		Domain: "affective", OccurredAt: now.Add(-time.Hour), RecordedAt: now, SecondsSpent: 420}
	for _, fresh := range []bool{false, true} {
		t.Run(map[bool]string{false: "same process", true: "new process"}[fresh], func(t *testing.T) {
			e.ID += "x"
			e.ItemID += "x"
			cs := &crashingStore{Store: store, crash: true}
			svc := newService(cs, now)
			if err := svc.ObserveLearningEvent(ctx, e); !errors.Is(err, errCrash) {
				t.Fatalf("first delivery: %v, want the crash", err)
			}
			if fresh {
				svc = newService(cs, now)
			}
			for i := 0; i < 3; i++ {
				if err := svc.ObserveLearningEvent(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			item := insight.Target{Kind: insight.TargetItem, ProgrammeID: "p", Key: e.ItemID}
			got, err := store.Read(ctx, []insight.Target{item})
			if err != nil {
				t.Fatal(err)
			}
			if got[item].Get("done") != 1 || got[item].Get("reach") != 1 || got[item].Get("sec") != 420 {
				t.Errorf("item counted %v, want once", got[item])
			}
		})
	}
	h, err := newService(store, now).Health(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if h.ThisWeek.Completions["lesson"] != 2 || h.ThisWeek.ActiveMentees != 1 || h.Active7[insight.RoleMentee] != 1 ||
		h.ThisWeek.MedianMinutes == nil || *h.ThisWeek.MedianMinutes != 14 {
		t.Errorf("health: %+v", h.ThisWeek)
	}
}
