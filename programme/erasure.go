package programme

import (
	"context"
	"fmt"

	"github.com/microlearn/microlearn/internal/apperr"
)

// ReleaseOwnerships gives up userID's owner memberships ahead of their erasure, the way
// RemoveMember removes an owner: each programme's owner count is decremented first
// (conditionally on staying at least one), then the membership goes. Without it the erasure
// deleted the memberships and left the counts high, so the remaining owner could leave a
// programme with no owner at all. When userID is a programme's only owner, nothing changes
// and the error names that programme (409 last_owner): someone else must be made owner
// first. Asking twice at once is safe: one request removes each membership, the other puts
// its decrement back. A crash mid-way leaves a count low, which only refuses a later
// demotion.
func (s *Service) ReleaseOwnerships(ctx context.Context, userID string) error {
	ms, err := s.Store.MembershipsOf(ctx, userID)
	if err != nil {
		return err
	}
	var owned []string
	for _, m := range ms {
		if m.Role == RoleOwner {
			owned = append(owned, m.ProgrammeID)
		}
	}
	for i, id := range owned {
		ok, err := s.Store.ReleaseOwner(ctx, id)
		if err == nil && !ok {
			err = lastOwnerOf(ctx, s, id)
		}
		if err != nil {
			for _, released := range owned[:i] {
				s.restoreOwner(ctx, released)
			}
			return err
		}
	}
	for _, id := range owned {
		s.forgetRole(id, userID)
		ok, err := s.Store.RemoveMember(ctx, id, userID, RoleOwner)
		if err != nil || !ok {
			s.restoreOwner(ctx, id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lastOwnerOf is ErrLastOwner naming the programme.
func lastOwnerOf(ctx context.Context, s *Service, id string) error {
	name := id
	if p, err := s.Store.Programme(ctx, id); err == nil {
		name = fmt.Sprintf("%q (%s)", p.Name, id)
	}
	return apperr.New(apperr.KindConflict, ErrLastOwner.Code,
		"the account is the only owner of programme "+name+": make someone else its owner before erasing it")
}
