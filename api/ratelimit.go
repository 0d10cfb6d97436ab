package api

import (
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/throttle"
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
	d := DefaultRateLimits()
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
func DefaultRateLimits() RateLimits {
	return RateLimits{AuthRequests: 100, AuthWindow: time.Minute, AccountFreeFailures: 5, IPFreeFailures: 20,
		BackoffBase: time.Second, BackoffMax: 15 * time.Minute, FailureMemory: 15 * time.Minute}
}

// loginGuard returns the sign-in back-off the API shares with the console (Deps.Logins), or
// one made from the configured limits on first use, which sign-in and erasure (DELETE
// /v1/me checks the password) then share. Routes are mounted before serving, so the lazy
// assignment does not race.
func (s *Server) loginGuard() *throttle.Logins {
	if s.deps.Logins == nil {
		s.deps.Logins = NewLogins(s.deps.RateLimits)
	}
	return s.deps.Logins
}

// NewLogins builds the sign-in back-off from the limits (defaults for unset fields).
func NewLogins(r RateLimits) *throttle.Logins {
	r = r.orDefault()
	return throttle.NewLogins(throttle.LoginLimits{AccountFreeFailures: r.AccountFreeFailures, IPFreeFailures: r.IPFreeFailures,
		BackoffBase: r.BackoffBase, BackoffMax: r.BackoffMax, FailureMemory: r.FailureMemory})
}

var errLoginBackoff = apperr.New(apperr.KindRateLimited, "login_throttled", "too many failed sign-ins: wait before trying again")

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
	l := throttle.NewWindow(limit, window)
	policyField := `"` + policy + `";q=` + strconv.Itoa(limit) + `;w=` + strconv.Itoa(ceilSeconds(window))
	return func(c *fiber.Ctx) error {
		remaining, reset, ok := l.Take(clientIP(c), s.now())
		t := ceilSeconds(reset)
		c.Set("RateLimit-Policy", policyField)
		c.Set("RateLimit", `"`+policy+`";r=`+strconv.Itoa(remaining)+`;t=`+strconv.Itoa(t))
		if !ok {
			s.deps.Metrics.Throttled("rate_limit")
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(t))
			return apperr.ErrRateLimited
		}
		return c.Next()
	}
}
