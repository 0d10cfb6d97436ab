package api

import (
	"time"

	"github.com/microlearn/microlearn/insight"
)

// The reports' JSON, converted from insight's types. Rates are fractions (0..1), null when
// there is nothing to divide by; times are RFC 3339; weeks are the dates of their Mondays in
// the programme's zone.

type weekJSON struct {
	Completions   map[string]int64 `json:"completions"`
	ActiveMentees int64            `json:"activeMentees"`
	MedianMinutes *float64         `json:"medianMinutesPerActiveMentee"`
	Minutes       int64            `json:"minutes"`
	QuizAttempts  int64            `json:"quizAttempts"`
	QuizPassed    int64            `json:"quizzesPassed"`
}

func toWeekJSON(w insight.WeekFigures) weekJSON {
	return weekJSON{Completions: w.Completions, ActiveMentees: w.ActiveMentees, MedianMinutes: w.MedianMinutes, Minutes: w.Minutes,
		QuizAttempts: w.QuizAttempts, QuizPassed: w.QuizPassed}
}

type healthJSON struct {
	ProgrammeID  string                      `json:"programmeId"`
	GeneratedAt  time.Time                   `json:"generatedAt"`
	Timezone     string                      `json:"timezone"`
	Week         string                      `json:"week"`
	PreviousWeek string                      `json:"previousWeek"`
	Members      map[string]int64            `json:"members"`
	Active       map[string]map[string]int64 `json:"active"`
	Learning     map[string]weekJSON         `json:"learning"`
	Assignments  assignmentsJSON             `json:"assignments"`
	Pairings     pairingsJSON                `json:"pairings"`
	Meetings     meetingsJSON                `json:"meetings"`
	Checkins     *checkinsJSON               `json:"checkins,omitempty"`
	AtRisk       map[string]int64            `json:"atRisk"`
}

type assignmentsJSON struct {
	OnTime   int64            `json:"onTime"`
	Late     int64            `json:"late"`
	Overdue  int64            `json:"overdue"`
	Open     int64            `json:"open"`
	ThisWeek map[string]int64 `json:"thisWeek"`
}

type pairingCountJSON struct {
	Status string `json:"status"`
	Type   string `json:"type"`
	Count  int64  `json:"count"`
}

type pairingsJSON struct {
	ByStatus map[string]int64   `json:"byStatus"`
	ByType   map[string]int64   `json:"byType"`
	Counts   []pairingCountJSON `json:"counts"`
}

type meetingsJSON struct {
	PairingsWithCadence int64            `json:"pairingsWithCadence"`
	PeriodsElapsed      int64            `json:"periodsElapsed"`
	PeriodsKept         int64            `json:"periodsKept"`
	KeptPercent         *int64           `json:"keptPercent"`
	MeetingsHeld        int64            `json:"meetingsHeld"`
	PairingsOverdue     int64            `json:"pairingsOverdue"`
	ByFrequency         map[string]int64 `json:"byFrequency"`
}

type checkinsJSON struct {
	Invited      int64    `json:"invited"`
	Answered     int64    `json:"answered"`
	ResponseRate *float64 `json:"responseRate"`
}

func toHealthJSON(h insight.Health) healthJSON {
	out := healthJSON{ProgrammeID: h.ProgrammeID, GeneratedAt: h.GeneratedAt, Timezone: h.Timezone, Week: h.Week, PreviousWeek: h.LastWeek,
		Members: h.Members, Active: map[string]map[string]int64{"last7Days": h.Active7, "last30Days": h.Active30},
		Learning: map[string]weekJSON{"thisWeek": toWeekJSON(h.ThisWeek), "previousWeek": toWeekJSON(h.PrevWeek)},
		Assignments: assignmentsJSON{OnTime: h.Assignments.OnTime, Late: h.Assignments.Late, Overdue: h.Assignments.Overdue,
			Open: h.Assignments.Open, ThisWeek: map[string]int64{"onTime": h.Assignments.OnTimeThisWeek, "late": h.Assignments.LateWeek}},
		Pairings: pairingsJSON{ByStatus: map[string]int64{}, ByType: map[string]int64{}, Counts: []pairingCountJSON{}},
		Meetings: meetingsJSON{PairingsWithCadence: h.Meetings.PairingsWithCadence, PeriodsElapsed: h.Meetings.PeriodsElapsed,
			PeriodsKept: h.Meetings.PeriodsKept, KeptPercent: h.Meetings.KeptPercent, MeetingsHeld: h.Meetings.MeetingsHeld,
			PairingsOverdue: h.Meetings.PairingsOverdue, ByFrequency: h.Meetings.ByFrequency},
		AtRisk: map[string]int64{"mentees": h.AtRiskMentees, "pairings": h.AtRiskPairings}}
	var total int64
	for _, v := range h.Members {
		total += v
	}
	out.Members["total"] = total
	for _, p := range h.Pairings {
		out.Pairings.Counts = append(out.Pairings.Counts, pairingCountJSON(p))
		out.Pairings.ByStatus[p.Status] += p.Count
		if p.Status == "active" || p.Status == "paused" {
			out.Pairings.ByType[p.Type] += p.Count
		}
	}
	if h.Checkins != nil {
		out.Checkins = &checkinsJSON{Invited: h.Checkins.Invited, Answered: h.Checkins.Answered, ResponseRate: h.Checkins.ResponseRate}
	}
	return out
}

