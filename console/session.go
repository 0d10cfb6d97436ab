package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/microlearn/microlearn/authz"
	"github.com/microlearn/microlearn/identity"
)

// Cookies. The session cookie holds the API's own token pair (access token ~ refresh
// token) of a session in the API's session store: it is verified like a Bearer token (no
// database read) and refreshed, with rotation and reuse detection, when the access token
// runs out. It is HttpOnly, SameSite=Lax, Secure (and __Host-) under TLS, and has no
// Max-Age: it ends with the browser, as shared ward computers need.
const (
	sessionCookie    = "ml_session"
	preSessionCookie = "ml_pre"
	langCookie       = "ml_lang"
	flashCookie      = "ml_flash"
)

func cookieName(base string, secure bool) string {
	if secure {
		return "__Host-" + base
	}
	return base
}

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	secure := requestInfo(r).Secure
	http.SetCookie(w, &http.Cookie{Name: cookieName(name, secure), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

func (c *Console) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	c.setCookie(w, r, name, "", -1)
}

func readCookie(r *http.Request, name string) string {
	ck, err := r.Cookie(cookieName(name, requestInfo(r).Secure))
	if err != nil {
		return ""
	}
	return ck.Value
}

// session is the browser's sign-in state for one request.
type session struct {
	caller  authz.Caller
	refresh string
	// pre is the pre-session cookie of an anonymous browser (binds the sign-in form's CSRF token).
	pre string
}

func (s session) signedIn() bool { return s.caller.SignedIn() }

// csrfBinding is what this request's CSRF token is derived from.
func (s session) csrfBinding() string {
	if s.signedIn() {
		return "s:" + s.caller.SessionID
	}
	if s.pre != "" {
		return "a:" + s.pre
	}
	return ""
}

type sessionKey struct{}

func sessionOf(r *http.Request) session {
	s, _ := r.Context().Value(sessionKey{}).(session)
	return s
}

// loadSession reads the session cookie: a valid access token signs the request in; an
// expired one is refreshed through the session store (and the cookie rewritten); a revoked
// or unknown session clears the cookie. An anonymous browser gets a pre-session cookie.
func (c *Console) loadSession(w http.ResponseWriter, r *http.Request) *http.Request {
	var s session
	if v := readCookie(r, sessionCookie); v != "" {
		access, refresh, _ := strings.Cut(v, "~")
		if cl, ok := c.verify(access); ok {
			s = session{caller: cl, refresh: refresh}
		} else if refresh != "" {
			p, err := c.deps.Sessions.Refresh(r.Context(), refresh, identity.ClientInfo{IP: requestInfo(r).ClientIP})
			if err == nil {
				if cl, ok := c.verify(p.AccessToken); ok {
					c.setCookie(w, r, sessionCookie, p.AccessToken+"~"+p.RefreshToken, 0)
					s = session{caller: cl, refresh: p.RefreshToken}
				}
			}
		}
		if !s.signedIn() {
			c.clearCookie(w, r, sessionCookie)
		}
	}
	if !s.signedIn() {
		s.pre = readCookie(r, preSessionCookie)
		if len(s.pre) < 16 {
			s.pre = randomToken(18)
			c.setCookie(w, r, preSessionCookie, s.pre, 0)
		}
	}
	return r.WithContext(context.WithValue(r.Context(), sessionKey{}, s))
}

func (c *Console) verify(access string) (authz.Caller, bool) {
	if access == "" {
		return authz.Caller{}, false
	}
	claims, err := c.deps.Tokens.Verify(access)
	if err != nil || c.deps.Sessions.Revoked(claims) {
		return authz.Caller{}, false
	}
	return authz.Caller{UserID: claims.UserID, Admin: claims.Admin, SessionID: claims.SessionID}, true
}

// startSession signs the browser in with a brand-new session (never one the browser
// brought: no session fixation) and drops the pre-session cookie, whose CSRF tokens die
// with it.
func (c *Console) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, u identity.User) error {
	p, err := c.deps.Sessions.Start(ctx, u)
	if err != nil {
		return err
	}
	c.setCookie(w, r, sessionCookie, p.AccessToken+"~"+p.RefreshToken, 0)
	c.clearCookie(w, r, preSessionCookie)
	return nil
}

// endSession revokes the session in the store (its access tokens stop at once on this
// instance, as with the API's logout) and clears the cookie.
func (c *Console) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	s := sessionOf(r)
	c.clearCookie(w, r, sessionCookie)
	if s.refresh == "" {
		return nil
	}
	return c.deps.Sessions.Logout(ctx, s.refresh)
}
