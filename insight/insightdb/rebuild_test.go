package insightdb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/learning"
)

// An erasure waits for a running rebuild (it reads the subjects the erasure withdraws), but
// not for one whose process died: a rebuild silent for five minutes by the wall clock is
// stalled, and the erasure goes ahead.
func TestAStalledRebuildDoesNotHoldAnErasureBack(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		state insight.RebuildState
		want  error
	}{
		{"running", insight.RebuildState{Rebuilding: true, StartedAt: now.Add(-time.Hour), BeatAt: now.Add(-time.Minute)}, insight.ErrRebuilding},
		{"stalled", insight.RebuildState{Rebuilding: true, StartedAt: now.Add(-time.Hour), BeatAt: now.Add(-10 * time.Minute)}, nil},
		{"recorded by an older version (no beat)", insight.RebuildState{Rebuilding: true, StartedAt: now.Add(-time.Hour)}, insight.ErrRebuilding},
		{"none", insight.RebuildState{}, nil},
	} {
		if err := store.SetRebuild(ctx, c.state); err != nil {
			t.Fatal(err)
		}
		svc := newService(store, now) // a new service: each reads the state afresh
		if err := svc.Forget(ctx, "ada"); !errors.Is(err, c.want) {
			t.Errorf("%s: Forget = %v, want %v", c.name, err, c.want)
		}
		if got := c.state.Stalled(now); got != (c.name == "stalled") {
			t.Errorf("%s: Stalled = %v", c.name, got)
		}
	}
}

// A recompute records that it is alive while it runs, and nothing beats after it ended.
func TestARecomputeBeatsWhileItRuns(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	svc := newService(store, now)
	svc.Wall, svc.RebuildBeat = nil, 10*time.Millisecond // the machine's clock, moving
	log := beatWatcher{store: store}
	if _, err := svc.Recompute(ctx, log, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if rb, err := store.Rebuild(ctx); err != nil || rb.Rebuilding {
		t.Errorf("after the recompute: %+v, %v", rb, err)
	}
}

// beatWatcher is a learning log that holds the recompute until its beat moves the state's
// BeatAt on from the start's.
type beatWatcher struct{ store insight.Store }

func (b beatWatcher) Replay(ctx context.Context, _ func(learning.Event) error) error {
	first, err := b.store.Rebuild(ctx)
	if err != nil {
		return err
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		rb, err := b.store.Rebuild(ctx)
		if err != nil {
			return err
		}
		if rb.Rebuilding && rb.BeatAt.After(first.BeatAt) {
			return nil
		}
	}
	return fmt.Errorf("no beat within 5 s of %v", first.BeatAt)
}
