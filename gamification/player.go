package gamification

import (
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Ledger rules: the reason an XP entry was written.
const (
	RuleLessonCompleted    = "lesson_completed"
	RuleQuizPassed         = "quiz_passed"
	RuleChecklistCompleted = "checklist_completed"
	RulePathCompleted      = "path_completed"
	RuleAssignmentOnTime   = "assignment_on_time"
	RuleDailyGoal          = "daily_goal"
	RuleReview             = "review"
)

// Retention bounds of the Player document.
const (
	// dayWindow local days of XP are kept for the daily cap and goal; an event dated
	// earlier than that earns no XP (it still counts for streaks, counters and bars).
	dayWindow = 60
	// keepWeeks and keepMonths periods of XP are kept for the leaderboards.
	keepWeeks  = 8
	keepMonths = 6
	// appliedRetention is how long an applied event ID is remembered. It must exceed the
	// longest time a claimed event can be retried (leases and backoff, see Worker), so
	// that a retry always finds it. appliedMax bounds the list for a pathological user.
	appliedRetention = 48 * time.Hour
	appliedMax       = 5000
	recentMax        = 10
	frozenMax        = 10
)

// PlayerKey names the one Player document of a user in a programme.
type PlayerKey struct{ ProgrammeID, UserID string }

// DayRecord is one local day of a user in a programme.
type DayRecord struct {
	Date    string
	XP      int
	GoalMet bool
	// Reviews counts the spaced reviews answered that day.
	Reviews int
}

// DateRange is a run of consecutive active local days, inclusive.
type DateRange struct{ From, To string }

// PeriodXP is the XP earned in one leaderboard period.
type PeriodXP struct {
	Key string
	XP  int64
}

// EarnedBadge records when a badge was earned and by which event.
type EarnedBadge struct {
	ID      string
	At      time.Time
	EventID string
}

// Bar is a progress bar: Done of Total.
type Bar struct {
	Kind  string // lesson, quiz, checklist, path, assignment, pairing, programme
	ID    string
	Done  int
	Total int
}

// Percent is the bar's completion in whole percent.
func (b Bar) Percent() int {
	if b.Total <= 0 {
		return 0
	}
	if b.Done >= b.Total {
		return 100
	}
	return b.Done * 100 / b.Total
}

// Recent is one recent award: XP, a badge or a level.
type Recent struct {
	Kind    string // xp, badge, level
	Rule    string
	XP      int
	BadgeID string
	Level   int
	At      time.Time
	EventID string
}

// LedgerItem is one XP entry an event earned.
type LedgerItem struct {
	Rule string
	XP   int
}

// Applied remembers what an applied event caused, so that its effects can be written again
// after a crash without being recomputed from state that has moved on. It is kept until
// the event is known to be done (see Player.Prune).
type Applied struct {
	EventID  string
	At       time.Time
	Occurred time.Time
	Day      string
	Week     string
	Month    string
	Ledger   []LedgerItem
	Badges   []string
	Levels   []int
}

// LedgerEntries returns the ledger entries the applied event earned.
func (a Applied) LedgerEntries(k PlayerKey) []LedgerEntry {
	out := make([]LedgerEntry, 0, len(a.Ledger))
	for _, it := range a.Ledger {
		out = append(out, LedgerEntry{ID: a.EventID + ":" + it.Rule, EventID: a.EventID, Rule: it.Rule, ProgrammeID: k.ProgrammeID,
			UserID: k.UserID, XP: it.XP, Day: a.Day, Week: a.Week, Month: a.Month, OccurredAt: a.Occurred, At: a.At})
	}
	return out
}

// Streak is the state of a user's streak as of their last active day.
type Streak struct {
	Current    int
	Best       int
	Freezes    int
	LastActive string
	// Frozen are the most recent days bridged by a freeze.
	Frozen []string
}

// Tally holds the counters of completed work.
type Tally struct {
	Lessons, QuizzesPassed, PerfectQuizzes, Checklists, Paths int
	Assignments, AssignmentsOnTime, PairingsAllOnTime         int
	// Reviews counts spaced reviews answered; ReviewDays the local days with at least one
	// (counted while the day is inside the kept window of days).
	Reviews, ReviewDays int
	// The mentoring record (see CounterMeetings).
	Meetings, Reflections, GoalsAchieved, CadenceMonths int
}

// Player is everything gamification knows about one user in one programme. It is stored as
// one document and changed only by Apply, followed by a compare-and-swap on Version.
type Player struct {
	ProgrammeID string
	UserID      string
	Version     int64
	XP          int64
	Level       int
	Days        []DayRecord
	Active      []DateRange
	Streak      Streak
	Zones       []ZoneChange
	Weeks       []PeriodXP
	Months      []PeriodXP
	// Done holds keys of completed things: "lesson:ID", "quiz:ID" (passed),
	// "quizfail:ID", "checklist:ID", "path:ID", "assignment:ID", "ontime:ID",
	// "pairing-ontime:ID".
	Done    map[string]bool
	Tally   Tally
	Domains map[string]int
	Badges  []EarnedBadge
	Bars    []Bar
	Recent  []Recent
	// Seen lists every event applied in the last appliedRetention (the exactly-once
	// guard); Applied the effects of those not yet known to be done.
	Seen    []SeenEvent
	Applied []Applied
	// DisplayName and Visibility are what leaderboards show, refreshed from the profile
	// with each event (and by Service.ProfileChanged).
	DisplayName string
	Visibility  Visibility
	// Role is the person's role in the programme (mentor, mentee, owner) as of their latest
	// event, so that boards can rank mentors and mentees apart.
	Role      string
	UpdatedAt time.Time
}

// SeenEvent records that an event was applied.
type SeenEvent struct {
	ID string
	At time.Time
}

// Prune forgets the effects of events that are done: they were all written, so a later
// delivery of such an event has nothing left to write. The event stays in Seen.
func (p *Player) Prune(done func(eventID string) bool) {
	out := p.Applied[:0]
	for _, a := range p.Applied {
		if !done(a.EventID) {
			out = append(out, a)
		}
	}
	p.Applied = out
}

// HasSeen reports whether the event was applied to the player.
func (p *Player) HasSeen(eventID string) bool {
	for i := len(p.Seen) - 1; i >= 0; i-- {
		if p.Seen[i].ID == eventID {
			return true
		}
	}
	return false
}

// Key returns the player's key.
func (p *Player) Key() PlayerKey { return PlayerKey{p.ProgrammeID, p.UserID} }

// Clone returns a deep copy (Apply mutates).
func (p Player) Clone() Player {
	q := p
	q.Days = slices.Clone(p.Days)
	q.Active = slices.Clone(p.Active)
	q.Streak.Frozen = slices.Clone(p.Streak.Frozen)
	q.Zones = slices.Clone(p.Zones)
	q.Weeks = slices.Clone(p.Weeks)
	q.Months = slices.Clone(p.Months)
	q.Done = maps.Clone(p.Done)
	q.Domains = maps.Clone(p.Domains)
	q.Badges = slices.Clone(p.Badges)
	q.Bars = slices.Clone(p.Bars)
	q.Recent = slices.Clone(p.Recent)
	q.Applied = slices.Clone(p.Applied)
	q.Seen = slices.Clone(p.Seen)
	return q
}

// AppliedEntry returns the effects of an applied event that is not yet known to be done.
func (p *Player) AppliedEntry(eventID string) (Applied, bool) {
	for i := len(p.Applied) - 1; i >= 0; i-- {
		if p.Applied[i].EventID == eventID {
			return p.Applied[i], true
		}
	}
	return Applied{}, false
}

// HasBadge reports whether the badge was earned.
func (p *Player) HasBadge(id string) (EarnedBadge, bool) {
	for _, b := range p.Badges {
		if b.ID == id {
			return b, true
		}
	}
	return EarnedBadge{}, false
}

// Counter returns the value of a badge criterion's counter.
func (p *Player) Counter(c Criterion) int {
	if n, ok := p.Tally.count(c.Counter); ok {
		return n
	}
	switch c.Counter {
	case CounterDomainItems:
		return p.Domains[c.Domain]
	case CounterDomainsTouched:
		n := 0
		for _, v := range p.Domains {
			if v > 0 {
				n++
			}
		}
		return n
	case CounterStreak:
		return p.Streak.Best
	case CounterActiveDays:
		n := 0
		for _, r := range p.Active {
			n += daysBetween(r.From, r.To) + 1
		}
		return n
	case CounterXP:
		return int(min(p.XP, math.MaxInt32))
	case CounterLevel:
		return p.Level
	}
	return 0
}

// count returns the tallied counter called name, if the tally keeps it.
func (t Tally) count(name string) (int, bool) {
	switch name {
	case CounterLessons:
		return t.Lessons, true
	case CounterQuizzesPassed:
		return t.QuizzesPassed, true
	case CounterPerfectQuizzes:
		return t.PerfectQuizzes, true
	case CounterChecklists:
		return t.Checklists, true
	case CounterPaths:
		return t.Paths, true
	case CounterAssignments:
		return t.Assignments, true
	case CounterAssignmentsOnTime:
		return t.AssignmentsOnTime, true
	case CounterPairingsAllOnTime:
		return t.PairingsAllOnTime, true
	case CounterMeetings:
		return t.Meetings, true
	case CounterReflections:
		return t.Reflections, true
	case CounterGoalsAchieved:
		return t.GoalsAchieved, true
	case CounterCadenceMonths:
		return t.CadenceMonths, true
	case CounterReviews:
		return t.Reviews, true
	case CounterReviewDays:
		return t.ReviewDays, true
	}
	return 0, false
}

// day returns the record of a local day, creating it in date order.
func (p *Player) day(date string) *DayRecord {
	i, found := slices.BinarySearchFunc(p.Days, date, func(d DayRecord, t string) int { return strings.Compare(d.Date, t) })
	if !found {
		p.Days = slices.Insert(p.Days, i, DayRecord{Date: date})
	}
	return &p.Days[i]
}

// DayXP returns the record of a local day (zero when nothing happened).
func (p *Player) DayXP(date string) DayRecord {
	for _, d := range p.Days {
		if d.Date == date {
			return d
		}
	}
	return DayRecord{Date: date}
}

func (p *Player) trimDays(today string) {
	cut := addDays(today, -(dayWindow - 1))
	i := 0
	for i < len(p.Days) && p.Days[i].Date < cut {
		i++
	}
	p.Days = p.Days[i:]
}

// addPeriod adds xp to the period key, keeping the newest n periods; it reports false when
// the period is older than every period kept (and no longer tracked).
func addPeriod(ps *[]PeriodXP, key string, xp int64, n int) bool {
	i, found := slices.BinarySearchFunc(*ps, key, func(p PeriodXP, k string) int { return strings.Compare(p.Key, k) })
	if found {
		(*ps)[i].XP += xp
		return true
	}
	if len(*ps) >= n && i == 0 {
		return false
	}
	*ps = slices.Insert(*ps, i, PeriodXP{Key: key, XP: xp})
	if len(*ps) > n {
		*ps = (*ps)[len(*ps)-n:]
	}
	return true
}

// PeriodXPFor returns the XP of a kept period.
func PeriodXPFor(ps []PeriodXP, key string) (int64, bool) {
	for _, p := range ps {
		if p.Key == key {
			return p.XP, true
		}
	}
	return 0, false
}

// addActive marks a local day active; it reports whether the day was new.
func (p *Player) addActive(d string) bool {
	for i, r := range p.Active {
		if d >= r.From && d <= r.To {
			return false
		}
		if d < r.From {
			p.Active = slices.Insert(p.Active, i, DateRange{d, d})
			p.mergeActive()
			return true
		}
	}
	p.Active = append(p.Active, DateRange{d, d})
	p.mergeActive()
	return true
}

func (p *Player) mergeActive() {
	out := p.Active[:0]
	for _, r := range p.Active {
		if n := len(out); n > 0 && addDays(out[n-1].To, 1) >= r.From {
			if r.To > out[n-1].To {
				out[n-1].To = r.To
			}
			continue
		}
		out = append(out, r)
	}
	p.Active = out
}

// computeStreak replays the active days in order: consecutive days extend the streak; a gap
// of missed days is bridged by as many freezes when that many are held, otherwise the
// streak restarts; every freezeEvery-th day of a streak earns a freeze, up to maxFreezes.
// Being a pure function of the set of active days, it gives the same answer however late
// or in whatever order the days arrive.
func computeStreak(active []DateRange, freezeEvery, maxFreezes int) Streak {
	var s Streak
	prev := ""
	for _, r := range active {
		for d := r.From; d <= r.To; d = addDays(d, 1) {
			if prev == "" {
				s.Current = 1
			} else if gap := daysBetween(prev, d) - 1; gap == 0 {
				s.Current++
			} else if gap <= s.Freezes {
				s.Freezes -= gap
				for g := 1; g <= gap; g++ {
					s.Frozen = append(s.Frozen, addDays(prev, g))
				}
				s.Current++
			} else {
				s.Current = 1
			}
			if freezeEvery > 0 && s.Current%freezeEvery == 0 {
				s.Freezes = min(maxFreezes, s.Freezes+1)
			}
			s.Best = max(s.Best, s.Current)
			prev = d
		}
	}
	if len(s.Frozen) > frozenMax {
		s.Frozen = s.Frozen[len(s.Frozen)-frozenMax:]
	}
	s.LastActive = prev
	return s
}

// StreakView is the streak as the user sees it on a given local day: freezes are used
// automatically for the days missed since the last active day, and a gap longer than the
// freezes held breaks the streak.
type StreakView struct {
	Current     int
	Best        int
	Freezes     int
	ActiveToday bool
	LastActive  string
	FrozenDays  []string
}

// View returns the streak as seen on local day today.
func (s Streak) View(today string) StreakView {
	v := StreakView{Current: s.Current, Best: s.Best, Freezes: s.Freezes, LastActive: s.LastActive, FrozenDays: slices.Clone(s.Frozen)}
	if s.LastActive == "" {
		return v
	}
	v.ActiveToday = s.LastActive == today
	gap := daysBetween(s.LastActive, today) - 1
	switch {
	case gap <= 0:
	case gap <= s.Freezes:
		v.Freezes -= gap
		for g := 1; g <= gap; g++ {
			v.FrozenDays = append(v.FrozenDays, addDays(s.LastActive, g))
		}
	default:
		v.Current = 0
	}
	return v
}

func (p *Player) pushRecent(r Recent) {
	p.Recent = append([]Recent{r}, p.Recent...)
	if len(p.Recent) > recentMax {
		p.Recent = p.Recent[:recentMax]
	}
}

func (p *Player) trimSeen(now time.Time) {
	i := 0
	for i < len(p.Seen) && (p.Seen[i].At.Before(now.Add(-appliedRetention)) || len(p.Seen)-i > appliedMax) {
		i++
	}
	p.Seen = p.Seen[i:]
	// Effects of events older than the guard can no longer be told apart from new ones;
	// they were written long ago (retries end far sooner).
	j := 0
	for j < len(p.Applied) && p.Applied[j].At.Before(now.Add(-appliedRetention)) {
		j++
	}
	p.Applied = p.Applied[j:]
}

// LevelInfo describes progress through the current level.
type LevelInfo struct {
	Level           int
	LevelStartXP    int64
	NextLevelXP     int64
	ProgressPercent int
}

// LevelOf returns where xp stands on the curve.
func LevelOf(c LevelCurve, xp int64) LevelInfo {
	l := c.LevelFor(xp)
	start, next := c.Threshold(l), c.Threshold(l+1)
	pct := 0
	if next > start {
		pct = int((xp - start) * 100 / (next - start))
	}
	return LevelInfo{Level: l, LevelStartXP: start, NextLevelXP: next, ProgressPercent: pct}
}
