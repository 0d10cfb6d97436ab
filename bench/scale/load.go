package main

import (
	"context"
	"sync"
	"time"
)

type loadResult struct {
	mentees  int
	duration time.Duration
	requests int
	errors   int
	all      stat
	reads    stat  // GET lesson
	writes   stat  // POST lesson progress (completed)
	summary  stat  // GET /v1/me/gamification
	pending  int64 // events in the learning queue when the load stopped
	drain    time.Duration
	drainErr error
}

// loadRun has k mentees (different people) each reading a lesson, completing a lesson and,
// every third round, reading their gamification summary, back to back without pause, for d;
// then it measures how long the worker takes to process what was published (the learning
// queue draining to empty).
func (w *world) loadRun(ctx context.Context, k int, d time.Duration) (loadResult, error) {
	if _, err := w.drain(ctx, 30*time.Minute); err != nil {
		return loadResult{}, err
	}
	users := make([]string, k)
	for i := range users {
		users[i] = w.mentees[(i*7919)%len(w.mentees)]
		if _, err := w.token(users[i]); err != nil {
			return loadResult{}, err
		}
	}
	var mu sync.Mutex
	var reads, writes, sums []time.Duration
	errs := 0
	record := func(into *[]time.Duration, dur time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs++
			return
		}
		*into = append(*into, dur)
	}
	lctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; lctx.Err() == nil; round++ {
				l := w.lessons[(i+round)%len(w.lessons)]
				dur, err := w.timed(ctx, u, "GET", "/v1/lessons/"+l.ID, nil, 200)
				record(&reads, dur, err)
				if lctx.Err() != nil {
					return
				}
				c := w.fresh[(i*31+round)%len(w.fresh)]
				id := w.newEventID()
				dur, err = w.timed(ctx, u, "POST", "/v1/lessons/"+c.ID+"/progress",
					map[string]any{"eventId": id, "occurredAt": time.Now().UTC().Format(time.RFC3339Nano), "state": "completed", "secondsSpent": 240}, 201)
				record(&writes, dur, err)
				if round%3 == 2 && lctx.Err() == nil {
					dur, err = w.timed(ctx, u, "GET", "/v1/me/gamification?programmeId="+w.pid, nil, 200)
					record(&sums, dur, err)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := loadResult{mentees: k, duration: elapsed, errors: errs}
	all := append(append(append([]time.Duration{}, reads...), writes...), sums...)
	r.requests = len(all) + errs
	r.all, r.reads, r.writes, r.summary = summarize(all, errs), summarize(reads, 0), summarize(writes, 0), summarize(sums, 0)
	r.pending, _, _ = w.a.Learning.Pending(ctx)
	logf("  load stopped: %d requests in %s (%d errors), %d events queued; waiting for the queue to drain", r.requests, elapsed.Round(time.Second), errs, r.pending)
	r.drain, r.drainErr = w.drain(ctx, 30*time.Minute)
	return r, nil
}
