package insight_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/insight"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestInactiveCountsProgrammeDaysAcrossDST: "no activity for 7 days" starts at local midnight
// seven programme days after the last active day, also when the clocks change in between,
// and the evaluation asks to be woken exactly then.
func TestInactiveCountsProgrammeDaysAcrossDST(t *testing.T) {
	london := mustLoc(t, "Europe/London")
	last := at(t, "2026-10-22T21:30:00Z") // Thursday 22:30 BST; the clocks go back on Sunday 25th
	base := insight.MemberFacts{Membership: &insight.Membership{Role: insight.RoleMentee, JoinedAt: last.AddDate(0, -1, 0)},
		Learner: &insight.Learner{LastActive: last}, Location: london, Settings: insight.DefaultSettings("p")}
	wake := at(t, "2026-10-29T00:00:00Z") // Thursday 29th 00:00 GMT: seven local days later
	for _, tc := range []struct {
		now    string
		risk   bool
		days   int
		wantAt time.Time
	}{
		{"2026-10-28T23:59:59Z", false, 0, wake},
		{"2026-10-29T00:00:00Z", true, 7, time.Time{}},
		{"2026-11-02T09:00:00Z", true, 11, time.Time{}},
	} {
		f := base
		f.Now = at(t, tc.now)
		ev := insight.EvaluateMember(f)
		var got *insight.Reason
		for i, r := range ev.Reasons {
			if r.Code == insight.ReasonInactive {
				got = &ev.Reasons[i]
			}
		}
		if (got != nil) != tc.risk {
			t.Fatalf("at %s: inactive %v, want %v (%+v)", tc.now, got != nil, tc.risk, ev.Reasons)
		}
		if got != nil && (got.Days != tc.days || !got.Since.Equal(last) || got.Threshold != 7) {
			t.Errorf("at %s: %+v, want %d days since %s", tc.now, *got, tc.days, last)
		}
		if !tc.wantAt.IsZero() && !ev.Next.Equal(tc.wantAt) {
			t.Errorf("at %s: next evaluation %s, want %s", tc.now, ev.Next, tc.wantAt)
		}
		if ev.Contribution.Get("risk.mentee") != map[bool]int64{true: 1}[tc.risk] {
			t.Errorf("at %s: contribution %v", tc.now, ev.Contribution)
		}
	}
}

func TestMemberEvaluation(t *testing.T) {
	utc := time.UTC
	now := at(t, "2026-11-10T12:00:00Z")
	mentee := &insight.Membership{Role: insight.RoleMentee, JoinedAt: now.AddDate(0, 0, -3)}
	set := insight.DefaultSettings("p")
	set.OverdueAssignments = 2
	day := now.Add(24 * time.Hour) // evaluations come back within a day at the latest
	due := func(h int) insight.OpenAssignment {
		return insight.OpenAssignment{ID: "a" + time.Duration(h).String(), DueAt: now.Add(time.Duration(h) * time.Hour)}
	}
	for _, tc := range []struct {
		name    string
		f       insight.MemberFacts
		reasons []string
		contrib insight.Counts
		next    time.Time
	}{
		{name: "not a member any more: no counts", f: insight.MemberFacts{}, contrib: insight.Counts{}, next: now.Add(7 * 24 * time.Hour)},
		{name: "joined three days ago, never learnt: not yet inactive", f: insight.MemberFacts{Membership: mentee},
			contrib: insight.Counts{"role.mentee": 1}, next: day},
		{name: "one overdue of a threshold of two; the next due wakes it",
			f:       insight.MemberFacts{Membership: mentee, Open: []insight.OpenAssignment{due(-5), due(6)}},
			contrib: insight.Counts{"role.mentee": 1, "asg.overdue": 1, "asg.open": 1}, next: now.Add(6 * time.Hour)},
		{name: "the day without activity that makes it seven wakes it",
			f: insight.MemberFacts{Membership: &insight.Membership{Role: insight.RoleMentee, JoinedAt: now.AddDate(0, -1, 0)},
				Learner: &insight.Learner{LastActive: at(t, "2026-11-04T18:00:00Z")}},
			contrib: insight.Counts{"role.mentee": 1}, next: insight.StartOfDay("2026-11-11", utc)},
		{name: "two overdue", f: insight.MemberFacts{Membership: mentee, Open: []insight.OpenAssignment{due(-5), due(-50)}},
			reasons: []string{insight.ReasonAssignments}, contrib: insight.Counts{"role.mentee": 1, "asg.overdue": 2, "risk.mentee": 1},
			next: day},
		{name: "a mentor's overdue assignments count, but mentors are never at risk",
			f: insight.MemberFacts{Membership: &insight.Membership{Role: insight.RoleMentor, JoinedAt: now.AddDate(-1, 0, 0)},
				Open: []insight.OpenAssignment{due(-5), due(-50)}},
			contrib: insight.Counts{"role.mentor": 1, "asg.overdue": 2}, next: day},
		{name: "a 9-day streak broke yesterday at midnight (one freeze used first)",
			f: insight.MemberFacts{Membership: mentee, Learner: &insight.Learner{LastActive: now.AddDate(0, 0, -3)},
				Streak: &insight.Streak{Length: 9, Freezes: 1, LastActive: "2026-11-07", Location: utc}},
			reasons: []string{insight.ReasonStreakLost}, contrib: insight.Counts{"role.mentee": 1, "risk.mentee": 1},
			next: day},
		{name: "a streak still going wakes the evaluation when it would break",
			f: insight.MemberFacts{Membership: mentee, Learner: &insight.Learner{LastActive: now.Add(-time.Hour)},
				Streak: &insight.Streak{Current: 9, Length: 9, LastActive: "2026-11-09", Location: utc}},
			contrib: insight.Counts{"role.mentee": 1}, next: insight.StartOfDay("2026-11-11", utc)},
		{name: "a short streak lost is no reason",
			f: insight.MemberFacts{Membership: mentee, Learner: &insight.Learner{LastActive: now.AddDate(0, 0, -3)},
				Streak: &insight.Streak{Length: 3, LastActive: "2026-11-07", Location: utc}},
			contrib: insight.Counts{"role.mentee": 1}, next: day},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.Now, tc.f.Location, tc.f.Settings = now, utc, set
			ev := insight.EvaluateMember(tc.f)
			var codes []string
			for _, r := range ev.Reasons {
				codes = append(codes, r.Code)
			}
			if diff := cmp.Diff(tc.reasons, codes); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.contrib, ev.Contribution); diff != "" {
				t.Errorf("contribution (-want +got):\n%s", diff)
			}
			if !ev.Next.Equal(tc.next) {
				t.Errorf("next %s, want %s", ev.Next, tc.next)
			}
		})
	}
}