type domainJSON struct {
	Domain      string `json:"domain"`
	Completions int64  `json:"completions"`
	Minutes     int64  `json:"minutes"`
}

type learningWeekJSON struct {
	Week string `json:"week"`
	weekJSON
	Domains []domainJSON `json:"domains"`
}

type learningJSON struct {
	ProgrammeID string             `json:"programmeId"`
	GeneratedAt time.Time          `json:"generatedAt"`
	Timezone    string             `json:"timezone"`
	Weeks       []learningWeekJSON `json:"weeks"`
	Domains     []domainJSON       `json:"domains"`
}

func toDomainsJSON(ds []insight.DomainFigures) []domainJSON {
	out := make([]domainJSON, len(ds))
	for i, d := range ds {
		out[i] = domainJSON(d)
	}
	return out
}

func toLearningJSON(r insight.LearningReport) learningJSON {
	out := learningJSON{ProgrammeID: r.ProgrammeID, GeneratedAt: r.GeneratedAt, Timezone: r.Timezone, Weeks: []learningWeekJSON{},
		Domains: toDomainsJSON(r.Domains)}
	for _, w := range r.Weeks {
		out.Weeks = append(out.Weeks, learningWeekJSON{Week: w.Week, weekJSON: toWeekJSON(w.WeekFigures), Domains: toDomainsJSON(w.Domains)})
	}
	return out
}

type questionFiguresJSON struct {
	Key         string   `json:"key"`
	Prompt      string   `json:"prompt"`
	Answered    int64    `json:"answered"`
	Correct     int64    `json:"correct"`
	CorrectRate *float64 `json:"correctRate"`
}

type quizFiguresJSON struct {
	Attempts           int64                 `json:"attempts"`
	Passed             int64                 `json:"passed"`
	PassRate           *float64              `json:"passRate"`
	FirstAttempts      int64                 `json:"firstAttempts"`
	FirstAttemptPassed int64                 `json:"firstAttemptsPassed"`
	FirstPassRate      *float64              `json:"firstAttemptPassRate"`
	Questions          []questionFiguresJSON `json:"questions"`
}

type itemFiguresJSON struct {
	ItemID         string           `json:"itemId"`
	Kind           string           `json:"kind"`
	Title          string           `json:"title"`
	Domain         string           `json:"domain,omitempty"`
	Reach          int64            `json:"reach"`
	Completed      int64            `json:"completed"`
	CompletionRate *float64         `json:"completionRate"`
	MedianSeconds  *float64         `json:"medianSeconds"`
	TotalMinutes   int64            `json:"totalMinutes"`
	Quiz           *quizFiguresJSON `json:"quiz,omitempty"`
}

type itemsJSON struct {
	ProgrammeID string            `json:"programmeId"`
	GeneratedAt time.Time         `json:"generatedAt"`
	Items       []itemFiguresJSON `json:"items"`
	NextCursor  string            `json:"nextCursor,omitempty"`
}

func toQuestionFiguresJSON(q insight.QuestionFigures) questionFiguresJSON {
	return questionFiguresJSON{Key: q.Key, Prompt: q.Prompt, Answered: q.Answered, Correct: q.Correct, CorrectRate: q.CorrectRate}
}

func toItemFiguresJSON(f insight.ItemFigures) itemFiguresJSON {
	out := itemFiguresJSON{ItemID: f.Item.ID, Kind: f.Item.Kind, Title: f.Item.Title, Domain: f.Item.Domain, Reach: f.Reach,
		Completed: f.Completed, CompletionRate: f.CompletionRate, MedianSeconds: f.MedianSeconds, TotalMinutes: f.TotalMinutes}
	if f.Item.Kind == "quiz" {
		q := &quizFiguresJSON{Attempts: f.Attempts, Passed: f.Passed, PassRate: f.PassRate, FirstAttempts: f.FirstAttempts,
			FirstAttemptPassed: f.FirstPassed, FirstPassRate: f.FirstPassRate, Questions: []questionFiguresJSON{}}
		for _, x := range f.Questions {
			q.Questions = append(q.Questions, toQuestionFiguresJSON(x))
		}
		out.Quiz = q
	}
	return out
}

