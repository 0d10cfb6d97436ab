// Package auth issues and verifies access tokens (JWTs signed with Ed25519, a kid header and
// rotatable keys) and holds the key set they are signed with.
package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalidToken is returned for every token that must not be accepted. The reason is kept
// in the wrapped error for logs; clients only learn that the token is invalid.
var ErrInvalidToken = errors.New("invalid access token")

// Key is one signing key. The newest key that is not retired signs; retired keys verify
// until RetiredAt plus the token lifetime, then are dropped on the next rotation.
type Key struct {
	ID        string     `json:"kid"`
	Private   []byte     `json:"private"`
	CreatedAt time.Time  `json:"createdAt"`
	RetiredAt *time.Time `json:"retiredAt,omitempty"`
}

// KeySet is the set of signing keys and the refresh-token secret, kept in one JSON file
// readable only by its owner. Every API instance must use the same file (a shared secret
// volume in production).
type KeySet struct {
	mu            sync.RWMutex
	path          string
	keys          []Key
	refreshSecret []byte
	modTime       time.Time
	lastReload    time.Time
}

// keyFile is the file format. Older files hold only the array of keys; they are upgraded on
// the next write.
type keyFile struct {
	Keys []Key `json:"keys"`
	// RefreshSecret keys the HMAC that derives refresh tokens (identity.Sessions). Losing or
	// replacing it invalidates every refresh token: everyone signs in again.
	RefreshSecret []byte `json:"refreshSecret"`
}

const refreshSecretLen = 32

// LoadOrCreateKeySet reads the key file at path, creating it with one new key when absent,
// so that a restart keeps every issued token valid.
func LoadOrCreateKeySet(path string) (*KeySet, error) {
	ks := &KeySet{path: path}
	err := ks.load()
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, err := ks.Rotate(time.Now(), 0); err != nil {
			return nil, err
		}
		return ks, nil
	case err != nil:
		return nil, err
	}
	if len(ks.refreshSecret) == 0 {
		// A file from before refresh tokens: add the secret now, keeping the keys.
		if err := ks.write(ks.keys, newSecret()); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

func newSecret() []byte {
	b := make([]byte, refreshSecretLen)
	_, _ = rand.Read(b)
	return b
}

// load reads the file into ks (callers hold no lock, or the write lock).
func (ks *KeySet) load() error {
	st, err := os.Stat(ks.path)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(ks.path)
	if err != nil {
		return fmt.Errorf("read JWT key file %s: %w", ks.path, err)
	}
	var f keyFile
	if len(b) > 0 && b[0] == '[' {
		err = json.Unmarshal(b, &f.Keys)
	} else {
		err = json.Unmarshal(b, &f)
	}
	if err != nil {
		return fmt.Errorf("JWT key file %s is not valid JSON: %w", ks.path, err)
	}
	if len(f.Keys) == 0 {
		return fmt.Errorf("JWT key file %s holds no key", ks.path)
	}
	for _, k := range f.Keys {
		if len(k.Private) != ed25519.PrivateKeySize || k.ID == "" {
			return fmt.Errorf("JWT key file %s holds a malformed key", ks.path)
		}
	}
	if len(f.RefreshSecret) != 0 && len(f.RefreshSecret) < refreshSecretLen {
		return fmt.Errorf("JWT key file %s holds a refresh secret shorter than %d bytes", ks.path, refreshSecretLen)
	}
	ks.keys, ks.refreshSecret, ks.modTime = f.Keys, f.RefreshSecret, st.ModTime()
	return nil
}

// Reload rereads the key file when it changed since it was read, so that a key rotated by
// `api keys rotate` (or on another instance) starts signing here too. It reports whether
// the keys changed.
func (ks *KeySet) Reload() (bool, error) {
	if ks.path == "" {
		return false, nil
	}
	st, err := os.Stat(ks.path)
	if err != nil {
		return false, fmt.Errorf("stat JWT key file: %w", err)
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.lastReload = time.Now()
	if st.ModTime().Equal(ks.modTime) {
		return false, nil
	}
	old := ks.keys
	if err := ks.load(); err != nil {
		return false, err
	}
	return len(old) == 0 || old[0].ID != ks.keys[0].ID || len(old) != len(ks.keys), nil
}

// RefreshSecret returns the secret that keys refresh-token derivation.
func (ks *KeySet) RefreshSecret() []byte {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return ks.refreshSecret
}

// Rotate adds a new signing key, retires the current one and drops keys retired longer than
// keep ago. It returns the new key's id.
func (ks *KeySet) Rotate(now time.Time, keep time.Duration) (string, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	idb := make([]byte, 9)
	_, _ = rand.Read(idb)
	k := Key{ID: base64.RawURLEncoding.EncodeToString(idb), Private: priv, CreatedAt: now.UTC()}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	kept := []Key{k}
	for _, old := range ks.keys {
		if old.RetiredAt == nil {
			t := now.UTC()
			old.RetiredAt = &t
		}
		if now.Sub(*old.RetiredAt) <= keep {
			kept = append(kept, old)
		}
	}
	secret := ks.refreshSecret
	if len(secret) == 0 {
		secret = newSecret()
	}
	if err := ks.write(kept, secret); err != nil {
		return "", err
	}
	return k.ID, nil
}

// write stores keys and secret in the file (atomically, by rename) and in ks.
func (ks *KeySet) write(keys []Key, secret []byte) error {
	if ks.path != "" {
		b, err := json.MarshalIndent(keyFile{Keys: keys, RefreshSecret: secret}, "", "  ")
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(ks.path), 0o700); err != nil {
			return err
		}
		tmp := ks.path + ".tmp"
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			return fmt.Errorf("write JWT key file: %w", err)
		}
		if err := os.Rename(tmp, ks.path); err != nil {
			return fmt.Errorf("write JWT key file: %w", err)
		}
		if st, err := os.Stat(ks.path); err == nil {
			ks.modTime = st.ModTime()
		}
	}
	ks.keys, ks.refreshSecret = keys, secret
	return nil
}

