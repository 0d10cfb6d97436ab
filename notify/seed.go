package notify

import (
	"context"
	"fmt"
)

// TrackNew puts the daily moments of people whose accounts were just created into the due
// index, as Track does for each of them (there is nothing of theirs to drop yet), reading
// their profiles 1,000 at a time: for building large data sets (bench/scale). Registration
// tracks each new account with Track.
func (s *Scheduler) TrackNew(ctx context.Context, userIDs []string) error {
	for i := 0; i < len(userIDs); i += 1000 {
		ids := userIDs[i:min(len(userIDs), i+1000)]
		people, err := s.Recipients.RecipientsOf(ctx, ids)
		if err != nil {
			return fmt.Errorf("track new people: %w", err)
		}
		rs := make([]Recipient, 0, len(ids))
		for _, id := range ids {
			r, ok := people[id]
			if !ok {
				return fmt.Errorf("track new people: %s has no account", id)
			}
			rs = append(rs, r)
		}
		if err := s.track(ctx, rs, false); err != nil {
			return err
		}
	}
	return nil
}
