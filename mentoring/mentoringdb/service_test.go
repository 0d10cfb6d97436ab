package mentoringdb_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
)

// Hand-written fakes with function fields, for the edges mentoring does not own.

type fakeDirectory struct {
	roles map[string]string // userID -> role in programme "p"
	loc   *time.Location
}

func (d fakeDirectory) MemberRole(_ context.Context, programmeID, userID string) (string, error) {
	if r, ok := d.roles[userID]; ok && programmeID == "p" {
		return r, nil
	}
	return "", mentoring.ErrNotMember
}

func (d fakeDirectory) ProgrammeLocation(context.Context, string) (*time.Location, error) {
	return d.loc, nil
}

func (d fakeDirectory) DisplayNames(context.Context, []string) (map[string]string, error) {
	return map[string]string{}, nil
}

type fakeCatalog struct {
	item func(ref learning.ItemRef) (mentoring.ItemInfo, error)
}

func (c fakeCatalog) Item(_ context.Context, _ string, ref learning.ItemRef) (mentoring.ItemInfo, error) {
	return c.item(ref)
}

func (c fakeCatalog) ItemByKey(context.Context, string, string, string) (learning.ItemRef, mentoring.ItemInfo, error) {
	return learning.ItemRef{}, mentoring.ItemInfo{}, mentoring.ErrItemNotFound
}

type fakeCompletions struct {
	mu   sync.Mutex
	done map[string]map[learning.ItemRef]bool
}

func (f *fakeCompletions) Completed(_ context.Context, userID string, items []learning.ItemRef) (map[learning.ItemRef]bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[learning.ItemRef]bool{}
	for _, it := range items {
		out[it] = f.done[userID][it]
	}
	return out, nil
}

func (f *fakeCompletions) CompletedMany(ctx context.Context, items map[string][]learning.ItemRef) (map[string]map[learning.ItemRef]bool, error) {
	out := map[string]map[learning.ItemRef]bool{}
	for u, refs := range items {
		out[u], _ = f.Completed(ctx, u, refs)
	}
	return out, nil
}

func (f *fakeCompletions) complete(userID string, ref learning.ItemRef) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done[userID] == nil {
		f.done[userID] = map[learning.ItemRef]bool{}
	}
	f.done[userID][ref] = true
}

type fakePublisher struct {
	mu     sync.Mutex
	events map[string]learning.Event
	calls  int
}

func (p *fakePublisher) Publish(_ context.Context, e learning.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if _, ok := p.events[e.ID]; !ok {
		p.events[e.ID] = e
	}
	return nil
}

type fakeNotifier struct {
	mu                  sync.Mutex
	received, completed []mentoring.MenteeAssignment
	down                bool // AssignmentReceived fails
}

func (n *fakeNotifier) AssignmentReceived(_ context.Context, a mentoring.MenteeAssignment) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down {
		return errors.New("outbox unavailable")
	}
	n.received = append(n.received, a)
	return nil
}

func (n *fakeNotifier) AssignmentCompleted(_ context.Context, a mentoring.MenteeAssignment) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.completed = append(n.completed, a)
	return nil
}

type world struct {
	svc         *mentoring.Service
	completions *fakeCompletions
	publisher   *fakePublisher
	notifier    *fakeNotifier
	now         time.Time
	owner       mentoring.Actor
	db          *mongodb.DB
}

func newWorld(t *testing.T, roles map[string]string) *world {
	t.Helper()
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, append(mentoringdb.Indexes(), mentoringdb.RecordIndexes()...)); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/London")
	w := &world{completions: &fakeCompletions{done: map[string]map[learning.ItemRef]bool{}},
		publisher: &fakePublisher{events: map[string]learning.Event{}}, notifier: &fakeNotifier{},
		now: time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC), owner: mentoring.Actor{UserID: "owner", Role: mentoring.RoleOwner}, db: db}
	w.svc = &mentoring.Service{Store: mentoringdb.New(db.DB), Directory: fakeDirectory{roles: roles, loc: loc},
		Catalog: fakeCatalog{item: func(ref learning.ItemRef) (mentoring.ItemInfo, error) {
			switch ref.ID {
			case "draft":
				return mentoring.ItemInfo{Title: "Draft", Kind: ref.Kind}, nil
			case "missing":
				return mentoring.ItemInfo{}, mentoring.ErrItemNotFound
			}
			return mentoring.ItemInfo{Title: "Item " + ref.ID, Kind: ref.Kind, Published: true}, nil
		}},
		Completions: w.completions, Publisher: w.publisher, Notifier: w.notifier,
		Now: func() time.Time { return w.now }}
	return w
}

