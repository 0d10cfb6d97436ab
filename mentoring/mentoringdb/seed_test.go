package mentoringdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
)

// Seeded pairings hold their guards as the service's do: capacity counts the seeded slots, a
// seeded mentee's place refuses a second pairing of the type, a seed beyond a mentor's capacity
// writes nothing, and a seed over a mentor's taken slots fails instead of overwriting them.
// (app's TestSeedMentoringWritesWhatTheServiceWrites compares the documents with the service's.)
func TestSeededPairingsHoldTheirGuards(t *testing.T) {
	w := newWorld(t, map[string]string{"boss": mentoring.RoleMentor, "a": mentoring.RoleMentee, "b": mentoring.RoleMentee,
		"c": mentoring.RoleMentee, "d": mentoring.RoleMentee})
	ctx := context.Background()
	w.mentorProfile(t, "boss", 3)
	store := w.svc.Store.(*mentoringdb.Store)
	at := w.now
	pairing := func(id string, t mentoring.Type, mentees ...string) mentoring.Pairing {
		return mentoring.Pairing{ID: id, ProgrammeID: "p", MentorID: "boss", MenteeIDs: mentees, Type: t, Status: mentoring.StatusActive,
			Origin: mentoring.OriginOwner, CreatedBy: "owner", CreatedAt: at, UpdatedAt: at, ActivatedAt: &at}
	}
	over := []mentoring.Pairing{pairing("g", mentoring.Group, "a", "b", "c"), pairing("o", mentoring.OneToOne, "d")}
	if err := store.SeedPairings(ctx, over, map[string]int{"boss": 3}, nil); err == nil {
		t.Fatal("seeding 4 mentees for a mentor of capacity 3 succeeded")
	}
	if slots, _ := store.Slots(ctx, "p", "boss"); len(slots) != 0 {
		t.Fatalf("a refused seed left %d slots", len(slots))
	}
	if err := store.SeedPairings(ctx, over[:1], map[string]int{"boss": 3}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "boss", MenteeIDs: []string{"d"},
		Type: mentoring.OneToOne}); !errors.Is(err, mentoring.ErrMentorAtCapacity) {
		t.Errorf("pairing a fourth mentee with a full mentor: %v, want ErrMentorAtCapacity", err)
	}
	if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "boss", MenteeIDs: []string{"a", "d"},
		Type: mentoring.Group}); !errors.Is(err, mentoring.ErrMenteeAlreadyPaired) {
		t.Errorf("a seeded group mentee in a second group: %v, want ErrMenteeAlreadyPaired", err)
	}
	if err := store.SeedPairings(ctx, over[1:], map[string]int{"boss": 4}, nil); err == nil {
		t.Error("a second seed for the same mentor succeeded over its taken slot 0")
	}
	got, err := store.Pairing(ctx, "g")
	if err != nil || got.Status != mentoring.StatusActive || len(got.MenteeIDs) != 3 || !got.ActivatedAt.Equal(at) {
		t.Errorf("seeded pairing read back: %+v, %v", got, err)
	}
	if _, ok := mentoring.FirstCadenceDue(pairing("x", mentoring.OneToOne, "d"), at, time.UTC); ok {
		t.Error("a pairing without an agreed frequency has a meeting-due entry")
	}
}
