// Package console is the browser console: server-rendered pages for programme owners,
// mentors and mentees, in the manner of miniflux. Pages are html/template (auto-escaping),
// assets are embedded, progressive enhancement is a little plain JavaScript, and every page
// carries a strict Content-Security-Policy. The console is a net/http handler with no
// business rules of its own: it asks the same domain services and the same authorization
// policy (authz) as the REST API, and signs people in on the same session store. api/
// mounts it under "/" (docs/decisions.md: "The console is net/http, mounted by api").
package console

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/microlearn/microlearn/authz"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/credential"
	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/auth"
	"github.com/microlearn/microlearn/internal/throttle"
	"github.com/microlearn/microlearn/media"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/review"
)

// Deps are the services the console serves, the same ones the API serves.
type Deps struct {
	Log        *slog.Logger
	Now        func() time.Time
	Tokens     *auth.Issuer
	Identity   *identity.Service
	Sessions   *identity.Sessions
	Programmes *programme.Service
	Content    *content.Service
	Mentoring  *mentoring.Service
	// Record is the mentoring record (meetings, goals, notes).
	Record       *mentoring.Record
	Gamification *gamification.Service
	// Media is the media library: lessons show its items through signed URLs of the API's
	// media route (nil: media blocks show a note).
	Media *media.Service
	// Reviews are the spaced review cards; Credentials the Open Badges; Evidence the
	// check-ins and the CPD record.
	Reviews     *review.Service
	Credentials *credential.Service
	Evidence    *evidence.Service
	// CPDJSON renders a CPD record as the API's JSON; CPDVerifyURL is a record's public
	// verification address (both the API's own, handed over by app/).
	CPDJSON      func(evidence.CPDRecord) ([]byte, error)
	CPDVerifyURL func(code string) string
	Authz        *authz.Authorizer
	// Insight is the programme reports, the same service (and CSV rows) the API serves.
	Insight *insight.Service
	// Logins is the sign-in back-off shared with the API; SignInLimit the per-IP request
	// limit of the sign-in forms (the API's AUTH_RATE_LIMIT, its own counters).
	Logins      *throttle.Logins
	SignInLimit *throttle.Window
	// Secret keys the CSRF tokens (derived from the refresh-token secret, so every instance
	// agrees). At least 32 bytes.
	Secret []byte
	// PublicURL, when set, is the base of links the console hands out (invitations).
	PublicURL string
	// BodyLimit is the largest upload (content packs), as the HTTP server enforces it.
	BodyLimit int
}

// Console is the browser console's HTTP handler.
type Console struct {
	deps  Deps
	mux   *http.ServeMux
	pages *pages
	cat   catalog
	csrf  csrfKey
}

// New builds the console with its routes and parsed templates.
func New(deps Deps) (*Console, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	cat, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	ps, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{deps: deps, mux: http.NewServeMux(), pages: ps, cat: cat, csrf: newCSRFKey(deps.Secret)}
	c.routes()
	return c, nil
}

// Request is what the HTTP server in front knows about a request and net/http cannot see
// (the client IP behind trusted proxies, TLS at the proxy, the request ID).
type Request struct {
	ClientIP  string
	Secure    bool
	RequestID string
}

type requestKey struct{}

// WithRequest attaches the server's view of the request to ctx (api's mount calls it).
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

func requestInfo(r *http.Request) Request {
	if v, ok := r.Context().Value(requestKey{}).(Request); ok {
		return v
	}
	ip := r.RemoteAddr
	if host, _, err := splitHostPort(ip); err == nil {
		ip = host
	}
	return Request{ClientIP: ip, Secure: r.TLS != nil}
}

// ServeHTTP serves a console request: security headers first, then the route.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	c.mux.ServeHTTP(w, r)
}
