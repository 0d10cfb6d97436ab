package apitest

import (
	"context"
	"testing"
	"time"
)

// WaitLearningQueue waits until the gamification worker has applied every learning event
// published so far (an event leaves the queue only after its awards, notices and observers,
// the reports' included); it fails t when no event has left the queue for limit.
func (e *Env) WaitLearningQueue(t testing.TB, limit time.Duration) {
	t.Helper()
	if err := waitLearningQueue(context.Background(), e.App, limit); err != nil {
		t.Fatal(err)
	}
}

// SettleReports waits for the learning queue (insight observes it), then runs the reports'
// sweeper until a round finds nothing, as the background worker would.
func (e *Env) SettleReports(t testing.TB) {
	t.Helper()
	e.WaitLearningQueue(t, 20*time.Second)
	for {
		n, err := e.App.Insight.Sweep(context.Background(), 500)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}
