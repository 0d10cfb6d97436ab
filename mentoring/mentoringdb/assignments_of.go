package mentoringdb

import (
	"context"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/mentoring"
)

// OpenAssignmentsOf implements mentoring.Store: an equality $in on the indexed
// (menteeId, state), at most mongodb.MaxIn mentees to a read.
func (s *Store) OpenAssignmentsOf(ctx context.Context, menteeIDs []string) ([]mentoring.MenteeAssignment, error) {
	var out []mentoring.MenteeAssignment
	for start := 0; start < len(menteeIDs); start += mongodb.MaxIn {
		f := k("menteeId", k("$in", menteeIDs[start:min(start+mongodb.MaxIn, len(menteeIDs))]), "state", string(mentoring.AssignmentOpen))
		cur, err := s.c(Assignments).Find(ctx, f)
		as, err := assignmentsOf(ctx, cur, err)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}
