package mentoringdb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
)

// race runs n creations at once and returns the pairings made and the errors of the rest.
func race(t *testing.T, n int, create func(i int) (mentoring.Pairing, error)) ([]mentoring.Pairing, []error) {
	t.Helper()
	var mu sync.Mutex
	var made []mentoring.Pairing
	var errs []error
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := create(i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else {
				made = append(made, p)
			}
		}()
	}
	wg.Wait()
	return made, errs
}

func onlyErr(t *testing.T, errs []error, want error) {
	t.Helper()
	for _, err := range errs {
		if !errors.Is(err, want) {
			t.Errorf("error %v, want %v", err, want)
		}
	}
}

func roster(mentors, mentees int) map[string]string {
	roles := map[string]string{}
	for i := range mentors {
		roles[fmt.Sprintf("m%02d", i)] = mentoring.RoleMentor
	}
	for i := range mentees {
		roles[fmt.Sprintf("e%02d", i)] = mentoring.RoleMentee
	}
	return roles
}

// One-to-one: 8 owners pair the same mentee with 8 mentors at once; exactly one pairing holds.
func TestConcurrentOneToOne(t *testing.T) {
	w := newWorld(t, roster(8, 1))
	for i := range 8 {
		w.mentorProfile(t, fmt.Sprintf("m%02d", i), 5)
	}
	made, errs := race(t, 8, func(i int) (mentoring.Pairing, error) {
		return w.svc.CreatePairing(context.Background(), w.owner, "p", mentoring.NewPairing{MentorID: fmt.Sprintf("m%02d", i),
			MenteeIDs: []string{"e00"}, Type: mentoring.OneToOne})
	})
	if len(made) != 1 {
		t.Fatalf("%d one-to-one pairings of one mentee", len(made))
	}
	onlyErr(t, errs, mentoring.ErrMenteeAlreadyPaired)
}

// Group: 6 groups of three from 8 mentees race for a mentor with 6 places; overlapping
// mentees are placed once per type and the 6 places are never exceeded.
func TestConcurrentGroups(t *testing.T) {
	w := newWorld(t, roster(1, 8))
	w.mentorProfile(t, "m00", 6)
	made, errs := race(t, 6, func(i int) (mentoring.Pairing, error) {
		return w.svc.CreatePairing(context.Background(), w.owner, "p", mentoring.NewPairing{MentorID: "m00", Type: mentoring.Group,
			MenteeIDs: []string{fmt.Sprintf("e%02d", i), fmt.Sprintf("e%02d", i+1), fmt.Sprintf("e%02d", i+2)}})
	})
	seen := map[string]bool{}
	places := 0
	for _, p := range made {
		for _, m := range p.MenteeIDs {
			if seen[m] {
				t.Fatalf("mentee %s in two live groups", m)
			}
			seen[m] = true
			places++
		}
	}
	if places > 6 || len(made) == 0 {
		t.Fatalf("%d groups holding %d places, capacity 6", len(made), places)
	}
	slots, err := w.svc.Store.Slots(context.Background(), "p", "m00")
	if err != nil || len(slots) != places {
		t.Fatalf("%d slots for %d places: %v", len(slots), places, err)
	}
	for _, err := range errs {
		if !errors.Is(err, mentoring.ErrMenteeAlreadyPaired) && !errors.Is(err, mentoring.ErrMentorAtCapacity) {
			t.Errorf("error %v", err)
		}
	}
}

