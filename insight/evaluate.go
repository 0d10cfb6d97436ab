package insight

import (
	"sort"
	"time"
)

// MemberFacts are what evaluating a member needs, read from the domains.
type MemberFacts struct {
	Membership *Membership // nil: not a member (any more)
	Learner    *Learner    // nil: no learning yet
	Open       []OpenAssignment
	Streak     *Streak
	Location   *time.Location // the programme's zone
	Settings   Settings
	Now        time.Time
}

// EvaluateMember decides a member's contribution to the programme's counts and, for a mentee,
// whether they are at risk and why. It is a pure function of the facts.
func EvaluateMember(f MemberFacts) Evaluation {
	nx := next{now: f.Now}
	ev := Evaluation{Contribution: Counts{}}
	if f.Membership == nil {
		ev.Next = nx.result(endedInterval)
		return ev
	}
	ev.Contribution.Add("role."+f.Membership.Role, 1)
	overdue := assignmentsOverdue(f, &ev, &nx)
	if f.Membership.Role == RoleMentee {
		if r, ok := inactive(f, &nx); ok {
			ev.Reasons = append(ev.Reasons, r)
		}
		if overdue != nil {
			ev.Reasons = append(ev.Reasons, *overdue)
		}
		if r, ok := streakLost(f, &nx); ok {
			ev.Reasons = append(ev.Reasons, r)
		}
		if len(ev.Reasons) > 0 {
			ev.Contribution.Add("risk.mentee", 1)
		}
	}
	ev.Next = nx.result(maxEvaluationInterval)
	return ev
}

// assignmentsOverdue counts open and overdue assignments, and is the reason when enough are
// overdue; the next assignment to fall due is the next moment to look again.
func assignmentsOverdue(f MemberFacts, ev *Evaluation, nx *next) *Reason {
	var overdue []OpenAssignment
	for _, a := range f.Open {
		if a.DueAt.After(f.Now) {
			ev.Contribution.Add("asg.open", 1)
			nx.consider(a.DueAt)
			continue
		}
		overdue = append(overdue, a)
	}
	ev.Contribution.Add("asg.overdue", int64(len(overdue)))
	if len(overdue) == 0 || len(overdue) < f.Settings.OverdueAssignments {
		return nil
	}
	sort.Slice(overdue, func(i, j int) bool { return overdue[i].DueAt.Before(overdue[j].DueAt) })
	r := Reason{Code: ReasonAssignments, Since: overdue[0].DueAt, Count: len(overdue), Days: daysSince(overdue[0].DueAt, f.Now),
		Threshold: f.Settings.OverdueAssignments}
	for _, a := range overdue {
		r.Refs = append(r.Refs, a.ID)
	}
	return &r
}

// inactive: no learning activity for InactiveDays programme days (counted from joining for
// someone who never learnt).
func inactive(f MemberFacts, nx *next) (Reason, bool) {
	loc := f.Location
	since, day := f.Membership.JoinedAt, Day(f.Membership.JoinedAt, loc)
	if f.Learner != nil && !f.Learner.LastActive.IsZero() && f.Learner.LastActive.After(since) {
		since, day = f.Learner.LastActive, Day(f.Learner.LastActive, loc)
	}
	if since.IsZero() {
		return Reason{}, false
	}
	today := Day(f.Now, loc)
	idle := DaysBetween(day, today)
	if idle < f.Settings.InactiveDays {
		nx.consider(StartOfDay(AddDays(day, f.Settings.InactiveDays), loc))
		return Reason{}, false
	}
	return Reason{Code: ReasonInactive, Since: since, Days: idle, Threshold: f.Settings.InactiveDays}, true
}

// streakLost: a streak of at least StreakLostDays broke (and the mentee has not learnt
// since: a new day of learning starts a new streak). A streak that is still going is
// looked at again the moment it would break.
func streakLost(f MemberFacts, nx *next) (Reason, bool) {
	st := f.Streak
	if st == nil || st.LastActive == "" || st.Length < f.Settings.StreakLostDays {
		return Reason{}, false
	}
	loc := st.Location
	if loc == nil {
		loc = f.Location
	}
	broke := StartOfDay(AddDays(st.LastActive, st.Freezes+2), loc)
	if st.Current > 0 || f.Now.Before(broke) {
		nx.consider(broke)
		return Reason{}, false
	}
	return Reason{Code: ReasonStreakLost, Since: broke, Streak: st.Length, Days: daysSince(broke, f.Now), Threshold: f.Settings.StreakLostDays}, true
}