func (w *world) mentorProfile(t *testing.T, id string, capacity int) {
	t.Helper()
	if _, err := w.svc.PutMyProfile(context.Background(), mentoring.Actor{UserID: id, Role: mentoring.RoleMentor}, "p",
		mentoring.ProfileInput{Capacity: &capacity, Skills: []string{"Leadership"}}); err != nil {
		t.Fatal(err)
	}
}

// Many confirmations race: 12 owners confirm 12 different mentees with one mentor of
// capacity 3, and 8 confirm the same mentee with 8 different mentors. Capacity and
// one-pairing-per-type must hold: exactly 3 and exactly 1 succeed, the rest get the
// conflict, and the guard documents agree with the pairings.
func TestConcurrentConfirmationsHoldCapacityAndUniqueness(t *testing.T) {
	roles := map[string]string{"busy": mentoring.RoleMentor, "popular": mentoring.RoleMentee}
	for i := range 12 {
		roles[fmt.Sprintf("e%02d", i)] = mentoring.RoleMentee
	}
	for i := range 8 {
		roles[fmt.Sprintf("m%02d", i)] = mentoring.RoleMentor
	}
	w := newWorld(t, roles)
	ctx := context.Background()
	w.mentorProfile(t, "busy", 3)
	for i := range 8 {
		w.mentorProfile(t, fmt.Sprintf("m%02d", i), 5)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 12 {
		wg.Go(func() {
			_, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "busy",
				MenteeIDs: []string{fmt.Sprintf("e%02d", i)}, Type: mentoring.OneToOne})
			errs <- err
		})
	}
	wg.Wait()
	for i := range 8 {
		wg.Go(func() {
			_, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: fmt.Sprintf("m%02d", i),
				MenteeIDs: []string{"popular"}, Type: mentoring.Flash})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	count := map[string]int{}
	for err := range errs {
		switch {
		case err == nil:
			count["ok"]++
		case errors.Is(err, mentoring.ErrMentorAtCapacity):
			count["capacity"]++
		case errors.Is(err, mentoring.ErrMenteeAlreadyPaired):
			count["paired"]++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if diff := cmp.Diff(map[string]int{"ok": 4, "capacity": 9, "paired": 7}, count); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	busy, err := w.svc.Pairings(ctx, w.owner, mentoring.PairingQuery{ProgrammeID: "p", MentorID: "busy", Status: mentoring.StatusActive})
	if err != nil || len(busy) != 3 {
		t.Errorf("active pairings of the busy mentor: %d (%v), want 3", len(busy), err)
	}
	popular, err := w.svc.Pairings(ctx, w.owner, mentoring.PairingQuery{ProgrammeID: "p", MenteeID: "popular"})
	if err != nil || len(popular) != 1 {
		t.Errorf("pairings of the popular mentee: %d (%v), want 1", len(popular), err)
	}
	slots, _ := w.svc.Store.Slots(ctx, "p", "busy")
	if len(slots) != 3 {
		t.Errorf("busy holds %d slots, want 3", len(slots))
	}

	// Ending one frees a place, and exactly one of the next racing confirmations takes it.
	if _, err := w.svc.SetStatus(ctx, w.owner, busy[0].ID, mentoring.StatusEnded, "moved on"); err != nil {
		t.Fatal(err)
	}
	var ok sync.Map
	for i := 3; i < 12; i++ {
		wg.Go(func() {
			id := fmt.Sprintf("e%02d", i)
			if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "busy", MenteeIDs: []string{id}, Type: mentoring.OneToOne}); err == nil {
				ok.Store(id, true)
			}
		})
	}
	wg.Wait()
	n := 0
	ok.Range(func(any, any) bool { n++; return true })
	// At least seven of e03..e11 are unpaired, so exactly one of them takes the freed place.
	busy, _ = w.svc.Pairings(ctx, w.owner, mentoring.PairingQuery{ProgrammeID: "p", MentorID: "busy", Status: mentoring.StatusActive})
	if len(busy) != 3 || n != 1 {
		t.Errorf("after ending one: %d active pairings, %d new confirmations; want 3 and 1", len(busy), n)
	}
}

