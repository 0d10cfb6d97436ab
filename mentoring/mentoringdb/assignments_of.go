package mentoringdb

import (
	"context"

	"github.com/microlearn/microlearn/mentoring"
)

// maxInValues is the most values one $in carries: the embedded engine searches its index for
// an $in of at most 1,000 values (third_party/ferretdb/PATCHES.md).
const maxInValues = 1000

// OpenAssignmentsOf implements mentoring.Store: an equality $in on the indexed
// (menteeId, state), at most maxInValues mentees to a read.
func (s *Store) OpenAssignmentsOf(ctx context.Context, menteeIDs []string) ([]mentoring.MenteeAssignment, error) {
	var out []mentoring.MenteeAssignment
	for start := 0; start < len(menteeIDs); start += maxInValues {
		f := k("menteeId", k("$in", menteeIDs[start:min(start+maxInValues, len(menteeIDs))]), "state", string(mentoring.AssignmentOpen))
		cur, err := s.c(Assignments).Find(ctx, f)
		as, err := assignmentsOf(ctx, cur, err)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}
