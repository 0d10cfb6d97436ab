package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"
)

// Conn is one open connection to the mail server.
type Conn interface {
	// Send delivers one letter. An error wrapping ErrPermanent is not retried; after any
	// other error the connection is closed and a new one opened for the next letter.
	Send(ctx context.Context, l Letter) error
	Close() error
}

// Transport opens connections to the mail server.
type Transport interface {
	Open(ctx context.Context) (Conn, error)
	Name() string
}

// SenderConfig tunes the sender.
type SenderConfig struct {
	// Lease is how long a claimed message stays with this sender; it must exceed
	// SendTimeout comfortably (after it, another sender may claim the message).
	Lease time.Duration
	// SendTimeout bounds opening a connection and sending one letter.
	SendTimeout time.Duration
	// Batch is the most messages claimed per round (sent over one connection).
	Batch int
	// RetryBase and RetryMax bound the back-off between attempts (doubling, with jitter);
	// after MaxAttempts the message is recorded as failed.
	RetryBase, RetryMax time.Duration
	MaxAttempts         int
	// Grace is how long a message whose subject does not exist yet (ErrNotYet) waits before
	// it is dropped: the producer enqueues first and writes second, and a crash between the
	// two leaves a message about nothing.
	Grace time.Duration
	// From is the sender address (and display name) of every letter.
	From string
}

// Sender claims due messages, has their Handler fill them in and sends them. Several
// senders may run at once: each message is leased to one of them at a time.
type Sender struct {
	Store     Store
	Transport Transport
	Handlers  map[Kind]Handler
	Now       func() time.Time
	Log       *slog.Logger
	Cfg       SenderConfig
	// ID names this sender in lease tokens.
	ID string
}

// Run sends until ctx ends: a round whenever woken or every poll, and at once again after a
// round that found work.
func (s *Sender) Run(ctx context.Context, wake <-chan struct{}, poll time.Duration) {
	s.Log.Info("mail sender running", "transport", s.Transport.Name())
	for {
		n, err := s.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("mail sender round failed", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-time.After(poll):
		}
	}
}

// RunOnce claims up to one batch of due messages and sends them over one connection. It
// returns how many it claimed.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	var conn Conn
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
	n := 0
	for n < s.Cfg.Batch {
		now := s.Now().UTC()
		p, err := s.Store.Claim(ctx, now, s.leaseToken(), now.Add(s.Cfg.Lease))
		if errors.Is(err, ErrNothingDue) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("claim: %w", err)
		}
		n++
		l, ok := s.prepare(ctx, p, now)
		if !ok {
			continue
		}
		if conn == nil {
			octx, cancel := context.WithTimeout(ctx, s.Cfg.SendTimeout)
			conn, err = s.Transport.Open(octx)
			cancel()
			if err != nil {
				s.failed(ctx, p, err, now)
				return n, nil // the server is not answering: wait for the next round
			}
		}
		sctx, cancel := context.WithTimeout(ctx, s.Cfg.SendTimeout)
		err = conn.Send(sctx, l)
		cancel()
		if err != nil {
			if !errors.Is(err, ErrPermanent) {
				_ = conn.Close()
				conn = nil
			}
			s.failed(ctx, p, err, now)
			continue
		}
		s.finish(ctx, p, Record{Status: StatusSent, MessageID: l.MessageID}, now)
	}
	return n, nil
}

