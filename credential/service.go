package credential

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/auth"
	"github.com/microlearn/microlearn/internal/cache"
)

// Service issues, serves, verifies and revokes credentials.
type Service struct {
	Store  Store
	Badges Badges
	People People
	Signer Signer
	// BaseURL is the public origin every IRI starts with (PUBLIC_URL). It is written into
	// every credential, so it must not change once credentials are out.
	BaseURL string
	Now     func() time.Time

	keysOnce sync.Once
	keys     *cache.Cache[string, ed25519.PublicKey]
}

func (s *Service) base() string { return strings.TrimRight(s.BaseURL, "/") }

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

// IssuerOf returns a programme's issuer profile; ErrIssuerNotFound when it has none.
func (s *Service) IssuerOf(ctx context.Context, programmeID string) (Issuer, error) {
	return s.Store.Issuer(ctx, programmeID)
}

// SetIssuer creates or replaces a programme's issuer profile, which lets the programme's
// badges be issued as credentials and publishes its achievements.
func (s *Service) SetIssuer(ctx context.Context, i Issuer) (Issuer, error) {
	if err := i.Validate(); err != nil {
		return Issuer{}, err
	}
	i.UpdatedAt = s.now()
	if err := s.Store.SaveIssuer(ctx, i); err != nil {
		return Issuer{}, fmt.Errorf("save issuer: %w", err)
	}
	return i, nil
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// HashEmail is OB 3.0's salted identity hash of an email address.
func HashEmail(email, salt string) string {
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email)) + salt))
	return "sha256$" + hex.EncodeToString(h[:])
}

// Issue returns the credential of a badge the user earned, issuing it the first time: the
// subject is the DID when one is given, else the user's email address, salted and hashed.
// created is false when the badge already had a credential (that one is returned, whatever
// did says: one badge, one credential; a revoked one stays revoked).
func (s *Service) Issue(ctx context.Context, userID, programmeID, badgeID, did string) (Credential, bool, error) {
	if did != "" && !ValidDID(did) {
		return Credential{}, false, apperr.Invalid("/did", "must be a DID such as did:web:example.org or did:key:z6Mk...")
	}
	if c, err := s.Store.CredentialFor(ctx, programmeID, userID, badgeID); err == nil {
		return c, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Credential{}, false, err
	}
	issuer, err := s.Store.Issuer(ctx, programmeID)
	if errors.Is(err, ErrIssuerNotFound) {
		return Credential{}, false, ErrNotEnabled
	}
	if err != nil {
		return Credential{}, false, err
	}
	earned, err := s.Badges.Earned(ctx, programmeID, userID, badgeID)
	if err != nil {
		return Credential{}, false, err
	}
	c := Credential{ID: newUUID(), ProgrammeID: programmeID, UserID: userID, BadgeID: badgeID, AwardedAt: earned.At.UTC(), IssuedAt: s.now()}
	if did != "" {
		c.Subject = Subject{DID: did}
	} else {
		email, err := s.People.Email(ctx, userID)
		if err != nil {
			return Credential{}, false, fmt.Errorf("earner's email: %w", err)
		}
		salt := make([]byte, 16)
		_, _ = rand.Read(salt)
		c.Subject = Subject{Salt: hex.EncodeToString(salt)}
		c.Subject.IdentityHash = HashEmail(email, c.Subject.Salt)
	}
	if c.StatusIndex, err = s.Store.NextStatusIndex(ctx, programmeID); err != nil {
		return Credential{}, false, fmt.Errorf("status list place: %w", err)
	}
	doc := s.CredentialDocument(c, earned, issuer)
	if c.JWT, c.KeyID, err = s.sign(ctx, jwtClaims(doc, s.IssuerIRI(programmeID), "urn:uuid:"+c.ID, c.Subject.DID, c.IssuedAt)); err != nil {
		return Credential{}, false, err
	}
	stored, err := s.Store.InsertCredential(ctx, c)
	if errors.Is(err, ErrConflict) {
		return stored, false, nil // issued concurrently: that one stands (its status place is wasted)
	}
	if err != nil {
		return Credential{}, false, fmt.Errorf("store credential: %w", err)
	}
	return c, true, nil
}