// Two racing acceptances of the same proposal both succeed (idempotent) and hold one set of
// guards; racing accept and decline leave either an active pairing with its guards or an ended
// one without.
func TestConcurrentAcceptOfOneProposal(t *testing.T) {
	w := newWorld(t, map[string]string{"m": mentoring.RoleMentor, "e": mentoring.RoleMentee})
	ctx := context.Background()
	w.mentorProfile(t, "m", 2)
	p, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"e"},
		Type: mentoring.OneToOne, RequireAcceptance: true})
	if err != nil {
		t.Fatal(err)
	}
	mentor := mentoring.Actor{UserID: "m", Role: mentoring.RoleMentor}
	var wg sync.WaitGroup
	results := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			_, err := w.svc.Accept(ctx, mentor, p.ID)
			results <- err
		})
	}
	wg.Wait()
	close(results)
	for err := range results {
		if err != nil {
			t.Errorf("accept: %v", err)
		}
	}
	slots, _ := w.svc.Store.Slots(ctx, "p", "m")
	if len(slots) != 1 {
		t.Errorf("%d slots held, want 1", len(slots))
	}
	got, _ := w.svc.Store.Pairing(ctx, p.ID)
	if got.Status != mentoring.StatusActive {
		t.Errorf("status %s, want active", got.Status)
	}
}

func TestPairingLifecycle(t *testing.T) {
	w := newWorld(t, map[string]string{"m": mentoring.RoleMentor, "e1": mentoring.RoleMentee, "e2": mentoring.RoleMentee, "e3": mentoring.RoleMentee})
	ctx := context.Background()
	w.mentorProfile(t, "m", 3)
	mentor := mentoring.Actor{UserID: "m", Role: mentoring.RoleMentor}
	e1 := mentoring.Actor{UserID: "e1", Role: mentoring.RoleMentee}

	// Self-selection is off by default.
	if _, err := w.svc.CreatePairing(ctx, e1, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"e1"}, Type: mentoring.OneToOne}); !errors.Is(err, mentoring.ErrSelfSelectionOff) {
		t.Fatalf("self-selection off: %v", err)
	}
	set := mentoring.DefaultSettings("p")
	set.AllowSelfSelection = true
	if _, err := w.svc.PutSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	p, err := w.svc.CreatePairing(ctx, e1, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"e1"}, Type: mentoring.OneToOne,
		Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Monthly, Goals: []string{"lead a ward"}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != mentoring.StatusProposed || p.Origin != mentoring.OriginSelfSelection {
		t.Fatalf("self-selected pairing: %+v", p)
	}
	// The mentee cannot accept their own request; a stranger does not see it.
	if _, err := w.svc.Accept(ctx, e1, p.ID); !errors.Is(err, mentoring.ErrForbidden) {
		t.Errorf("mentee accepts: %v", err)
	}
	if _, err := w.svc.Accept(ctx, mentoring.Actor{UserID: "e2", Role: mentoring.RoleMentee}, p.ID); !errors.Is(err, mentoring.ErrPairingNotFound) {
		t.Errorf("stranger accepts: %v", err)
	}
	p, err = w.svc.Accept(ctx, mentor, p.ID)
	if err != nil || p.Status != mentoring.StatusActive || p.ActivatedAt == nil {
		t.Fatalf("accept: %+v %v", p, err)
	}
	// Group pairing takes two more places: the mentor is now full.
	g, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"e2", "e3"}, Type: mentoring.Group})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"e2"}, Type: mentoring.OneToOne}); !errors.Is(err, mentoring.ErrMentorAtCapacity) {
		t.Errorf("over capacity: %v", err)
	}
	// Pause keeps the places; ending the group frees two.
	if _, err := w.svc.SetStatus(ctx, e1, g.ID, mentoring.StatusPaused, ""); !errors.Is(err, mentoring.ErrPairingNotFound) {
		t.Errorf("non-member pauses group: %v", err)
	}
	if got, err := w.svc.SetStatus(ctx, mentor, p.ID, mentoring.StatusPaused, ""); err != nil || got.Status != mentoring.StatusPaused {
		t.Fatalf("pause: %v", err)
	}
	if _, err := w.svc.SetStatus(ctx, e1, p.ID, mentoring.StatusActive, ""); !errors.Is(err, mentoring.ErrForbidden) {
		t.Errorf("mentee resumes: %v", err)
	}
	if _, err := w.svc.SetStatus(ctx, mentor, p.ID, mentoring.StatusActive, ""); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if _, err := w.svc.SetStatus(ctx, mentoring.Actor{UserID: "e2", Role: mentoring.RoleMentee}, g.ID, mentoring.StatusEnded, "done"); err != nil {
		t.Fatalf("a group mentee ends: %v", err)
	}
	if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"e3"}, Type: mentoring.Group}); err == nil {
		t.Error("a group of one was accepted")
	}
	f, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"e3"}, Type: mentoring.Flash})
	if err != nil {
		t.Fatalf("after the group ended: %v", err)
	}
	// Ended pairings cannot move again.
	if _, err := w.svc.SetStatus(ctx, mentor, g.ID, mentoring.StatusPaused, ""); !errors.Is(err, mentoring.ErrStatusConflict) {
		t.Errorf("pause ended: %v", err)
	}
	_ = f
}

