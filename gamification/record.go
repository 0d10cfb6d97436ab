package gamification

import "github.com/microlearn/microlearn/learning"

// Ledger rules of the mentoring record's acts.
const (
	RuleMeetingConfirmed  = "meeting_confirmed"
	RuleReflectionWritten = "reflection_written"
	RuleGoalAchieved      = "goal_achieved"
	RuleCadenceKept       = "cadence_kept"
)

// scoreRecord counts one of the mentoring record's acts, for a mentor or a mentee alike, and
// returns its XP: each meeting, reflection subject, goal and cadence period earns once (the
// record gives every person's act its own deterministic event ID, and the player's Done keys
// make the first one count). CadenceMonths keeps the longest run reported.
func (p *Player) scoreRecord(e learning.Event, r Rules) []LedgerItem {
	switch e.Kind {
	case learning.MeetingConfirmed:
		if p.first("meeting:" + e.ItemID) {
			p.Tally.Meetings++
			return xpItem(RuleMeetingConfirmed, r.MeetingConfirmed)
		}
	case learning.ReflectionWritten:
		if p.first("reflection:" + e.ItemID) {
			p.Tally.Reflections++
			return xpItem(RuleReflectionWritten, r.ReflectionWritten)
		}
	case learning.GoalAchieved:
		if p.first("goal:" + e.ItemID) {
			p.Tally.GoalsAchieved++
			return xpItem(RuleGoalAchieved, r.GoalAchieved)
		}
	case learning.CadenceKept:
		p.Tally.CadenceMonths = max(p.Tally.CadenceMonths, e.CadenceMonths)
		if p.first("cadence:" + e.ItemID) {
			return xpItem(RuleCadenceKept, r.CadenceKept)
		}
	}
	return nil
}