func (ks *KeySet) current() Key {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return ks.keys[0]
}

// lookup finds the verifying key for kid. An unknown kid rereads the key file (at most once
// a second), because another instance may have rotated a moment ago.
func (ks *KeySet) lookup(kid string, now time.Time, ttl time.Duration) (ed25519.PublicKey, bool) {
	if pub, found, usable := ks.find(kid, now, ttl); found {
		return pub, usable
	}
	ks.mu.RLock()
	recent := time.Since(ks.lastReload) < time.Second
	ks.mu.RUnlock()
	if recent {
		return nil, false
	}
	if changed, err := ks.Reload(); err != nil || !changed {
		return nil, false
	}
	pub, _, usable := ks.find(kid, now, ttl)
	return pub, usable
}

func (ks *KeySet) find(kid string, now time.Time, ttl time.Duration) (pub ed25519.PublicKey, found, usable bool) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	for _, k := range ks.keys {
		if k.ID != kid {
			continue
		}
		if k.RetiredAt != nil && now.After(k.RetiredAt.Add(ttl+time.Minute)) {
			return nil, true, false
		}
		return ed25519.PrivateKey(k.Private).Public().(ed25519.PublicKey), true, true
	}
	return nil, false, false
}

// Claims is what an access token says about its bearer.
type Claims struct {
	UserID string
	Admin  bool
	// SessionID is the refresh-token family the token was issued with.
	SessionID string
	ID        string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Issuer signs and verifies access tokens.
type Issuer struct {
	Keys     *KeySet
	Issuer   string
	Audience string
	TTL      time.Duration
	Now      func() time.Time

	// verified remembers tokens that passed Verify, so that a phone's repeated requests pay
	// for the Ed25519 check once per token rather than once per request (it was about half
	// of the CPU of a warm lesson read; docs/benchmarks.md).
	verified verifiedTokens
}

// leeway is the clock skew tolerated on exp and iat.
const leeway = 5 * time.Second

// verifiedTokens maps the SHA-256 of a whole token (so a tampered token never matches) to
// the claims it carried. Entries are used only until the token's own expiry; when the map
// is full it is emptied, which costs at most one re-verification per token.
type verifiedTokens struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]Claims
}