// Flash takes the mentor's flash places, not full ones: with capacity 1 (taken) and flash
// capacity 2, 8 racing flash pairings make exactly 2; each ends by itself when its time box
// runs out, or once its meeting is confirmed as held.
func TestConcurrentFlashAndItsEnd(t *testing.T) {
	w := newWorld(t, roster(1, 9))
	ctx := context.Background()
	capacity, flash := 1, 2
	if _, err := w.svc.PutMyProfile(ctx, mentoring.Actor{UserID: "m00", Role: mentoring.RoleMentor}, "p",
		mentoring.ProfileInput{Capacity: &capacity, FlashCapacity: &flash, Skills: []string{"Rotas"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m00", MenteeIDs: []string{"e08"}, Type: mentoring.OneToOne}); err != nil {
		t.Fatal(err)
	}
	made, errs := race(t, 8, func(i int) (mentoring.Pairing, error) {
		return w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m00", MenteeIDs: []string{fmt.Sprintf("e%02d", i)},
			Type: mentoring.Flash, TimeboxDays: 7})
	})
	if len(made) != 2 {
		t.Fatalf("%d flash pairings with a flash capacity of 2", len(made))
	}
	onlyErr(t, errs, mentoring.ErrMentorAtCapacity)
	first := made[0]
	if first.TimeboxEndsAt == nil || !first.TimeboxEndsAt.Equal(w.now.AddDate(0, 0, 7)) {
		t.Fatalf("time box ends %v, want 7 days after %v", first.TimeboxEndsAt, w.now)
	}
	if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m00", MenteeIDs: []string{"e07"},
		Type: mentoring.OneToOne, TimeboxDays: 3}); err == nil {
		t.Error("a one-to-one with a time box was accepted")
	}

	// The first one's meeting is held and confirmed: it ends at once, freeing its flash place.
	rec := &mentoring.Record{Pairings: w.svc, Store: w.svc.Store.(mentoring.RecordStore), Publisher: w.publisher, Now: func() time.Time { return w.now }}
	mentee := mentoring.Actor{UserID: first.MenteeIDs[0], Role: mentoring.RoleMentee}
	start := w.now.Add(-2 * time.Hour).Format(time.RFC3339)
	held, dur := string(mentoring.MeetingHeld), 45
	mv, err := rec.PlanMeeting(ctx, mentee, first, mentoring.MeetingInput{Start: &start, DurationMinutes: &dur, Status: &held})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.ConfirmMeeting(ctx, mentoring.Actor{UserID: "m00", Role: mentoring.RoleMentor}, first, mv.Meeting, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.svc.Store.Pairing(ctx, first.ID); got.Status != mentoring.StatusEnded || got.EndReason != mentoring.EndReasonFlashHeld {
		t.Fatalf("after its meeting: %s (%s)", got.Status, got.EndReason)
	}
	if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m00", MenteeIDs: []string{"e08"}, Type: mentoring.Flash}); err != nil {
		t.Fatalf("the freed flash place: %v", err)
	}

	// Nothing is due before the time box ends; after it, the sweep ends the rest.
	if n, err := w.svc.EndDueFlash(ctx); err != nil || n != 0 {
		t.Fatalf("early sweep ended %d: %v", n, err)
	}
	w.now = w.now.AddDate(0, 0, 14).Add(time.Minute)
	if n, err := w.svc.EndDueFlash(ctx); err != nil || n != 2 {
		t.Fatalf("sweep ended %d, want 2: %v", n, err)
	}
	if got, _ := w.svc.Store.Pairing(ctx, made[1].ID); got.Status != mentoring.StatusEnded || got.EndReason != mentoring.EndReasonTimebox {
		t.Fatalf("after the time box: %s (%s)", got.Status, got.EndReason)
	}
	if n, _ := w.svc.EndDueFlash(ctx); n != 0 {
		t.Errorf("ended pairings stay due: %d", n)
	}
	if slots, _ := w.svc.Store.Slots(ctx, "p", "m00"); len(slots) != 1 || slots[0].Pool != "" {
		t.Errorf("slots after the flash pairings ended: %+v", slots)
	}
	// The every-minute sweep reads the live flash pairings only, not every pairing.
	for _, scan := range mongotest.ScannedFinds(w.db) {
		if strings.Contains(scan, "flash") {
			t.Errorf("the flash sweep scans: %s", scan)
		}
	}
}

