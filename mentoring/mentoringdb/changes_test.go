package mentoringdb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
)

// ChangedSince (the check-in scheduler's read) finds exactly the pairings changed after a
// cursor, in (updatedAt, _id) order across pages, at the edges of its hours, including
// pairings written before the hour bucket existed (backfilled once) and a status change's
// new bucket; a cursor too old for the bucket list falls back to the range, and one ahead of
// the clock finds nothing.
func TestChangedSinceSearchesHourBucketsAndMatchesTheRange(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, append(mentoringdb.Indexes(), mentoringdb.ChangeIndexes()...)); err != nil {
		t.Fatal(err)
	}
	store := mentoringdb.New(db.DB)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	var ps []mentoring.Pairing
	for i := range 60 {
		at := now.Add(-20*time.Hour + time.Duration(i)*19*time.Minute)
		if i%10 == 0 {
			at = at.Truncate(time.Hour).Add(time.Duration(i%3-1) * time.Millisecond)
		}
		ps = append(ps, mentoring.Pairing{ID: fmt.Sprintf("p%03d", i), ProgrammeID: "prog", MentorID: fmt.Sprintf("m%03d", i),
			MenteeIDs: []string{fmt.Sprintf("e%03d", i)}, Type: mentoring.OneToOne, Status: mentoring.StatusActive, CreatedAt: at, UpdatedAt: at})
	}
	capacity := map[string]int{}
	for _, p := range ps {
		capacity[p.MentorID] = 1
	}
	if err := store.SeedPairings(ctx, ps, capacity, nil); err != nil {
		t.Fatal(err)
	}
	var legacy []string // a fifth written before the bucket existed
	for i := 0; i < len(ps); i += 5 {
		legacy = append(legacy, ps[i].ID)
	}
	if _, err := db.DB.Collection(mentoringdb.Pairings).UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: legacy}}}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "updatedHour", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	// One pairing ends a little before now: it moves to now's hour.
	ended := ps[3]
	ended.Status, ended.UpdatedAt = mentoring.StatusEnded, now.Add(-time.Minute)
	if _, err := store.SetPairingStatus(ctx, ended, mentoring.StatusActive); err != nil {
		t.Fatal(err)
	}
	ps[3] = ended
	want := func(at time.Time, id string) []string {
		var out []mentoring.Pairing
		for _, p := range ps {
			if p.UpdatedAt.After(at) || (p.UpdatedAt.Equal(at) && p.ID > id) {
				out = append(out, p)
			}
		}
		slices.SortFunc(out, func(a, b mentoring.Pairing) int {
			if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		ids := make([]string, len(out))
		for i, p := range out {
			ids[i] = p.ID
		}
		return ids
	}
	for _, c := range []struct {
		at time.Time
		id string
	}{
		{now.Add(-12*time.Hour - time.Millisecond), ""},
		{ps[20].UpdatedAt, ps[20].ID},
		{now.Add(-time.Hour), ""},
		{time.Time{}, ""},            // too many hours: the range
		{now.Add(3 * time.Hour), ""}, // ahead of the clock
	} {
		var got []string
		at, id := c.at, c.id
		for {
			page, err := store.ChangedSince(ctx, at, id, now, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page {
				got = append(got, p.ID)
			}
			if len(page) < 7 {
				break
			}
			at, id = page[len(page)-1].UpdatedAt, page[len(page)-1].ID
		}
		if exp := want(c.at, c.id); !slices.Equal(got, exp) {
			t.Errorf("changed after (%v, %q): got %d %v, want %d %v", c.at, c.id, len(got), got, len(exp), exp)
		}
	}
}
