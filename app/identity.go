package app

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/microlearn/microlearn/api"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/identity/identitydb"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/programme/programmedb"
)

// wireAccounts builds identity (users, sessions) and programmes, and starts the workers that
// keep them: the expired-session sweeper and the key-file watcher.
func (a *App) wireAccounts(db *mongo.Database) {
	users := identitydb.New(db)
	a.Identity = &identity.Service{Store: users, Now: a.Now}
	a.Sessions = &identity.Sessions{Store: users, Users: a.Identity, Tokens: a.Tokens, Now: a.Now, Log: a.Log,
		RefreshTTL: a.Cfg.RefreshTokenTTL, MaxAge: a.Cfg.SessionMaxAge}
	a.Programmes = &programme.Service{Store: programmedb.New(db), Now: a.Now, RoleCacheTTL: a.Cfg.RoleCacheTTL,
		AdminsOnlyCreate: a.Cfg.ProgrammeCreation == "admins", InviteTTL: a.Cfg.InviteTTL}
	a.workers = append(a.workers, a.sweepSessions, a.watchKeys)
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
