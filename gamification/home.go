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

// ClosestBadges counts a programme's badges among all and picks the n not earned yet that are
// closest to being earned (the largest share done first; ties in catalogue order, built-in
// first): what the home screen shows to aim for.
func ClosestBadges(all []BadgeProgress, programmeID string, n int) (earned, total int, pick []BadgeProgress) {
	var open []BadgeProgress
	for _, b := range all {
		if b.ProgrammeID != programmeID {
			continue
		}
		total++
		if b.Earned != nil {
			earned++
			continue
		}
		open = append(open, b)
	}
	share := func(b BadgeProgress) float64 { return float64(b.Current) / float64(max(1, b.Target)) }
	for len(pick) < n && len(open) > 0 {
		best := 0
		for i, b := range open {
			if share(b) > share(open[best]) {
				best = i
			}
		}
		pick = append(pick, open[best])
		open = append(open[:best], open[best+1:]...)
	}
	return earned, total, pick
}
