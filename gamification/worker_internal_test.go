package gamification

import (
	"testing"
	"time"
)

// While rounds keep failing (the database is down), the worker waits longer each time, up
// to maxRetryDelay; a round that works brings it back to the idle poll.
func TestRetryDelayBacksOff(t *testing.T) {
	idle := 200 * time.Millisecond
	want := []time.Duration{idle, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond,
		6400 * time.Millisecond, 12800 * time.Millisecond, 25600 * time.Millisecond, maxRetryDelay, maxRetryDelay}
	for failures, w := range want {
		if got := retryDelay(failures, idle); got != w {
			t.Errorf("after %d failures: %s, want %s", failures, got, w)
		}
	}
	if got := retryDelay(1000, idle); got != maxRetryDelay {
		t.Errorf("after many failures: %s, want %s", got, maxRetryDelay)
	}
	if got := retryDelay(70, time.Hour); got != maxRetryDelay {
		t.Errorf("no overflow: %s", got)
	}
}