// sign signs claims as a VC-JWT with the current key, after recording its public key for
// ever (so that it verifies after any rotation). The header names the key by IRI (kid) and
// carries it (jwk), as OB 3.0 asks.
func (s *Service) sign(ctx context.Context, claims map[string]any) (string, string, error) {
	kid, priv := s.Signer.SigningKey()
	pub := priv.Public().(ed25519.PublicKey)
	_, published := s.publicKeys().Get(kid)
	if !published {
		if err := s.Store.PutKey(ctx, Key{ID: kid, Public: pub, CreatedAt: s.now()}); err != nil {
			return "", "", fmt.Errorf("publish signing key: %w", err)
		}
		s.rememberKey(kid, pub)
	}
	jwk := auth.PublicJWK(s.KeyIRI(kid), pub)
	tok, err := auth.SignCompact(claims, priv, TypeJWT, map[string]any{"kid": s.KeyIRI(kid), "jwk": jwk})
	if err != nil {
		return "", "", fmt.Errorf("sign credential: %w", err)
	}
	return tok, kid, nil
}

// publicKeys holds the public keys read or published, by kid (keys never change; a handful
// exist, one per rotation, so the bound is only a guard).
func (s *Service) publicKeys() *cache.Cache[string, ed25519.PublicKey] {
	s.keysOnce.Do(func() { s.keys = cache.New[string, ed25519.PublicKey](cache.Config{Max: 1000}) })
	return s.keys
}

func (s *Service) rememberKey(kid string, pub ed25519.PublicKey) { s.publicKeys().Put(kid, pub) }

// publicKey returns the recorded key with this kid (keys never change, so they are kept in
// memory once read); nil when there is none.
func (s *Service) publicKey(ctx context.Context, kid string) ed25519.PublicKey {
	pub, ok := s.publicKeys().Get(kid)
	if ok {
		return pub
	}
	keys, err := s.Store.Keys(ctx)
	if err != nil {
		return nil
	}
	for _, k := range keys {
		s.rememberKey(k.ID, k.Public)
		if k.ID == kid {
			pub = k.Public
		}
	}
	return pub
}

// Keys returns every public key that signed credentials (the JWKS).
func (s *Service) Keys(ctx context.Context) ([]Key, error) { return s.Store.Keys(ctx) }

// Mine lists the user's credentials, newest first.
func (s *Service) Mine(ctx context.Context, userID string) ([]Credential, error) {
	return s.Store.CredentialsOf(ctx, userID)
}

// MineByID returns one of the user's credentials; ErrNotFound for anyone else's.
func (s *Service) MineByID(ctx context.Context, userID, id string) (Credential, error) {
	c, err := s.Store.Credential(ctx, id)
	if err != nil {
		return Credential{}, err
	}
	if c.UserID != userID {
		return Credential{}, ErrNotFound
	}
	return c, nil
}

// In lists a programme's credentials for its owners.
func (s *Service) In(ctx context.Context, programmeID string, after Cursor, limit int) ([]Credential, error) {
	if limit < 1 || limit > 100 {
		limit = 50
	}
	return s.Store.CredentialsIn(ctx, programmeID, after, limit)
}

// Revoke revokes one of the programme's credentials with a reason, which the public status
// route tells and the status list records. ErrNotFound for another programme's credential,
// ErrAlreadyRevoked when it was revoked before.
func (s *Service) Revoke(ctx context.Context, programmeID, id, by, reason string) (Credential, error) {
	reason = strings.TrimSpace(reason)
	var f apperr.Fields
	f.Check(reason != "" && utf8.RuneCountInString(reason) <= 500, "/reason", "must be 1 to 500 characters")
	if err := f.Err(); err != nil {
		return Credential{}, err
	}
	c, err := s.Store.Credential(ctx, id)
	if err != nil {
		return Credential{}, err
	}
	if c.ProgrammeID != programmeID {
		return Credential{}, ErrNotFound
	}
	ok, err := s.Store.Revoke(ctx, id, by, reason, s.now())
	if err != nil {
		return Credential{}, fmt.Errorf("revoke credential: %w", err)
	}
	if !ok {
		return Credential{}, ErrAlreadyRevoked
	}
	return s.Store.Credential(ctx, id)
}

// The statuses a verification answers.
const (
	Valid   = "valid"
	Revoked = "revoked"
	Unknown = "unknown"
)

// Verdict is the answer to "is this credential good?".
type Verdict struct {
	Status string
	// Detail says why a credential is unknown.
	Detail     string
	Credential *Credential
}

// Status answers for a credential ID: valid, revoked (with the reason) or unknown.
func (s *Service) Status(ctx context.Context, id string) (Verdict, error) {
	c, err := s.Store.Credential(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Verdict{Status: Unknown, Detail: "no credential with this id was issued here"}, nil
	}
	if err != nil {
		return Verdict{}, err
	}
	if c.Revoked {
		return Verdict{Status: Revoked, Credential: &c}, nil
	}
	return Verdict{Status: Valid, Credential: &c}, nil
}

