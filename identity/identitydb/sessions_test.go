package identitydb_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/identity/identitydb"
	"github.com/microlearn/microlearn/internal/auth"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

type sessionWorld struct {
	sessions *identity.Sessions
	store    *identitydb.Store
	user     identity.User
	clock    *time.Time
	log      *bytes.Buffer
}

func newSessionWorld(t *testing.T) *sessionWorld {
	t.Helper()
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, identitydb.Indexes()); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	keys, err := auth.LoadOrCreateKeySet(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	store := identitydb.New(db.DB)
	users := &identity.Service{Store: store, Now: now}
	u, err := users.Register(ctx, identity.NewUser{Email: "s@example.com", Password: "correct-horse-battery", DisplayName: "S"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := &sessionWorld{store: store, user: u, clock: &clock, log: &buf}
	w.sessions = &identity.Sessions{Store: store, Users: users, Now: now, Log: slog.New(slog.NewTextHandler(&buf, nil)),
		Tokens:     &auth.Issuer{Keys: keys, Issuer: "i", Audience: "a", TTL: 15 * time.Minute, Now: now},
		RefreshTTL: 30 * 24 * time.Hour, MaxAge: 90 * 24 * time.Hour}
	return w
}

func (w *sessionWorld) advance(d time.Duration) { *w.clock = w.clock.Add(d) }

func TestRefreshRotatesAndDetectsReuse(t *testing.T) {
	ctx := context.Background()
	w := newSessionWorld(t)
	first, err := w.sessions.Start(ctx, w.user)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.RefreshToken) < 70 || first.ExpiresIn != 15*time.Minute {
		t.Fatalf("pair: %q %v", first.RefreshToken, first.ExpiresIn)
	}
	w.advance(time.Minute)
	second, err := w.sessions.Refresh(ctx, first.RefreshToken, identity.ClientInfo{IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken || second.SessionID != first.SessionID {
		t.Fatal("refresh did not rotate")
	}
	// Beyond the grace period the first token is a reuse: the family is revoked, so the
	// second token is dead too, and a security event is logged without the token.
	w.advance(identity.RefreshGrace + time.Second)
	if _, err := w.sessions.Refresh(ctx, first.RefreshToken, identity.ClientInfo{IP: "198.51.100.7"}); !errors.Is(err, identity.ErrSessionNotFound) {
		t.Fatalf("reuse: %v", err)
	}
	if _, err := w.sessions.Refresh(ctx, second.RefreshToken, identity.ClientInfo{}); !errors.Is(err, identity.ErrSessionNotFound) {
		t.Fatalf("the successor after reuse: %v", err)
	}
	logged := w.log.String()
	if !strings.Contains(logged, "refresh_token_reuse") || !strings.Contains(logged, "198.51.100.7") {
		t.Errorf("no security event: %s", logged)
	}
	for _, tok := range []string{first.RefreshToken, second.RefreshToken} {
		if strings.Contains(logged, tok) || strings.Contains(logged, tok[strings.LastIndex(tok, ".")+1:]) {
			t.Error("a refresh token was logged")
		}
	}
	ss, err := w.store.Session(ctx, first.SessionID)
	if err != nil || !ss.Revoked || ss.RevokeReason != "reuse" {
		t.Errorf("session after reuse: %+v %v", ss, err)
	}
}

func TestRefreshGraceReturnsTheSamePair(t *testing.T) {
	ctx := context.Background()
	w := newSessionWorld(t)
	first, _ := w.sessions.Start(ctx, w.user)
	w.advance(time.Minute)
	a, err := w.sessions.Refresh(ctx, first.RefreshToken, identity.ClientInfo{})
	if err != nil {
		t.Fatal(err)
	}
	w.advance(identity.RefreshGrace)
	b, err := w.sessions.Refresh(ctx, first.RefreshToken, identity.ClientInfo{})
	if err != nil {
		t.Fatalf("retry within the grace period: %v", err)
	}
	if a.AccessToken != b.AccessToken || a.RefreshToken != b.RefreshToken {
		t.Error("the retry got a different pair")
	}
	// The pair it got works.
	if _, err := w.sessions.Refresh(ctx, b.RefreshToken, identity.ClientInfo{}); err != nil {
		t.Errorf("refresh with the retried pair: %v", err)
	}
	// Once its successor has been used, the old token is a reuse even within 10 s.
	if _, err := w.sessions.Refresh(ctx, first.RefreshToken, identity.ClientInfo{}); !errors.Is(err, identity.ErrSessionNotFound) {
		t.Errorf("old token after the successor was used: %v", err)
	}
}

func TestConcurrentRefreshAdvancesOnce(t *testing.T) {
	ctx := context.Background()
	w := newSessionWorld(t)
	first, _ := w.sessions.Start(ctx, w.user)
	const n = 8
	pairs := make([]identity.Pair, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			pairs[i], errs[i] = w.sessions.Refresh(ctx, first.RefreshToken, identity.ClientInfo{})
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("refresh %d: %v", i, errs[i])
		}
		if pairs[i].RefreshToken != pairs[0].RefreshToken || pairs[i].AccessToken != pairs[0].AccessToken {
			t.Errorf("refresh %d got a different pair", i)
		}
	}
	ss, err := w.store.Session(ctx, first.SessionID)
	if err != nil || ss.Generation != 2 || ss.Revoked {
		t.Errorf("family state after %d concurrent refreshes: gen %d revoked %v (%v); want gen 2, live", n, ss.Generation, ss.Revoked, err)
	}
}

func TestForgedTokensRevokeNothing(t *testing.T) {
	ctx := context.Background()
	w := newSessionWorld(t)
	p, _ := w.sessions.Start(ctx, w.user)
	parts := strings.Split(p.RefreshToken, ".")
	forged := []string{
		"", "garbage", p.RefreshToken + "x",
		strings.Join([]string{parts[0], parts[1], "1", strings.Repeat("A", 43)}, "."), // right family, wrong MAC
		strings.Join([]string{parts[0], parts[1], "0", parts[3]}, "."),
		strings.Join([]string{parts[0], parts[1], "01", parts[3]}, "."),
		strings.Join([]string{parts[0], strings.Repeat("0", 24), "1", parts[3]}, "."),
	}
	for _, f := range forged {
		if _, err := w.sessions.Refresh(ctx, f, identity.ClientInfo{}); !errors.Is(err, identity.ErrSessionNotFound) {
			t.Errorf("forged %q: %v", f, err)
		}
		if err := w.sessions.Logout(ctx, f); err != nil {
			t.Errorf("logout with forged %q: %v", f, err)
		}
	}
	if _, err := w.sessions.Refresh(ctx, p.RefreshToken, identity.ClientInfo{}); err != nil {
		t.Errorf("the real token after forgeries: %v", err)
	}
}

func TestLogoutExpiryAndSweep(t *testing.T) {
	ctx := context.Background()
	w := newSessionWorld(t)
	a, _ := w.sessions.Start(ctx, w.user)
	b, _ := w.sessions.Start(ctx, w.user)
	c, _ := w.sessions.Start(ctx, w.user)
	claimsOf := func(p identity.Pair) auth.Claims {
		cl, err := w.sessions.Tokens.Verify(p.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	if err := w.sessions.Logout(ctx, a.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sessions.Refresh(ctx, a.RefreshToken, identity.ClientInfo{}); !errors.Is(err, identity.ErrSessionNotFound) {
		t.Errorf("after logout: %v", err)
	}
	if !w.sessions.Revoked(claimsOf(a)) || w.sessions.Revoked(claimsOf(b)) {
		t.Error("logout: the local denylist is wrong")
	}
	if err := w.sessions.LogoutAll(ctx, w.user.ID); err != nil {
		t.Fatal(err)
	}
	for _, p := range []identity.Pair{b, c} {
		if _, err := w.sessions.Refresh(ctx, p.RefreshToken, identity.ClientInfo{}); !errors.Is(err, identity.ErrSessionNotFound) {
			t.Errorf("after logout-all: %v", err)
		}
		if !w.sessions.Revoked(claimsOf(p)) {
			t.Error("logout-all: access token not denied locally")
		}
	}
	// A new sign-in after logout-all works.
	d, _ := w.sessions.Start(ctx, w.user)
	if w.sessions.Revoked(claimsOf(d)) {
		t.Error("a session started after logout-all is denied")
	}
	// An unused session expires after RefreshTTL; the sweeper deletes expired sessions only.
	w.advance(30*24*time.Hour - time.Minute)
	if _, err := w.sessions.Refresh(ctx, d.RefreshToken, identity.ClientInfo{}); err != nil {
		t.Fatalf("refresh a minute before expiry: %v", err)
	}
	w.advance(2 * time.Minute)
	n, err := w.sessions.Sweep(ctx)
	if err != nil || n != 3 {
		t.Errorf("swept %d (%v), want the 3 old sessions", n, err)
	}
	if _, err := w.store.Session(ctx, d.SessionID); err != nil {
		t.Errorf("the refreshed session was swept: %v", err)
	}
}

func TestSessionMaxAge(t *testing.T) {
	ctx := context.Background()
	w := newSessionWorld(t)
	p, _ := w.sessions.Start(ctx, w.user)
	var err error
	// Refreshing every 29 days keeps a session alive only up to MaxAge (90 days).
	for day := 29; day <= 87; day += 29 {
		w.advance(29 * 24 * time.Hour)
		if p, err = w.sessions.Refresh(ctx, p.RefreshToken, identity.ClientInfo{}); err != nil {
			t.Fatalf("day %d: %v", day, err)
		}
	}
	w.advance(3*24*time.Hour + time.Second)
	if _, err := w.sessions.Refresh(ctx, p.RefreshToken, identity.ClientInfo{}); !errors.Is(err, identity.ErrSessionNotFound) {
		t.Errorf("past the maximum age: %v", err)
	}
}
