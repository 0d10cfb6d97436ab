package mentoringdb

import (
	"context"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/mentoring"
)

// seedBatch is how many documents one seeding insert carries.
const seedBatch = 1000

// SeedPairings inserts active pairings in bulk, for building large data sets (bench/scale):
// the documents CreatePairing writes for a pairing an owner confirms (the pairing, its
// mentees' places and the mentor's capacity slots, mentoring.ActivationGuards) and the
// meeting-due entries given (mentoring.FirstCadenceDue, what the record writes on
// activation). Slots are numbered from 0 per mentor and pool in the order given, as
// AcquireSlot numbers a mentor's first slots, so the mentors must hold no slots yet; a
// mentor's slots beyond capacity[mentorID] fail the seed before anything is written, and so
// does a flash pairing (its pool has its own capacity). Every guard is an insert on its unique
// key, unordered: a place or slot already taken fails the seed instead of being overwritten.
// The product activates each pairing with CreatePairing (or Accept).
func (s *Store) SeedPairings(ctx context.Context, ps []mentoring.Pairing, capacity map[string]int, due []mentoring.CadenceDue) error {
	var pairings, places, slots, dues []any
	next := map[string]int{} // programme:mentor -> next slot number
	for _, p := range ps {
		if p.Status != mentoring.StatusActive || p.Type == mentoring.Flash {
			return fmt.Errorf("seed pairings: %s is %s %s: only active pairings of a type without its own pool are seeded", p.ID, p.Status, p.Type)
		}
		pls, sls := mentoring.ActivationGuards(p)
		for _, pl := range pls {
			places = append(places, placeDoc{ID: placeID(pl.ProgrammeID, pl.MenteeID, pl.Type), ProgrammeID: pl.ProgrammeID,
				MenteeID: pl.MenteeID, Type: string(pl.Type), PairingID: pl.PairingID, CreatedAt: pl.CreatedAt})
		}
		for _, sl := range sls {
			key := sl.ProgrammeID + ":" + sl.MentorID
			n := next[key]
			if n >= capacity[sl.MentorID] {
				return fmt.Errorf("seed pairings: mentor %s has capacity for %d mentees", sl.MentorID, capacity[sl.MentorID])
			}
			next[key] = n + 1
			slots = append(slots, slotDoc{ID: key + ":" + strconv.Itoa(n), ProgrammeID: sl.ProgrammeID, MentorID: sl.MentorID,
				N: n, PairingID: sl.PairingID, MenteeID: sl.MenteeID, Holder: sl.PairingID + ":" + sl.MenteeID, CreatedAt: sl.CreatedAt})
		}
		pairings = append(pairings, fromPairing(p))
	}
	for _, d := range due {
		dues = append(dues, cadenceDueDoc{ID: d.PairingID, DueAt: d.DueAt.UTC(), Day: d.Day})
	}
	// Guards first, then the pairings, as CreatePairing writes them.
	for _, w := range []struct {
		coll string
		docs []any
	}{{Places, places}, {Slots, slots}, {Pairings, pairings}, {CadenceDue, dues}} {
		if err := s.seed(ctx, w.coll, w.docs, false); err != nil {
			return fmt.Errorf("seed pairings: %w", err)
		}
	}
	return nil
}

// SeedAssignments inserts mentee assignments in bulk (unordered; copies already stored are
// skipped, as InsertAssignments skips them), for building large data sets (bench/scale): the
// documents Assign writes. The product assigns with Assign, which also tells each mentee.
func (s *Store) SeedAssignments(ctx context.Context, as []mentoring.MenteeAssignment) error {
	docs := make([]any, len(as))
	for i, a := range as {
		docs[i] = fromAssignment(a)
	}
	if err := s.seed(ctx, Assignments, docs, true); err != nil {
		return fmt.Errorf("seed assignments: %w", err)
	}
	return nil
}

// seed inserts docs into coll in unordered batches of seedBatch; skipDuplicates says whether a
// document already stored under its key is skipped or fails the seed.
func (s *Store) seed(ctx context.Context, coll string, docs []any, skipDuplicates bool) error {
	for i := 0; i < len(docs); i += seedBatch {
		_, err := s.c(coll).InsertMany(ctx, docs[i:min(len(docs), i+seedBatch)], options.InsertMany().SetOrdered(false))
		if err != nil && !(skipDuplicates && mongodb.OnlyDuplicates(err)) {
			return fmt.Errorf("insert into %s: %w", coll, err)
		}
	}
	return nil
}