// Verify checks a VC-JWT: signed by one of our keys, naming a credential we issued, and
// exactly that credential; then answers its status. Anything else is unknown.
func (s *Service) Verify(ctx context.Context, token string) (Verdict, error) {
	claims, _, err := auth.VerifyCompact(strings.TrimSpace(token), func(kid string) ed25519.PublicKey {
		return s.publicKey(ctx, strings.TrimPrefix(kid, s.KeyIRI("")))
	})
	if err != nil {
		return Verdict{Status: Unknown, Detail: "not signed by this server's keys"}, nil
	}
	jti, _ := claims["jti"].(string)
	id, ok := strings.CutPrefix(jti, "urn:uuid:")
	if !ok {
		return Verdict{Status: Unknown, Detail: "the token names no credential"}, nil
	}
	v, err := s.Status(ctx, id)
	if err != nil || v.Status == Unknown {
		return v, err
	}
	if v.Credential.JWT != strings.TrimSpace(token) {
		return Verdict{Status: Unknown, Detail: "not the credential issued under this id"}, nil
	}
	return v, nil
}

// Public documents. A programme's achievements and status list are published only once it
// issues Open Badges (its owners set an issuer profile): a programme's name and badges are
// not the public's business before that.

// PublicIssuer returns the issuer profile document of a programme.
func (s *Service) PublicIssuer(ctx context.Context, programmeID string) (map[string]any, error) {
	i, err := s.Store.Issuer(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	return withContext(s.ProfileDocument(i)), nil
}

// PublicAchievement returns the achievement document of a programme badge.
func (s *Service) PublicAchievement(ctx context.Context, programmeID, badgeID string) (map[string]any, error) {
	i, a, err := s.achievement(ctx, programmeID, badgeID)
	if err != nil {
		return nil, err
	}
	return withContext(s.AchievementDocument(a, i)), nil
}

func (s *Service) achievement(ctx context.Context, programmeID, badgeID string) (Issuer, Achievement, error) {
	i, err := s.Store.Issuer(ctx, programmeID)
	if err != nil {
		return Issuer{}, Achievement{}, err
	}
	a, err := s.Badges.Achievement(ctx, programmeID, badgeID)
	return i, a, err
}

// BadgeImage returns a badge's image (SVG).
func (s *Service) BadgeImage(ctx context.Context, programmeID, badgeID string) ([]byte, error) {
	_, a, err := s.achievement(ctx, programmeID, badgeID)
	if err != nil {
		return nil, err
	}
	return BadgeSVG(a, ""), nil
}

// BakedImage returns the badge image of one of the user's credentials with the credential
// baked in (OB 3.0 baking: an openbadges:credential element holding the VC-JWT).
func (s *Service) BakedImage(ctx context.Context, userID, id string) ([]byte, error) {
	c, err := s.MineByID(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	a, err := s.Badges.Achievement(ctx, c.ProgrammeID, c.BadgeID)
	if errors.Is(err, ErrBadge) { // a badge deleted after it was earned keeps its credential
		a = Achievement{ProgrammeID: c.ProgrammeID, BadgeID: c.BadgeID, Name: c.BadgeID}
	} else if err != nil {
		return nil, err
	}
	return BadgeSVG(a, c.JWT), nil
}

// StatusList returns a programme's revocation list as a signed BitstringStatusListCredential
// (VC-JWT): bit i set means the credential at place i is revoked.
func (s *Service) StatusList(ctx context.Context, programmeID string) (string, error) {
	if _, err := s.Store.Issuer(ctx, programmeID); err != nil {
		return "", err
	}
	revoked, err := s.Store.RevokedIndexes(ctx, programmeID)
	if err != nil {
		return "", err
	}
	list, err := EncodeStatusList(revoked, StatusListLength)
	if err != nil {
		return "", err
	}
	id, now := s.StatusListIRI(programmeID), s.now()
	doc := map[string]any{"@context": []string{ContextVC}, "id": id, "type": []string{"VerifiableCredential", "BitstringStatusListCredential"},
		"issuer": s.IssuerIRI(programmeID), "validFrom": stamp(now),
		"credentialSubject": map[string]any{"id": id + "#list", "type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": list}}
	tok, _, err := s.sign(ctx, jwtClaims(doc, s.IssuerIRI(programmeID), id, "", now))
	return tok, err
}

// EncodeStatusList is the Bitstring Status List encoding of the set places among length:
// the bits (place 0 is the most significant bit of the first byte), GZIP-compressed,
// base64url without padding, with the multibase prefix "u".
func EncodeStatusList(set []int, length int) (string, error) {
	bits := make([]byte, (length+7)/8)
	for _, i := range set {
		if i >= 0 && i < length {
			bits[i/8] |= 0x80 >> (i % 8)
		}
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(bits); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}