const maxVerifiedTokens = 50_000

func (v *verifiedTokens) get(k [sha256.Size]byte, now time.Time) (Claims, bool) {
	v.mu.RLock()
	c, ok := v.m[k]
	v.mu.RUnlock()
	if !ok || !now.Before(c.ExpiresAt.Add(leeway)) {
		return Claims{}, false
	}
	return c, true
}

func (v *verifiedTokens) put(k [sha256.Size]byte, c Claims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerifiedTokens {
		v.m = make(map[[sha256.Size]byte]Claims)
	}
	v.m[k] = c
}

type jwtClaims struct {
	jwt.RegisteredClaims
	Admin bool   `json:"adm,omitempty"`
	SID   string `json:"sid,omitempty"`
}

// Issue returns a signed access token for the claims' user and session.
func (i *Issuer) Issue(userID, sessionID string, admin bool) (string, Claims, error) {
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	return i.IssueAt(userID, sessionID, admin, i.Now(), base64.RawURLEncoding.EncodeToString(jti))
}

// IssueAt returns the access token with exactly these claims, issued at iat (truncated to
// the second). Ed25519 signatures are deterministic, so the same arguments give the same
// token while the signing key is unchanged: the refresh grace period relies on it to answer
// a retried refresh with the pair it already sent.
func (i *Issuer) IssueAt(userID, sessionID string, admin bool, iat time.Time, jti string) (string, Claims, error) {
	now := iat.UTC().Truncate(time.Second)
	c := Claims{UserID: userID, Admin: admin, SessionID: sessionID, ID: jti, IssuedAt: now, ExpiresAt: now.Add(i.TTL)}
	key := i.Keys.current()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: i.Issuer, Subject: userID, Audience: jwt.ClaimStrings{i.Audience},
			ExpiresAt: jwt.NewNumericDate(c.ExpiresAt), IssuedAt: jwt.NewNumericDate(now), ID: c.ID,
		},
		Admin: admin, SID: sessionID,
	})
	tok.Header["kid"] = key.ID
	s, err := tok.SignedString(ed25519.PrivateKey(key.Private))
	return s, c, err
}

// Verify checks the token's algorithm (EdDSA only), kid, signature, issuer, audience, expiry
// and required claims. Every failure wraps ErrInvalidToken. A token verified before is
// answered from memory until it expires.
func (i *Issuer) Verify(token string) (Claims, error) {
	k := sha256.Sum256([]byte(token))
	if c, ok := i.verified.get(k, i.Now()); ok {
		return c, nil
	}
	c, err := i.verify(token)
	if err == nil {
		i.verified.put(k, c)
	}
	return c, err
}

func (i *Issuer) verify(token string) (Claims, error) {
	now := i.Now()
	var jc jwtClaims
	_, err := jwt.ParseWithClaims(token, &jc, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no kid header")
		}
		pub, ok := i.Keys.lookup(kid, now, i.TTL)
		if !ok {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
		return pub, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(i.Issuer), jwt.WithAudience(i.Audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(i.Now),
		jwt.WithLeeway(leeway),
	)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if jc.Subject == "" || jc.ID == "" || jc.IssuedAt == nil {
		return Claims{}, fmt.Errorf("%w: missing sub, jti or iat", ErrInvalidToken)
	}
	if jc.ExpiresAt.Sub(jc.IssuedAt.Time) > i.TTL+time.Second {
		return Claims{}, fmt.Errorf("%w: lifetime longer than allowed", ErrInvalidToken)
	}
	return Claims{UserID: jc.Subject, Admin: jc.Admin, SessionID: jc.SID, ID: jc.ID,
		IssuedAt: jc.IssuedAt.Time, ExpiresAt: jc.ExpiresAt.Time}, nil
}
