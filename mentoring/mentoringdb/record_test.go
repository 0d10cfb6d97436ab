package mentoringdb_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
)

// The agreement's plain goal strings become goals of each mentee, once: running the
// migration again (a restart, or a crash part-way) stores nothing twice.
func TestAgreementGoalsMigrateOnce(t *testing.T) {
	w := newWorld(t, map[string]string{"m": mentoring.RoleMentor, "a": mentoring.RoleMentee, "b": mentoring.RoleMentee})
	ctx := context.Background()
	w.mentorProfile(t, "m", 5)
	p, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"a", "b"}, Type: mentoring.Group,
		Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Monthly, Goals: []string{"Plan a fair rota", "Handle conflict early"}}})
	if err != nil {
		t.Fatal(err)
	}
	store := w.svc.Store.(*mentoringdb.Store)
	rec := &mentoring.Record{Pairings: w.svc, Store: store, Now: w.svc.Now}
	for range 2 {
		ps, err := store.PairingsWithAgreementGoals(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if err := rec.MigrateAgreementGoals(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	// And once more with the pairing as it was before (the strings not yet cleared).
	if err := rec.MigrateAgreementGoals(ctx, p); err != nil {
		t.Fatal(err)
	}
	gs, err := store.Goals(ctx, mentoring.GoalQuery{PairingID: p.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range gs {
		got = append(got, g.OwnerID+": "+g.Specific+" ("+string(g.Status)+", "+g.Source+")")
	}
	want := []string{"a: Plan a fair rota (not_started, agreement)", "b: Plan a fair rota (not_started, agreement)",
		"a: Handle conflict early (not_started, agreement)", "b: Handle conflict early (not_started, agreement)"}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("migrated goals (-want +got):\n%s", diff)
	}
	after, err := store.Pairing(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Agreement.Goals) != 0 || after.Agreement.MeetingFrequency != mentoring.Monthly {
		t.Errorf("agreement after migration: %+v", after.Agreement)
	}
	if left, _ := store.PairingsWithAgreementGoals(ctx, "", 10); len(left) != 0 {
		t.Errorf("pairings still to migrate: %d", len(left))
	}
}
