package gamification

import "context"

// Home is a person's standing and badges in each of their programmes (or in the one named)
// for the app's home screen: one read of their players; the programmes' rules, badges and
// zones and the person's profile come from the caches.
func (s *Service) Home(ctx context.Context, userID, programmeID string) ([]Summary, []BadgeProgress, error) {
	ps, err := s.players(ctx, userID, programmeID)
	if err != nil {
		return nil, nil, err
	}
	sums, err := s.summarize(ctx, userID, ps)
	if err != nil {
		return nil, nil, err
	}
	badges, err := s.badgeProgress(ctx, ps)
	if err != nil {
		return nil, nil, err
	}
	return sums, badges, nil
}
