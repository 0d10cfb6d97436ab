package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
)

// contentSecurityPolicy allows nothing inline: scripts and styles come from our own embedded
// files, forms post only to us, and no one may frame a page (clickjacking). Images may come
// from https too, because lesson image blocks name their own URLs; audio and video only from
// us (the media library, through signed URLs of /v1/media).
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; media-src 'self'; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

func splitHostPort(addr string) (string, string, error) { return net.SplitHostPort(addr) }

// csrfKey derives per-session CSRF tokens. A token is an HMAC of the session it belongs to
// (the signed-in session's ID, or before sign-in the browser's random pre-session cookie),
// so it cannot be guessed, changes at sign-in (with the session) and is worthless to anyone
// else's browser.
type csrfKey []byte

func newCSRFKey(secret []byte) csrfKey {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("microlearn console csrf v1"))
	return m.Sum(nil)
}

func (k csrfKey) token(binding string) string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (k csrfKey) valid(binding, presented string) bool {
	if binding == "" || presented == "" {
		return false
	}
	return hmac.Equal([]byte(k.token(binding)), []byte(presented))
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// crossOrigin protects every unsafe request a second way, from the browser's own
// Sec-Fetch-Site and Origin headers (Go's CSRF middleware), before the token is checked.
var crossOrigin = http.NewCrossOriginProtection()
