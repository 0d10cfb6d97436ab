package api

import (
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Throttling of the sign-in routes, kept in this process's memory. With several API
// instances each enforces its own budget (README: Accounts and security); a shared store
// would be needed for one global budget.

// RateLimits configures the throttles.
type RateLimits struct {
	// AuthRequests requests per AuthWindow per client IP on /v1/auth/* and
	// POST /v1/programmes/join (0 turns the route limit off).
	AuthRequests int
	AuthWindow   time.Duration
	// Failed logins: after AccountFreeFailures failures for one email (IPFreeFailures for one
	// client IP), every further failure doubles the wait before the next attempt, from
	// BackoffBase up to BackoffMax. Failures are forgotten after FailureMemory without one.
	AccountFreeFailures int
	IPFreeFailures      int
	BackoffBase         time.Duration
	BackoffMax          time.Duration
	FailureMemory       time.Duration
}

// orDefault fills unset fields from DefaultRateLimits.
func (r RateLimits) orDefault() RateLimits {
	d := DefaultRateLimits
	if r.AuthWindow <= 0 {
		r.AuthWindow = d.AuthWindow
	}
	if r.AccountFreeFailures <= 0 {
		r.AccountFreeFailures = d.AccountFreeFailures
	}
	if r.IPFreeFailures <= 0 {
		r.IPFreeFailures = d.IPFreeFailures
	}
	if r.BackoffBase <= 0 {
		r.BackoffBase = d.BackoffBase
	}
	if r.BackoffMax <= 0 {
		r.BackoffMax = d.BackoffMax
	}
	if r.FailureMemory <= 0 {
		r.FailureMemory = d.FailureMemory
	}
	return r
}

// DefaultRateLimits are the limits used when none are configured.
var DefaultRateLimits = RateLimits{AuthRequests: 100, AuthWindow: time.Minute, AccountFreeFailures: 5, IPFreeFailures: 20,
	BackoffBase: time.Second, BackoffMax: 15 * time.Minute, FailureMemory: 15 * time.Minute}

var errLoginBackoff = apperr.New(apperr.KindRateLimited, "login_throttled", "too many failed sign-ins: wait before trying again")

const maxTrackedKeys = 100_000

// windowLimiter is a fixed-window request counter per key.
type windowLimiter struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	entries map[string]*windowEntry
}

type windowEntry struct {
	start time.Time
	count int
}

// take counts one request for key and returns the remaining budget, the time until the
// window resets and whether the request is allowed.
func (l *windowLimiter) take(key string, now time.Time) (remaining int, reset time.Duration, ok bool) {
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

// clientIP is the address throttles count by: the peer's address, or, when the peer is a
// trusted proxy (Config.TrustedProxies), the last address in X-Forwarded-For, which that
// proxy appended. Earlier entries are whatever the client wrote and are never trusted.
func clientIP(c *fiber.Ctx) string {
	remote := c.Context().RemoteIP().String()
	xff := c.Get(fiber.HeaderXForwardedFor)
	if xff == "" || !c.IsProxyTrusted() {
		return remote
	}
	ip := strings.TrimSpace(xff[strings.LastIndexByte(xff, ',')+1:])
	if net.ParseIP(ip) == nil {
		return remote
	}
	return ip
}

// ceilSeconds rounds a duration up to whole seconds, at least 1.
func ceilSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// routeLimit returns a route limit named policy: limit requests per window per client IP.
// Every response carries the RateLimit and RateLimit-Policy fields of
// draft-ietf-httpapi-ratelimit-headers-09 (q requests per w seconds; r remaining, t seconds
// until the window resets); a request over the limit gets 429 with Retry-After.
func (s *Server) routeLimit(policy string, limit int, window time.Duration) fiber.Handler {
	if limit <= 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	l := &windowLimiter{limit: limit, window: window}
	policyField := `"` + policy + `";q=` + strconv.Itoa(limit) + `;w=` + strconv.Itoa(ceilSeconds(window))
	return func(c *fiber.Ctx) error {
		remaining, reset, ok := l.take(clientIP(c), s.now())
		t := ceilSeconds(reset)
		c.Set("RateLimit-Policy", policyField)
		c.Set("RateLimit", `"`+policy+`";r=`+strconv.Itoa(remaining)+`;t=`+strconv.Itoa(t))
		if !ok {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(t))
			return apperr.ErrRateLimited
		}
		return c.Next()
	}
}

// loginGuard backs off failed sign-ins per account and per client IP.
type loginGuard struct {
	mu       sync.Mutex
	cfg      RateLimits
	failures map[string]*failureEntry
}

type failureEntry struct {
	count int
	last  time.Time
	until time.Time // no attempt before this
}

// begin is called before a password is checked. It refuses (with the wait) while either the
// account or the IP is backing off; otherwise it counts the attempt as a failure up front,
// so that a burst of parallel guesses cannot all slip in before the first failure lands,
// and returns a function to call when the password turns out right.
func (g *loginGuard) begin(email, ip string, now time.Time) (succeeded func(), wait time.Duration) {
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

func (g *loginGuard) get(key string, now time.Time) *failureEntry {
	e := g.failures[key]
	if e != nil && now.Sub(e.last) > g.cfg.FailureMemory {
		delete(g.failures, key)
		return nil
	}
	return e
}

func (g *loginGuard) fail(key string, free int, now time.Time) {
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
func (g *loginGuard) until(count, free int, last time.Time) time.Time {
	if count <= free {
		return time.Time{}
	}
	d := g.cfg.BackoffBase
	for i := free + 1; i < count && d < g.cfg.BackoffMax; i++ {
		d *= 2
	}
	return last.Add(min(d, g.cfg.BackoffMax))
}
