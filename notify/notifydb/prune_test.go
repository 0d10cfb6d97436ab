package notifydb_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/notifydb"
)

func inboxIDs(t *testing.T, s *notifydb.Store, users ...string) []string {
	t.Helper()
	var out []string
	for _, u := range users {
		es, err := s.Inbox(context.Background(), u, nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			out = append(out, e.ID)
		}
	}
	slices.Sort(out)
	return out
}

// The janitor (clock injected) prunes inbox entries older than the retention and devices
// unseen for longer than their maximum age, exactly at the edges of the hour buckets the
// prunes search: what is older by a millisecond goes, what is not stays until it is; and
// entries and devices written before the buckets existed are pruned too.
func TestJanitorPrunesAcrossBucketEdges(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, notifydb.Indexes()); err != nil {
		t.Fatal(err)
	}
	s := notifydb.New(db.DB)
	retention, maxAge := 30*24*time.Hour, 60*24*time.Hour
	now := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC) // an hour's first instant
	clock := now
	j := &notify.Janitor{Store: s, Now: func() time.Time { return clock }, Log: slog.New(slog.DiscardHandler),
		DeviceMaxAge: maxAge, InboxRetention: retention}
	edge := now.Add(-retention)
	entry := func(id string, at time.Time) {
		t.Helper()
		if err := s.Finish(ctx, notify.Entry{ID: id, UserID: "u1", Kind: "badge", Shown: true, Status: "sent", CreatedAt: at, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	entry("a-edge-1ms", edge.Add(-time.Millisecond))
	entry("b-edge", edge)
	entry("c-edge+30m", edge.Add(30*time.Minute))
	entry("d-edge+1h", edge.Add(time.Hour))
	// Written before the bucket existed: no atHour.
	legacy := func(id string, at time.Time) {
		t.Helper()
		if _, err := db.DB.Collection(notifydb.Inbox).InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "userId", Value: "u2"},
			{Key: "kind", Value: "badge"}, {Key: "shown", Value: true}, {Key: "read", Value: false}, {Key: "at", Value: at}, {Key: "createdAt", Value: at}}); err != nil {
			t.Fatal(err)
		}
	}
	legacy("l-old", edge.Add(-90*24*time.Hour))
	legacy("l-edge+10m", edge.Add(10*time.Minute))
	device := func(user string, seen time.Time) {
		t.Helper()
		if _, _, err := s.PutDevice(ctx, notify.Device{UserID: user, InstallationID: "i-" + user, Token: "t-" + user, TokenHash: "h-" + user,
			Platform: "ios", LastSeen: seen, CreatedAt: seen, UpdatedAt: seen}); err != nil {
			t.Fatal(err)
		}
	}
	device("dev-old", now.Add(-maxAge-time.Millisecond))
	device("dev-edge", now.Add(-maxAge))
	device("dev-refreshed", now.Add(-maxAge-time.Hour))
	device("dev-refreshed", now.Add(-time.Hour)) // seen again: its bucket moves with lastSeen

	run := func(at time.Time) {
		t.Helper()
		clock = at
		if err := j.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	run(now)
	if got, want := inboxIDs(t, s, "u1", "u2"), []string{"b-edge", "c-edge+30m", "d-edge+1h", "l-edge+10m"}; !slices.Equal(got, want) {
		t.Fatalf("inbox after the first prune: %v, want %v", got, want)
	}
	for user, want := range map[string]int{"dev-old": 0, "dev-edge": 1, "dev-refreshed": 1} {
		if got, _ := s.Devices(ctx, user); len(got) != want {
			t.Errorf("%s: %d devices after the prune, want %d", user, len(got), want)
		}
	}
	run(now.Add(time.Millisecond)) // b is now older than the retention by a millisecond
	run(now.Add(20 * time.Minute)) // and the backfilled legacy entry
	if got, want := inboxIDs(t, s, "u1", "u2"), []string{"c-edge+30m", "d-edge+1h"}; !slices.Equal(got, want) {
		t.Fatalf("inbox 20 minutes later: %v, want %v", got, want)
	}
	run(now.Add(time.Hour)) // crosses into the next hour's bucket: c goes, d (exactly at the edge) stays
	if got, want := inboxIDs(t, s, "u1", "u2"), []string{"d-edge+1h"}; !slices.Equal(got, want) {
		t.Fatalf("inbox an hour later: %v, want %v", got, want)
	}
	run(now.Add(time.Hour + time.Millisecond))
	if got := inboxIDs(t, s, "u1", "u2"); len(got) != 0 {
		t.Fatalf("inbox: %v left", got)
	}
	if got, _ := s.Devices(ctx, "dev-edge"); len(got) != 0 {
		t.Errorf("dev-edge survived a prune an hour past its maximum age")
	}
	if got, _ := s.Devices(ctx, "dev-refreshed"); len(got) != 1 {
		t.Errorf("dev-refreshed (seen an hour ago) was pruned")
	}
}

// BenchmarkPruneInbox times the janitor's hourly inbox prune with n entries stored (spread
// evenly over 60 days, a retention of 50 days, so that every hour has entries to delete),
// the way the product now runs it (hour buckets) and the way it ran before issue 20's fix
// (a {at: {$lt}} delete, issued directly). Each op advances the clock by an hour and prunes
// the entries that hour made old.
func BenchmarkPruneInbox(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		for _, how := range []string{"range", "bucket"} {
			b.Run(fmt.Sprintf("n=%d/%s", n, how), func(b *testing.B) { benchPrune(b, n, how) })
		}
	}
}

func benchPrune(b *testing.B, n int, how string) {
	db := mongotest.DB(b)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, notifydb.Indexes()); err != nil {
		b.Fatal(err)
	}
	s := notifydb.New(db.DB)
	now := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	span := 60 * 24 * time.Hour
	es := make([]notify.Entry, n)
	for i := range es {
		at := now.Add(-span + span/time.Duration(n)*time.Duration(i))
		es[i] = notify.Entry{ID: fmt.Sprintf("e%07d", i), UserID: fmt.Sprintf("u%d", i%1000), Kind: "badge", Shown: true,
			Status: "sent", CreatedAt: at, At: at}
	}
	if err := s.SeedInbox(ctx, es); err != nil {
		b.Fatal(err)
	}
	retention := 50 * 24 * time.Hour // the oldest 10 days are old: each hour then deletes n/1440 entries
	prune := func(at time.Time) int {
		if how == "bucket" {
			m, err := s.PruneInbox(ctx, at.Add(-retention))
			if err != nil {
				b.Fatal(err)
			}
			return m
		}
		res, err := db.DB.Collection(notifydb.Inbox).DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: at.Add(-retention)}}}})
		if err != nil {
			b.Fatal(err)
		}
		return int(res.DeletedCount)
	}
	prune(now) // the first prune deletes the 10 days at once (and makes the sweep's mark)
	deleted := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		deleted += prune(now.Add(time.Duration(i+1) * time.Hour))
	}
	b.StopTimer()
	b.ReportMetric(float64(deleted)/float64(b.N), "deleted/op")
}
