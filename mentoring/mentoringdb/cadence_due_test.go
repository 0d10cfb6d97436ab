package mentoringdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
)

// Pairings from before the due index get their entries from the backfill; the scheduler's
// read finds a pairing once its interval has passed, skips it once nudged, and a meeting
// planned since makes it no longer due.
func TestMeetingDueIndexBackfillsAndFollowsTheCadence(t *testing.T) {
	roles := map[string]string{"m": mentoring.RoleMentor, "a": mentoring.RoleMentee, "b": mentoring.RoleMentee}
	w := newWorld(t, roles)
	ctx := context.Background()
	w.mentorProfile(t, "m", 5)
	monthly, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"a"}, Type: mentoring.OneToOne,
		Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Monthly}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{"b"}, Type: mentoring.OneToOne,
		Agreement: mentoring.Agreement{MeetingFrequency: mentoring.AsNeeded}}); err != nil {
		t.Fatal(err)
	}
	store := w.svc.Store.(*mentoringdb.Store)
	rec := &mentoring.Record{Pairings: w.svc, Store: store, Due: store, Now: func() time.Time { return w.now }}
	n, err := rec.BackfillDue(ctx)
	if err != nil || n != 2 {
		t.Fatalf("backfill: %d pairings, %v", n, err)
	}
	// Created Saturday 24 October 2026 (London): due a month after that local midnight,
	// 24 November 00:00 GMT.
	due := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	es, err := store.CadenceDueOn(ctx, []string{"2026-11-23", "2026-11-24"})
	if err != nil || len(es) != 1 || es[0].PairingID != monthly.ID || !es[0].DueAt.Equal(due) {
		t.Fatalf("index after the backfill: %+v %v (the as-needed pairing has no entry)", es, err)
	}
	window := func() []mentoring.MeetingDue {
		t.Helper()
		ds, err := rec.MeetingsDueBetween(ctx, due.Add(-time.Hour), due.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	if ds := window(); len(ds) != 1 || ds[0].MentorID != "m" || len(ds[0].MenteeIDs) != 1 || !ds[0].DueAt.Equal(due) {
		t.Fatalf("due in the window: %+v", ds)
	}
	if err := rec.MarkDueNudged(ctx, monthly.ID, due); err != nil {
		t.Fatal(err)
	}
	if ds := window(); len(ds) != 0 {
		t.Errorf("nudged already, found again: %+v", ds)
	}
	// A meeting planned since: no longer due then, and the entry moves a month past it.
	w.now = due.Add(-48 * time.Hour)
	start := "2026-11-25T10:00"
	if _, err := rec.PlanMeeting(ctx, mentoring.Actor{UserID: "a", Role: mentoring.RoleMentee}, monthly, mentoring.MeetingInput{Start: &start}); err != nil {
		t.Fatal(err)
	}
	if ok, err := rec.StillDue(ctx, monthly.ID, due); err != nil || ok {
		t.Errorf("still due after a meeting was planned: %v %v", ok, err)
	}
	es, _ = store.CadenceDueOn(ctx, []string{"2026-12-25"})
	if len(es) != 1 || !es[0].DueAt.Equal(time.Date(2026, 12, 25, 10, 0, 0, 0, time.UTC)) || !es[0].NudgedFor.IsZero() {
		t.Errorf("entry after the meeting was planned: %+v", es)
	}
}