func TestReclaimsGuardsOfPairingsThatNeverLanded(t *testing.T) {
	w := newWorld(t, map[string]string{"m": mentoring.RoleMentor, "e1": mentoring.RoleMentee, "e2": mentoring.RoleMentee})
	ctx := context.Background()
	w.mentorProfile(t, "m", 1)
	// A crash after taking the guards, before writing the pairing.
	st := w.svc.Store
	if err := st.AcquirePlace(ctx, mentoring.Place{ProgrammeID: "p", MenteeID: "e1", Type: mentoring.OneToOne, PairingID: "ghost", CreatedAt: w.now}); err != nil {
		t.Fatal(err)
	}
	if err := st.AcquireSlot(ctx, mentoring.Slot{ProgrammeID: "p", MentorID: "m", PairingID: "ghost", MenteeID: "e1", CreatedAt: w.now}, 1); err != nil {
		t.Fatal(err)
	}
	confirm := func(e string) error {
		_, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{e}, Type: mentoring.OneToOne})
		return err
	}
	if err := confirm("e2"); !errors.Is(err, mentoring.ErrMentorAtCapacity) {
		t.Fatalf("within the grace period the slot is held: %v", err)
	}
	w.now = w.now.Add(3 * time.Minute)
	if err := confirm("e1"); err != nil {
		t.Fatalf("after the grace period the ghost's place and slot are reclaimed: %v", err)
	}
}

// The mentees cannot be told of a new assignment: the request fails (so the client retries
// with its Idempotency-Key), and the retry completes the same assignment and tells them.
func TestAssignmentNotificationFailureFailsTheRequest(t *testing.T) {
	w := newWorld(t, map[string]string{"m": mentoring.RoleMentor, "e1": mentoring.RoleMentee, "e2": mentoring.RoleMentee})
	ctx := context.Background()
	w.mentorProfile(t, "m", 5)
	mentor := mentoring.Actor{UserID: "m", Role: mentoring.RoleMentor}
	g, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"e1", "e2"}, Type: mentoring.Group})
	if err != nil {
		t.Fatal(err)
	}
	lesson := learning.ItemRef{Kind: "lesson", ID: "l1"}
	keyed := mentoring.NewAssignment{Items: []learning.ItemRef{lesson}, Due: "2026-11-20", RequestKey: "tap-7"}
	w.notifier.mu.Lock()
	w.notifier.down = true
	w.notifier.mu.Unlock()
	if _, err := w.svc.Assign(ctx, mentor, g.ID, keyed); err == nil {
		t.Error("assigning reported success although the mentees could not be told")
	}
	w.notifier.mu.Lock()
	w.notifier.down = false
	w.notifier.mu.Unlock()
	retried, err := w.svc.Assign(ctx, mentor, g.ID, keyed)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(w.notifier.received); n != 2 {
		t.Errorf("notifier heard of %d received assignments after the retry, want 2", n)
	}
	if again, _ := w.svc.Assign(ctx, mentor, g.ID, keyed); again.ID != retried.ID {
		t.Errorf("the same keyed request made assignment %s, then %s", retried.ID, again.ID)
	}
}

