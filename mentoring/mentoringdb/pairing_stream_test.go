package mentoringdb_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
)

// EachPairingID is one command whether the programme has 10 pairings or 1,000, of every
// status, and yields each of the programme's pairings exactly once, and no other programme's.
func TestEachPairingIDIsOneCommandAndComplete(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, mentoringdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	s := mentoringdb.New(db.DB)
	at := time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC)
	statuses := []mentoring.Status{mentoring.StatusActive, mentoring.StatusProposed, mentoring.StatusPaused, mentoring.StatusEnded}
	for _, n := range []int{10, 1000} {
		pid := fmt.Sprintf("p%d", n)
		var want []string
		for i := range n {
			for _, p := range []string{pid, "other-" + pid} {
				id := fmt.Sprintf("%s-%05d", p, i)
				if err := s.InsertPairing(ctx, mentoring.Pairing{ID: id, ProgrammeID: p, MentorID: "m", MenteeIDs: []string{fmt.Sprintf("u%05d", i)},
					Type: mentoring.OneToOne, Status: statuses[i%len(statuses)], CreatedAt: at.Add(time.Duration(i) * time.Second)}); err != nil {
					t.Fatal(err)
				}
				if p == pid {
					want = append(want, id)
				}
			}
		}
		cctx, counter := dbcount.WithCounter(ctx)
		var got []string
		if err := s.EachPairingID(cctx, pid, func(id string) error { got = append(got, id); return nil }); err != nil {
			t.Fatal(err)
		}
		if c := counter.Load(); c != 1 {
			t.Errorf("%d pairings: EachPairingID issued %d commands, want 1", n, c)
		}
		sort.Strings(got) // want is in ID order; a repeat or a stranger shows in the diff
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%d pairings (-want +got):\n%s", n, diff)
		}
	}
}
