package notifydb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/notifydb"
)

// Two senders (two stores: two processes) claim a burst of 250 due notifications: each is
// held by exactly one, none due later is taken, and the outbox is scanned once per 100
// claims (plus the scan that finds nothing), not once per claim: before, every claim was
// a findOneAndUpdate by a dueAt range, which the embedded engine answers by decoding the
// whole outbox, so a burst cost the square of its size.
func TestClaimsABurstWithFewScans(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, notifydb.Indexes()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	var ps []notify.Pending
	for i := range 260 {
		due := now.Add(-time.Duration(i) * time.Second)
		if i >= 250 {
			due = now.Add(time.Hour) // not due yet
		}
		ps = append(ps, notify.Pending{ID: fmt.Sprintf("n%03d", i), DedupKey: fmt.Sprintf("d%03d", i), UserID: "u1",
			Kind: notify.Kind("level_up"), CreatedAt: now, NotBefore: due, ExpiresAt: now.Add(48 * time.Hour), DueAt: due})
	}
	if _, err := notifydb.New(db.DB).EnqueueMany(ctx, ps); err != nil {
		t.Fatal(err)
	}
	// The senders' commands go through a client of their own whose monitor counts the
	// outbox reads the embedded engine cannot search (not by _id).
	scans, commands := 0, 0
	mon := &event.CommandMonitor{Started: func(_ context.Context, ev *event.CommandStartedEvent) {
		commands++
		coll, _ := ev.Command.Lookup(ev.CommandName).StringValueOK()
		if coll != notifydb.Outbox {
			return
		}
		byID := false
		if q, ok := ev.Command.Lookup("query").DocumentOK(); ok {
			_, err := q.LookupErr("_id")
			byID = err == nil
		}
		if ev.CommandName == "find" || (ev.CommandName == "findAndModify" && !byID) {
			scans++
		}
	}}
	client, err := mongo.Connect(options.Client().ApplyURI(db.URI).SetMonitor(mon).SetMaxPoolSize(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	sdb := client.Database(db.DB.Name())
	senders := []*notifydb.Store{notifydb.New(sdb), notifydb.New(sdb)}
	held := map[string]string{}
	for round := 0; len(senders) > 0; round++ {
		i := round % len(senders)
		lease := fmt.Sprintf("s%d/%d", i, round)
		p, err := senders[i].Claim(ctx, now, lease, now.Add(2*time.Minute))
		if errors.Is(err, notify.ErrNothingDue) {
			senders = append(senders[:i], senders[i+1:]...)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if prev, ok := held[p.ID]; ok {
			t.Fatalf("%s claimed twice (%s, then %s)", p.ID, prev, lease)
		}
		if p.Lease != lease || !p.DueAt.Equal(now.Add(2*time.Minute)) {
			t.Fatalf("claimed %s: lease %q due %v", p.ID, p.Lease, p.DueAt)
		}
		held[p.ID] = lease
	}
	if len(held) != 250 {
		t.Fatalf("claimed %d of the 250 due notifications", len(held))
	}
	for id := range held {
		if id >= "n250" {
			t.Errorf("claimed %s, which is not due", id)
		}
	}
	// 250 claims; each sender's scans: up to 100 ids, and one more that finds nothing;
	// a claim of an item the other sender took meanwhile costs one findOneAndUpdate more.
	if commands > 250+250+12 {
		t.Errorf("%d database commands for 250 claims", commands)
	}
	if scans > 12 {
		t.Errorf("%d scans of the outbox for 250 claims, want at most 12 (each finds 100 due)", scans)
	}
	t.Logf("%d database commands, %d of them outbox scans, for 250 claims by two senders", commands, scans)
}