func TestAssignmentsProgressAndCompletionExactlyOnce(t *testing.T) {
	w := newWorld(t, map[string]string{"m": mentoring.RoleMentor, "e1": mentoring.RoleMentee, "e2": mentoring.RoleMentee})
	ctx := context.Background()
	w.mentorProfile(t, "m", 5)
	mentor := mentoring.Actor{UserID: "m", Role: mentoring.RoleMentor}
	g, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"e1", "e2"}, Type: mentoring.Group})
	if err != nil {
		t.Fatal(err)
	}
	lesson, quiz := learning.ItemRef{Kind: "lesson", ID: "l1"}, learning.ItemRef{Kind: "quiz", ID: "q1"}

	// Field errors name each bad item; owners and mentees may not assign.
	_, err = w.svc.Assign(ctx, mentor, g.ID, mentoring.NewAssignment{Items: []learning.ItemRef{{Kind: "lesson", ID: "missing"},
		{Kind: "quiz", ID: "draft"}, {Kind: "video", ID: "x"}}, Due: "2026-10-01"})
	var ve *apperr.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("bad assignment: %v", err)
	}
	var ptrs []string
	for _, f := range ve.Fields {
		ptrs = append(ptrs, f.Pointer)
	}
	if diff := cmp.Diff([]string{"/items/0/id", "/items/1/id", "/items/2/kind", "/due"}, ptrs); diff != "" {
		t.Errorf("pointers (-want +got):\n%s", diff)
	}
	if _, err := w.svc.Assign(ctx, w.owner, g.ID, mentoring.NewAssignment{Items: []learning.ItemRef{lesson}, Due: "2026-11-01"}); !errors.Is(err, mentoring.ErrForbidden) {
		t.Errorf("owner assigns: %v", err)
	}

	// Due "2026-10-25" in London is the end of that local day: 23:59:59 BST = 22:59:59Z
	// (the clocks go back at 02:00 on the 25th, so it is GMT by then: 23:59:59Z).
	a, err := w.svc.Assign(ctx, mentor, g.ID, mentoring.NewAssignment{Items: []learning.ItemRef{lesson, quiz}, Due: "2026-10-25", Note: "before we meet"})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 10, 25, 23, 59, 59, 0, time.UTC); !a.Copies[0].DueAt.Equal(want) || len(a.Copies) != 2 {
		t.Errorf("due %v (%d copies), want %v for both mentees", a.Copies[0].DueAt, len(a.Copies), want)
	}
	if len(w.notifier.received) != 2 {
		t.Errorf("notifier heard of %d received assignments, want 2", len(w.notifier.received))
	}

	later, err := w.svc.Assign(ctx, mentor, g.ID, mentoring.NewAssignment{Items: []learning.ItemRef{{Kind: "path", ID: "p1"}},
		MenteeIDs: []string{"e1"}, Due: "2026-11-30T09:00"})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC); !later.Copies[0].DueAt.Equal(want) {
		t.Errorf("local due time in GMT: %v, want %v", later.Copies[0].DueAt, want)
	}

	views, next, err := w.svc.MyAssignments(ctx, "e1", "", nil, 1)
	if err != nil || len(views) != 1 || next == nil {
		t.Fatalf("first page: %d views, next %v, %v", len(views), next, err)
	}
	if views[0].AssignmentID != a.ID || views[0].DueState != mentoring.DueUpcoming {
		t.Errorf("soonest first: %+v", views[0])
	}
	views, next, _ = w.svc.MyAssignments(ctx, "e1", "", next, 1)
	if len(views) != 1 || views[0].AssignmentID != later.ID || next != nil {
		t.Errorf("second page: %+v next %v", views, next)
	}

	// e1 completes the lesson: half done, and no assignment event yet.
	w.completions.complete("e1", lesson)
	ev := learning.Event{ID: "ev1", Kind: learning.LessonCompleted, UserID: "e1", ProgrammeID: "p", ItemKind: "lesson", ItemID: "l1", OccurredAt: w.now}
	if err := w.svc.ObserveLearningEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if len(w.publisher.events) != 0 {
		t.Fatalf("published %v before the assignment was complete", w.publisher.events)
	}
	_, progress, err := w.svc.PairingProgress(ctx, mentor, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := progress[0].Assignments[0].Progress; got != (mentoring.Progress{Done: 1, Total: 2, Percent: 50}) {
		t.Errorf("e1 progress %+v, want 1/2", got)
	}
	if _, _, err := w.svc.PairingProgress(ctx, mentoring.Actor{UserID: "e1", Role: mentoring.RoleMentee}, g.ID); !errors.Is(err, mentoring.ErrForbidden) {
		t.Errorf("a mentee reads the mentor's view: %v", err)
	}

	// A failed quiz completes nothing; a passed one completes the assignment. The event is
	// delivered three times, concurrently: one assignment event, one state change, one push.
	w.completions.complete("e1", quiz)
	failed := learning.Event{ID: "ev2", Kind: learning.QuizAttempted, UserID: "e1", ProgrammeID: "p", ItemKind: "quiz", ItemID: "q1", OccurredAt: w.now}
	if err := w.svc.ObserveLearningEvent(ctx, failed); err != nil || len(w.publisher.events) != 0 {
		t.Fatalf("failed quiz: %v %v", err, w.publisher.events)
	}
	passed := failed
	passed.ID, passed.Passed = "ev3", true
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := w.svc.ObserveLearningEvent(ctx, passed); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	id := mentoring.AssignmentCompletedEventID(a.ID, "e1")
	got, ok := w.publisher.events[id]
	if !ok || len(w.publisher.events) != 1 {
		t.Fatalf("events %v, want exactly %s", w.publisher.events, id)
	}
	if got.Kind != learning.AssignmentCompleted || got.PairingID != g.ID || !got.OnTime || got.DueAt == nil || got.ItemID != a.ID {
		t.Errorf("event %+v", got)
	}
	if len(w.notifier.completed) != 1 {
		t.Errorf("notifier heard %d completions, want 1", len(w.notifier.completed))
	}
	views, _, _ = w.svc.MyAssignments(ctx, "e1", mentoring.AssignmentCompleted, nil, 10)
	if len(views) != 1 || views[0].DueState != mentoring.DueCompleted || views[0].Progress.Percent != 100 {
		t.Errorf("completed list: %+v", views)
	}

	// The scheduler's query: open assignments due in a window, and overdue ones.
	due, err := w.svc.DueBetween(ctx, w.now, w.now.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].MenteeID != "e2" {
		t.Errorf("due in the next 48h: %+v, want only e2's copy", due)
	}
	w.now = time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC)
	overdue, _ := w.svc.DueBetween(ctx, time.Time{}, w.now)
	views, _, _ = w.svc.MyAssignments(ctx, "e2", mentoring.AssignmentOpen, nil, 10)
	if len(overdue) != 1 || len(views) != 1 || views[0].DueState != mentoring.DueOverdue {
		t.Errorf("overdue: %d from DueBetween, view %+v", len(overdue), views)
	}
}