// prepare resolves and renders a claimed message; false when it was dropped or deferred.
func (s *Sender) prepare(ctx context.Context, p Pending, now time.Time) (Letter, bool) {
	h, ok := s.Handlers[p.Kind]
	if !ok {
		s.finish(ctx, p, Record{Status: StatusFailed, Reason: "no handler for this kind of mail"}, now)
		return Letter{}, false
	}
	c, err := h.Resolve(ctx, p)
	switch {
	case errors.Is(err, ErrGone), errors.Is(err, ErrNotYet) && now.Sub(p.CreatedAt) >= s.Cfg.Grace:
		if err := s.Store.Forget(ctx, p.ID); err != nil {
			s.Log.Warn("mail: forget", "mailId", p.ID, "error", err.Error())
		}
		return Letter{}, false
	case errors.Is(err, ErrNotYet):
		_ = s.Store.Release(ctx, p.ID, p.Lease, now.Add(min(s.Cfg.Grace/4, time.Minute)), p.Attempts, "waiting for the producer")
		return Letter{}, false
	case err != nil:
		// Our own storage failed: try later without spending an attempt.
		s.Log.Warn("mail postponed", "mailId", p.ID, "error", err.Error())
		_ = s.Store.Release(ctx, p.ID, p.Lease, now.Add(s.Cfg.RetryBase), p.Attempts, err.Error())
		return Letter{}, false
	}
	subject, plain, htmlBody := Render(p.Kind, c)
	return Letter{To: c.To, ToName: c.ToName, Subject: subject, Text: plain, HTML: htmlBody, MessageID: p.ID + "@microlearn"}, true
}

// failed retries a message after a failed attempt, or records it failed for good.
func (s *Sender) failed(ctx context.Context, p Pending, err error, now time.Time) {
	attempts := p.Attempts + 1
	if errors.Is(err, ErrPermanent) || attempts >= s.Cfg.MaxAttempts {
		s.finish(ctx, p, Record{Status: StatusFailed, Reason: err.Error()}, now)
		return
	}
	s.Log.Warn("mail attempt failed, will retry", "mailId", p.ID, "kind", string(p.Kind), "attempt", attempts, "error", err.Error())
	if rerr := s.Store.Release(ctx, p.ID, p.Lease, now.Add(s.backoff(attempts)), attempts, err.Error()); rerr != nil {
		s.Log.Error("mail: release", "mailId", p.ID, "error", rerr.Error())
	}
}

// backoff is RetryBase doubling per attempt up to RetryMax, with equal jitter.
func (s *Sender) backoff(attempts int) time.Duration {
	d := s.Cfg.RetryBase
	for i := 1; i < attempts && d < s.Cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, s.Cfg.RetryMax)
	half := d / 2
	j, err := rand.Int(rand.Reader, big.NewInt(int64(half)+1))
	if err != nil {
		return d
	}
	return half + time.Duration(j.Int64())
}

// finish records how p ended, removes it from the outbox and tells its handler.
func (s *Sender) finish(ctx context.Context, p Pending, r Record, now time.Time) {
	r.ID, r.Kind, r.Refs, r.Attempts, r.At = p.ID, p.Kind, p.Refs, p.Attempts+1, now
	if err := s.Store.Finish(ctx, r); err != nil {
		// The lease runs out and the message is tried again: at least once, never lost.
		s.Log.Error("mail: record outcome", "mailId", p.ID, "error", err.Error())
		return
	}
	if r.Status == StatusFailed {
		s.Log.Warn("mail failed for good", "mailId", p.ID, "kind", string(p.Kind), "reason", r.Reason)
	}
	if h, ok := s.Handlers[p.Kind]; ok {
		if err := h.Finished(ctx, p, r); err != nil {
			s.Log.Warn("mail: tell the producer", "mailId", p.ID, "error", err.Error())
		}
	}
}

func (s *Sender) leaseToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return s.ID + "/" + hex.EncodeToString(b)
}

// Janitor deletes old records.
type Janitor struct {
	Store     Store
	Now       func() time.Time
	Log       *slog.Logger
	Retention time.Duration
}

// RunOnce prunes records older than the retention.
func (j *Janitor) RunOnce(ctx context.Context) {
	n, err := j.Store.PruneRecords(ctx, j.Now().Add(-j.Retention))
	switch {
	case err != nil && ctx.Err() == nil:
		j.Log.Error("mail: prune records", "error", err.Error())
	case n > 0:
		j.Log.Info("mail: old records pruned", "count", n)
	}
}
