package app

import (
	"context"
	"time"

	"github.com/microlearn/microlearn/api"
)

// profileChanged tells gamification that a profile changed (its boards show names and
// visibility). Identity is built before gamification, which reads people through identity,
// so identity calls this method, which finds the gamification service built by then.
func (a *App) profileChanged(ctx context.Context, userID string) {
	if err := a.Gamification.ProfileChanged(ctx, userID); err != nil {
		a.Log.WarnContext(ctx, "gamification did not take the profile change", "userId", userID, "error", err.Error())
	}
	// The reminder scheduler's due index follows learning slots and time zones.
	if a.scheduler != nil {
		if err := a.scheduler.Track(ctx, userID); err != nil {
			a.Log.WarnContext(ctx, "the reminder scheduler did not take the profile change", "userId", userID, "error", err.Error())
		}
	}
}

func (a *App) rateLimits() api.RateLimits {
	return api.RateLimits{AuthRequests: a.Cfg.AuthRateLimit, AuthWindow: a.Cfg.AuthRateWindow,
		AccountFreeFailures: a.Cfg.LoginFreeFailures, IPFreeFailures: a.Cfg.LoginFreeFailuresIP,
		BackoffMax: a.Cfg.LoginBackoffMax}
}

// sweepSessions deletes expired sessions every SESSION_SWEEP_INTERVAL (MongoDB would do it
// with a TTL index, which embedded FerretDB 1.24 lacks).
func (a *App) sweepSessions(ctx context.Context) {
	every(ctx, a.Cfg.SessionSweepInterval, func() {
		n, err := a.Sessions.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.Log.Error("session sweep failed", "error", err.Error())
		case n > 0:
			a.Log.Info("expired sessions deleted", "count", n)
		}
	})
}

// watchKeys rereads the JWT key file when it changes, so that `api keys rotate` (run beside
// a live server, or on another instance) takes effect here within half a minute.
func (a *App) watchKeys(ctx context.Context) {
	every(ctx, 30*time.Second, func() {
		changed, err := a.Tokens.Keys.Reload()
		switch {
		case err != nil:
			a.Log.Error("reload JWT key file", "error", err.Error())
		case changed:
			a.Log.Info("JWT keys reloaded")
		}
	})
}

// idempotencySweepEvery is how often expired idempotency keys are deleted.
const idempotencySweepEvery = 15 * time.Minute

// sweepIdempotencyKeys deletes expired Idempotency-Key records (no TTL index on FerretDB 1.24).
func (a *App) sweepIdempotencyKeys(ctx context.Context) {
	every(ctx, idempotencySweepEvery, func() {
		n, err := a.Idempotency.Sweep(ctx, a.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			a.Log.Error("sweep idempotency keys", "error", err.Error())
		case n > 0:
			a.Log.Debug("swept idempotency keys", "deleted", n)
		}
	})
}

// every runs f now and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		f()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
