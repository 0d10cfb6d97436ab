package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/microlearn/microlearn/internal/auth"
)

// Session is a refresh-token family: one sign-in on one device. Each refresh moves it to the
// next Generation and hands out that generation's refresh token; only the current one
// refreshes, an older one is a reuse and revokes the family.
type Session struct {
	ID     string
	UserID string
	// Seed is 256 random bits of this family; with the server's refresh secret it derives
	// every generation's token (never stored).
	Seed       []byte
	Generation int
	// TokenHash is the SHA-256 of the current generation's refresh token.
	TokenHash string
	// RotatedAt is when the current generation was issued (whole seconds): the grace period
	// runs from it, and it is the iat of the access token issued with it.
	RotatedAt    time.Time
	Revoked      bool
	RevokedAt    time.Time
	RevokeReason string
	CreatedAt    time.Time
	LastUsedAt   time.Time
	// ExpiresAt slides with each refresh (RefreshTTL) up to CreatedAt + MaxAge. The sweeper
	// deletes sessions past it.
	ExpiresAt time.Time
}

// SessionStore keeps sessions.
type SessionStore interface {
	// CreateSession inserts s.
	CreateSession(ctx context.Context, s Session) error
	// Session returns one session; ErrSessionNotFound when absent.
	Session(ctx context.Context, id string) (Session, error)
	// AdvanceSession moves the session from generation gen to gen+1, in one atomic write
	// conditional on it still being at gen and not revoked. ok is false (and the session
	// unchanged) when the condition does not hold.
	AdvanceSession(ctx context.Context, id string, gen int, tokenHash string, rotatedAt, expiresAt time.Time) (ok bool, err error)
	// RevokeSession revokes one session; revoking twice is not an error.
	RevokeSession(ctx context.Context, id, reason string, at time.Time) error
	// RevokeUserSessions revokes every live session of userID and returns the ids it found
	// live just before.
	RevokeUserSessions(ctx context.Context, userID, reason string, at time.Time) ([]string, error)
	// DeleteExpiredSessions deletes sessions that expired before now and reports how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}

// Pair is what signing in or refreshing answers.
type Pair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
	User         User
	SessionID    string
}

// Session defaults.
const (
	DefaultRefreshTTL   = 30 * 24 * time.Hour
	DefaultSessionMax   = 90 * 24 * time.Hour
	RefreshGrace        = 10 * time.Second
	refreshTokenVersion = "r1"
)

// Sessions issues token pairs and runs refresh-token families: rotation, the grace period,
// reuse detection and revocation.
type Sessions struct {
	Store  SessionStore
	Users  *Service
	Tokens *auth.Issuer
	Now    func() time.Time
	Log    *slog.Logger
	// RefreshTTL is how long an unused session lives; MaxAge caps a session however often it
	// is refreshed.
	RefreshTTL time.Duration
	MaxAge     time.Duration

	denied denylist
}

// ClientInfo describes the request, for security logs.
type ClientInfo struct {
	IP string
}

// Start opens a new session for u (after register or login) and returns its first pair.
func (s *Sessions) Start(ctx context.Context, u User) (Pair, error) {
	now := s.Now().UTC().Truncate(time.Second)
	seed := make([]byte, 32)
	if _, err := rand.Read(seed); err != nil {
		return Pair{}, err
	}
	ss := Session{ID: NewID(), UserID: u.ID, Seed: seed, Generation: 1, RotatedAt: now, CreatedAt: now, LastUsedAt: now,
		ExpiresAt: s.expiry(now, now)}
	tok := s.refreshToken(ss.ID, ss.Seed, 1)
	ss.TokenHash = hashToken(tok)
	if err := s.Store.CreateSession(ctx, ss); err != nil {
		return Pair{}, fmt.Errorf("start session: %w", err)
	}
	return s.pair(ss, u, tok)
}

