package programme

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Service runs programmes.
type Service struct {
	Store Store
	Now   func() time.Time
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

// RoleOf returns the role userID holds in programmeID; ErrNotMember when none.
func (s *Service) RoleOf(ctx context.Context, programmeID, userID string) (Role, error) {
	m, err := s.Store.Membership(ctx, programmeID, userID)
	return m.Role, err
}

// AddMember adds userID to programmeID in role.
func (s *Service) AddMember(ctx context.Context, programmeID, userID string, role Role) error {
	return s.Store.AddMember(ctx, Membership{ProgrammeID: programmeID, UserID: userID, Role: role, JoinedAt: s.Now().UTC()})
}
