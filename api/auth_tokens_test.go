package api_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/auth"
)

type tokenPair struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int    `json:"expiresIn"`
	User         struct {
		ID string `json:"id"`
	} `json:"user"`
}

func login(t *testing.T, env *apitest.Env, email string) tokenPair {
	t.Helper()
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": email, "password": "correct-horse-battery"}})
	if r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	var p tokenPair
	r.JSON(t, &p)
	if p.TokenType != "Bearer" || p.ExpiresIn != 900 || p.RefreshToken == "" || p.AccessToken == "" {
		t.Fatalf("token response: %+v", p)
	}
	return p
}

func refresh(env *apitest.Env, token string) *apitest.Response {
	return env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refreshToken": token}})
}

func me(env *apitest.Env, access string) int {
	return env.Do(apitest.Req{Method: "GET", Path: "/v1/me", Token: access}).Status
}

// Every kind of bad access token gets 401 problem+json with a WWW-Authenticate challenge.
func TestBadAccessTokensAre401(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	u := env.Register("Token Tester")
	b, err := os.ReadFile(env.App.Cfg.JWTKeysFile)
	if err != nil {
		t.Fatal(err)
	}
	var kf struct{ Keys []auth.Key }
	if err := json.Unmarshal(b, &kf); err != nil {
		t.Fatal(err)
	}
	kid, priv := kf.Keys[0].ID, ed25519.PrivateKey(kf.Keys[0].Private)
	now := apitest.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		m := jwt.MapClaims{"iss": env.App.Cfg.JWTIssuer, "aud": env.App.Cfg.JWTAudience, "sub": u.ID, "jti": "j",
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if edit != nil {
			edit(m)
		}
		return m
	}
	sign := func(method jwt.SigningMethod, c jwt.MapClaims, kid string, key any) string {
		tok := jwt.NewWithClaims(method, c)
		if kid != "" {
			tok.Header["kid"] = kid
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := sign(jwt.SigningMethodEdDSA, claims(nil), kid, priv)
	if s := me(env, good); s != 200 {
		t.Fatalf("a well-made token: %d", s)
	}
	parts := strings.Split(good, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[10] ^= 0x40
	tests := map[string]string{
		"alg none":                            sign(jwt.SigningMethodNone, claims(nil), kid, jwt.UnsafeAllowNoneSignatureType),
		"HS256 with the public key as secret": sign(jwt.SigningMethodHS256, claims(nil), kid, []byte(priv.Public().(ed25519.PublicKey))),
		"expired":                             sign(jwt.SigningMethodEdDSA, claims(func(m jwt.MapClaims) { m["exp"] = now.Add(-time.Minute).Unix() }), kid, priv),
		"wrong aud":                           sign(jwt.SigningMethodEdDSA, claims(func(m jwt.MapClaims) { m["aud"] = "other-app" }), kid, priv),
		"wrong iss":                           sign(jwt.SigningMethodEdDSA, claims(func(m jwt.MapClaims) { m["iss"] = "someone-else" }), kid, priv),
		"tampered signature":                  parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig),
		"tampered claims":                     parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"`+u.ID+`","adm":true}`)) + "." + parts[2],
		"unknown kid":                         sign(jwt.SigningMethodEdDSA, claims(nil), "not-a-kid", priv),
		"missing kid":                         sign(jwt.SigningMethodEdDSA, claims(nil), "", priv),
		"not a JWT":                           "hello",
	}
	for name, tok := range tests {
		r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me", Token: tok})
		p := asProblem(t, r, http.StatusUnauthorized)
		if p.Code != "invalid_token" || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: code %q, WWW-Authenticate %q", name, p.Code, r.Header.Get("WWW-Authenticate"))
		}
	}
	// A malformed Authorization header is refused too, even on a route open to everyone.
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: `{"refreshToken":"x"}`, Header: map[string]string{"Authorization": "Basic Zm9vOmJhcg=="}})
	asProblem(t, r, http.StatusUnauthorized)
}

// Refresh rotates; reusing the rotated token revokes the family (both tokens dead); logout
// revokes one family; logout-all every family; access tokens of revoked sessions stop
// working on this instance at once.
func TestSessionsOverHTTP(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: apitest.Now().UTC().Truncate(time.Second)} // rotations are stored in whole seconds
	env := apitest.New(t, apitest.WithClock(clock.Now))
	u := env.Register("Session Sam")
	a := login(t, env, u.Email)
	r := refresh(env, a.RefreshToken)
	if r.Status != 200 {
		t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	var b tokenPair
	r.JSON(t, &b)
	if b.RefreshToken == a.RefreshToken || b.User.ID != u.ID || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("refresh answered %+v (Cache-Control %q)", b, r.Header.Get("Cache-Control"))
	}
	if me(env, b.AccessToken) != 200 {
		t.Fatal("the refreshed access token does not work")
	}
	// Reuse, but only after the grace period (its edge is tested in identity).
	clock.Set(clock.Now().Add(identity.RefreshGrace + time.Nanosecond))
	p := asProblem(t, refresh(env, a.RefreshToken), 401)
	if p.Code != "invalid_refresh_token" {
		t.Errorf("reuse: %+v", p)
	}
	asProblem(t, refresh(env, b.RefreshToken), 401)
	if s := me(env, b.AccessToken); s != 401 {
		t.Errorf("access token of the revoked family: %d, want 401 on this instance", s)
	}

	c, d := login(t, env, u.Email), login(t, env, u.Email)
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refreshToken": c.RefreshToken}}); r.Status != 204 {
		t.Fatalf("logout: %d", r.Status)
	}
	asProblem(t, refresh(env, c.RefreshToken), 401)
	if me(env, c.AccessToken) != 401 || me(env, d.AccessToken) != 200 {
		t.Error("logout must end exactly its own session")
	}
	// Logging out again, or with nonsense, still answers 204.
	for _, tok := range []string{c.RefreshToken, "nonsense", ""} {
		if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refreshToken": tok}}); r.Status != 204 {
			t.Errorf("logout with %q: %d", tok, r.Status)
		}
	}
	e := login(t, env, u.Email)
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/logout-all", Token: d.AccessToken}); r.Status != 204 {
		t.Fatalf("logout-all: %d %s", r.Status, r.Body)
	}
	for _, p := range []tokenPair{d, e} {
		asProblem(t, refresh(env, p.RefreshToken), 401)
		if me(env, p.AccessToken) != 401 {
			t.Error("an access token survived logout-all on this instance")
		}
	}
	if me(env, login(t, env, u.Email).AccessToken) != 200 {
		t.Error("signing in after logout-all does not work")
	}
}

func TestRefreshGraceAndConcurrencyOverHTTP(t *testing.T) {
	t.Parallel()
	// The clock stands still: every retry below is within the 10-second grace however slowly
	// a loaded machine serves them.
	clock := &testClock{t: apitest.Now().UTC().Truncate(time.Second)} // rotations are stored in whole seconds
	env := apitest.New(t, apitest.WithClock(clock.Now))
	u := env.Register("Grace Gail")
	a := login(t, env, u.Email)
	first, second := refresh(env, a.RefreshToken), refresh(env, a.RefreshToken)
	if first.Status != 200 || second.Status != 200 || string(first.Body) != string(second.Body) {
		t.Fatalf("a retry within 10 s must get the same pair: %d %d\n%s\n%s", first.Status, second.Status, first.Body, second.Body)
	}

	b := login(t, env, u.Email)
	const n = 8
	bodies := make([]string, n)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := refresh(env, b.RefreshToken)
			bodies[i], statuses[i] = string(r.Body), r.Status
		}()
	}
	wg.Wait()
	for i := range n {
		if statuses[i] != 200 || bodies[i] != bodies[0] {
			t.Fatalf("concurrent refresh %d: %d %s (first: %s)", i, statuses[i], bodies[i], bodies[0])
		}
	}
	var next tokenPair
	json.Unmarshal([]byte(bodies[0]), &next)
	cl, _ := env.App.Tokens.Verify(next.AccessToken)
	ss, err := env.App.Sessions.Store.Session(t.Context(), cl.SessionID)
	if err != nil || ss.Generation != 2 || ss.Revoked {
		t.Errorf("after %d concurrent refreshes: generation %d, revoked %v (%v); want 2, live", n, ss.Generation, ss.Revoked, err)
	}
	if r := refresh(env, next.RefreshToken); r.Status != 200 {
		t.Errorf("the one new pair does not refresh: %d", r.Status)
	}
}