func toItemsJSON(p insight.ItemsPage) itemsJSON {
	out := itemsJSON{ProgrammeID: p.ProgrammeID, GeneratedAt: p.GeneratedAt, Items: []itemFiguresJSON{}}
	for _, f := range p.Items {
		out.Items = append(out.Items, toItemFiguresJSON(f))
	}
	if p.Next != nil {
		out.NextCursor = encodeCursor(p.Next.SortKey, p.Next.ID)
	}
	return out
}

type questionRowJSON struct {
	QuizID    string `json:"quizId"`
	QuizTitle string `json:"quizTitle"`
	questionFiguresJSON
}

type questionsJSON struct {
	ProgrammeID string            `json:"programmeId"`
	GeneratedAt time.Time         `json:"generatedAt"`
	Questions   []questionRowJSON `json:"questions"`
}

func toQuestionsJSON(r insight.QuestionsReport) questionsJSON {
	out := questionsJSON{ProgrammeID: r.ProgrammeID, GeneratedAt: r.GeneratedAt, Questions: []questionRowJSON{}}
	for _, q := range r.Questions {
		out.Questions = append(out.Questions, questionRowJSON{QuizID: q.Quiz.ID, QuizTitle: q.Quiz.Title, questionFiguresJSON: toQuestionFiguresJSON(q.QuestionFigures)})
	}
	return out
}

type reasonJSON struct {
	Code      string       `json:"code"`
	Since     time.Time    `json:"since"`
	Days      int          `json:"days"`
	Count     *int         `json:"count,omitempty"`
	Streak    *int         `json:"streak,omitempty"`
	Threshold int          `json:"threshold"`
	People    []personJSON `json:"people,omitempty"`
	Refs      []string     `json:"refs,omitempty"`
}

type atRiskRowJSON struct {
	Kind        string       `json:"kind"`
	ID          string       `json:"id"`
	Since       time.Time    `json:"since"`
	EvaluatedAt time.Time    `json:"evaluatedAt"`
	Person      *personJSON  `json:"person,omitempty"`
	PairingType string       `json:"pairingType,omitempty"`
	Mentor      *personJSON  `json:"mentor,omitempty"`
	Mentees     []personJSON `json:"mentees,omitempty"`
	Reasons     []reasonJSON `json:"reasons"`
}

type atRiskJSON struct {
	ProgrammeID string          `json:"programmeId"`
	GeneratedAt time.Time       `json:"generatedAt"`
	Items       []atRiskRowJSON `json:"items"`
	NextCursor  string          `json:"nextCursor,omitempty"`
}

func toReasonJSON(r insight.Reason, people map[string]insight.Person) reasonJSON {
	out := reasonJSON{Code: r.Code, Since: r.Since, Days: r.Days, Threshold: r.Threshold, Refs: r.Refs}
	switch r.Code {
	case insight.ReasonAssignments, insight.ReasonGoalOverdue, insight.ReasonCheckinOverdue:
		n := r.Count
		out.Count = &n
	case insight.ReasonStreakLost:
		n := r.Streak
		out.Streak = &n
	}
	for _, id := range r.UserIDs {
		p, ok := people[id]
		if !ok {
			p = insight.Person{ID: id}
		}
		out.People = append(out.People, toPersonJSON(p))
	}
	return out
}

func toAtRiskJSON(p insight.AtRiskPage) atRiskJSON {
	out := atRiskJSON{ProgrammeID: p.ProgrammeID, GeneratedAt: p.GeneratedAt, Items: []atRiskRowJSON{}}
	for _, r := range p.Rows {
		sub := r.Subject
		row := atRiskRowJSON{Kind: "mentee", ID: sub.UserID, Since: sub.Since, EvaluatedAt: sub.EvaluatedAt, Reasons: []reasonJSON{}}
		if sub.Kind == insight.KindPairing {
			row.Kind, row.ID, row.PairingType = "pairing", sub.PairingID, sub.PairingType
			m := toPersonJSON(*r.Mentor)
			row.Mentor = &m
			for _, x := range r.Mentees {
				row.Mentees = append(row.Mentees, toPersonJSON(x))
			}
		} else if r.Person != nil {
			pj := toPersonJSON(*r.Person)
			row.Person = &pj
		}
		for _, reason := range sub.Reasons {
			row.Reasons = append(row.Reasons, toReasonJSON(reason, p.People))
		}
		out.Items = append(out.Items, row)
	}
	if p.Next != nil {
		out.NextCursor = encodeTimeCursor(p.Next.At, p.Next.ID)
	}
	return out
}
