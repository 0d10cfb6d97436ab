package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Service registers and authenticates users.
type Service struct {
	Store Store
	Now   func() time.Time
	// ProfileChanged, when set, is told after a profile was created or updated (gamification
	// drops what it cached about the person: time zone, daily goal, leaderboard visibility,
	// name; the reminder scheduler re-tracks their learning slots).
	ProfileChanged func(ctx context.Context, userID string)
	// Cost is the work factor of new password hashes; the zero value means
	// DefaultPasswordCost (tests choose a cheaper one).
	Cost PasswordCost
}

func (s *Service) cost() PasswordCost {
	if s.Cost == (PasswordCost{}) {
		return DefaultPasswordCost()
	}
	return s.Cost
}

// NewID returns a random 24-hex-character identifier.
func NewID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Register creates an account; ErrEmailTaken when the email is in use.
func (s *Service) Register(ctx context.Context, n NewUser) (User, error) {
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	hash, err := s.cost().Hash(n.Password)
	if err != nil {
		return User{}, fmt.Errorf("register: %w", err)
	}
	now := s.Now().UTC()
	u := User{ID: NewID(), Email: n.Email, DisplayName: n.DisplayName, Timezone: n.Timezone,
		Locale: DefaultLocale, DailyXPGoal: DefaultDailyXPGoal, LeaderboardVisibility: DefaultLeaderboardVisibility,
		LearningSlots: []string{}, NotificationPrefs: map[string]bool{}, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateUser(ctx, u, hash); err != nil {
		return User{}, fmt.Errorf("register: %w", err)
	}
	if s.ProfileChanged != nil {
		s.ProfileChanged(ctx, u.ID) // a new profile: reminders and boards learn of it
	}
	return u, nil
}

// Authenticate returns the user whose email and password match; ErrBadCredentials otherwise.
// It takes as long for an unknown email as for a wrong password.
func (s *Service) Authenticate(ctx context.Context, email, password string) (User, error) {
	u, hash, err := s.Store.UserByEmail(ctx, NormalizeEmail(email))
	if errors.Is(err, ErrNotFound) {
		CheckPassword(dummyHash(s.cost()), password)
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	if !CheckPassword(hash, password) {
		return User{}, ErrBadCredentials
	}
	return u, nil
}

// User returns the user with id; ErrNotFound when absent.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	return s.Store.UserByID(ctx, id)
}

// UpdateProfile applies a merge patch to the user's profile and returns the updated user.
// Validation errors list each field; ErrNotFound when the user is gone.
func (s *Service) UpdateProfile(ctx context.Context, id string, p ProfilePatch) (User, error) {
	if err := p.Validate(); err != nil {
		return User{}, err
	}
	cur, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return User{}, fmt.Errorf("update profile: %w", err)
	}
	if p.Empty() {
		return cur, nil
	}
	now := s.Now().UTC()
	c := ProfileChange{ProfilePatch: p, UpdatedAt: now}
	if p.Timezone != nil && *p.Timezone != cur.Timezone {
		c.TimezoneChangedAt = now
	}
	u, err := s.Store.UpdateProfile(ctx, id, c)
	if err != nil {
		return User{}, fmt.Errorf("update profile: %w", err)
	}
	if s.ProfileChanged != nil {
		s.ProfileChanged(ctx, id)
	}
	return u, nil
}

// Users returns the users with these ids that exist, by id (one query).
func (s *Service) Users(ctx context.Context, ids []string) (map[string]User, error) {
	out := make(map[string]User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	us, err := s.Store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	for _, u := range us {
		out[u.ID] = u
	}
	return out, nil
}

// SetAdmin grants or revokes platform admin for the account with email; ErrNotFound when
// there is none. Access tokens already issued keep their admin claim until they expire
// (at most 15 minutes); the next refresh reads the new value.
func (s *Service) SetAdmin(ctx context.Context, email string, admin bool) error {
	return s.Store.SetAdmin(ctx, NormalizeEmail(email), admin)
}
