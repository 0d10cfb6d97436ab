package insight

import (
	"context"
	"time"
)

// Touches marks subjects due for evaluation: the domain services' edge into insight. It needs
// only the store, so app/ can hand it to services built before the insight Service (whose
// evaluations read those services).
type Touches struct {
	Store Store
	Now   func() time.Time
}

// Touch has subjects evaluated again soon (within a sweeper round): the domain services call
// it after changing something an evaluation reads. Errors are the caller's to log: the change
// is made, and every subject is looked at again within a day regardless.
func (t Touches) Touch(ctx context.Context, programmeID string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	now := time.Now()
	if t.Now != nil {
		now = t.Now()
	}
	return t.Store.Touch(ctx, ids, programmeID, now.UTC())
}

// Touch has subjects evaluated again soon (see Touches.Touch).
func (s *Service) Touch(ctx context.Context, programmeID string, ids ...string) error {
	return Touches{Store: s.Store, Now: s.Now}.Touch(ctx, programmeID, ids...)
}
