package idempotencydb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/internal/idempotency"
	"github.com/microlearn/microlearn/internal/idempotency/idempotencydb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*idempotencydb.Store, context.Context) {
	t.Helper()
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, idempotencydb.Indexes()); err != nil {
		t.Fatal(err)
	}
	return idempotencydb.New(db.DB), ctx
}

func record(key string, at time.Time) idempotency.StoredResponse {
	return idempotency.StoredResponse{UserID: "ada", Key: key, Fingerprint: "f1", CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour)}
}

func TestClaimCompleteAndReplay(t *testing.T) {
	s, ctx := newStore(t)
	r := record("k", t0)
	if _, claimed, err := s.Claim(ctx, r); err != nil || !claimed {
		t.Fatalf("first claim: claimed=%v err=%v", claimed, err)
	}
	old, claimed, err := s.Claim(ctx, record("k", t0.Add(time.Second)))
	if err != nil || claimed || old.Done || old.Fingerprint != "f1" || !old.CreatedAt.Equal(t0) {
		t.Fatalf("claim while in flight: %+v claimed=%v err=%v", old, claimed, err)
	}
	// The same key of another user is another record.
	other := record("k", t0)
	other.UserID = "ben"
	if _, claimed, err := s.Claim(ctx, other); err != nil || !claimed {
		t.Fatalf("another user's key: claimed=%v err=%v", claimed, err)
	}
	r.Done, r.Status, r.ContentType, r.Body = true, 201, "application/json", []byte(`{"id":"x"}`)
	if err := s.Complete(ctx, r); err != nil {
		t.Fatal(err)
	}
	old, claimed, err = s.Claim(ctx, record("k", t0.Add(time.Minute)))
	if err != nil || claimed {
		t.Fatalf("claim after completion: claimed=%v err=%v", claimed, err)
	}
	if diff := cmp.Diff(r, old); diff != "" {
		t.Errorf("stored answer (-want +got):\n%s", diff)
	}
	// A completed record is never released: its answer must survive a late release.
	if err := s.Release(ctx, "ada", "k", t0); err != nil {
		t.Fatal(err)
	}
	if _, claimed, _ := s.Claim(ctx, record("k", t0.Add(2*time.Minute))); claimed {
		t.Fatal("a completed record was released")
	}
}

func TestReleaseForgetsOnlyThatClaim(t *testing.T) {
	s, ctx := newStore(t)
	if _, _, err := s.Claim(ctx, record("k", t0)); err != nil {
		t.Fatal(err)
	}
	// A release naming another creation time (a newer claim's owner) leaves the record.
	if err := s.Release(ctx, "ada", "k", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, claimed, _ := s.Claim(ctx, record("k", t0.Add(2*time.Second))); claimed {
		t.Fatal("a release with the wrong creation time forgot the record")
	}
	if err := s.Release(ctx, "ada", "k", t0); err != nil {
		t.Fatal(err)
	}
	if _, claimed, err := s.Claim(ctx, record("k", t0.Add(3*time.Second))); err != nil || !claimed {
		t.Fatalf("claim after release: claimed=%v err=%v", claimed, err)
	}
}

func TestExpiredRecordsAreReplacedAndSwept(t *testing.T) {
	s, ctx := newStore(t)
	for _, k := range []string{"old", "older", "fresh"} {
		at := t0
		if k == "fresh" {
			at = t0.Add(20 * time.Hour)
		}
		if _, _, err := s.Claim(ctx, record(k, at)); err != nil {
			t.Fatal(err)
		}
	}
	later := t0.Add(25 * time.Hour)
	// An expired record not swept yet is replaced by the next claim of its key.
	if _, claimed, err := s.Claim(ctx, record("old", later)); err != nil || !claimed {
		t.Fatalf("claim over an expired record: claimed=%v err=%v", claimed, err)
	}
	n, err := s.Sweep(ctx, later)
	if err != nil || n != 1 {
		t.Fatalf("swept %d (want 1: older): %v", n, err)
	}
	for k, want := range map[string]bool{"old": false, "older": true, "fresh": false} {
		if _, claimed, err := s.Claim(ctx, record(k, later)); err != nil || claimed != want {
			t.Errorf("claim %s after the sweep: claimed=%v want %v (%v)", k, claimed, want, err)
		}
	}
}

// The sweep deletes records whose expiry is before its time, at the edges of the hour
// buckets it searches (records expire 24 hours after their claim).
func TestSweepAcrossBucketEdges(t *testing.T) {
	s, ctx := newStore(t)
	h := t0.Add(-24 * time.Hour) // records claimed at h+d expire at t0+d
	for k, d := range map[string]time.Duration{"a": -time.Millisecond, "b": 0, "c": 30 * time.Minute, "d": time.Hour} {
		if _, _, err := s.Claim(ctx, record(k, h.Add(d))); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		now  time.Time
		want int64
	}{{t0, 1}, {t0.Add(time.Millisecond), 1}, {t0.Add(30 * time.Minute), 0}, {t0.Add(time.Hour), 1}, {t0.Add(2 * time.Hour), 1}} {
		if n, err := s.Sweep(ctx, step.now); err != nil || n != step.want {
			t.Errorf("sweep at %s: %d (%v), want %d", step.now.Format(time.RFC3339Nano), n, err, step.want)
		}
	}
}