func TestTagCuration(t *testing.T) {
	w := newWorld(t, map[string]string{"m": mentoring.RoleMentor, "e": mentoring.RoleMentee})
	ctx := context.Background()
	capacity := 2
	if _, err := w.svc.PutMyProfile(ctx, mentoring.Actor{UserID: "m", Role: mentoring.RoleMentor}, "p",
		mentoring.ProfileInput{Capacity: &capacity, Skills: []string{"Leading Teams", "Budgets "}}); err != nil {
		t.Fatal(err)
	}
	e, err := w.svc.PutMyProfile(ctx, mentoring.Actor{UserID: "e", Role: mentoring.RoleMentee}, "p",
		mentoring.ProfileInput{Objectives: []string{"leadership", "budgeting"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"budgeting", "leadership"}, e.Tags); diff != "" {
		t.Errorf("mentee tags (-want +got):\n%s", diff)
	}
	if _, err := w.svc.DefineTag(ctx, "p", "Leadership", []string{"leading teams", "people management"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.MergeTags(ctx, "p", []string{"budgets"}, "budgeting"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.RenameTag(ctx, "p", "budgeting", "finance"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.RenameTag(ctx, "p", "finance", "people management"); !errors.Is(err, mentoring.ErrTagExists) {
		t.Errorf("rename onto a synonym: %v", err)
	}
	tags, err := w.svc.Tags(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Name             string
		Synonyms         []string
		Mentors, Mentees int
	}
	var got []row
	for _, tg := range tags {
		got = append(got, row{tg.Name, tg.Synonyms, tg.Mentors, tg.Mentees})
	}
	want := []row{
		{"finance", []string{"budgeting", "budgets"}, 1, 1},
		{"leadership", []string{"leading teams", "people management"}, 1, 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("vocabulary (-want +got):\n%s", diff)
	}
	// Matching now sees the overlap the curation created.
	cands, _, err := w.svc.Suggestions(ctx, w.owner, "p", "e", mentoring.OneToOne, 5)
	if err != nil || len(cands) != 1 || cands[0].Contributions[0].Value != 1 {
		t.Errorf("suggestions after curation: %+v %v", cands, err)
	}
}
