package gamificationdb

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/gamification"
)

// playerDoc is the head of a player: what queries filter or project on, its version, and
// the ID of the immutable document holding the rest of its state (stateDoc).
//
// Why the split: FerretDB 1.24 pushes a filter down to SQLite only when it is exactly
// {_id}; any other filter, such as the compare-and-swap's {_id, version}, decodes every
// document of the collection, at about 50µs a kilobyte. Heads are a few hundred bytes, so
// the compare-and-swap stays cheap however much state players accumulate; the state is
// written as a new document (an insert) and read by _id (pushed down), and since state
// documents never change, a process caches them by ID (docs/decisions.md).
type playerDoc struct {
	ID          string `bson:"_id"`
	ProgrammeID string `bson:"programmeId"`
	UserID      string `bson:"userId"`
	Version     int64  `bson:"version"`
	XP          int64  `bson:"xp"`
	DisplayName string `bson:"displayName"`
	Visibility  string `bson:"visibility"`
	Role        string `bson:"role,omitempty"`
	// Periods is the XP per kept week and month, "w2026-08-31=40;m2026-09=55", for boards.
	Periods   string    `bson:"periods"`
	StateID   string    `bson:"state"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

// stateDoc is one version of a player's state, never changed after it is written. Versions
// no head points to any more are deleted by CollectGarbage.
type stateDoc struct {
	ID     string    `bson:"_id"` // player ID "#" version "#" random token
	Player string    `bson:"player"`
	State  []byte    `bson:"state"`
	At     time.Time `bson:"at"`
	// Hour is when it was written ("2006-01-02T15", UTC): CollectGarbage sweeps an hour's
	// states at a time.
	Hour string `bson:"hour"`
}

// playerState is the rest of the player.
type playerState struct {
	Level   int          `bson:"level"`
	Days    []dayDoc     `bson:"days"`
	Active  []rangeDoc   `bson:"active"`
	Streak  streakDoc    `bson:"streak"`
	Zones   []zoneDoc    `bson:"zones"`
	Weeks   []periodDoc  `bson:"weeks"`
	Months  []periodDoc  `bson:"months"`
	Done    []string     `bson:"done"`
	Tally   tallyDoc     `bson:"tally"`
	Domains []domainDoc  `bson:"domains"`
	Badges  []earnedDoc  `bson:"badges"`
	Bars    []barDoc     `bson:"bars"`
	Recent  []recentDoc  `bson:"recent"`
	Applied []appliedDoc `bson:"applied"`
	Seen    []seenDoc    `bson:"seen"`
}

type dayDoc struct {
	Date    string `bson:"d"`
	XP      int    `bson:"xp"`
	GoalMet bool   `bson:"goal,omitempty"`
	Reviews int    `bson:"rv,omitempty"`
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
	Reviews           int `bson:"reviews,omitempty"`
	ReviewDays        int `bson:"reviewDays,omitempty"`
	Meetings          int `bson:"meetings,omitempty"`
	Reflections       int `bson:"reflections,omitempty"`
	GoalsAchieved     int `bson:"goalsAchieved,omitempty"`
	CadenceMonths     int `bson:"cadenceMonths,omitempty"`
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

type seenDoc struct {
	ID string    `bson:"i"`
	At time.Time `bson:"t"`
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

func encodePeriods(ps ...[]gamification.PeriodXP) string {
	var b strings.Builder
	for _, list := range ps {
		for _, p := range list {
			if b.Len() > 0 {
				b.WriteByte(';')
			}
			b.WriteString(p.Key + "=" + strconv.FormatInt(p.XP, 10))
		}
	}
	return b.String()
}

func decodePeriods(s string) (weeks, months []gamification.PeriodXP) {
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil || k == "" {
			continue
		}
		if k[0] == 'w' {
			weeks = append(weeks, gamification.PeriodXP{Key: k, XP: n})
		} else {
			months = append(months, gamification.PeriodXP{Key: k, XP: n})
		}
	}
	return weeks, months
}

func fromPlayer(p gamification.Player) (playerDoc, []byte, error) {
	st := playerState{Level: p.Level,
		Streak: streakDoc{Current: p.Streak.Current, Best: p.Streak.Best, Freezes: p.Streak.Freezes, LastActive: p.Streak.LastActive, Frozen: p.Streak.Frozen},
		Tally:  tallyDoc(p.Tally)}
	st.Seen = mapSlice(p.Seen, func(x gamification.SeenEvent) seenDoc { return seenDoc(x) })
	st.Days = mapSlice(p.Days, func(x gamification.DayRecord) dayDoc { return dayDoc(x) })
	st.Active = mapSlice(p.Active, func(x gamification.DateRange) rangeDoc { return rangeDoc(x) })
	st.Zones = mapSlice(p.Zones, func(x gamification.ZoneChange) zoneDoc { return zoneDoc{From: x.From.UTC(), Zone: x.Zone} })
	st.Weeks = mapSlice(p.Weeks, func(x gamification.PeriodXP) periodDoc { return periodDoc(x) })
	st.Months = mapSlice(p.Months, func(x gamification.PeriodXP) periodDoc { return periodDoc(x) })
	for k, v := range p.Done {
		if v {
			st.Done = append(st.Done, k)
		}
	}
	sort.Strings(st.Done)
	for k, v := range p.Domains {
		st.Domains = append(st.Domains, domainDoc{Name: k, Count: v})
	}
	sort.Slice(st.Domains, func(i, j int) bool { return st.Domains[i].Name < st.Domains[j].Name })
	st.Badges = mapSlice(p.Badges, func(x gamification.EarnedBadge) earnedDoc { return earnedDoc(x) })
	st.Bars = mapSlice(p.Bars, func(x gamification.Bar) barDoc { return barDoc(x) })
	st.Recent = mapSlice(p.Recent, func(x gamification.Recent) recentDoc { return recentDoc(x) })
	st.Applied = mapSlice(p.Applied, func(x gamification.Applied) appliedDoc {
		return appliedDoc{EventID: x.EventID, At: x.At, Occurred: x.Occurred, Day: x.Day, Week: x.Week, Month: x.Month,
			Ledger: mapSlice(x.Ledger, func(l gamification.LedgerItem) ledgerItemDoc { return ledgerItemDoc(l) }), Badges: x.Badges, Levels: x.Levels}
	})
	state, err := bson.Marshal(st)
	if err != nil {
		return playerDoc{}, nil, fmt.Errorf("encode player: %w", err)
	}
	return playerDoc{ID: playerID(p.Key()), ProgrammeID: p.ProgrammeID, UserID: p.UserID, Version: p.Version, XP: p.XP,
		DisplayName: p.DisplayName, Visibility: string(p.Visibility), Role: p.Role, Periods: encodePeriods(p.Weeks, p.Months), UpdatedAt: p.UpdatedAt}, state, nil
}

func (d playerDoc) toPlayer(state []byte) (gamification.Player, error) {
	var st playerState
	if len(state) > 0 {
		if err := bson.Unmarshal(state, &st); err != nil {
			return gamification.Player{}, fmt.Errorf("decode player %s: %w", d.ID, err)
		}
	}
	p := gamification.Player{ProgrammeID: d.ProgrammeID, UserID: d.UserID, Version: d.Version, XP: d.XP, Level: st.Level,
		Streak: gamification.Streak{Current: st.Streak.Current, Best: st.Streak.Best, Freezes: st.Streak.Freezes, LastActive: st.Streak.LastActive, Frozen: st.Streak.Frozen},
		Tally:  gamification.Tally(st.Tally), UpdatedAt: d.UpdatedAt, Done: map[string]bool{}, Domains: map[string]int{},
		DisplayName: d.DisplayName, Visibility: gamification.Visibility(d.Visibility), Role: d.Role}
	p.Seen = mapSlice(st.Seen, func(x seenDoc) gamification.SeenEvent { return gamification.SeenEvent(x) })
	p.Days = mapSlice(st.Days, func(x dayDoc) gamification.DayRecord { return gamification.DayRecord(x) })
	p.Active = mapSlice(st.Active, func(x rangeDoc) gamification.DateRange { return gamification.DateRange(x) })
	p.Zones = mapSlice(st.Zones, func(x zoneDoc) gamification.ZoneChange { return gamification.ZoneChange{From: x.From, Zone: x.Zone} })
	p.Weeks = mapSlice(st.Weeks, func(x periodDoc) gamification.PeriodXP { return gamification.PeriodXP(x) })
	p.Months = mapSlice(st.Months, func(x periodDoc) gamification.PeriodXP { return gamification.PeriodXP(x) })
	for _, k := range st.Done {
		p.Done[k] = true
	}
	for _, x := range st.Domains {
		p.Domains[x.Name] = x.Count
	}
	p.Badges = mapSlice(st.Badges, func(x earnedDoc) gamification.EarnedBadge { return gamification.EarnedBadge(x) })
	p.Bars = mapSlice(st.Bars, func(x barDoc) gamification.Bar { return gamification.Bar(x) })
	p.Recent = mapSlice(st.Recent, func(x recentDoc) gamification.Recent { return gamification.Recent(x) })
	p.Applied = mapSlice(st.Applied, func(x appliedDoc) gamification.Applied {
		return gamification.Applied{EventID: x.EventID, At: x.At, Occurred: x.Occurred, Day: x.Day, Week: x.Week, Month: x.Month,
			Ledger: mapSlice(x.Ledger, func(l ledgerItemDoc) gamification.LedgerItem { return gamification.LedgerItem(l) }), Badges: x.Badges, Levels: x.Levels}
	})
	return p, nil
}
