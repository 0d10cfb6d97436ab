package notify

import (
	"context"
	"time"
)

// CheckinNotice is a check-in of a programme's evaluation plan that is due for one person.
type CheckinNotice struct {
	CheckinID   string
	ProgrammeID string
	UserID      string
	// Occasion is the check-in's label in the plan ("3 months").
	Occasion string
	// OpensAt is when it opened; ExpiresAt when it becomes overdue (the push is pointless
	// after that; the inbox and the owners' overdue list take over).
	OpensAt   time.Time
	ExpiresAt time.Time
}

// CheckinDue tells the person their check-in is due (evidence). Once per check-in: the
// dedup key is the check-in's ID.
func (s *Service) CheckinDue(ctx context.Context, c CheckinNotice) error {
	return s.Enqueue(ctx, Notification{DedupKey: key(KindCheckinDue, c.CheckinID), UserID: c.UserID, Kind: KindCheckinDue,
		ProgrammeID: c.ProgrammeID, Refs: map[string]string{"programmeId": c.ProgrammeID, "checkinId": c.CheckinID},
		Vars: map[string]string{"occasion": c.Occasion}, NotBefore: c.OpensAt, ExpiresAt: c.ExpiresAt})
}
