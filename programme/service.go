package programme

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/microlearn/microlearn/internal/cache"
)

// Service runs programmes.
type Service struct {
	Store Store
	Now   func() time.Time
	// RoleCacheTTL is how long RoleOf answers are cached in memory (0 disables the cache;
	// New sets DefaultRoleCacheTTL). Changes made through this Service invalidate at once;
	// changes made by another process are seen after at most this long.
	RoleCacheTTL time.Duration
	// AdminsOnlyCreate restricts CreateBy to platform admins (PROGRAMME_CREATION=admins).
	AdminsOnlyCreate bool
	// InviteTTL is how long an invitation stays valid (0: DefaultInviteTTL).
	InviteTTL time.Duration
	// InviteKey returns the secret that derives invitation tokens (kept outside the
	// database; app derives it from the JWT key file's refresh secret).
	InviteKey func() []byte
	// Mailer, optional, emails invitations; without it (or with mail off) the owner passes
	// the link on.
	Mailer InviteMailer

	rolesOnce sync.Once
	roles     *cache.Cache[roleKey, Role]
}

// NewService returns a Service with the default role cache.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{Store: store, Now: now, RoleCacheTTL: DefaultRoleCacheTTL}
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Create makes a programme owned by ownerID.
func (s *Service) Create(ctx context.Context, ownerID string, p Programme) (Programme, error) {
	if err := p.Validate(); err != nil {
		return Programme{}, err
	}
	now := s.Now().UTC()
	p.ID, p.CreatedBy, p.CreatedAt, p.UpdatedAt = newID(), ownerID, now, now
	defer s.forgetRole(p.ID, ownerID)
	if err := s.Store.CreateProgramme(ctx, p, Membership{ProgrammeID: p.ID, UserID: ownerID, Role: RoleOwner, JoinedAt: now}); err != nil {
		return Programme{}, fmt.Errorf("create programme: %w", err)
	}
	return p, nil
}

// Programme returns one programme.
func (s *Service) Programme(ctx context.Context, id string) (Programme, error) {
	return s.Store.Programme(ctx, id)
}

// Mine lists the programmes userID belongs to and the role held in each.
func (s *Service) Mine(ctx context.Context, userID string) ([]Programme, []Role, error) {
	return s.Store.ProgrammesOf(ctx, userID)
}

// MembershipsOf lists every programme membership userID holds (role and when they joined).
func (s *Service) MembershipsOf(ctx context.Context, userID string) ([]Membership, error) {
	return s.Store.MembershipsOf(ctx, userID)
}

// RoleOf returns the role userID holds in programmeID; ErrNotMember when none. Answers,
// including ErrNotMember, are cached for RoleCacheTTL (see RoleCacheTTL for staleness).
func (s *Service) RoleOf(ctx context.Context, programmeID, userID string) (Role, error) {
	if s.RoleCacheTTL <= 0 {
		m, err := s.Store.Membership(ctx, programmeID, userID)
		return m.Role, err
	}
	role, err := s.cachedRole(ctx, programmeID, userID)
	if err == nil && role == "" {
		return "", ErrNotMember
	}
	return role, err
}

// AddMember adds userID to programmeID in role; ErrAlreadyMember when they belong already.
func (s *Service) AddMember(ctx context.Context, programmeID, userID string, role Role) error {
	if !role.Valid() {
		return fieldErr("/role", "must be owner, mentor or mentee")
	}
	return s.addMembership(ctx, Membership{ProgrammeID: programmeID, UserID: userID, Role: role, JoinedAt: s.Now().UTC()})
}

func (s *Service) addMembership(ctx context.Context, m Membership) error {
	defer s.forgetRole(m.ProgrammeID, m.UserID)
	if err := s.Store.AddMember(ctx, m); err != nil {
		return err
	}
	if m.Role == RoleOwner {
		return s.Store.AdjustOwners(ctx, m.ProgrammeID, +1)
	}
	return nil
}