// PairingFacts are what evaluating a pairing needs.
type PairingFacts struct {
	Pairing  *Pairing // nil: gone
	Cadence  *Cadence // nil: not known
	Goals    []Goal
	Checkins []OpenCheckin
	Settings Settings
	Now      time.Time
}

// EvaluatePairing decides a pairing's contribution (status, type, cadence) and, for an
// active pairing, whether it is at risk and why.
func EvaluatePairing(f PairingFacts) Evaluation {
	nx := next{now: f.Now}
	ev := Evaluation{Contribution: Counts{}}
	p := f.Pairing
	if p == nil {
		ev.Next = nx.result(endedInterval)
		return ev
	}
	ev.Contribution.Add("p."+p.Status+"."+p.Type, 1)
	live := p.Status == "active" || p.Status == "paused"
	if !live {
		ev.Next = nx.result(endedInterval)
		return ev
	}
	overdue := cadenceCounts(f, &ev, &nx)
	if p.Status == "active" {
		if overdue != nil {
			ev.Reasons = append(ev.Reasons, *overdue)
		}
		if r, ok := goalsOverdue(f, &nx); ok {
			ev.Reasons = append(ev.Reasons, r)
		}
		if r, ok := checkinsOverdue(f, &nx); ok {
			ev.Reasons = append(ev.Reasons, r)
		}
		if len(ev.Reasons) > 0 {
			ev.Contribution.Add("risk.pairing", 1)
		}
	}
	ev.Next = nx.result(maxEvaluationInterval)
	return ev
}

// cadenceCounts adds the pairing's cadence to the counts and returns the overdue meeting
// reason when a meeting was due more than MeetingGraceDays ago.
func cadenceCounts(f PairingFacts, ev *Evaluation, nx *next) *Reason {
	c := f.Cadence
	if c == nil || c.DueAt == nil || c.Frequency == "" || c.Frequency == "as-needed" {
		return nil
	}
	ev.Contribution.Add("cad.n", 1)
	ev.Contribution.Add("cad.f."+c.Frequency, 1)
	ev.Contribution.Add("cad.elapsed", int64(c.Elapsed))
	ev.Contribution.Add("cad.kept", int64(c.Kept))
	ev.Contribution.Add("cad.held", int64(c.Held))
	if c.NextPeriodEnd != nil {
		nx.consider(*c.NextPeriodEnd)
	}
	late := c.DueAt.AddDate(0, 0, f.Settings.MeetingGraceDays)
	if f.Now.Before(late) || f.Pairing.Status != "active" {
		nx.consider(late)
		return nil
	}
	ev.Contribution.Add("cad.overdue", 1)
	return &Reason{Code: ReasonMeetingOverdue, Since: *c.DueAt, Days: daysSince(*c.DueAt, f.Now), Threshold: f.Settings.MeetingGraceDays}
}

func goalsOverdue(f PairingFacts, nx *next) (Reason, bool) {
	r := Reason{Code: ReasonGoalOverdue, Threshold: f.Settings.GoalGraceDays}
	for _, g := range f.Goals {
		late := g.DueAt.AddDate(0, 0, f.Settings.GoalGraceDays)
		if f.Now.Before(late) {
			nx.consider(late)
			continue
		}
		r.Count++
		r.Refs = append(r.Refs, g.ID)
		r.UserIDs = appendOnce(r.UserIDs, g.OwnerID)
		if r.Since.IsZero() || g.DueAt.Before(r.Since) {
			r.Since = g.DueAt
		}
	}
	r.Days = daysSince(r.Since, f.Now)
	return r, r.Count > 0
}

func checkinsOverdue(f PairingFacts, nx *next) (Reason, bool) {
	r := Reason{Code: ReasonCheckinOverdue, Threshold: f.Settings.CheckinGraceDays}
	for _, c := range f.Checkins {
		if late := c.DueAt.AddDate(0, 0, f.Settings.CheckinGraceDays); f.Now.Before(late) {
			nx.consider(late)
			continue
		}
		r.Count++
		r.Refs = appendOnce(r.Refs, c.Occasion)
		r.UserIDs = appendOnce(r.UserIDs, c.UserID)
		if r.Since.IsZero() || c.DueAt.Before(r.Since) {
			r.Since = c.DueAt
		}
	}
	r.Days = daysSince(r.Since, f.Now)
	return r, r.Count > 0
}

func appendOnce(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}
