package auth_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/microlearn/microlearn/internal/auth"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newIssuer(t *testing.T) (*auth.Issuer, *clock, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys.json")
	ks, err := auth.LoadOrCreateKeySet(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)}
	return &auth.Issuer{Keys: ks, Issuer: "microlearn", Audience: "microlearn-app", TTL: 15 * time.Minute, Now: c.Now}, c, path
}

// privateKey reads the current signing key from the key file, to forge tokens in tests.
func privateKey(t *testing.T, path string) (string, ed25519.PrivateKey) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Keys []auth.Key }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Keys[0].ID, ed25519.PrivateKey(f.Keys[0].Private)
}

func TestVerifyRejects(t *testing.T) {
	iss, clk, path := newIssuer(t)
	kid, priv := privateKey(t, path)
	now := clk.t
	good := jwt.MapClaims{"iss": "microlearn", "aud": "microlearn-app", "sub": "u1", "jti": "j1", "sid": "s1",
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
	with := func(k string, v any) jwt.MapClaims {
		m := jwt.MapClaims{}
		for a, b := range good {
			m[a] = b
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	sign := func(claims jwt.MapClaims, kid string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
		if kid != "" {
			tok.Header["kid"] = kid
		}
		s, err := tok.SignedString(priv)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := sign(good, kid)
	if c, err := iss.Verify(valid); err != nil || c.UserID != "u1" || c.SessionID != "s1" {
		t.Fatalf("a good token: %+v %v", c, err)
	}

	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, good).SignedString(jwt.UnsafeAllowNoneSignatureType)
	noneKid := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, good)
		tok.Header["kid"] = kid
		s, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		return s
	}()
	hs := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, good)
		tok.Header["kid"] = kid
		s, _ := tok.SignedString([]byte(priv.Public().(ed25519.PublicKey)))
		return s
	}()
	parts := strings.Split(valid, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[0] ^= 1
	tampered := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	payload := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"microlearn","aud":"microlearn-app","sub":"admin","jti":"j","iat":1,"exp":9999999999,"adm":true}`)) + "." + parts[2]
	_, otherPriv, _ := ed25519.GenerateKey(nil)
	foreign, _ := func() (string, error) {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, good)
		tok.Header["kid"] = kid
		return tok.SignedString(otherPriv)
	}()

	tests := map[string]string{
		"alg none":                        none,
		"alg none with kid":               noneKid,
		"HS256 keyed with the public key": hs,
		"expired":                         sign(with("exp", now.Add(-time.Minute).Unix()), kid),
		"no exp":                          sign(with("exp", nil), kid),
		"wrong aud":                       sign(with("aud", "someone-else"), kid),
		"wrong iss":                       sign(with("iss", "evil"), kid),
		"no sub":                          sign(with("sub", nil), kid),
		"no jti":                          sign(with("jti", nil), kid),
		"no iat":                          sign(with("iat", nil), kid),
		"issued in the future":            sign(with("iat", now.Add(time.Hour).Unix()), kid),
		"lifetime over the maximum":       sign(with("exp", now.Add(2*time.Hour).Unix()), kid),
		"tampered signature":              tampered,
		"tampered payload":                payload,
		"signed by a foreign key":         foreign,
		"unknown kid":                     sign(good, "no-such-kid"),
		"missing kid":                     sign(good, ""),
		"garbage":                         "not.a.jwt",
		"empty":                           "",
	}
	for name, tok := range tests {
		if c, err := iss.Verify(tok); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: accepted (%+v, %v)", name, c, err)
		}
	}
}

// A retired key keeps verifying the tokens it signed until they expire; new tokens use the
// new key; a second instance sharing the key file picks the rotation up.
func TestKeyRotation(t *testing.T) {
	iss, clk, path := newIssuer(t)
	old, oldClaims, err := iss.Issue("u1", "s1", false)
	if err != nil {
		t.Fatal(err)
	}
	oldKid := kidOf(t, old)
	secret := iss.Keys.RefreshSecret()

	// Another process (the `keys rotate` command) rotates the file.
	clk.t = clk.t.Add(time.Minute)
	other, err := auth.LoadOrCreateKeySet(path)
	if err != nil {
		t.Fatal(err)
	}
	newKid, err := other.Rotate(clk.t, 16*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if newKid == oldKid {
		t.Fatal("rotation kept the kid")
	}
	// A token signed by the rotating process verifies here at once (unknown kid: reload).
	otherIss := &auth.Issuer{Keys: other, Issuer: iss.Issuer, Audience: iss.Audience, TTL: iss.TTL, Now: clk.Now}
	fresh, _, _ := otherIss.Issue("u2", "s2", false)
	if _, err := iss.Verify(fresh); err != nil {
		t.Fatalf("token signed with the rotated key: %v", err)
	}
	// This instance now signs with the new key, and the secret survived the rotation.
	mine, _, _ := iss.Issue("u3", "s3", false)
	if kidOf(t, mine) != newKid {
		t.Errorf("signing kid %s, want the new %s", kidOf(t, mine), newKid)
	}
	if string(iss.Keys.RefreshSecret()) != string(secret) || len(secret) < 32 {
		t.Error("the refresh secret changed with the rotation")
	}
	// The old token still verifies until it expires, and not after.
	clk.t = oldClaims.ExpiresAt.Add(-time.Second)
	if _, err := iss.Verify(old); err != nil {
		t.Errorf("token of the retired key before expiry: %v", err)
	}
	clk.t = oldClaims.ExpiresAt.Add(10 * time.Second)
	if _, err := iss.Verify(old); err == nil {
		t.Error("expired token of the retired key accepted")
	}
	// After a later rotation beyond the keep window the retired key is dropped from the file.
	clk.t = clk.t.Add(time.Hour)
	if _, err := other.Rotate(clk.t, 16*time.Minute); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), `"`+oldKid+`"`) {
		t.Error("a key retired long ago is still in the file")
	}
}

func TestIssueAtIsDeterministic(t *testing.T) {
	iss, clk, _ := newIssuer(t)
	a, _, _ := iss.IssueAt("u1", "s1", true, clk.t, "jti-1")
	b, _, _ := iss.IssueAt("u1", "s1", true, clk.t.Add(300*time.Millisecond), "jti-1")
	if a != b {
		t.Error("the same claims gave different tokens")
	}
	c, err := iss.Verify(a)
	if err != nil || !c.Admin || c.ID != "jti-1" {
		t.Errorf("%+v %v", c, err)
	}
}

// A key file from before refresh tokens (a bare array of keys) still loads, keeps its keys
// and gains a refresh secret that then stays the same.
func TestLegacyKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	_, priv, _ := ed25519.GenerateKey(nil)
	b, _ := json.Marshal([]auth.Key{{ID: "legacy", Private: priv, CreatedAt: time.Now()}})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ks, err := auth.LoadOrCreateKeySet(path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := auth.LoadOrCreateKeySet(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.RefreshSecret()) != 32 || string(ks.RefreshSecret()) != string(again.RefreshSecret()) {
		t.Error("refresh secret not created once and kept")
	}
	iss := &auth.Issuer{Keys: again, Issuer: "i", Audience: "a", TTL: time.Minute, Now: time.Now}
	tok, _, _ := iss.Issue("u", "s", false)
	if kidOf(t, tok) != "legacy" {
		t.Error("legacy key not kept")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", st.Mode().Perm())
	}
}

func kidOf(t *testing.T, tok string) string {
	t.Helper()
	p, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Header["kid"].(string)
}

// A verified token is remembered, but only until it expires; a token differing in one byte
// is verified on its own.
func TestVerifiedTokensAreRememberedUntilExpiry(t *testing.T) {
	iss, clk, _ := newIssuer(t)
	tok, _, err := iss.Issue("u1", "s1", false)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if c, err := iss.Verify(tok); err != nil || c.UserID != "u1" {
			t.Fatalf("verify #%d: %v %+v", i+1, err, c)
		}
	}
	tampered := tok[:len(tok)-2] + "AA"
	if tampered == tok {
		tampered = tok[:len(tok)-2] + "BB"
	}
	if _, err := iss.Verify(tampered); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("tampered token after a cached good one: %v", err)
	}
	clk.t = clk.t.Add(16 * time.Minute)
	if _, err := iss.Verify(tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("expired token answered from memory: %v", err)
	}
}