// Refresh exchanges a refresh token for a new pair. The presented token must be the current
// generation of a live session; a retry of the previous generation within RefreshGrace of
// the rotation gets the pair that rotation issued. Any other generation is a reuse: the
// family is revoked and a security event logged. Every refusal is ErrSessionNotFound.
func (s *Sessions) Refresh(ctx context.Context, token string, client ClientInfo) (Pair, error) {
	sid, gen, ok := parseRefreshToken(token)
	if !ok {
		return Pair{}, ErrSessionNotFound
	}
	ss, err := s.Store.Session(ctx, sid)
	if err != nil {
		return Pair{}, err
	}
	// The MAC proves the token is one we issued for this family and generation, so a
	// forged token can never revoke someone else's family.
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.refreshToken(sid, ss.Seed, gen))) != 1 {
		return Pair{}, ErrSessionNotFound
	}
	for attempt := 0; ; attempt++ {
		now := s.Now().UTC()
		act := refreshActionFor(ss, gen, now)
		if act == refreshRotate && attempt > 0 {
			act = refreshRefuse // still current after a lost race: it was revoked meanwhile
		}
		switch act {
		case refreshRotate:
			if subtle.ConstantTimeCompare([]byte(hashToken(token)), []byte(ss.TokenHash)) != 1 {
				return Pair{}, ErrSessionNotFound
			}
			p, advanced, err := s.rotate(ctx, ss, token, now)
			if err != nil || advanced {
				return p, err
			}
			// A concurrent refresh of the same token won: reread and answer as a retry.
			if ss, err = s.Store.Session(ctx, sid); err != nil {
				return Pair{}, err
			}
		case refreshReplay:
			// The client lost the answer to its refresh and retries: the same pair again.
			u, err := s.user(ctx, ss)
			if err != nil {
				return Pair{}, err
			}
			return s.pair(ss, u, s.refreshToken(sid, ss.Seed, ss.Generation))
		case refreshReuse:
			return Pair{}, s.reused(ctx, ss, gen, now, client)
		default:
			return Pair{}, ErrSessionNotFound
		}
	}
}

// refreshAction is what presenting a refresh token does to its session.
type refreshAction int

const (
	refreshRefuse refreshAction = iota // ErrSessionNotFound, nothing changes
	refreshRotate                      // the current generation: move to the next
	refreshReplay                      // a retry of the previous one within RefreshGrace: the same pair again
	refreshReuse                       // an older generation: revoke the family
)

// refreshActionFor decides what a token of generation gen does to session ss at now.
func refreshActionFor(ss Session, gen int, now time.Time) refreshAction {
	switch {
	case ss.Revoked || !now.Before(ss.ExpiresAt):
		return refreshRefuse
	case gen == ss.Generation:
		return refreshRotate
	case gen == ss.Generation-1 && now.Sub(ss.RotatedAt) <= RefreshGrace:
		return refreshReplay
	case gen < ss.Generation:
		return refreshReuse
	}
	return refreshRefuse
}

// rotate moves ss to its next generation with one conditional write and returns the new
// pair; advanced is false when a concurrent refresh moved it first.
func (s *Sessions) rotate(ctx context.Context, ss Session, token string, now time.Time) (Pair, bool, error) {
	u, err := s.user(ctx, ss)
	if err != nil {
		return Pair{}, false, err
	}
	next := ss
	next.Generation, next.RotatedAt = ss.Generation+1, now.Truncate(time.Second)
	next.ExpiresAt = s.expiry(ss.CreatedAt, now)
	tok := s.refreshToken(ss.ID, ss.Seed, next.Generation)
	next.TokenHash = hashToken(tok)
	advanced, err := s.Store.AdvanceSession(ctx, ss.ID, ss.Generation, next.TokenHash, next.RotatedAt, next.ExpiresAt)
	if err != nil {
		return Pair{}, false, fmt.Errorf("refresh: %w", err)
	}
	if !advanced {
		return Pair{}, false, nil
	}
	p, err := s.pair(next, u, tok)
	return p, true, err
}

// reused revokes the family of a reused refresh token and logs the security event; the
// caller is told ErrSessionNotFound like any refusal.
func (s *Sessions) reused(ctx context.Context, ss Session, gen int, now time.Time, client ClientInfo) error {
	if err := s.revoke(ctx, ss, "reuse", now); err != nil {
		return err
	}
	s.logger().LogAttrs(ctx, slog.LevelWarn, "security event: refresh token reused; session family revoked",
		slog.String("event", "refresh_token_reuse"), slog.String("userId", ss.UserID), slog.String("sessionId", ss.ID),
		slog.Int("presentedGeneration", gen), slog.Int("currentGeneration", ss.Generation),
		slog.Duration("sinceRotation", now.Sub(ss.RotatedAt)), slog.String("clientIp", client.IP))
	return ErrSessionNotFound
}

// Logout revokes the family of a refresh token. Tokens that are unknown, expired or not
// ours are ignored (RFC 7009): signing out always succeeds.
func (s *Sessions) Logout(ctx context.Context, token string) error {
	sid, gen, ok := parseRefreshToken(token)
	if !ok {
		return nil
	}
	ss, err := s.Store.Session(ctx, sid)
	if errors.Is(err, ErrSessionNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.refreshToken(sid, ss.Seed, gen))) != 1 || ss.Revoked {
		return nil
	}
	return s.revoke(ctx, ss, "logout", s.Now().UTC())
}

