// Package identity holds people's accounts: users, their passwords and profiles, and the
// rules for registering and signing in.
package identity

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Sentinel errors returned by the service and its store.
var (
	ErrNotFound        = apperr.New(apperr.KindNotFound, "user_not_found", "user not found")
	ErrEmailTaken      = apperr.New(apperr.KindConflict, "email_taken", "an account with this email already exists")
	ErrBadCredentials  = apperr.New(apperr.KindUnauthenticated, "bad_credentials", "email or password is wrong")
	ErrSessionNotFound = apperr.New(apperr.KindUnauthenticated, "invalid_refresh_token", "the refresh token is invalid, expired or revoked")
)

// Profile defaults.
const (
	DefaultTimezone    = "UTC"
	DefaultLocale      = "en"
	DefaultDailyXPGoal = 20
)

// User is a person with an account and the profile the rest of the product reads.
type User struct {
	ID          string
	Email       string
	DisplayName string
	// Timezone is an IANA name; days, streaks and reminders are computed in it.
	Timezone string
	// TimezoneChangedAt is when Timezone last changed (zero: never). Gamification applies a
	// change from the next local day, so that moving zones cannot win or lose a day.
	TimezoneChangedAt time.Time
	Locale            string
	Admin             bool
	// LearningSlots are up to three local times "HH:MM", sorted, at which the user prefers
	// to learn; daily reminders are sent at them.
	LearningSlots []string
	// QuietHours, when set, is a daily span in which no push is sent.
	QuietHours *QuietHours
	// NotificationPrefs switches notification kinds on or off; an absent kind is on (use
	// Notifies).
	NotificationPrefs map[string]bool
	// DailyXPGoal is the points a day the user aims for (5 to 500).
	DailyXPGoal int
	// LeaderboardVisibility is visible, anonymous or hidden.
	LeaderboardVisibility string
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// Location returns the user's time zone, UTC when it cannot be loaded.
func (u User) Location() *time.Location {
	if loc, err := time.LoadLocation(u.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// NormalizeEmail lower-cases and trims an email address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ValidEmail reports whether s is a plain address (no display name).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// ValidTimezone reports whether name is an IANA time zone name.
func ValidTimezone(name string) bool {
	if name == "" || name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// Password length bounds.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

// NewUser is what registration needs.
type NewUser struct {
	Email       string
	Password    string
	DisplayName string
	Timezone    string
}

// Validate checks a registration and returns field errors by JSON pointer.
func (n *NewUser) Validate() error {
	var f apperr.Fields
	n.Email = NormalizeEmail(n.Email)
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	f.Check(ValidEmail(n.Email), "/email", "must be a valid email address")
	l := utf8.RuneCountInString(n.Password)
	f.Check(l >= MinPasswordLen && l <= MaxPasswordLen, "/password", "must be 10 to 128 characters")
	f.Check(n.DisplayName != "" && utf8.RuneCountInString(n.DisplayName) <= 80, "/displayName", "must be 1 to 80 characters")
	if n.Timezone == "" {
		n.Timezone = DefaultTimezone
	}
	f.Check(ValidTimezone(n.Timezone), "/timezone", "must be an IANA time zone name such as Europe/London")
	return f.Err()
}

// Store keeps users.
type Store interface {
	// CreateUser inserts u with the password hash; ErrEmailTaken when the email is in use.
	CreateUser(ctx context.Context, u User, passwordHash string) error
	// UserByEmail returns the user and password hash; ErrNotFound when absent.
	UserByEmail(ctx context.Context, email string) (User, string, error)
	// UserByID returns the user; ErrNotFound when absent.
	UserByID(ctx context.Context, id string) (User, error)
	// SetAdmin grants or removes platform admin; ErrNotFound when absent.
	SetAdmin(ctx context.Context, email string, admin bool) error
	// UsersByIDs returns the users with these ids that exist, in no particular order.
	UsersByIDs(ctx context.Context, ids []string) ([]User, error)
	// UpdateProfile applies a validated change in one atomic write and returns the updated
	// user; ErrNotFound when absent.
	UpdateProfile(ctx context.Context, id string, c ProfileChange) (User, error)
	// UsersPage returns up to limit users ordered by id, starting after afterID (empty: from
	// the start).
	UsersPage(ctx context.Context, afterID string, limit int) ([]User, error)
}
