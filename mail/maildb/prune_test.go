package maildb_test

import (
	"context"
	"testing"
	"time"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/mail"
	"github.com/microlearn/microlearn/mail/maildb"
)

// PruneRecords deletes the records finished before its time, exactly at the edges of the
// hour buckets it searches, across several hours and after a pause of days.
func TestPruneRecordsAcrossBucketEdges(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, maildb.Indexes()); err != nil {
		t.Fatal(err)
	}
	s := maildb.New(db.DB)
	h := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for i, at := range []time.Time{h.Add(-time.Millisecond), h, h.Add(time.Hour - time.Millisecond), h.Add(time.Hour), h.Add(72 * time.Hour)} {
		if err := s.Finish(ctx, mail.Record{ID: string(rune('a' + i)), Kind: "invite", Status: "sent", At: at}); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		before time.Time
		want   int
	}{
		{h.Add(-time.Millisecond), 0}, {h, 1}, {h.Add(time.Millisecond), 1}, {h.Add(time.Hour - time.Millisecond), 0},
		{h.Add(time.Hour), 1}, {h.Add(time.Hour + time.Millisecond), 1}, {h.Add(72 * time.Hour), 0}, {h.Add(73 * time.Hour), 1},
	} {
		n, err := s.PruneRecords(ctx, step.before)
		if err != nil || n != step.want {
			t.Errorf("prune before %s: %d (%v), want %d", step.before.Format(time.RFC3339Nano), n, err, step.want)
		}
	}
}
