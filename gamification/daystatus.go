package gamification

import "context"

// DayStatus tells whether userID met their daily XP goal on the local date day (YYYY-MM-DD in
// their time zone), counting XP from every programme, and their longest current streak.
// The notification scheduler uses it to skip reminders once the goal is met and to send
// "streak at risk" only to people with a streak.
func (s *Service) DayStatus(ctx context.Context, userID, day string) (goalMet bool, streak int, err error) {
	ps, err := s.Store.PlayersOf(ctx, userID, "")
	if err != nil || len(ps) == 0 {
		return false, 0, err
	}
	prof, err := s.People.Profile(ctx, userID)
	if err != nil {
		return false, 0, err
	}
	goal := prof.DailyXPGoal
	if goal <= 0 {
		goal = DefaultDailyXPGoal
	}
	xp := 0
	for _, p := range ps {
		d := p.DayXP(day)
		xp += d.XP
		goalMet = goalMet || d.GoalMet
		if v := p.Streak.View(day); v.Current > streak {
			streak = v.Current
		}
	}
	return goalMet || xp >= goal, streak, nil
}
