package notifydb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/notifydb"
)

// ReserveNudge hands out at most PerDay slots per local day, spaced, and asking again for
// the same notification (a sender that crashed after reserving) reuses its slot.
func TestReserveNudge(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, notifydb.Indexes()); err != nil {
		t.Fatal(err)
	}
	s := notifydb.New(db.DB)
	rule := notify.NudgeRule{PerDay: 2, Spacing: time.Hour}
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	steps := []struct {
		day, id string
		at      time.Time
		want    notify.NudgeVerdict
	}{
		{"2026-05-01", "a", t0, notify.NudgeVerdict{OK: true}},
		{"2026-05-01", "a", t0.Add(time.Minute), notify.NudgeVerdict{OK: true}}, // same notification again
		{"2026-05-01", "b", t0.Add(30 * time.Minute), notify.NudgeVerdict{NotBefore: t0.Add(time.Hour)}},
		{"2026-05-01", "a", t0.Add(2 * time.Hour), notify.NudgeVerdict{OK: true}}, // again, after the spacing: no new slot
		{"2026-05-01", "b", t0.Add(2 * time.Hour), notify.NudgeVerdict{OK: true}},
		{"2026-05-01", "c", t0.Add(5 * time.Hour), notify.NudgeVerdict{Capped: true}},
		{"2026-05-01", "b", t0.Add(5 * time.Hour), notify.NudgeVerdict{OK: true}},
		// The spacing holds across midnight; then the new day has a fresh allowance.
		{"2026-05-02", "d", t0.Add(150 * time.Minute), notify.NudgeVerdict{NotBefore: t0.Add(3 * time.Hour)}},
		{"2026-05-02", "d", t0.Add(3 * time.Hour), notify.NudgeVerdict{OK: true}},
	}
	for i, st := range steps {
		got, err := s.ReserveNudge(ctx, "u1", st.day, st.id, st.at, rule)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("step %d (%s %s) (-want +got):\n%s", i, st.day, st.id, diff)
		}
	}
	if got, _ := s.ReserveNudge(ctx, "u2", "2026-05-01", "x", t0, notify.NudgeRule{PerDay: 0}); !got.Capped {
		t.Errorf("PerDay 0 allowed a nudge: %+v", got)
	}
}

// The inbox pages newest first by (at, id) with no gaps or repeats, hides suppressed
// entries, and marks read per user only.
func TestInboxPagingAndRead(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	s := notifydb.New(db.DB)
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	for i, id := range []string{"e0", "e1", "e2", "e3", "e4"} {
		at := t0.Add(time.Duration(i/2) * time.Minute) // pairs share a timestamp
		if err := s.Finish(ctx, notify.Entry{ID: id, UserID: "u1", Kind: notify.KindBadgeEarned, Status: notify.StatusSent, Shown: id != "e3", At: at, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	var after *notify.Cursor
	for {
		page, err := s.Inbox(ctx, "u1", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			got = append(got, e.ID)
		}
		if len(page) < 2 {
			break
		}
		last := page[len(page)-1]
		after = &notify.Cursor{At: last.At, ID: last.ID}
	}
	if diff := cmp.Diff([]string{"e4", "e2", "e1", "e0"}, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	if _, err := s.MarkRead(ctx, "u2", "e1", &t0); err != notify.ErrNotFound {
		t.Errorf("another user marked e1 read: %v", err)
	}
	if _, err := s.MarkRead(ctx, "u1", "e1", &t0); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Unread(ctx, "u1"); n != 3 {
		t.Errorf("unread %d, want 3", n)
	}
	if n, _ := s.MarkAllRead(ctx, "u1", t0); n != 3 {
		t.Errorf("marked %d, want 3", n)
	}
}
