package gamification

import (
	"math"
	"strings"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// Inputs is what applying one event needs to know besides the player.
type Inputs struct {
	Now           time.Time
	Rules         Rules
	Badges        []Badge
	Profile       Profile
	ProgrammeZone *time.Location
	JoinedAt      time.Time
	// Role is the person's role in the programme.
	Role string
	// Paths and Assignments contain the event's item (for progress bars).
	Paths       []Container
	Assignments []Container
	// LibrarySize is the programme bar's total; 0 when unknown.
	LibrarySize int
	// Pairing is the pairing of an assignment_completed event, when known.
	Pairing *Pairing
}

// Outcome says what Apply did with an event.
type Outcome string

// The outcomes.
const (
	OutcomeApplied        Outcome = "applied"
	OutcomeAlreadyApplied Outcome = "already_applied"
	OutcomeIgnored        Outcome = "ignored"       // a kind that earns nothing (lesson_started)
	OutcomeFuture         Outcome = "future"        // dated after it was received (beyond the skew)
	OutcomeBeforeJoined   Outcome = "before_joined" // dated before the user joined the programme
	// OutcomeTooFast: a completion reporting less time spent on the item than
	// Rules.MinTimePercent of its estimate. It is recorded by content (progress shows it)
	// but changes nothing here, so a later completion with enough time earns in full.
	OutcomeTooFast Outcome = "too_fast"
)

// Apply applies one event to the player and records it as applied. Events already applied
// change nothing. Rejected and ignored events change nothing and are not recorded.
func (p *Player) Apply(e learning.Event, in Inputs) Outcome {
	o, _ := p.Earn(e, in)
	return o
}

// Earn is Apply, also saying what the event earned, or why it earned nothing.
func (p *Player) Earn(e learning.Event, in Inputs) (Outcome, Earning) {
	if p.HasSeen(e.ID) {
		return OutcomeAlreadyApplied, nothing(ReasonDuplicate)
	}
	occurred, rejected := admit(e, in)
	if rejected != "" {
		return rejected, nothing(reasonOf(rejected, e))
	}
	p.prepare(in)
	rec := p.newApplied(e, occurred, in)
	today := localDate(in.Now, zoneAt(p.Zones, in.Now))
	why := p.whyNoXP(e)
	earned := p.score(e, occurred, in)
	p.earnDayXP(&rec, earned, today, in)
	p.addXP(&rec, in.Now)
	p.levelUp(&rec, in)
	if p.addActive(rec.Day) {
		p.Streak = computeStreak(p.Active, in.Rules.FreezeEvery, in.Rules.MaxFreezes)
	}
	p.awardBadges(&rec, in)
	p.updateBars(e, in)
	p.Applied = append(p.Applied, rec)
	p.Seen = append(p.Seen, SeenEvent{ID: e.ID, At: in.Now})
	p.trimSeen(in.Now)
	p.UpdatedAt = in.Now
	return OutcomeApplied, earningOf(rec, earned, why, daysBetween(rec.Day, today) >= dayWindow)
}

// admit returns when e happened (its device time, else when it was received) and, when e
// cannot count, the outcome that says why.
func admit(e learning.Event, in Inputs) (time.Time, Outcome) {
	recorded := e.RecordedAt
	if recorded.IsZero() {
		recorded = in.Now
	}
	occurred := e.OccurredAt
	if occurred.IsZero() {
		occurred = recorded
	}
	switch {
	case e.Kind == learning.LessonStarted || !knownKind(e.Kind):
		return occurred, OutcomeIgnored
	case occurred.After(recorded.Add(in.Rules.FutureSkew)):
		return occurred, OutcomeFuture
	case !in.JoinedAt.IsZero() && occurred.Before(in.JoinedAt):
		return occurred, OutcomeBeforeJoined
	case !plausible(e, in.Rules):
		return occurred, OutcomeTooFast
	}
	return occurred, ""
}

// prepare readies the player for an event: a new player's maps and level, the profile's
// time zone (a change counts from the next local day) and, on creation, what boards show.
func (p *Player) prepare(in Inputs) {
	if p.Done == nil {
		p.Done = map[string]bool{}
	}
	if p.Domains == nil {
		p.Domains = map[string]int{}
	}
	if p.Level == 0 {
		p.Level = 1
	}
	p.Zones = noteZone(p.Zones, in.Profile, in.Now)
	// What boards show of the person is taken from the profile when the player is created;
	// afterwards only SetProfile (on every profile change) changes it, so an event applied
	// with a profile cached from before the change cannot write the old name back.
	if p.Version == 0 {
		p.DisplayName, p.Visibility = in.Profile.DisplayName, in.Profile.Visibility
	}
	if !p.Visibility.Valid() {
		p.Visibility = Visible
	}
	if in.Role != "" {
		p.Role = in.Role
	}
}

// newApplied starts the record of e: its local day in the zone the person was in then, and
// its week and month in the programme's zone.
func (p *Player) newApplied(e learning.Event, occurred time.Time, in Inputs) Applied {
	pz := in.ProgrammeZone
	if pz == nil {
		pz = time.UTC
	}
	return Applied{EventID: e.ID, At: in.Now, Occurred: occurred, Day: localDate(occurred, zoneAt(p.Zones, occurred)),
		Week: PeriodKey(PeriodWeek, occurred, pz), Month: PeriodKey(PeriodMonth, occurred, pz)}
}

// earnDayXP pays what the rules gave the event on the local day it was earned, up to the
// day's cap, and the daily goal bonus once per day. Days older than the window are no
// longer known, so nothing more is earned for them.
func (p *Player) earnDayXP(rec *Applied, earned []LedgerItem, today string, in Inputs) {
	if daysBetween(rec.Day, today) >= dayWindow {
		return
	}
	d := p.day(rec.Day)
	for _, it := range earned {
		x := min(it.XP, max(0, in.Rules.DailyCap-d.XP))
		if x > 0 {
			d.XP += x
			rec.Ledger = append(rec.Ledger, LedgerItem{Rule: it.Rule, XP: x})
		}
	}
	goal := in.Profile.DailyXPGoal
	if goal <= 0 {
		goal = DefaultDailyXPGoal
	}
	if !d.GoalMet && d.XP >= goal {
		d.GoalMet = true
		if x := min(in.Rules.DailyGoalMet, max(0, in.Rules.DailyCap-d.XP)); x > 0 {
			d.XP += x
			rec.Ledger = append(rec.Ledger, LedgerItem{Rule: RuleDailyGoal, XP: x})
		}
	}
	p.trimDays(today)
}

// addXP adds the event's paid XP to the total and to its week and month (a period too old
// to be kept is left out of the record).
func (p *Player) addXP(rec *Applied, now time.Time) {
	total := int64(0)
	for _, it := range rec.Ledger {
		total += int64(it.XP)
		p.pushRecent(Recent{Kind: "xp", Rule: it.Rule, XP: it.XP, At: now, EventID: rec.EventID})
	}
	if total == 0 {
		return
	}
	p.XP += total
	if !addPeriod(&p.Weeks, rec.Week, total, keepWeeks) {
		rec.Week = ""
	}
	if !addPeriod(&p.Months, rec.Month, total, keepMonths) {
		rec.Month = ""
	}
}

// levelUp records every level the new total reaches.
func (p *Player) levelUp(rec *Applied, in Inputs) {
	lv := in.Rules.Levels.LevelFor(p.XP)
	if lv <= p.Level {
		return
	}
	for l := p.Level + 1; l <= lv; l++ {
		rec.Levels = append(rec.Levels, l)
		p.pushRecent(Recent{Kind: "level", Level: l, At: in.Now, EventID: rec.EventID})
	}
	p.Level = lv
}

// awardBadges awards every badge whose criterion the counters now meet and that the player
// does not hold yet.
func (p *Player) awardBadges(rec *Applied, in Inputs) {
	for _, b := range in.Badges {
		if _, ok := p.HasBadge(b.ID); ok || p.Counter(b.Criterion) < b.Criterion.Target {
			continue
		}
		p.Badges = append(p.Badges, EarnedBadge{ID: b.ID, At: in.Now, EventID: rec.EventID})
		rec.Badges = append(rec.Badges, b.ID)
		p.pushRecent(Recent{Kind: "badge", BadgeID: b.ID, At: in.Now, EventID: rec.EventID})
	}
}

func knownKind(k learning.Kind) bool {
	switch k {
	case learning.LessonCompleted, learning.QuizAttempted, learning.ChecklistCompleted, learning.PathCompleted, learning.AssignmentCompleted,
		learning.ReviewCompleted, learning.MeetingConfirmed, learning.ReflectionWritten, learning.GoalAchieved, learning.CadenceKept:
		return true
	}
	return false
}

// score updates counters for the event and returns the XP the rules give it (before the cap).
func (p *Player) score(e learning.Event, occurred time.Time, in Inputs) []LedgerItem {
	r := in.Rules
	switch e.Kind {
	case learning.LessonCompleted:
		if p.first("lesson:" + e.ItemID) {
			p.Tally.Lessons++
			p.countDomain(e)
			return xpItem(RuleLessonCompleted, r.LessonCompleted)
		}
	case learning.QuizAttempted:
		return p.scoreQuiz(e, r)
	case learning.ChecklistCompleted:
		if p.first("checklist:" + e.ItemID) {
			p.Tally.Checklists++
			p.countDomain(e)
			return xpItem(RuleChecklistCompleted, r.ChecklistCompleted)
		}
	case learning.PathCompleted:
		if p.first("path:" + e.ItemID) {
			p.Tally.Paths++
			return xpItem(RulePathCompleted, r.PathCompleted)
		}
	case learning.AssignmentCompleted:
		return p.scoreAssignment(e, occurred, in)
	case learning.ReviewCompleted:
		return xpItem(RuleReview, p.scoreReview(e, occurred, in))
	case learning.MeetingConfirmed, learning.ReflectionWritten, learning.GoalAchieved, learning.CadenceKept:
		return p.scoreRecord(e, r)
	}
	return nil
}

// scoreReview counts a spaced review and returns its XP: the rule's XP for a right or
// wrong answer, diminished by ReviewRepeatPercent for each earlier review of the same card
// on the same local day (the review domain numbers them in e.Attempt).
func (p *Player) scoreReview(e learning.Event, occurred time.Time, in Inputs) int {
	p.Tally.Reviews++
	day := localDate(occurred, zoneAt(p.Zones, occurred))
	if daysBetween(day, localDate(in.Now, zoneAt(p.Zones, in.Now))) < dayWindow {
		d := p.day(day)
		if d.Reviews == 0 {
			p.Tally.ReviewDays++
		}
		d.Reviews++
	}
	xp := in.Rules.ReviewIncorrect
	if e.Passed {
		xp = in.Rules.ReviewCorrect
	}
	for i := 1; i < e.Attempt && xp > 0; i++ {
		xp = xp * in.Rules.ReviewRepeatPercent / 100 // rounded down, so it reaches 0
	}
	return xp
}

// first marks key done and reports whether it was not done before.
func (p *Player) first(key string) bool {
	if p.Done[key] {
		return false
	}
	p.Done[key] = true
	return true
}

// countDomain counts the event towards its learning domain, if it has one.
func (p *Player) countDomain(e learning.Event) {
	if d := strings.TrimSpace(e.Domain); d != "" {
		p.Domains[d]++
	}
}

// xpItem is the ledger item for xp under rule; none for no XP.
func xpItem(rule string, xp int) []LedgerItem {
	if xp <= 0 {
		return nil
	}
	return []LedgerItem{{Rule: rule, XP: xp}}
}

// scoreQuiz pays the first pass of a quiz: the pass, plus the score bonus, reduced for a
// pass that came after a failed attempt. A failure is remembered; nothing counts after the
// first pass.
func (p *Player) scoreQuiz(e learning.Event, r Rules) []LedgerItem {
	if p.Done["quiz:"+e.ItemID] {
		return nil
	}
	if !e.Passed {
		p.Done["quizfail:"+e.ItemID] = true
		return nil
	}
	retry := e.Attempt > 1 || p.Done["quizfail:"+e.ItemID]
	p.first("quiz:" + e.ItemID)
	p.Tally.QuizzesPassed++
	if e.Perfect {
		p.Tally.PerfectQuizzes++
	}
	p.countDomain(e)
	score := min(max(e.ScorePercent, 0), 100)
	xp := r.QuizPassed + int(math.Round(float64(r.QuizScoreBonus)*float64(score)/100))
	if retry {
		xp = int(math.Round(float64(xp) * float64(r.QuizRetryPercent) / 100))
	}
	return xpItem(RuleQuizPassed, xp)
}

// scoreAssignment counts a completed assignment, pays it when it was on time, and counts
// the pairing once every one of its assignments was completed on time.
func (p *Player) scoreAssignment(e learning.Event, occurred time.Time, in Inputs) []LedgerItem {
	if !p.first("assignment:" + e.ItemID) {
		return nil
	}
	p.Tally.Assignments++
	var out []LedgerItem
	if e.OnTime && (e.DueAt == nil || !occurred.After(*e.DueAt)) {
		p.Done["ontime:"+e.ItemID] = true
		p.Tally.AssignmentsOnTime++
		out = xpItem(RuleAssignmentOnTime, in.Rules.AssignmentOnTime)
	}
	pr := in.Pairing
	if pr == nil || len(pr.AssignmentIDs) == 0 || p.Done["pairing-ontime:"+pr.ID] {
		return out
	}
	for _, id := range pr.AssignmentIDs {
		if !p.Done["ontime:"+id] {
			return out
		}
	}
	p.Done["pairing-ontime:"+pr.ID] = true
	p.Tally.PairingsAllOnTime++
	return out
}