// LogoutAll revokes every session of userID.
func (s *Sessions) LogoutAll(ctx context.Context, userID string) error {
	now := s.Now().UTC()
	ids, err := s.Store.RevokeUserSessions(ctx, userID, "logout_all", now)
	if err != nil {
		return fmt.Errorf("logout all: %w", err)
	}
	s.denied.add(now, now.Add(s.Tokens.TTL+time.Minute), ids...)
	return nil
}

// Revoked reports whether an access token belongs to a session revoked through this process
// (logout, logout-all, reuse). Revocations made by other instances are not seen: their
// access tokens stay valid until they expire (at most 15 minutes; docs/decisions.md).
func (s *Sessions) Revoked(c auth.Claims) bool { return s.denied.revoked(c, s.Now()) }

// Sweep deletes expired sessions.
func (s *Sessions) Sweep(ctx context.Context) (int64, error) {
	return s.Store.DeleteExpiredSessions(ctx, s.Now().UTC())
}

func (s *Sessions) revoke(ctx context.Context, ss Session, reason string, now time.Time) error {
	if err := s.Store.RevokeSession(ctx, ss.ID, reason, now); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	s.denied.add(now, now.Add(s.Tokens.TTL+time.Minute), ss.ID)
	return nil
}

func (s *Sessions) user(ctx context.Context, ss Session) (User, error) {
	u, err := s.Users.User(ctx, ss.UserID)
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrSessionNotFound
	}
	return u, err
}

func (s *Sessions) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// pair builds the pair of generation ss.Generation. Everything in it is derived from the
// session (the refresh token from the seed, the access token's iat from RotatedAt and its
// jti from the secret), so building it twice gives the same pair.
func (s *Sessions) pair(ss Session, u User, refresh string) (Pair, error) {
	jti := s.mac("jti", ss.ID, ss.Generation, ss.Seed)[:22]
	access, claims, err := s.Tokens.IssueAt(u.ID, ss.ID, u.Admin, ss.RotatedAt, jti)
	if err != nil {
		return Pair{}, err
	}
	return Pair{AccessToken: access, RefreshToken: refresh, ExpiresIn: claims.ExpiresAt.Sub(claims.IssuedAt), User: u, SessionID: ss.ID}, nil
}

func (s *Sessions) expiry(created, now time.Time) time.Time {
	ttl, max := s.RefreshTTL, s.MaxAge
	if ttl <= 0 {
		ttl = DefaultRefreshTTL
	}
	if max <= 0 {
		max = DefaultSessionMax
	}
	e := now.Add(ttl)
	if limit := created.Add(max); e.After(limit) {
		e = limit
	}
	return e
}

// refreshToken derives the refresh token of one generation:
// "r1.<sessionId>.<generation>.<HMAC-SHA256(secret, sessionId, generation, seed)>".
// The 256-bit MAC is the secret part; the id and generation let the server find the family
// and tell the current generation from an old one.
func (s *Sessions) refreshToken(sid string, seed []byte, gen int) string {
	return refreshTokenVersion + "." + sid + "." + strconv.Itoa(gen) + "." + s.mac("refresh", sid, gen, seed)
}

func (s *Sessions) mac(purpose, sid string, gen int, seed []byte) string {
	m := hmac.New(sha256.New, s.Tokens.Keys.RefreshSecret())
	m.Write([]byte(purpose + "\x00" + sid + "\x00" + strconv.Itoa(gen) + "\x00"))
	m.Write(seed)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func parseRefreshToken(tok string) (sid string, gen int, ok bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 4 || parts[0] != refreshTokenVersion || len(parts[1]) != 24 || len(parts[3]) != 43 || len(parts[2]) > 9 {
		return "", 0, false
	}
	if _, err := hex.DecodeString(parts[1]); err != nil {
		return "", 0, false
	}
	gen, err := strconv.Atoi(parts[2])
	if err != nil || gen < 1 || strconv.Itoa(gen) != parts[2] {
		return "", 0, false
	}
	return parts[1], gen, true
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// denylist remembers, in this process only, sessions whose access tokens must stop working
// before they expire.
type denylist struct {
	mu       sync.Mutex
	sessions map[string]time.Time // session id -> forget after
}

func (d *denylist) add(now, until time.Time, ids ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.sessions == nil {
		d.sessions = map[string]time.Time{}
	}
	if len(d.sessions) >= 10_000 {
		for k, u := range d.sessions {
			if now.After(u) {
				delete(d.sessions, k)
			}
		}
	}
	for _, id := range ids {
		d.sessions[id] = until
	}
}

func (d *denylist) revoked(c auth.Claims, now time.Time) bool {
	if c.SessionID == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	until, ok := d.sessions[c.SessionID]
	return ok && now.Before(until)
}
