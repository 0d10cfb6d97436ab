package evidencedb_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/evidence/evidencedb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// fakePairings serves fixed pairings (mentoring is an edge evidence does not own).
type fakePairings struct{ ps map[string]evidence.Pairing }

func (f fakePairings) Pairing(_ context.Context, id string) (evidence.Pairing, error) {
	p, ok := f.ps[id]
	if !ok {
		return p, evidence.ErrPairingNotFound
	}
	return p, nil
}
func (f fakePairings) ChangedSince(context.Context, evidence.Cursor, int) ([]evidence.Pairing, error) {
	return nil, nil
}
func (f fakePairings) ProgrammePairings(context.Context, string, string, int) ([]evidence.Pairing, error) {
	return nil, nil
}
func (f fakePairings) PersonPairings(context.Context, string) ([]evidence.Pairing, error) {
	return nil, nil
}

type utcPeople struct{}

func (utcPeople) Location(context.Context, string) (*time.Location, error) { return time.UTC, nil }
func (utcPeople) Names(context.Context, []string) (map[string]string, error) {
	return map[string]string{}, nil
}

type world struct {
	svc   *evidence.Service
	store *evidencedb.Store
	pairs map[string]evidence.Pairing
	now   time.Time
}

func newWorld(t *testing.T, pairings int) *world {
	t.Helper()
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, evidencedb.Indexes()); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	w := &world{store: evidencedb.New(db.DB), pairs: map[string]evidence.Pairing{}, now: start.Add(time.Hour)}
	for i := range pairings {
		p := evidence.Pairing{ID: fmt.Sprintf("p%d", i), ProgrammeID: "prog", MentorID: fmt.Sprintf("mentor%d", i),
			MenteeIDs: []string{fmt.Sprintf("mentee%d", i)}, Status: "active", ActivatedAt: &start}
		w.pairs[p.ID] = p
	}
	w.svc = &evidence.Service{Store: w.store, Pairings: fakePairings{w.pairs}, People: utcPeople{}, Now: func() time.Time { return w.now }}
	for _, p := range w.pairs {
		if err := w.svc.SyncPairing(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) answer(t *testing.T, pairingID, occasion, userID string, rating int) (evidence.Answer, error) {
	t.Helper()
	c, err := w.store.Checkin(context.Background(), evidence.CheckinID(pairingID, occasion, userID))
	if err != nil {
		t.Fatal(err)
	}
	r := 4
	in := evidence.AnswerInput{Relationship: &r, Ratings: map[string]int{}, Hindering: []string{"time-constraints"}}
	for _, d := range evidence.Domains() {
		in.Ratings[d] = rating
	}
	return w.svc.AnswerCheckin(context.Background(), evidence.Actor{UserID: userID}, c, in)
}

func (w *world) counters(t *testing.T, id string) map[string]int {
	t.Helper()
	g, _, err := w.store.Aggregate(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return g.Counters
}

// A writer that dies after counting an answer in an aggregate, before marking the answer,
// must not have it counted twice when the sweep finishes the job (twice, even).
func TestCrashAfterCountingIsNotCountedTwice(t *testing.T) {
	w := newWorld(t, 1)
	ctx := context.Background()
	wk := evidence.Worker{Service: w.svc}
	if err := wk.RunOnce(ctx); err != nil { // open the baselines
		t.Fatal(err)
	}
	w.svc.Store = &dyingStore{Store: w.store, dieAfterDelta: true}
	if _, err := w.answer(t, "p0", evidence.Baseline, "mentee0", 2); err == nil {
		t.Fatal("the dying store did not die")
	}
	w.svc.Store = w.store
	for range 2 {
		if err := wk.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"programme:prog", "pairing:p0", "person:prog:mentee0"} {
		c := w.counters(t, id)
		if c["baseline.mentee.answered"] != 1 || c["factors.mentee.hindering.time-constraints"] != 1 || c["baseline.mentee.rating.cognitive.sum"] != 2 {
			t.Errorf("%s after the crash and two sweeps: %v, want the answer counted once", id, c)
		}
	}
	if as, _ := w.store.PendingAnswers(ctx, 10); len(as) != 0 {
		t.Errorf("answers still pending after the sweep: %d", len(as))
	}
}

// Answers racing on the same programme aggregate are each counted exactly once, and a
// later answer adds its change from the same person's baseline.
func TestConcurrentAnswersCountExactly(t *testing.T) {
	const n = 8
	w := newWorld(t, n)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		for _, who := range []string{"mentee", "mentor"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.answer(t, fmt.Sprintf("p%d", i), evidence.Baseline, fmt.Sprintf("%s%d", who, i), 2)
				errs <- err
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
	// Answers that lost every race on the programme's aggregate are left to the sweep.
	if err := (&evidence.Worker{Service: w.svc}).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := w.counters(t, "programme:prog")
	if c["baseline.mentee.answered"] != n || c["baseline.mentor.answered"] != n || c["baseline.mentee.invited"] != n {
		t.Errorf("programme counters after %d racing pairs: %v", n, c)
	}
	w.now = time.Date(2027, 4, 4, 10, 0, 0, 0, time.UTC)
	if err := (&evidence.Worker{Service: w.svc}).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.answer(t, "p3", "m3", "mentee3", 5); err != nil {
		t.Fatal(err)
	}
	c = w.counters(t, "programme:prog")
	if c["m3.mentee.change.affective.sum"] != 3 || c["m3.mentee.change.affective.n"] != 1 {
		t.Errorf("3-month change: %v, want +3 over one pair", c)
	}
}

// dyingStore fails right after the first aggregate write, as a process killed there would.
type dyingStore struct {
	*evidencedb.Store
	dieAfterDelta bool
}

func (d *dyingStore) ApplyDelta(ctx context.Context, key evidence.AggregateKey, prev int, fact string, delta map[string]int, now time.Time) (bool, error) {
	ok, err := d.Store.ApplyDelta(ctx, key, prev, fact, delta, now)
	if err == nil && ok && d.dieAfterDelta {
		return false, fmt.Errorf("killed after counting %s", fact)
	}
	return ok, err
}
