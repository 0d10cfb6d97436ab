package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/microlearn/microlearn/evidence/evidencedb"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/metrics"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/learning/learningdb"
	"github.com/microlearn/microlearn/mail"
	"github.com/microlearn/microlearn/mail/maildb"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/notifydb"
)

// The metrics are fed by decorators around the stores the workers settle their work in
// (the domains know nothing of Prometheus): what a worker writes is what the counter counts.

// queues the probe reads: each is an estimated count and one read in its claim index's order.
var probedQueues = []struct{ name, coll, due string }{
	{"learning", learningdb.Queue, "availableAt"},
	{"learning_parked", learningdb.Dead, ""},
	{"notify_outbox", notifydb.Outbox, "dueAt"},
	{"notify_dead", notifydb.Dead, ""},
	{"mail_outbox", maildb.Outbox, "dueAt"},
	{"xapi_outbox", evidencedb.Outbox, "dueAt"},
	{"xapi_dead", evidencedb.DeadLRS, ""},
}

// newMetrics makes this process's registry (process names the binary: "api" by default)
// and its queue gauges.
func (a *App) newMetrics(process string) {
	if process == "" {
		process = "api"
	}
	a.Metrics = metrics.New(process)
	a.watchQueues()
}

// watchQueues registers the queue gauges, read from the database at most every 10 seconds.
func (a *App) watchQueues() {
	db := a.DB.DB
	a.Metrics.WatchQueues(func(ctx context.Context) ([]metrics.QueueStat, error) {
		out := make([]metrics.QueueStat, 0, len(probedQueues))
		now := a.Now()
		for _, q := range probedQueues {
			n, age, err := mongodb.QueueStat(ctx, db, q.coll, q.due, now)
			if err != nil {
				return nil, err
			}
			out = append(out, metrics.QueueStat{Queue: q.name, Depth: n, OldestAge: age})
		}
		return out, nil
	}, a.Cfg.MetricsProbeEvery, 5*time.Second, a.Log)
}

// meteredQueue counts the learning events the gamification worker settles and their lag.
type meteredQueue struct {
	gamification.Queue
	m *metrics.Metrics
}

func (q meteredQueue) Done(ctx context.Context, done []learning.Delivery, now time.Time) error {
	if err := q.Queue.Done(ctx, done, now); err != nil {
		return err
	}
	for _, d := range done {
		q.m.EventSettled("done", now.Sub(d.Event.RecordedAt))
	}
	return nil
}

func (q meteredQueue) Release(ctx context.Context, id, owner string, at time.Time, reason string, dead bool) error {
	if err := q.Queue.Release(ctx, id, owner, at, reason, dead); err != nil {
		return err
	}
	if dead {
		q.m.EventSettled("parked", 0)
	} else {
		q.m.EventSettled("retry", 0)
	}
	return nil
}

// meteredNotify counts the push notifications the sender settles, by result.
type meteredNotify struct {
	notify.Store
	m *metrics.Metrics
}

func (s meteredNotify) Release(ctx context.Context, id, lease string, dueAt time.Time, attempts int, lastError string) error {
	err := s.Store.Release(ctx, id, lease, dueAt, attempts, lastError)
	if err == nil {
		s.m.Sent("notify", "retry")
	}
	return err
}

func (s meteredNotify) Finish(ctx context.Context, e notify.Entry) error {
	err := s.Store.Finish(ctx, e)
	if err == nil {
		s.m.Sent("notify", string(e.Status))
	}
	return err
}

func (s meteredNotify) DeadLetter(ctx context.Context, p notify.Pending, reason string, e notify.Entry) error {
	err := s.Store.DeadLetter(ctx, p, reason, e)
	if err == nil {
		s.m.Sent("notify", "dead")
		s.m.DeadLettered("notify")
	}
	return err
}

// meteredMail counts the mails the sender settles, by result.
type meteredMail struct {
	mail.Store
	m *metrics.Metrics
}

func (s meteredMail) Release(ctx context.Context, id, lease string, dueAt time.Time, attempts int, lastError string) error {
	err := s.Store.Release(ctx, id, lease, dueAt, attempts, lastError)
	if err == nil {
		s.m.Sent("mail", "retry")
	}
	return err
}

func (s meteredMail) Finish(ctx context.Context, r mail.Record) error {
	err := s.Store.Finish(ctx, r)
	if err == nil {
		s.m.Sent("mail", string(r.Status))
		if r.Status == mail.StatusFailed {
			s.m.DeadLettered("mail")
		}
	}
	return err
}

// SweepLeases passes the worker's lease sweep through to the queue (gamification.LeaseSweeper).
func (q meteredQueue) SweepLeases(ctx context.Context, now time.Time) (int, error) {
	if ls, ok := q.Queue.(gamification.LeaseSweeper); ok {
		return ls.SweepLeases(ctx, now)
	}
	return 0, nil
}

// StartMetrics serves /metrics on addr ("" serves none) until ctx ends; stop waits for it.
func (a *App) StartMetrics(ctx context.Context, addr string) (bound net.Addr, stop func(), err error) {
	if addr == "" {
		return nil, func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid metrics address %q: cannot listen: %w", addr, err)
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.Metrics.Serve(mctx, ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("serving /metrics failed", "error", err.Error())
		}
	}()
	return ln.Addr(), func() { cancel(); <-done }, nil
}
