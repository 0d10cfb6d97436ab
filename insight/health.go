package insight

import (
	"context"
	"strings"
	"time"
)

// Health is the programme at a glance: who takes part, who is active, what is being
// completed this week against last, how assignments, pairings and meetings stand.
type Health struct {
	ProgrammeID string
	GeneratedAt time.Time
	Timezone    string
	Week        string // this week's Monday
	LastWeek    string
	// Members by role; Active7 and Active30 by role: members active in the last 7 and 30
	// days (today included).
	Members, Active7, Active30 map[string]int64
	ThisWeek, PrevWeek         WeekFigures
	Assignments                AssignmentFigures
	Pairings                   []PairingCount
	Meetings                   MeetingFigures
	Checkins                   *CheckinFigures // nil when check-ins are not available
	AtRiskMentees              int64
	AtRiskPairings             int64
}

// WeekFigures are one week's learning.
type WeekFigures struct {
	// Completions by kind: lesson, quiz, checklist, path, assignment (first completions).
	Completions map[string]int64
	// ActiveMentees learnt that week; MedianMinutes is the median of their minutes (nil
	// when none); Minutes counts everyone's.
	ActiveMentees int64
	MedianMinutes *float64
	Minutes       int64
	QuizAttempts  int64
	QuizPassed    int64
}

// AssignmentFigures: completed on time and late (all time and this week), open assignments
// overdue now and not yet due.
type AssignmentFigures struct {
	OnTime, Late, Overdue, Open int64
	OnTimeThisWeek, LateWeek    int64
}

// PairingCount is how many pairings of a type are in a status.
type PairingCount struct {
	Status, Type string
	Count        int64
}

// MeetingFigures compare meetings held with the cadences agreed, over live pairings that
// agreed one: of the periods that have ended, how many had a held meeting.
type MeetingFigures struct {
	PairingsWithCadence int64
	PeriodsElapsed      int64
	PeriodsKept         int64
	KeptPercent         *int64
	MeetingsHeld        int64
	PairingsOverdue     int64
	// ByFrequency counts the live pairings by agreed frequency.
	ByFrequency map[string]int64
}

// CheckinFigures: check-ins opened (invited) and answered, and the response rate.
type CheckinFigures struct {
	Invited, Answered int64
	ResponseRate      *float64
}

// ResponseRates reads check-in response counts (evidence of learning implements it).
type ResponseRates interface {
	// Responses returns how many check-ins opened and how many were answered in programmeID.
	Responses(ctx context.Context, programmeID string) (invited, answered int64, err error)
}

var (
	completionKinds = []string{"lesson", "quiz", "checklist", "path", "assignment"}
	memberRoles     = []string{RoleOwner, RoleMentor, RoleMentee}
)

// Health reads the health report: one read of the aggregates (and one of check-in
// responses), whatever the size of the programme.
func (s *Service) Health(ctx context.Context, programmeID string) (Health, error) {
	loc, err := s.location(ctx, programmeID)
	if err != nil {
		return Health{}, err
	}
	now := s.now()
	h := Health{ProgrammeID: programmeID, GeneratedAt: now, Timezone: loc.String(), Week: Week(now, loc)}
	h.LastWeek = AddDays(h.Week, -7)
	t := func(k TargetKind, key string) Target { return Target{Kind: k, ProgrammeID: programmeID, Key: key} }
	ts := []Target{t(TargetWeek, h.Week), t(TargetWeek, h.LastWeek), t(TargetLast, ""), t(TargetTotal, ""), t(TargetPeople, ""), t(TargetPairs, "")}
	got, err := s.Store.Read(ctx, ts)
	if err != nil {
		return Health{}, err
	}
	people, pairs := got[ts[4]], got[ts[5]]
	h.ThisWeek, h.PrevWeek = weekFigures(got[ts[0]]), weekFigures(got[ts[1]])
	h.Members = map[string]int64{}
	for _, r := range memberRoles {
		h.Members[r] = people.Get("role." + r)
	}
	h.Active7, h.Active30 = activeSince(got[ts[2]], Day(now, loc))
	h.Assignments = assignmentFigures(got[ts[3]], people, got[ts[0]])
	h.Pairings, h.Meetings = pairingCounts(pairs), meetingFigures(pairs)
	h.AtRiskMentees, h.AtRiskPairings = people.Get("risk.mentee"), pairs.Get("risk.pairing")
	if s.Responses != nil {
		inv, ans, err := s.Responses.Responses(ctx, programmeID)
		if err != nil {
			return Health{}, err
		}
		h.Checkins = &CheckinFigures{Invited: inv, Answered: ans, ResponseRate: ratio(ans, inv)}
	}
	return h, nil
}

func weekFigures(c Counts) WeekFigures {
	w := WeekFigures{Completions: map[string]int64{}, ActiveMentees: c.Get("n." + RoleMentee),
		QuizAttempts: c.Get("q.attempts"), QuizPassed: c.Get("q.passed")}
	for _, k := range completionKinds {
		w.Completions[k] = c.Get("c." + k)
	}
	for k, v := range c.Under("sec.") {
		if !strings.Contains(k, ".") {
			w.Minutes += v
		}
	}
	w.Minutes /= 60
	if m, ok := histogram(c, "h."+RoleMentee+".", "m").Median(); ok {
		w.MedianMinutes = &m
	}
	return w
}

// activeSince counts people by role whose last active day is within the last 7 and 30 days
// of today.
func activeSince(last Counts, today string) (map[string]int64, map[string]int64) {
	a7, a30 := map[string]int64{}, map[string]int64{}
	for _, r := range memberRoles {
		a7[r], a30[r] = 0, 0 // every role shows, active or not
	}
	from7, from30 := AddDays(today, -6), AddDays(today, -29)
	for k, v := range last.Under("d.") {
		role, day, ok := strings.Cut(k, ".d")
		if !ok || v <= 0 {
			continue
		}
		if day >= from30 {
			a30[role] += v
		}
		if day >= from7 {
			a7[role] += v
		}
	}
	return a7, a30
}

func assignmentFigures(total, people, week Counts) AssignmentFigures {
	return AssignmentFigures{OnTime: total.Get("a.ontime"), Late: total.Get("a.late"),
		Overdue: people.Get("asg.overdue"), Open: people.Get("asg.open"),
		OnTimeThisWeek: week.Get("a.ontime"), LateWeek: week.Get("a.late")}
}

func pairingCounts(pairs Counts) []PairingCount {
	out := []PairingCount{}
	for k, v := range pairs.Under("p.") {
		status, typ, ok := strings.Cut(k, ".")
		if ok && v > 0 {
			out = append(out, PairingCount{Status: status, Type: typ, Count: v})
		}
	}
	sortPairingCounts(out)
	return out
}

func meetingFigures(pairs Counts) MeetingFigures {
	m := MeetingFigures{PairingsWithCadence: pairs.Get("cad.n"), PeriodsElapsed: pairs.Get("cad.elapsed"),
		PeriodsKept: pairs.Get("cad.kept"), MeetingsHeld: pairs.Get("cad.held"), PairingsOverdue: pairs.Get("cad.overdue"),
		ByFrequency: map[string]int64{}}
	for k, v := range pairs.Under("cad.f.") {
		if v > 0 {
			m.ByFrequency[k] = v
		}
	}
	if m.PeriodsElapsed > 0 {
		pct := (100*m.PeriodsKept + m.PeriodsElapsed/2) / m.PeriodsElapsed
		m.KeptPercent = &pct
	}
	return m
}

func ratio(a, b int64) *float64 {
	if b <= 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}