// Reverse: a programme mentee mentors a programme mentor. Roles are the pairing's, not the
// programme's; the junior mentors one senior at a time: 6 racing reverse pairings with the
// same junior make exactly one.
func TestConcurrentReverse(t *testing.T) {
	w := newWorld(t, roster(6, 1))
	ctx := context.Background()
	made, errs := race(t, 6, func(i int) (mentoring.Pairing, error) {
		return w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "e00", MenteeIDs: []string{fmt.Sprintf("m%02d", i)},
			Type: mentoring.Reverse})
	})
	if len(made) != 1 {
		t.Fatalf("%d reverse pairings with one junior mentor", len(made))
	}
	onlyErr(t, errs, mentoring.ErrMentorAlreadyPaired)
	if made[0].MentorID != "e00" {
		t.Fatalf("reverse pairing %+v", made[0])
	}
	if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "e00", MenteeIDs: []string{"m01"}, Type: mentoring.OneToOne}); err == nil {
		t.Error("a mentee mentors in a one-to-one pairing")
	}
	if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "e00", MenteeIDs: []string{"e00"}, Type: mentoring.Reverse}); err == nil {
		t.Error("someone mentors themself")
	}
}

// Mutual: both are learners, each with one mutual partner at a time (6 racing pairings of
// one person make one); each assigns to the other and both earn learner XP by completing.
func TestConcurrentMutualAndBothLearn(t *testing.T) {
	w := newWorld(t, roster(3, 4))
	ctx := context.Background()
	people := []string{"m00", "m01", "m02", "e01", "e02", "e03"}
	made, errs := race(t, 6, func(i int) (mentoring.Pairing, error) {
		return w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "e00", MenteeIDs: []string{people[i]}, Type: mentoring.Mutual})
	})
	if len(made) != 1 {
		t.Fatalf("%d mutual pairings of one person", len(made))
	}
	for _, err := range errs {
		if !errors.Is(err, mentoring.ErrMentorAlreadyPaired) && !errors.Is(err, mentoring.ErrMenteeAlreadyPaired) {
			t.Errorf("error %v", err)
		}
	}
	p := made[0]
	partner := p.MenteeIDs[0]
	for _, by := range []mentoring.Actor{{UserID: "e00", Role: mentoring.RoleMentee}, {UserID: partner, Role: w.role(partner)}} {
		a, err := w.svc.Assign(ctx, by, p.ID, mentoring.NewAssignment{Items: []learning.ItemRef{{Kind: "lesson", ID: "l-" + by.UserID}}, Due: "2026-12-01"})
		if err != nil {
			t.Fatalf("%s assigns in a mutual pairing: %v", by.UserID, err)
		}
		want := partner
		if by.UserID == partner {
			want = "e00"
		}
		if len(a.Copies) != 1 || a.Copies[0].MenteeID != want || a.Copies[0].MentorID != by.UserID {
			t.Fatalf("%s's assignment went to %+v", by.UserID, a.Copies)
		}
		w.completions.complete(want, learning.ItemRef{Kind: "lesson", ID: "l-" + by.UserID})
		if err := w.svc.ObserveLearningEvent(ctx, learning.Event{ID: "ev-" + want, Kind: learning.LessonCompleted, UserID: want,
			ProgrammeID: "p", ItemKind: "lesson", ItemID: "l-" + by.UserID, OccurredAt: w.now, RecordedAt: w.now}); err != nil {
			t.Fatal(err)
		}
	}
	learners := map[string]bool{}
	for _, e := range w.publisher.events {
		if e.Kind == learning.AssignmentCompleted {
			learners[e.UserID] = true
		}
	}
	if !learners["e00"] || !learners[partner] {
		t.Errorf("assignment_completed (learner XP) published for %v, want both sides", learners)
	}
	if _, err := w.svc.Assign(ctx, mentoring.Actor{UserID: "e03", Role: mentoring.RoleMentee}, p.ID,
		mentoring.NewAssignment{Items: []learning.ItemRef{{Kind: "lesson", ID: "x"}}, Due: "2026-12-01"}); err == nil && partner != "e03" {
		t.Error("an outsider assigned in a mutual pairing")
	}
}

func (w *world) role(id string) string {
	if id[0] == 'm' {
		return mentoring.RoleMentor
	}
	return mentoring.RoleMentee
}
