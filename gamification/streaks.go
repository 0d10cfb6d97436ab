package gamification

import "time"

// StreakAt returns the player's streak as seen at now (freezes used for the days missed, 0
// once broken), with the zone its days are in: the player's, else the programme's. The
// programme reports read it to tell a streak that was lost.
func (p Player) StreakAt(now time.Time, programmeZone *time.Location) (StreakView, *time.Location) {
	loc := programmeZone
	if len(p.Zones) > 0 {
		loc = zoneAt(p.Zones, now)
	}
	return p.Streak.View(localDate(now, loc)), loc
}
