package mentoring

import (
	"context"
	"errors"
	"fmt"
)

// MenteeAssignment returns one mentee's copy of an assignment (its ID as /me/assignments
// lists it) to that mentee, the pairing's mentor or an admin; ErrAssignmentNotFound for
// anyone else, so that an outsider cannot tell it exists.
func (s *Service) MenteeAssignment(ctx context.Context, actor Actor, id string) (MenteeAssignment, error) {
	a, err := s.Store.MenteeAssignment(ctx, id)
	if errors.Is(err, ErrAssignmentNotFound) {
		return MenteeAssignment{}, err
	}
	if err != nil {
		return MenteeAssignment{}, fmt.Errorf("mentee assignment: %w", err)
	}
	if actor.Admin || a.MenteeID == actor.UserID || a.MentorID == actor.UserID {
		return a, nil
	}
	return MenteeAssignment{}, ErrAssignmentNotFound
}
