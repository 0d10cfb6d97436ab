package identitydb_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/identity/identitydb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// The sweeper (clock injected) deletes the sessions past their expiry, exactly at the edges
// of the hour buckets it searches, and a refresh that slides the expiry moves the session
// to its new hour.
func TestDeleteExpiredSessionsAcrossBucketEdges(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, identitydb.Indexes()); err != nil {
		t.Fatal(err)
	}
	s := identitydb.New(db.DB)
	h := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for id, exp := range map[string]time.Time{"a-11:59:59.999": h.Add(-time.Millisecond), "b-12:00": h,
		"c-12:59": h.Add(59 * time.Minute), "slid": h.Add(-time.Hour)} {
		if err := s.CreateSession(ctx, identity.Session{ID: id, UserID: "u1", Seed: []byte("seed"), CreatedAt: h.Add(-48 * time.Hour),
			ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := s.AdvanceSession(ctx, "slid", 0, "hash", h.Add(-2*time.Hour), h.Add(70*time.Minute)); err != nil || !ok {
		t.Fatalf("advance: %v %v", ok, err)
	}
	left := func() []string {
		var out []string
		for _, id := range []string{"a-11:59:59.999", "b-12:00", "c-12:59", "slid"} {
			if _, err := s.Session(ctx, id); err == nil {
				out = append(out, id)
			}
		}
		return out
	}
	sweep := func(now time.Time, deleted int64, kept ...string) {
		t.Helper()
		n, err := s.DeleteExpiredSessions(ctx, now)
		if err != nil || n != deleted {
			t.Fatalf("sweep at %s: %d deleted (%v), want %d", now.Format(time.RFC3339Nano), n, err, deleted)
		}
		if got := left(); !slices.Equal(got, kept) {
			t.Fatalf("sweep at %s left %v, want %v", now.Format(time.RFC3339Nano), got, kept)
		}
	}
	sweep(h, 1, "b-12:00", "c-12:59", "slid")
	sweep(h.Add(time.Millisecond), 1, "c-12:59", "slid")
	sweep(h.Add(59*time.Minute), 0, "c-12:59", "slid")
	sweep(h.Add(time.Hour), 1, "slid")
	sweep(h.Add(70*time.Minute+time.Millisecond), 1)
}
