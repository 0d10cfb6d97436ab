package gamificationdb

import (
	"sort"
	"time"

	"github.com/microlearn/microlearn/gamification"
)

type playerDoc struct {
	ID          string       `bson:"_id"`
	ProgrammeID string       `bson:"programmeId"`
	UserID      string       `bson:"userId"`
	Version     int64        `bson:"version"`
	XP          int64        `bson:"xp"`
	Level       int          `bson:"level"`
	Days        []dayDoc     `bson:"days"`
	Active      []rangeDoc   `bson:"active"`
	Streak      streakDoc    `bson:"streak"`
	Zones       []zoneDoc    `bson:"zones"`
	Weeks       []periodDoc  `bson:"weeks"`
	Months      []periodDoc  `bson:"months"`
	Done        []string     `bson:"done"`
	Tally       tallyDoc     `bson:"tally"`
	Domains     []domainDoc  `bson:"domains"`
	Badges      []earnedDoc  `bson:"badges"`
	Bars        []barDoc     `bson:"bars"`
	Recent      []recentDoc  `bson:"recent"`
	Applied     []appliedDoc `bson:"applied"`
	UpdatedAt   time.Time    `bson:"updatedAt"`
}

type dayDoc struct {
	Date    string `bson:"d"`
	XP      int    `bson:"xp"`
	GoalMet bool   `bson:"goal,omitempty"`
}

type rangeDoc struct {
	From string `bson:"from"`
	To   string `bson:"to"`
}

type streakDoc struct {
	Current    int      `bson:"current"`
	Best       int      `bson:"best"`
	Freezes    int      `bson:"freezes"`
	LastActive string   `bson:"lastActive,omitempty"`
	Frozen     []string `bson:"frozen,omitempty"`
}

type zoneDoc struct {
	From time.Time `bson:"from"`
	Zone string    `bson:"zone"`
}

type periodDoc struct {
	Key string `bson:"k"`
	XP  int64  `bson:"xp"`
}

type tallyDoc struct {
	Lessons           int `bson:"lessons"`
	QuizzesPassed     int `bson:"quizzesPassed"`
	PerfectQuizzes    int `bson:"perfectQuizzes"`
	Checklists        int `bson:"checklists"`
	Paths             int `bson:"paths"`
	Assignments       int `bson:"assignments"`
	AssignmentsOnTime int `bson:"assignmentsOnTime"`
	PairingsAllOnTime int `bson:"pairingsAllOnTime"`
}

type domainDoc struct {
	Name  string `bson:"name"`
	Count int    `bson:"n"`
}

type earnedDoc struct {
	ID      string    `bson:"id"`
	At      time.Time `bson:"at"`
	EventID string    `bson:"eventId"`
}

type barDoc struct {
	Kind  string `bson:"kind"`
	ID    string `bson:"id"`
	Done  int    `bson:"done"`
	Total int    `bson:"total"`
}

type recentDoc struct {
	Kind    string    `bson:"kind"`
	Rule    string    `bson:"rule,omitempty"`
	XP      int       `bson:"xp,omitempty"`
	BadgeID string    `bson:"badgeId,omitempty"`
	Level   int       `bson:"level,omitempty"`
	At      time.Time `bson:"at"`
	EventID string    `bson:"eventId"`
}

type ledgerItemDoc struct {
	Rule string `bson:"r"`
	XP   int    `bson:"x"`
}

type appliedDoc struct {
	EventID  string          `bson:"id"`
	At       time.Time       `bson:"at"`
	Occurred time.Time       `bson:"occ"`
	Day      string          `bson:"day"`
	Week     string          `bson:"week,omitempty"`
	Month    string          `bson:"month,omitempty"`
	Ledger   []ledgerItemDoc `bson:"ledger,omitempty"`
	Badges   []string        `bson:"badges,omitempty"`
	Levels   []int           `bson:"levels,omitempty"`
}

func mapSlice[A, B any](in []A, f func(A) B) []B {
	out := make([]B, len(in))
	for i, a := range in {
		out[i] = f(a)
	}
	return out
}

