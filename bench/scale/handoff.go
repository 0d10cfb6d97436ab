package main

import (
	"context"
	"sync"
	"time"

	"github.com/microlearn/microlearn/notify"
)

// handOff enqueues the assignment notifications of the seeded assignments in small groups,
// spread over the build, as mentors assigning one pairing at a time would: the notify worker's
// claim reads the whole outbox on the embedded engine, so a batch's 200 notifications handed
// over at once cost it the square of that (76 s of the connection per 1,000 mentees, the
// largest single item of the build).
type handOff struct {
	ch      chan []notify.Notification
	pending sync.WaitGroup
	mu      sync.Mutex
	err     error
}

// handOffGroup and handOffPause set the pace: 10 notifications every 100 ms, 100 a second at
// most, against the build's ~5 new mentees (one notification each) a second.
const (
	handOffGroup = 10
	handOffPause = 100 * time.Millisecond
)

func newHandOff(ctx context.Context, n *notify.Service) *handOff {
	h := &handOff{ch: make(chan []notify.Notification, 1<<16)}
	go func() {
		for ns := range h.ch {
			if err := n.EnqueueAll(ctx, ns); err != nil {
				h.mu.Lock()
				if h.err == nil {
					h.err = err
				}
				h.mu.Unlock()
			}
			h.pending.Done()
			time.Sleep(handOffPause)
		}
	}()
	return h
}

// add queues ns for enqueueing.
func (h *handOff) add(ns []notify.Notification) {
	for i := 0; i < len(ns); i += handOffGroup {
		h.pending.Add(1)
		h.ch <- ns[i:min(len(ns), i+handOffGroup)]
	}
}

// wait returns once everything added is enqueued, with the first failure.
func (h *handOff) wait() error {
	h.pending.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}
