package gamification

import (
	"context"
	"fmt"
)

// MenteeStanding is what a mentor sees of a mentee's gamification in one programme.
type MenteeStanding struct {
	// LastActive is the mentee's last local day with learning activity ("" when none).
	LastActive string
	Streak     int
	// WeekXP is the XP of the programme's current week.
	WeekXP int64
	// Quizzes tells, per quiz ID attempted, whether it was passed.
	Quizzes map[string]bool
}

// MenteeStandings returns the standing of each key, read in one query whatever the number of keys
// (a key without a player has an empty standing).
func (s *Service) MenteeStandings(ctx context.Context, keys []PlayerKey) (map[PlayerKey]MenteeStanding, error) {
	out := make(map[PlayerKey]MenteeStanding, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	ps, err := s.Store.Players(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("standings: %w", err)
	}
	now := s.now()
	for _, k := range keys {
		p, ok := ps[k]
		if !ok {
			out[k] = MenteeStanding{Quizzes: map[string]bool{}}
			continue
		}
		pz, err := s.programmeZone(ctx, k.ProgrammeID)
		if err != nil {
			return nil, err
		}
		loc := pz
		if len(p.Zones) > 0 {
			loc = zoneAt(p.Zones, now)
		}
		today := localDate(now, loc)
		v := p.Streak.View(today)
		week, _ := PeriodXPFor(p.Weeks, PeriodKey(PeriodWeek, now, pz))
		st := MenteeStanding{LastActive: v.LastActive, Streak: v.Current, WeekXP: week, Quizzes: map[string]bool{}}
		for key := range p.Done {
			switch {
			case len(key) > 5 && key[:5] == "quiz:":
				st.Quizzes[key[5:]] = true
			case len(key) > 9 && key[:9] == "quizfail:":
				if !st.Quizzes[key[9:]] {
					st.Quizzes[key[9:]] = false
				}
			}
		}
		out[k] = st
	}
	return out, nil
}