func TestPairingEvaluation(t *testing.T) {
	now := at(t, "2026-11-10T12:00:00Z")
	due := now.AddDate(0, 0, -8)
	end := now.AddDate(0, 0, 3)
	active := &insight.Pairing{ID: "x", Status: "active", Type: "one-to-one"}
	cad := &insight.Cadence{Frequency: "monthly", Elapsed: 4, Kept: 3, Held: 5, DueAt: &due, NextPeriodEnd: &end}
	set := insight.DefaultSettings("p")
	goal := insight.Goal{ID: "g1", OwnerID: "u1", DueAt: now.AddDate(0, 0, -1)}
	later := insight.Goal{ID: "g2", OwnerID: "u2", DueAt: now.AddDate(0, 0, 1)}
	ev := insight.EvaluatePairing(insight.PairingFacts{Pairing: active, Cadence: cad, Goals: []insight.Goal{goal, later},
		Checkins: []insight.OpenCheckin{{UserID: "u1", Occasion: "baseline", DueAt: now.AddDate(0, 0, -10)}}, Settings: set, Now: now})
	want := insight.Counts{"p.active.one-to-one": 1, "cad.n": 1, "cad.f.monthly": 1, "cad.elapsed": 4, "cad.kept": 3, "cad.held": 5,
		"cad.overdue": 1, "risk.pairing": 1}
	if diff := cmp.Diff(want, ev.Contribution); diff != "" {
		t.Errorf("contribution (-want +got):\n%s", diff)
	}
	var codes []string
	for _, r := range ev.Reasons {
		codes = append(codes, r.Code)
	}
	if diff := cmp.Diff([]string{insight.ReasonMeetingOverdue, insight.ReasonGoalOverdue, insight.ReasonCheckinOverdue}, codes); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
	if r := ev.Reasons[1]; r.Count != 1 || r.Refs[0] != "g1" || r.UserIDs[0] != "u1" {
		t.Errorf("goal reason %+v", r)
	}
	if !ev.Next.Equal(later.DueAt) {
		t.Errorf("next %s, want the second goal's target %s", ev.Next, later.DueAt)
	}
	// Within the grace period, and paused: counted, not at risk.
	recent := now.AddDate(0, 0, -2)
	ev = insight.EvaluatePairing(insight.PairingFacts{Pairing: active, Cadence: &insight.Cadence{Frequency: "weekly", DueAt: &recent}, Settings: set, Now: now})
	if len(ev.Reasons) != 0 || !ev.Next.Equal(now.Add(24*time.Hour)) {
		t.Errorf("within the grace: %+v next %s", ev.Reasons, ev.Next)
	}
	paused := &insight.Pairing{ID: "y", Status: "paused", Type: "group"}
	ev = insight.EvaluatePairing(insight.PairingFacts{Pairing: paused, Cadence: cad, Goals: []insight.Goal{goal}, Settings: set, Now: now})
	if len(ev.Reasons) != 0 || ev.Contribution.Get("cad.overdue") != 0 || ev.Contribution.Get("p.paused.group") != 1 {
		t.Errorf("paused: %+v %v", ev.Reasons, ev.Contribution)
	}
}
