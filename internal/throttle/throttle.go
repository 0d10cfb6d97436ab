// Package throttle holds the in-memory throttles of the sign-in routes, shared by the REST
// API and the browser console so that a guesser gets one budget, not one per surface. With
// several instances each enforces its own budget (README: Accounts and security).
package throttle

import (
	"sync"
	"time"
)

const maxTrackedKeys = 100_000

// Window is a fixed-window request counter per key.
type Window struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	entries map[string]*windowEntry
}

type windowEntry struct {
	start time.Time
	count int
}

// Take counts one request for key and returns the remaining budget, the time until the
// window resets and whether the request is allowed.
func (l *Window) Take(key string, now time.Time) (remaining int, reset time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		l.entries = map[string]*windowEntry{}
	}
	e := l.entries[key]
	if e == nil || now.Sub(e.start) >= l.window {
		if e == nil && len(l.entries) >= maxTrackedKeys {
			for k, old := range l.entries {
				if now.Sub(old.start) >= l.window {
					delete(l.entries, k)
				}
			}
		}
		e = &windowEntry{start: now}
		l.entries[key] = e
	}
	reset = e.start.Add(l.window).Sub(now)
	if e.count >= l.limit {
		return 0, reset, false
	}
	e.count++
	return l.limit - e.count, reset, true
}

// NewWindow returns a limiter of limit requests per window per key.
func NewWindow(limit int, window time.Duration) *Window {
	return &Window{limit: limit, window: window}
}

// LoginLimits configures Logins: after AccountFreeFailures failures for one email
// (IPFreeFailures for one client IP), every further failure doubles the wait before the
// next attempt, from BackoffBase up to BackoffMax. Failures are forgotten after
// FailureMemory without one.
type LoginLimits struct {
	AccountFreeFailures int
	IPFreeFailures      int
	BackoffBase         time.Duration
	BackoffMax          time.Duration
	FailureMemory       time.Duration
}

// NewLogins returns a sign-in back-off with the given limits.
func NewLogins(cfg LoginLimits) *Logins { return &Logins{cfg: cfg} }

// Logins backs off failed sign-ins per account and per client IP.
type Logins struct {
	mu       sync.Mutex
	cfg      LoginLimits
	failures map[string]*failureEntry
}

type failureEntry struct {
	count int
	last  time.Time
	until time.Time // no attempt before this
}

// Begin is called before a password is checked. It refuses (with the wait) while either the
// account or the IP is backing off; otherwise it counts the attempt as a failure up front,
// so that a burst of parallel guesses cannot all slip in before the first failure lands,
// and returns a function to call when the password turns out right.
func (g *Logins) Begin(email, ip string, now time.Time) (succeeded func(), wait time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failures == nil {
		g.failures = map[string]*failureEntry{}
	}
	acct, addr := "a:"+email, "i:"+ip
	for _, k := range []string{acct, addr} {
		if e := g.get(k, now); e != nil && now.Before(e.until) {
			wait = max(wait, e.until.Sub(now))
		}
	}
	if wait > 0 {
		return nil, wait
	}
	g.fail(acct, g.cfg.AccountFreeFailures, now)
	g.fail(addr, g.cfg.IPFreeFailures, now)
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		// A right password clears the account's failures. The IP's stay (one attacker with
		// one valid account must not reset the IP's count), minus this attempt.
		delete(g.failures, acct)
		if e := g.failures[addr]; e != nil && e.count > 0 {
			e.count--
			e.until = g.until(e.count, g.cfg.IPFreeFailures, e.last)
		}
	}, 0
}

func (g *Logins) get(key string, now time.Time) *failureEntry {
	e := g.failures[key]
	if e != nil && now.Sub(e.last) > g.cfg.FailureMemory {
		delete(g.failures, key)
		return nil
	}
	return e
}

func (g *Logins) fail(key string, free int, now time.Time) {
	e := g.get(key, now)
	if e == nil {
		if len(g.failures) >= maxTrackedKeys {
			for k, old := range g.failures {
				if now.Sub(old.last) > g.cfg.FailureMemory {
					delete(g.failures, k)
				}
			}
		}
		e = &failureEntry{}
		g.failures[key] = e
	}
	e.count++
	e.last = now
	e.until = g.until(e.count, free, now)
}

// until is when the next attempt is allowed after count failures, the last at last.
func (g *Logins) until(count, free int, last time.Time) time.Time {
	if count <= free {
		return time.Time{}
	}
	d := g.cfg.BackoffBase
	for i := free + 1; i < count && d < g.cfg.BackoffMax; i++ {
		d *= 2
	}
	return last.Add(min(d, g.cfg.BackoffMax))
}
