package gamification

import (
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// Ledger rules: the reason an XP entry was written.
const (
	RuleLessonCompleted    = "lesson_completed"
	RuleQuizPassed         = "quiz_passed"
	RuleChecklistCompleted = "checklist_completed"
	RulePathCompleted      = "path_completed"
	RuleAssignmentOnTime   = "assignment_on_time"
	RuleDailyGoal          = "daily_goal"
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
	UpdatedAt   time.Time
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

// Inputs is what applying one event needs to know besides the player.
type Inputs struct {
	Now           time.Time
	Rules         Rules
	Badges        []Badge
	Profile       Profile
	ProgrammeZone *time.Location
	JoinedAt      time.Time
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
)

// Apply applies one event to the player and records it as applied. Events already applied
// change nothing. Rejected and ignored events change nothing and are not recorded.
func (p *Player) Apply(e learning.Event, in Inputs) Outcome {
	if p.HasSeen(e.ID) {
		return OutcomeAlreadyApplied
	}
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
		return OutcomeIgnored
	case occurred.After(recorded.Add(in.Rules.FutureSkew)):
		return OutcomeFuture
	case !in.JoinedAt.IsZero() && occurred.Before(in.JoinedAt):
		return OutcomeBeforeJoined
	}
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
	zone := zoneAt(p.Zones, occurred)
	day := localDate(occurred, zone)
	today := localDate(in.Now, zoneAt(p.Zones, in.Now))
	pz := in.ProgrammeZone
	if pz == nil {
		pz = time.UTC
	}
	rec := Applied{EventID: e.ID, At: in.Now, Occurred: occurred, Day: day, Week: PeriodKey(PeriodWeek, occurred, pz), Month: PeriodKey(PeriodMonth, occurred, pz)}

	earned := p.score(e, occurred, in)
	// XP counts for the local day it was earned on, up to the day's cap; days older than
	// the window are no longer known, so nothing more is earned for them.
	if daysBetween(day, today) < dayWindow {
		d := p.day(day)
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
	total := int64(0)
	for _, it := range rec.Ledger {
		total += int64(it.XP)
		p.pushRecent(Recent{Kind: "xp", Rule: it.Rule, XP: it.XP, At: in.Now, EventID: e.ID})
	}
	if total > 0 {
		p.XP += total
		if !addPeriod(&p.Weeks, rec.Week, total, keepWeeks) {
			rec.Week = ""
		}
		if !addPeriod(&p.Months, rec.Month, total, keepMonths) {
			rec.Month = ""
		}
	}
	if lv := in.Rules.Levels.LevelFor(p.XP); lv > p.Level {
		for l := p.Level + 1; l <= lv; l++ {
			rec.Levels = append(rec.Levels, l)
			p.pushRecent(Recent{Kind: "level", Level: l, At: in.Now, EventID: e.ID})
		}
		p.Level = lv
	}
	if p.addActive(day) {
		p.Streak = computeStreak(p.Active, in.Rules.FreezeEvery, in.Rules.MaxFreezes)
	}
	for _, b := range in.Badges {
		if _, ok := p.HasBadge(b.ID); ok || p.Counter(b.Criterion) < b.Criterion.Target {
			continue
		}
		p.Badges = append(p.Badges, EarnedBadge{ID: b.ID, At: in.Now, EventID: e.ID})
		rec.Badges = append(rec.Badges, b.ID)
		p.pushRecent(Recent{Kind: "badge", BadgeID: b.ID, At: in.Now, EventID: e.ID})
	}
	p.updateBars(e, in)
	p.Applied = append(p.Applied, rec)
	p.Seen = append(p.Seen, SeenEvent{ID: e.ID, At: in.Now})
	p.trimSeen(in.Now)
	p.UpdatedAt = in.Now
	return OutcomeApplied
}

func knownKind(k learning.Kind) bool {
	switch k {
	case learning.LessonCompleted, learning.QuizAttempted, learning.ChecklistCompleted, learning.PathCompleted, learning.AssignmentCompleted:
		return true
	}
	return false
}

// score updates counters for the event and returns the XP the rules give it (before the cap).
func (p *Player) score(e learning.Event, occurred time.Time, in Inputs) []LedgerItem {
	r := in.Rules
	first := func(key string) bool {
		if p.Done[key] {
			return false
		}
		p.Done[key] = true
		return true
	}
	domain := func() {
		if d := strings.TrimSpace(e.Domain); d != "" {
			p.Domains[d]++
		}
	}
	var out []LedgerItem
	add := func(rule string, xp int) {
		if xp > 0 {
			out = append(out, LedgerItem{Rule: rule, XP: xp})
		}
	}
	switch e.Kind {
	case learning.LessonCompleted:
		if first("lesson:" + e.ItemID) {
			p.Tally.Lessons++
			domain()
			add(RuleLessonCompleted, r.LessonCompleted)
		}
	case learning.QuizAttempted:
		if p.Done["quiz:"+e.ItemID] {
			break // nothing after the first pass
		}
		if !e.Passed {
			p.Done["quizfail:"+e.ItemID] = true
			break
		}
		retry := e.Attempt > 1 || p.Done["quizfail:"+e.ItemID]
		first("quiz:" + e.ItemID)
		p.Tally.QuizzesPassed++
		if e.Perfect {
			p.Tally.PerfectQuizzes++
		}
		domain()
		score := min(max(e.ScorePercent, 0), 100)
		xp := r.QuizPassed + int(math.Round(float64(r.QuizScoreBonus)*float64(score)/100))
		if retry {
			xp = int(math.Round(float64(xp) * float64(r.QuizRetryPercent) / 100))
		}
		add(RuleQuizPassed, xp)
	case learning.ChecklistCompleted:
		if first("checklist:" + e.ItemID) {
			p.Tally.Checklists++
			domain()
			add(RuleChecklistCompleted, r.ChecklistCompleted)
		}
	case learning.PathCompleted:
		if first("path:" + e.ItemID) {
			p.Tally.Paths++
			add(RulePathCompleted, r.PathCompleted)
		}
	case learning.AssignmentCompleted:
		if !first("assignment:" + e.ItemID) {
			break
		}
		p.Tally.Assignments++
		if e.OnTime && (e.DueAt == nil || !occurred.After(*e.DueAt)) {
			p.Done["ontime:"+e.ItemID] = true
			p.Tally.AssignmentsOnTime++
			add(RuleAssignmentOnTime, r.AssignmentOnTime)
		}
		if pr := in.Pairing; pr != nil && len(pr.AssignmentIDs) > 0 && !p.Done["pairing-ontime:"+pr.ID] {
			all := true
			for _, id := range pr.AssignmentIDs {
				all = all && p.Done["ontime:"+id]
			}
			if all {
				p.Done["pairing-ontime:"+pr.ID] = true
				p.Tally.PairingsAllOnTime++
			}
		}
	}
	return out
}

// Counter returns the value of a badge criterion's counter.
func (p *Player) Counter(c Criterion) int {
	switch c.Counter {
	case CounterLessons:
		return p.Tally.Lessons
	case CounterQuizzesPassed:
		return p.Tally.QuizzesPassed
	case CounterPerfectQuizzes:
		return p.Tally.PerfectQuizzes
	case CounterChecklists:
		return p.Tally.Checklists
	case CounterPaths:
		return p.Tally.Paths
	case CounterAssignments:
		return p.Tally.Assignments
	case CounterAssignmentsOnTime:
		return p.Tally.AssignmentsOnTime
	case CounterPairingsAllOnTime:
		return p.Tally.PairingsAllOnTime
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

func (p *Player) setBar(b Bar) {
	for i := range p.Bars {
		if p.Bars[i].Kind == b.Kind && p.Bars[i].ID == b.ID {
			p.Bars[i] = b
			return
		}
	}
	p.Bars = append(p.Bars, b)
}

// barTotal is the total of an existing bar, 1 when there is none.
func (p *Player) barTotal(kind, id string) int {
	for _, b := range p.Bars {
		if b.Kind == kind && b.ID == id && b.Total > 0 {
			return b.Total
		}
	}
	return 1
}

func (p *Player) itemDone(it learning.ItemRef) bool {
	switch it.Kind {
	case learning.KindLesson, learning.KindQuiz, learning.KindChecklist, learning.KindPath:
		return p.Done[it.Kind+":"+it.ID]
	}
	return p.Done[it.Kind+":"+it.ID]
}

// updateBars refreshes the progress bars the event touches.
func (p *Player) updateBars(e learning.Event, in Inputs) {
	item := learning.ItemRef{Kind: e.ItemKind, ID: e.ItemID}
	switch e.Kind {
	case learning.LessonCompleted, learning.QuizAttempted, learning.ChecklistCompleted, learning.PathCompleted:
		if item.Kind == "" {
			item.Kind = map[learning.Kind]string{learning.LessonCompleted: learning.KindLesson, learning.QuizAttempted: learning.KindQuiz,
				learning.ChecklistCompleted: learning.KindChecklist, learning.PathCompleted: learning.KindPath}[e.Kind]
		}
		if item.Kind == learning.KindPath {
			total := p.barTotal("path", item.ID)
			p.setBar(Bar{Kind: "path", ID: item.ID, Done: total, Total: total})
			break
		}
		done := 0
		if p.itemDone(item) {
			done = 1
		}
		p.setBar(Bar{Kind: item.Kind, ID: item.ID, Done: done, Total: 1})
	}
	for _, c := range append(slices.Clone(in.Paths), in.Assignments...) {
		done := 0
		for _, it := range c.Items {
			if p.itemDone(it) {
				done++
			}
		}
		if c.Kind == "assignment" && p.Done["assignment:"+c.ID] {
			done = len(c.Items)
		}
		if c.Kind == "path" && p.Done["path:"+c.ID] {
			done = len(c.Items)
		}
		p.setBar(Bar{Kind: c.Kind, ID: c.ID, Done: done, Total: len(c.Items)})
	}
	if e.Kind == learning.AssignmentCompleted {
		total := p.barTotal("assignment", e.ItemID)
		p.setBar(Bar{Kind: "assignment", ID: e.ItemID, Done: total, Total: total})
		if pr := in.Pairing; pr != nil && len(pr.AssignmentIDs) > 0 {
			done := 0
			for _, id := range pr.AssignmentIDs {
				if p.Done["assignment:"+id] {
					done++
				}
			}
			p.setBar(Bar{Kind: "pairing", ID: pr.ID, Done: done, Total: len(pr.AssignmentIDs)})
		}
	}
	if in.LibrarySize > 0 {
		done := 0
		for k := range p.Done {
			if strings.HasPrefix(k, "lesson:") || strings.HasPrefix(k, "quiz:") || strings.HasPrefix(k, "checklist:") {
				done++
			}
		}
		p.setBar(Bar{Kind: "programme", ID: p.ProgrammeID, Done: done, Total: in.LibrarySize})
	}
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
