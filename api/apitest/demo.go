package apitest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// The demo is seeded once per test binary, not once per test: seeding it and letting the
// gamification worker apply its three weeks of history took seconds of CPU per test. The
// first test that asks for it seeds a template database on the suite clock (app.SeedDemo, as
// at a first start), waits until the worker has applied every learning event, and keeps every
// document and the JWT key set in memory; each test asking for the demo gets a copy in its
// own database and starts its app on it, as the product starts again on a seeded database
// (SeedDemo finds its marker). The template's own database belongs to the test that seeded
// it, so the index check covers the seeding's queries there.
//
// The demo's data is relative to the clock (history on the last 21 days in London, a review
// yesterday, an action due in five days), so a template serves a test only when the test's
// clock reads a time after the template was seeded, within demoTemplateMaxAge and on the same
// day in London; otherwise a new template is seeded, or the test's app seeds its own demo.
// APITEST_DEMO=seed seeds the demo in every test's own database instead (the old way, to
// compare).
//
// A template is never seeded on a test's own clock: that clock may stand still (the privacy
// tests'), and a demo seeded on a clock that stands still gives all it creates one creation
// time, so the order of its newest-first lists (the two demo pairings) fell to their random
// ids, in every test the template then served.

// demoTemplateMaxAge is how long after its seeding a template serves a test.
const demoTemplateMaxAge = 10 * time.Minute

type demoTemplate struct {
	snap     *mongotest.Snapshot
	keys     []byte    // the template app's jwt-keys.json: demo credentials are signed with it
	from, to time.Time // the seeding clock before and after seeding
}

var (
	demoMu sync.Mutex
	demo   *demoTemplate
)

var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return loc
}()

func (d *demoTemplate) serves(now time.Time) bool {
	if now.Before(d.to) || now.Sub(d.to) > demoTemplateMaxAge {
		return false
	}
	y1, m1, d1 := d.from.In(london).Date()
	y2, m2, d2 := now.In(london).Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

// copyDemo puts a copy of the seeded demo into the test's database and its key set into
// cfg.JWTKeysFile, when the test asks for the demo; when it does not (APITEST_DEMO=seed, a
// test that brings its own key set, a clock the template cannot serve), the app seeds the
// demo itself.
func copyDemo(t testing.TB, cfg app.Config, o app.Options) {
	t.Helper()
	if !cfg.DemoSeed || os.Getenv("APITEST_DEMO") == "seed" {
		return
	}
	if _, err := os.Stat(cfg.JWTKeysFile); !errors.Is(err, fs.ErrNotExist) {
		return
	}
	now := o.Now
	demoMu.Lock()
	if demo == nil || !demo.serves(Now()) {
		d, err := seedDemoTemplate(t)
		if err != nil {
			demoMu.Unlock()
			t.Fatalf("seed the demo template: %v", err)
		}
		demo = d
	}
	d := demo
	demoMu.Unlock()
	if !d.serves(now()) {
		return // e.g. a clock that went back: the app seeds in place
	}
	if err := os.WriteFile(cfg.JWTKeysFile, d.keys, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.snap.Restore(context.Background(), o.DB.DB); err != nil {
		t.Fatalf("copy the demo template: %v", err)
	}
}

// seedDemoTemplate seeds the demo on a database of t's, on the suite clock, and reads it
// back whole once the gamification worker has applied the demo's learning events.
func seedDemoTemplate(t testing.TB) (*demoTemplate, error) {
	now := Now
	dir := t.TempDir()
	cfg, err := app.LoadConfig(config.FromMap(map[string]string{"DATA_DIR": dir, "DEMO_SEED": "true"}))
	if err != nil {
		return nil, err
	}
	cfg.JWTKeysFile = filepath.Join(dir, "jwt-keys.json")
	db := mongotest.DB(t)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	from := now()
	a, err := app.New(ctx, cfg, log, app.Options{DB: db, Now: now, PasswordCost: cheapPasswordCost})
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { defer close(done); a.GamificationWorker.Run(ctx) }()
	err = waitLearningQueue(ctx, a, 60*time.Second)
	cancel()
	<-done
	if err != nil {
		return nil, err
	}
	to := now()
	if !to.After(from) {
		return nil, fmt.Errorf("the seeding clock stood still at %s", from)
	}
	snap, err := mongotest.TakeSnapshot(context.Background(), db.DB)
	if err != nil {
		return nil, err
	}
	keys, err := os.ReadFile(cfg.JWTKeysFile)
	if err != nil {
		return nil, err
	}
	return &demoTemplate{snap: snap, keys: keys, from: from, to: to}, nil
}

// waitLearningQueue waits until no learning event is queued, or fails when none has left the
// queue for limit: a loaded machine drains it slowly but steadily, a stuck worker not at all
// (a limit on the whole wait fails a test on a loaded machine whose worker is still taking
// events in).
func waitLearningQueue(ctx context.Context, a *app.App, limit time.Duration) error {
	deadline, least := time.Now().Add(limit), int64(-1)
	for {
		queued, _, err := a.Learning.Pending(ctx)
		if err != nil {
			return err
		}
		if queued == 0 {
			return nil
		}
		if least < 0 || queued < least {
			deadline, least = time.Now().Add(limit), queued
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d learning events still queued, none taken in the last %s", queued, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
