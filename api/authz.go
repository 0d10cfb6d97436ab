package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/authz"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/auth"
	"github.com/microlearn/microlearn/programme"
)

// Caller is who sent a request, as proven by the access token (the policy's own type).
type Caller = authz.Caller

var errBadToken = apperr.New(apperr.KindUnauthenticated, "invalid_token", "the access token is missing, malformed, expired or not ours")

const localCaller = "caller"

// authenticate reads a Bearer token when one is sent. A request without a token passes on as
// anonymous (the route's authorization decides); a request with a bad token stops with 401.
func (s *Server) authenticate(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	if h == "" {
		return c.Next()
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer error="invalid_request"`)
		return errBadToken
	}
	claims, err := s.deps.Tokens.Verify(strings.TrimSpace(token))
	if err == nil && s.deps.Sessions != nil && s.deps.Sessions.Revoked(claims) {
		err = auth.ErrInvalidToken // signed out through this instance (no database read)
	}
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer error="invalid_token"`)
		return errBadToken
	}
	c.Locals(localCaller, Caller{UserID: claims.UserID, Admin: claims.Admin, SessionID: claims.SessionID})
	return c.Next()
}

// signedIn returns the caller, or ErrUnauthenticated for an anonymous request.
func signedIn(c *fiber.Ctx) (Caller, error) {
	cl, ok := c.Locals(localCaller).(Caller)
	if !ok {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer`)
		return Caller{}, apperr.ErrUnauthenticated
	}
	return cl, nil
}

// authorize is THE authorization check every programme-scoped handler calls: the caller must
// be signed in and hold one of the allowed roles in programmeID, or be a platform admin.
// Members without an allowed role get 403; non-members get 404, so that a programme's
// existence is not revealed to outsiders. With no roles given, any member passes. The
// policy itself is authz.Authorizer.Programme, which the browser console asks too.
func (s *Server) authorize(c *fiber.Ctx, programmeID string, allowed ...programme.Role) (Caller, error) {
	cl, err := signedIn(c)
	if err != nil {
		return cl, err
	}
	return s.authz.Programme(c.UserContext(), cl, programmeID, allowed...)
}

// adminOnly lets only platform admins through.
func adminOnly(c *fiber.Ctx) (Caller, error) {
	cl, err := signedIn(c)
	if err != nil {
		return cl, err
	}
	return authz.Admin(cl)
}