func fromPlayer(p gamification.Player) playerDoc {
	d := playerDoc{ID: playerID(p.Key()), ProgrammeID: p.ProgrammeID, UserID: p.UserID, Version: p.Version, XP: p.XP, Level: p.Level,
		Streak: streakDoc{Current: p.Streak.Current, Best: p.Streak.Best, Freezes: p.Streak.Freezes, LastActive: p.Streak.LastActive, Frozen: p.Streak.Frozen},
		Tally:  tallyDoc(p.Tally), UpdatedAt: p.UpdatedAt}
	d.Days = mapSlice(p.Days, func(x gamification.DayRecord) dayDoc { return dayDoc(x) })
	d.Active = mapSlice(p.Active, func(x gamification.DateRange) rangeDoc { return rangeDoc(x) })
	d.Zones = mapSlice(p.Zones, func(x gamification.ZoneChange) zoneDoc { return zoneDoc{From: x.From.UTC(), Zone: x.Zone} })
	d.Weeks = mapSlice(p.Weeks, func(x gamification.PeriodXP) periodDoc { return periodDoc(x) })
	d.Months = mapSlice(p.Months, func(x gamification.PeriodXP) periodDoc { return periodDoc(x) })
	for k, v := range p.Done {
		if v {
			d.Done = append(d.Done, k)
		}
	}
	sort.Strings(d.Done)
	for k, v := range p.Domains {
		d.Domains = append(d.Domains, domainDoc{Name: k, Count: v})
	}
	sort.Slice(d.Domains, func(i, j int) bool { return d.Domains[i].Name < d.Domains[j].Name })
	d.Badges = mapSlice(p.Badges, func(x gamification.EarnedBadge) earnedDoc { return earnedDoc(x) })
	d.Bars = mapSlice(p.Bars, func(x gamification.Bar) barDoc { return barDoc(x) })
	d.Recent = mapSlice(p.Recent, func(x gamification.Recent) recentDoc { return recentDoc(x) })
	d.Applied = mapSlice(p.Applied, func(x gamification.Applied) appliedDoc {
		return appliedDoc{EventID: x.EventID, At: x.At, Occurred: x.Occurred, Day: x.Day, Week: x.Week, Month: x.Month,
			Ledger: mapSlice(x.Ledger, func(l gamification.LedgerItem) ledgerItemDoc { return ledgerItemDoc(l) }), Badges: x.Badges, Levels: x.Levels}
	})
	return d
}

func (d playerDoc) toPlayer() gamification.Player {
	p := gamification.Player{ProgrammeID: d.ProgrammeID, UserID: d.UserID, Version: d.Version, XP: d.XP, Level: d.Level,
		Streak: gamification.Streak{Current: d.Streak.Current, Best: d.Streak.Best, Freezes: d.Streak.Freezes, LastActive: d.Streak.LastActive, Frozen: d.Streak.Frozen},
		Tally:  gamification.Tally(d.Tally), UpdatedAt: d.UpdatedAt, Done: map[string]bool{}, Domains: map[string]int{}}
	p.Days = mapSlice(d.Days, func(x dayDoc) gamification.DayRecord { return gamification.DayRecord(x) })
	p.Active = mapSlice(d.Active, func(x rangeDoc) gamification.DateRange { return gamification.DateRange(x) })
	p.Zones = mapSlice(d.Zones, func(x zoneDoc) gamification.ZoneChange { return gamification.ZoneChange{From: x.From, Zone: x.Zone} })
	p.Weeks = mapSlice(d.Weeks, func(x periodDoc) gamification.PeriodXP { return gamification.PeriodXP(x) })
	p.Months = mapSlice(d.Months, func(x periodDoc) gamification.PeriodXP { return gamification.PeriodXP(x) })
	for _, k := range d.Done {
		p.Done[k] = true
	}
	for _, x := range d.Domains {
		p.Domains[x.Name] = x.Count
	}
	p.Badges = mapSlice(d.Badges, func(x earnedDoc) gamification.EarnedBadge { return gamification.EarnedBadge(x) })
	p.Bars = mapSlice(d.Bars, func(x barDoc) gamification.Bar { return gamification.Bar(x) })
	p.Recent = mapSlice(d.Recent, func(x recentDoc) gamification.Recent { return gamification.Recent(x) })
	p.Applied = mapSlice(d.Applied, func(x appliedDoc) gamification.Applied {
		return gamification.Applied{EventID: x.EventID, At: x.At, Occurred: x.Occurred, Day: x.Day, Week: x.Week, Month: x.Month,
			Ledger: mapSlice(x.Ledger, func(l ledgerItemDoc) gamification.LedgerItem { return gamification.LedgerItem(l) }), Badges: x.Badges, Levels: x.Levels}
	})
	return p
}
