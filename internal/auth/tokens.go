// Package auth issues and verifies access tokens (JWTs signed with Ed25519, a kid header and
// rotatable keys) and holds the key set they are signed with.
package auth

import (
	"crypto/ed25519"
	"crypto/rand"
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

// KeySet is the set of signing keys, kept in a JSON file readable only by its owner.
type KeySet struct {
	mu   sync.RWMutex
	path string
	keys []Key
}

// LoadOrCreateKeySet reads the key file at path, creating it with one new key when absent,
// so that a restart keeps every issued token valid.
func LoadOrCreateKeySet(path string) (*KeySet, error) {
	ks := &KeySet{path: path}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, err := ks.Rotate(time.Now(), 0); err != nil {
			return nil, err
		}
		return ks, nil
	case err != nil:
		return nil, fmt.Errorf("read JWT key file %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &ks.keys); err != nil {
		return nil, fmt.Errorf("JWT key file %s is not valid JSON: %w", path, err)
	}
	if len(ks.keys) == 0 {
		return nil, fmt.Errorf("JWT key file %s holds no key", path)
	}
	for _, k := range ks.keys {
		if len(k.Private) != ed25519.PrivateKeySize || k.ID == "" {
			return nil, fmt.Errorf("JWT key file %s holds a malformed key", path)
		}
	}
	return ks, nil
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
	b, err := json.MarshalIndent(kept, "", "  ")
	if err != nil {
		return "", err
	}
	if ks.path != "" {
		if err := os.MkdirAll(filepath.Dir(ks.path), 0o700); err != nil {
			return "", err
		}
		tmp := ks.path + ".tmp"
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			return "", fmt.Errorf("write JWT key file: %w", err)
		}
		if err := os.Rename(tmp, ks.path); err != nil {
			return "", fmt.Errorf("write JWT key file: %w", err)
		}
	}
	ks.keys = kept
	return k.ID, nil
}

func (ks *KeySet) current() Key {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return ks.keys[0]
}

func (ks *KeySet) lookup(kid string, now time.Time, ttl time.Duration) (ed25519.PublicKey, bool) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	for _, k := range ks.keys {
		if k.ID != kid {
			continue
		}
		if k.RetiredAt != nil && now.After(k.RetiredAt.Add(ttl+time.Minute)) {
			return nil, false
		}
		return ed25519.PrivateKey(k.Private).Public().(ed25519.PublicKey), true
	}
	return nil, false
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
}

type jwtClaims struct {
	jwt.RegisteredClaims
	Admin bool   `json:"adm,omitempty"`
	SID   string `json:"sid,omitempty"`
}

// Issue returns a signed access token for the claims' user and session.
func (i *Issuer) Issue(userID, sessionID string, admin bool) (string, Claims, error) {
	now := i.Now().UTC().Truncate(time.Second)
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	c := Claims{UserID: userID, Admin: admin, SessionID: sessionID, ID: base64.RawURLEncoding.EncodeToString(jti),
		IssuedAt: now, ExpiresAt: now.Add(i.TTL)}
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
// and required claims. Every failure wraps ErrInvalidToken.
func (i *Issuer) Verify(token string) (Claims, error) {
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
		jwt.WithLeeway(5*time.Second),
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
