package evidence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"time"

	"github.com/microlearn/microlearn/evidence/xapi"
)

// LRSClient sends statements to a Learning Record Store (xapi.LRS implements it).
type LRSClient interface {
	Post(ctx context.Context, statements [][]byte) error
	Put(ctx context.Context, id string, statement []byte) error
}

// Forwarder forwards queued statements to the LRS: it claims a batch with leases (a crashed
// forwarder's claims fall due again when the lease ends), posts it, and removes what the LRS
// accepted. Failures that may pass (network, 5xx, 429, auth) are retried with exponential
// back-off and jitter; a batch the LRS refuses is sent statement by statement with PUT, so
// one bad statement is dead-lettered alone. A statement is sent until the LRS accepts it,
// and xAPI makes a resent statement ID a no-op, so the LRS stores each exactly once.
type Forwarder struct {
	Store       StatementStore
	LRS         LRSClient
	Now         func() time.Time
	Log         *slog.Logger
	Batch       int
	Lease       time.Duration
	RetryBase   time.Duration
	RetryMax    time.Duration
	MaxAttempts int
	Poll        time.Duration
}

// Run forwards until ctx ends.
func (f *Forwarder) Run(ctx context.Context) {
	for {
		n, err := f.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			f.Log.Warn("xAPI forwarding round failed", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(f.Poll):
		}
	}
}

// RunOnce forwards one batch; it returns how many statements it claimed.
func (f *Forwarder) RunOnce(ctx context.Context) (int, error) {
	lease := newLease()
	now := f.Now().UTC()
	var items []OutboxItem
	for len(items) < f.Batch {
		it, err := f.Store.ClaimOutbox(ctx, now, lease, now.Add(f.Lease))
		if errors.Is(err, ErrNothingDue) {
			break
		}
		if err != nil {
			return len(items), err
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return 0, nil
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	stored, err := f.Store.StatementsByID(ctx, ids)
	if err != nil {
		return len(items), err
	}
	var bodies [][]byte
	var sent []OutboxItem
	for _, it := range items {
		if s, ok := stored[it.ID]; ok {
			bodies, sent = append(bodies, s.JSON), append(sent, it)
		} else if err := f.Store.DeadOutbox(ctx, it.ID, lease, "statement not stored", now); err != nil {
			return len(items), err
		}
	}
	if len(sent) == 0 {
		return len(items), nil
	}
	err = f.LRS.Post(ctx, bodies)
	var se *xapi.StatusError
	switch {
	case err == nil:
		return len(items), f.finish(ctx, sent, lease)
	case errors.As(err, &se) && se.Permanent():
		return len(items), f.oneByOne(ctx, sent, stored, lease)
	}
	return len(items), f.retry(ctx, sent, lease, err)
}

func (f *Forwarder) finish(ctx context.Context, items []OutboxItem, lease string) error {
	var errs []error
	for _, it := range items {
		errs = append(errs, f.Store.FinishOutbox(ctx, it.ID, lease))
	}
	return errors.Join(errs...)
}

func (f *Forwarder) oneByOne(ctx context.Context, items []OutboxItem, stored map[string]StoredStatement, lease string) error {
	var errs []error
	for _, it := range items {
		err := f.LRS.Put(ctx, it.ID, stored[it.ID].JSON)
		var se *xapi.StatusError
		switch {
		case err == nil:
			errs = append(errs, f.Store.FinishOutbox(ctx, it.ID, lease))
		case errors.As(err, &se) && se.Permanent():
			f.Log.Error("the LRS refuses an xAPI statement for good", "statementId", it.ID, "status", se.Status)
			errs = append(errs, f.Store.DeadOutbox(ctx, it.ID, lease, err.Error(), f.Now().UTC()))
		default:
			errs = append(errs, f.retry(ctx, []OutboxItem{it}, lease, err))
		}
	}
	return errors.Join(errs...)
}

func (f *Forwarder) retry(ctx context.Context, items []OutboxItem, lease string, cause error) error {
	now := f.Now().UTC()
	var errs []error
	for _, it := range items {
		attempts := it.Attempts + 1
		if f.MaxAttempts > 0 && attempts >= f.MaxAttempts {
			errs = append(errs, f.Store.DeadOutbox(ctx, it.ID, lease, fmt.Sprintf("gave up after %d attempts: %v", attempts, cause), now))
			continue
		}
		errs = append(errs, f.Store.RetryOutbox(ctx, it.ID, lease, now.Add(f.backoff(attempts)), attempts, cause.Error()))
	}
	return errors.Join(append(errs, fmt.Errorf("forward %d statements: %w", len(items), cause))...)
}

// backoff is exponential from RetryBase, capped at RetryMax, with equal jitter.
func (f *Forwarder) backoff(attempt int) time.Duration {
	d := f.RetryBase
	for i := 1; i < attempt && d < f.RetryMax; i++ {
		d *= 2
	}
	d = min(d, f.RetryMax)
	return d/2 + time.Duration(mrand.Float64()*float64(d/2))
}

func newLease() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
