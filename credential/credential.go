// Package credential issues the badges people earn in a programme as Open Badges 3.0
// credentials (1EdTech): W3C Verifiable Credentials of type OpenBadgeCredential, signed as
// VC-JWTs with the server's Ed25519 keys, which a person can carry to a CV, a professional
// body or a wallet and anyone can verify without asking us. It also publishes what a
// verifier needs: the issuer profile of the programme's organisation, the achievement
// behind each badge at a stable IRI, every public key that ever signed (a JWKS), and a
// revocation status list (W3C Bitstring Status List) that owners add to with a reason.
package credential

import (
	"context"
	"crypto/ed25519"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Sentinel errors.
var (
	ErrNotFound       = apperr.New(apperr.KindNotFound, "credential_not_found", "credential not found")
	ErrIssuerNotFound = apperr.New(apperr.KindNotFound, "issuer_not_found", "this programme does not issue Open Badges")
	// ErrNotEarned: the badge is not (yet) the caller's.
	ErrNotEarned = apperr.New(apperr.KindNotFound, "badge_not_earned", "you have not earned this badge in this programme")
	ErrBadge     = apperr.New(apperr.KindNotFound, "badge_not_found", "badge not found")
	// ErrNotEnabled: the programme's owners have not set up its issuer profile.
	ErrNotEnabled = apperr.New(apperr.KindConflict, "open_badges_not_enabled", "the programme's owners have not set up Open Badges (its issuer profile) yet")
	// ErrAlreadyRevoked is returned when revoking a revoked credential.
	ErrAlreadyRevoked = apperr.New(apperr.KindConflict, "credential_revoked", "the credential is already revoked")
	// ErrConflict is returned by stores for a key that is taken.
	ErrConflict = apperr.New(apperr.KindConflict, "conflict", "conflicts with the current state")
)

// The Open Badges 3.0 and Verifiable Credentials vocabulary this package writes.
const (
	ContextVC        = "https://www.w3.org/ns/credentials/v2"
	ContextOB        = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	SchemaOB         = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
	SchemaValidator  = "1EdTechJsonSchemaValidator2019"
	BakingNamespace  = "https://purl.imsglobal.org/ob/v3p0"
	TypeJWT          = "JWT" // the typ of a VC-JWT, as OB 3.0 (§8.2) writes it
	StatusListLength = 131072
)

// Issuer is the issuer profile of a programme's organisation: who vouches for its badges.
// A programme issues credentials once its owners have set one (Enabled).
type Issuer struct {
	ProgrammeID string
	Name        string
	URL         string
	Email       string
	Description string
	ImageURL    string
	UpdatedAt   time.Time
}

// Validate checks an issuer profile.
func (i *Issuer) Validate() error {
	var f apperr.Fields
	i.Name, i.URL, i.Email = strings.TrimSpace(i.Name), strings.TrimSpace(i.URL), strings.TrimSpace(i.Email)
	f.Check(i.Name != "" && utf8.RuneCountInString(i.Name) <= 200, "/name", "must be 1 to 200 characters")
	f.Check(i.URL == "" || httpURL(i.URL), "/url", "must be an http or https URL")
	f.Check(i.ImageURL == "" || httpURL(i.ImageURL), "/imageUrl", "must be an http or https URL")
	f.Check(i.Email == "" || (len(i.Email) <= 254 && strings.Count(i.Email, "@") == 1 && !strings.ContainsAny(i.Email, " <>")), "/email", "must be an email address")
	f.Check(utf8.RuneCountInString(i.Description) <= 2000, "/description", "must be at most 2000 characters")
	return f.Err()
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(s) <= 2000
}

// Achievement is what a badge stands for, as the programme defines it.
type Achievement struct {
	ProgrammeID string
	BadgeID     string
	Name        string
	Description string
	// Criteria says in words what earns it.
	Criteria string
}

// Earned is a badge a person earned.
type Earned struct {
	Achievement Achievement
	At          time.Time
}

// Badges reads badges and who earned them (gamification implements it).
type Badges interface {
	// Achievement returns a programme badge; ErrBadge when the programme has none by that ID.
	Achievement(ctx context.Context, programmeID, badgeID string) (Achievement, error)
	// Earned returns the badge the user earned; ErrNotEarned when they have not.
	Earned(ctx context.Context, programmeID, userID, badgeID string) (Earned, error)
}

// People reads the email address a credential's subject is identified by (hashed).
type People interface {
	Email(ctx context.Context, userID string) (string, error)
}

// Signer signs with the server's current Ed25519 key (internal/auth's key set).
type Signer interface {
	SigningKey() (kid string, key ed25519.PrivateKey)
}

// Subject identifies the earner in a credential: a DID they supplied, or their email
// address hashed with a salt (OB 3.0 IdentityObject), which they can prove by revealing
// the address to a verifier.
type Subject struct {
	DID          string
	IdentityHash string // "sha256$" + hex(sha256(email + salt))
	Salt         string
}

var didPattern = regexp.MustCompile(`^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$`)

// ValidDID reports whether s has the syntax of a DID (W3C DID Core: did:method:id).
func ValidDID(s string) bool { return len(s) <= 500 && didPattern.MatchString(s) }

// Credential is an issued OpenBadgeCredential and what we keep about it.
type Credential struct {
	// ID is a UUID; the credential's id is "urn:uuid:" + ID.
	ID          string
	ProgrammeID string
	UserID      string
	BadgeID     string
	Subject     Subject
	AwardedAt   time.Time
	IssuedAt    time.Time
	// StatusIndex is the credential's place in the programme's revocation status list.
	StatusIndex int
	// JWT is the signed VC-JWT, kept so every download is the very same credential; KeyID
	// names the key that signed it.
	JWT   string
	KeyID string
	// Revocation.
	Revoked   bool
	RevokedAt *time.Time
	RevokedBy string
	Reason    string
}

// Key is a public key that signed credentials: published for ever, so that rotating the
// server's keys never strands a credential.
type Key struct {
	ID        string
	Public    ed25519.PublicKey
	CreatedAt time.Time
}

// Cursor is a position in a list of credentials ordered by (issuedAt, id).
type Cursor struct {
	IssuedAt time.Time
	ID       string
}

// Store keeps issuer profiles, credentials, the status-list counters and the public keys.
type Store interface {
	// Issuer returns a programme's issuer profile; ErrIssuerNotFound when it has none.
	Issuer(ctx context.Context, programmeID string) (Issuer, error)
	// SaveIssuer creates or replaces a programme's issuer profile.
	SaveIssuer(ctx context.Context, i Issuer) error
	// NextStatusIndex reserves the next free place of the programme's status list.
	NextStatusIndex(ctx context.Context, programmeID string) (int, error)
	// InsertCredential stores c; ErrConflict with the stored credential when the same
	// badge of the same person already has one.
	InsertCredential(ctx context.Context, c Credential) (Credential, error)
	// Credential returns one credential; ErrNotFound when absent.
	Credential(ctx context.Context, id string) (Credential, error)
	// CredentialFor returns the credential of a person's badge; ErrNotFound when none.
	CredentialFor(ctx context.Context, programmeID, userID, badgeID string) (Credential, error)
	// CredentialsOf lists a person's credentials, newest first.
	CredentialsOf(ctx context.Context, userID string) ([]Credential, error)
	// CredentialsIn lists up to limit of a programme's credentials in (issuedAt, id) order
	// after the cursor.
	CredentialsIn(ctx context.Context, programmeID string, after Cursor, limit int) ([]Credential, error)
	// RevokedIndexes returns the status-list places of a programme's revoked credentials.
	RevokedIndexes(ctx context.Context, programmeID string) ([]int, error)
	// Revoke marks a credential revoked unless it is already; false when it was.
	Revoke(ctx context.Context, id, by, reason string, at time.Time) (bool, error)
	// PutKey records a public key (an existing one is kept).
	PutKey(ctx context.Context, k Key) error
	// Keys returns every public key recorded.
	Keys(ctx context.Context) ([]Key, error)
}
