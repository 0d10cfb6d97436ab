// Package api is the REST API: routes, middleware, handlers, request and response types and
// the one table from errors to HTTP statuses. It is the only package that imports Fiber.
package api

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/microlearn/microlearn/authz"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/credential"
	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/auth"
	"github.com/microlearn/microlearn/internal/idempotency"
	"github.com/microlearn/microlearn/internal/metrics"
	"github.com/microlearn/microlearn/internal/throttle"
	"github.com/microlearn/microlearn/media"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/privacy"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/review"
)

// Config tunes the HTTP server.
type Config struct {
	BodyLimit      int
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration
	RequestTimeout time.Duration
	// RecordDBCommands keeps per-request database command counts for DBCommands (tests).
	RecordDBCommands bool
	// TrustedProxies are the proxies whose X-Forwarded-For names the client IP.
	TrustedProxies []string
}

// Pinger answers whether the database is reachable.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are the services the API serves. The API imports domains, never stores.
type Deps struct {
	Log  *slog.Logger
	DB   Pinger
	Spec []byte
	// Now is the clock of every rule the API applies itself (Idempotency-Key expiry,
	// throttling windows, sign-in back-off); nil is the wall clock.
	Now func() time.Time

	// identity and programmes
	Tokens     *auth.Issuer
	Identity   *identity.Service
	Sessions   *identity.Sessions
	Programmes *programme.Service
	RateLimits RateLimits
	// PublicURL is the address people reach this server at, for links in responses (an
	// invitation's join link); "" uses the request's own scheme and host.
	PublicURL string
	// Logins is the sign-in back-off; the console shares it (nil: the API makes its own).
	Logins *throttle.Logins
	// Authz is the authorization policy; the console shares it (nil: built from the services).
	Authz *authz.Authorizer

	// content
	Content      *content.Service
	Idempotency  idempotency.Store
	ContentViews *ContentViews

	// mentoring
	Mentoring *mentoring.Service
	// Record is the mentoring record: meetings, notes, goals, agreement versions, cadence.
	Record *mentoring.Record

	// gamification
	Gamification *gamification.Service

	// notifications
	Notify *notify.Service

	// spaced review
	Reviews *review.Service

	// Open Badges credentials
	Credentials *credential.Service
	// evidence of learning: check-ins, outcomes, the CPD record, xAPI
	Evidence *evidence.Service
	// Insight is the programme reports.
	Insight *insight.Service
	// media
	Media *media.Service

	// Privacy erases and exports people's data.
	Privacy *privacy.Service

	// Metrics receives the HTTP, sign-in and throttle metrics (nil: none are kept).
	Metrics *metrics.Metrics

	// Console is the browser console, served for every path outside the API's own (nil:
	// no console).
	Console http.Handler
}

// Server is the HTTP API.
type Server struct {
	cfg        Config
	deps       Deps
	log        *slog.Logger
	app        *fiber.App
	authz      *authz.Authorizer
	dbCommands commandLog
}

// New builds the API with its routes.
func New(cfg Config, deps Deps) *Server {
	s := &Server{cfg: cfg, deps: deps, log: deps.Log}
	s.dbCommands.enabled = cfg.RecordDBCommands
	s.authz = deps.Authz
	if s.authz == nil {
		s.authz = NewAuthorizer(deps)
	}
	s.app = fiber.New(fiber.Config{
		AppName:                 "microlearn",
		BodyLimit:               cfg.BodyLimit,
		ReadTimeout:             cfg.ReadTimeout,
		WriteTimeout:            cfg.WriteTimeout,
		IdleTimeout:             cfg.IdleTimeout,
		DisableStartupMessage:   true,
		ErrorHandler:            s.errorHandler,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             fiber.HeaderXForwardedFor,
		StrictRouting:           false,
		CaseSensitive:           true,
	})
	s.app.Use(s.observe)
	s.app.Use(recover.New())
	s.app.Use(securityHeaders)
	s.app.Use(s.decodeBody)
	s.app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed, Next: servesMedia}))
	s.routes()
	return s
}

func (s *Server) now() time.Time {
	if s.deps.Now == nil {
		return time.Now()
	}
	return s.deps.Now()
}

// NewAuthorizer builds the authorization policy over the services in deps.
func NewAuthorizer(deps Deps) *authz.Authorizer {
	a := &authz.Authorizer{Programmes: deps.Programmes}
	if deps.Content != nil {
		a.Content = deps.Content
	}
	if deps.Mentoring != nil {
		a.Pairings = deps.Mentoring
	}
	return a
}

// App returns the Fiber app (for tests and benchmarks that drive it directly).
func (s *Server) App() *fiber.App { return s.app }

// Serve serves on ln until Shutdown. Connections close with a lingering close (linger.go).
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(lingerListener{ln}) }

// Shutdown stops accepting connections and waits for in-flight requests until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

func (s *Server) routes() {
	s.mountBasics(s.app)
	v1 := s.app.Group("/v1", requireJSON, s.authenticate)
	s.mountAuth(v1)
	s.mountProgrammes(v1)
	s.mountInvites(v1)
	s.mountContent(v1)
	s.mountMentoring(v1)
	s.mountRecord(v1)
	s.mountGamification(v1)
	s.mountHome(v1)
	s.mountNotifications(v1)
	s.mountReviews(v1)
	s.mountCredentials(v1)
	s.mountEvidence(v1)
	s.mountMedia(v1)
	s.mountReports(v1)
	s.mountPrivacy(v1)

	s.mountConsole()
	// Unmatched requests fall through to Fiber's 404 or 405, which the error handler turns
	// into problem+json.
}
