package gamification

import (
	"context"
	"time"
)

// LeaseSweeper is implemented by queues whose old leases are swept periodically
// (learningdb keeps the lease of a processed event as its marker for 31 days).
type LeaseSweeper interface {
	SweepLeases(ctx context.Context, now time.Time) (int, error)
}

// GarbageCollector is implemented by stores that leave garbage behind to be collected
// later, off the hot path (gamificationdb: superseded player states).
type GarbageCollector interface {
	CollectGarbage(ctx context.Context, olderThan time.Duration) (int, error)
}

// Worker runs event processing in a loop. Several workers (in one process or many) may run
// against the same queue: claims are atomic and effects idempotent.
type Worker struct {
	Service *Service
	// ID names the worker in its claims.
	ID string
	// Batch is how many events one claim takes (default 256).
	Batch int
	// Idle is how long to wait for new events when the queue is empty (default 200ms);
	// Wake cuts the wait short.
	Idle time.Duration
	// SweepEvery is how often to sweep old leases and collect garbage (default 5m).
	SweepEvery time.Duration
	// CloseEvery is how often to close ended leaderboard periods (default 1m).
	CloseEvery time.Duration
	wake       chan struct{}
}

// NewWorker returns a worker with default settings.
func NewWorker(s *Service, id string) *Worker {
	return &Worker{Service: s, ID: id, wake: make(chan struct{}, 1)}
}

// Wake tells the worker that an event was published. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run processes events until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	if w.wake == nil {
		w.wake = make(chan struct{}, 1)
	}
	batch, idle := w.Batch, w.Idle
	if batch <= 0 {
		batch = 256
	}
	if idle <= 0 {
		idle = 200 * time.Millisecond
	}
	sweepEvery := w.SweepEvery
	if sweepEvery <= 0 {
		sweepEvery = 5 * time.Minute
	}
	nextSweep := time.Now().Add(sweepEvery)
	failures := 0 // rounds in a row that failed
	for ctx.Err() == nil {
		if time.Now().After(nextSweep) {
			nextSweep = time.Now().Add(sweepEvery)
			if ls, ok := w.Service.Queue.(LeaseSweeper); ok {
				if _, err := ls.SweepLeases(ctx, w.Service.now()); err != nil && ctx.Err() == nil {
					w.Service.log().Error("sweeping leases failed", "error", err.Error())
				}
			}
			if gc, ok := w.Service.Store.(GarbageCollector); ok {
				if _, err := gc.CollectGarbage(ctx, time.Minute); err != nil && ctx.Err() == nil {
					w.Service.log().Error("collecting garbage failed", "error", err.Error())
				}
			}
		}
		n, err := w.Service.ProcessOnce(ctx, w.ID, batch)
		if err != nil && ctx.Err() == nil {
			failures++
			w.Service.log().Error("processing learning events failed; they will be retried after their lease", "error", err.Error(),
				"failures", failures, "retryIn", retryDelay(failures, idle).String())
		}
		if err == nil {
			failures = 0
			if n > 0 {
				continue
			}
		}
		w.wait(ctx, retryDelay(failures, idle), failures == 0)
	}
}

// maxRetryDelay bounds the worker's back-off while claims or writes keep failing.
const maxRetryDelay = 30 * time.Second

// retryDelay is how long the worker waits before its next claim after failures rounds in a
// row failed: idle when none did, then doubling from twice idle up to maxRetryDelay, so a
// database that is down is not asked five times a second.
func retryDelay(failures int, idle time.Duration) time.Duration {
	if failures <= 0 {
		return idle
	}
	d := idle << min(failures, 20)
	if d <= 0 || d > maxRetryDelay {
		return maxRetryDelay
	}
	return d
}

// wait waits d, or until ctx ends; a Wake cuts it short when wakeable (not while backing off:
// a publish does not mean the failure is over).
func (w *Worker) wait(ctx context.Context, d time.Duration, wakeable bool) {
	wake := w.wake
	if !wakeable {
		wake = nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-wake:
	case <-t.C:
	}
}

// RunCloser closes ended leaderboard periods until ctx ends.
func (w *Worker) RunCloser(ctx context.Context) {
	every := w.CloseEvery
	if every <= 0 {
		every = time.Minute
	}
	for {
		if err := w.Service.ClosePeriods(ctx); err != nil && ctx.Err() == nil {
			w.Service.log().Error("closing leaderboard periods failed", "error", err.Error())
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
