package notify

import (
	"context"
	"fmt"
)

// UnreadCount is how many of the user's shown notifications are unread (the home screen's
// badge): one count by the user's own inbox index.
func (s *Service) UnreadCount(ctx context.Context, userID string) (int, error) {
	n, err := s.Store.Unread(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("unread count: %w", err)
	}
	return n, nil
}
