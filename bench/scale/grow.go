package main

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentdb"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/gamification/gamificationdb"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/identity/identitydb"
	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/notifydb"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/programme/programmedb"
)

// batchMentees is how many mentees (with their mentors) one round of bulk writes adds.
const batchMentees = 200

// grow adds mentors and mentees until the programme has size mentees, each with a profile,
// a pairing, an assignment, o.activity learning events of history (activity records,
// processed events, a gamification player with its board entries and its ledger) and o.inbox
// notifications, then rebuilds the reports' aggregates as `api reports recompute` does (up to
// o.recomputeMax mentees: the rebuild reads every learning event and evaluates every member).
//
// What one person has in common with everyone (accounts, memberships, history) is written
// in bulk through the stores' seeding methods: the documents the product writes, in
// unordered inserts of up to 1,000. What has rules (profiles and their tag vocabulary,
// pairings with their capacity guards, assignments with their notifications) goes through
// the services, one call each, as the console or the API would make them.
func (w *world) grow(ctx context.Context, size int, o options) error {
	t, last := map[string]time.Duration{}, map[string]time.Duration{}
	lap := time.Now()
	for len(w.mentees) < size {
		if err := w.addBatch(ctx, min(batchMentees, size-len(w.mentees)), o, t); err != nil {
			return err
		}
		if len(w.mentees)%1000 == 0 || len(w.mentees) == size {
			delta := map[string]time.Duration{}
			for k, v := range t {
				delta[k] = v - last[k]
			}
			logf("  %d mentees: the last ones took %s (%s), this size so far %s", len(w.mentees), time.Since(lap).Round(time.Second), phases(delta), phases(t))
			logf("  database time of the last ones: %s", w.dbt.take(8))
			last, lap = maps.Clone(t), time.Now()
		}
	}
	if err := w.notices.wait(); err != nil {
		return fmt.Errorf("assignment notifications: %w", err)
	}
	return nil
}

// recomputeBudget is how long a recompute may be expected to take (extrapolated linearly from
// the previous size's) for -recompute-max -1 to run it.
const recomputeBudget = 15 * time.Minute

// recompute rebuilds the reports' aggregates as `api reports recompute` does (the seeded
// history reaches them no other way) when the size is at most o.recomputeMax and, with
// -recompute-max -1, when the previous size's recompute scaled to this size fits in
// recomputeBudget. It returns the time it took (0: not run) and sets w.recomputed.
func (w *world) recompute(ctx context.Context, size int, o options) (time.Duration, error) {
	w.recomputed = false
	if size > o.recomputeMax {
		logf("  reports not recomputed above %d mentees (-recompute-max): they hold what the product maintained since", o.recomputeMax)
		return 0, nil
	}
	if est := w.lastRecompute * time.Duration(size) / time.Duration(max(w.lastRecomputeSize, 1)); o.autoRecompute && est > recomputeBudget {
		logf("  reports not recomputed: %s at %d mentees suggests %s at %d, over %s (set -recompute-max to force it); they hold what the product maintained since",
			w.lastRecompute.Round(time.Second), w.lastRecomputeSize, est.Round(time.Minute), size, recomputeBudget)
		return 0, nil
	}
	t0 := time.Now()
	rep, err := w.a.RecomputeReports(ctx, 0)
	if err != nil {
		return 0, fmt.Errorf("recompute the reports: %w", err)
	}
	d := time.Since(t0)
	w.recomputed, w.lastRecompute, w.lastRecomputeSize = true, d, size
	logf("  reports recomputed in %s (%d events, %d learners, %d subjects, %d evaluated); database time: %s", d.Round(time.Second),
		rep.Events, rep.Learners, rep.Subjects, rep.Evaluated, w.dbt.take(5))
	return d, nil
}

func phases(t map[string]time.Duration) string {
	var s []string
	for _, k := range []string{"people", "profiles", "pairings", "history"} {
		s = append(s, fmt.Sprintf("%s %s", k, t[k].Round(100*time.Millisecond)))
	}
	return strings.Join(s, ", ")
}

// addBatch adds ceil(n/10) mentors and n mentees: for each mentor a group pairing of five of
// their mentees and one-to-one pairings for the rest.
func (w *world) addBatch(ctx context.Context, n int, o options, t map[string]time.Duration) error {
	lap := func(name string, t0 time.Time) { t[name] += time.Since(t0) }
	t0 := time.Now()
	mentors, mentees, err := w.people(ctx, (n+menteesPerMentor-1)/menteesPerMentor, n)
	if err != nil {
		return err
	}
	lap("people", t0)
	t0 = time.Now()
	if err := w.profiles(ctx, mentors, mentees); err != nil {
		return err
	}
	lap("profiles", t0)
	t0 = time.Now()
	if err := w.pairings(ctx, mentors, mentees); err != nil {
		return err
	}
	lap("pairings", t0)
	t0 = time.Now()
	if err := w.histories(ctx, mentees, o); err != nil {
		return err
	}
	lap("history", t0)
	for _, m := range mentors {
		w.mentors = append(w.mentors, m.ID)
	}
	for _, m := range mentees {
		w.mentees = append(w.mentees, m.ID)
	}
	return nil
}

// people creates the accounts and memberships of a batch in bulk, then does what
// registration and joining do after the write: has the reports look at each member and the
// reminder scheduler track each new profile (app.SeedRegistered).
func (w *world) people(ctx context.Context, nMentors, nMentees int) (mentors, mentees []identity.User, err error) {
	now := time.Now().UTC()
	var all []identity.User
	var ms []programme.Membership
	var subjects []string
	for i := 0; i < nMentors+nMentees; i++ {
		kind, role := "mentee", programme.RoleMentee
		if i < nMentors {
			kind, role = "mentor", programme.RoleMentor
		}
		k := len(w.mentees) + len(w.mentors) + i
		u := identity.User{ID: identity.NewID(), Email: fmt.Sprintf("%s-%d-%d@scale.example", kind, k, w.rng.IntN(1<<20)),
			DisplayName: fmt.Sprintf("%s %d", kind, k), Timezone: zones[k%len(zones)], Locale: "en",
			LearningSlots: []string{[]string{"07:30", "12:15", "19:00"}[k%3]}, DailyXPGoal: 20, CreatedAt: now}
		all = append(all, u)
		ms = append(ms, programme.Membership{ProgrammeID: w.pid, UserID: u.ID, Role: role, JoinedAt: now})
		subjects = append(subjects, insight.PersonSubject(w.pid, u.ID))
	}
	if err := identitydb.New(w.a.DB.DB).SeedUsers(ctx, all, "not-a-password-hash"); err != nil {
		return nil, nil, err
	}
	if err := programmedb.New(w.a.DB.DB).SeedMembers(ctx, ms); err != nil {
		return nil, nil, err
	}
	if err := w.a.Touches.Touch(ctx, w.pid, subjects...); err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(all))
	for i, u := range all {
		ids[i] = u.ID
	}
	if err := w.a.SeedRegistered(ctx, ids); err != nil { // as Register does: the reminder scheduler
		return nil, nil, err
	}
	return all[:nMentors], all[nMentors:], nil
}

// pairings pairs each mentor with their block of mentees and assigns them content, seeded in
// bulk (app.SeedMentoring); the assignment notifications go to notify a few at a time
// (handOff).
func (w *world) pairings(ctx context.Context, mentors, mentees []identity.User) error {
	loc, err := w.a.Mentoring.Directory.ProgrammeLocation(ctx, w.pid)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	var ps []mentoring.Pairing
	var copies []mentoring.MenteeAssignment
	for i, mentor := range mentors {
		block := mentees[i*menteesPerMentor : min(len(mentees), (i+1)*menteesPerMentor)]
		ids := make([]string, len(block))
		for j, m := range block {
			ids[j] = m.ID
		}
		w.pairUp(mentor.ID, ids, loc, now, &ps, &copies)
	}
	ns, err := w.a.SeedMentoring(ctx, ps, copies)
	if err != nil {
		return fmt.Errorf("pairings: %w", err)
	}
	w.notices.add(ns)
	return nil
}

// profiles writes each person's mentoring profile through the mentoring service.
func (w *world) profiles(ctx context.Context, mentors, mentees []identity.User) error {
	capacity, yes := menteesPerMentor+2, true
	for i, m := range mentors {
		if _, err := w.a.Mentoring.PutMyProfile(ctx, mentoring.Actor{UserID: m.ID, Role: mentoring.RoleMentor}, w.pid,
			mentoring.ProfileInput{Department: dept(len(w.mentors) + i), Location: "Birmingham", Languages: []string{"en"},
				Skills: []string{"Leadership", "Giving feedback", "Rota planning"}, Capacity: &capacity, Available: &yes}); err != nil {
			return fmt.Errorf("mentor profile: %w", err)
		}
	}
	for i, m := range mentees {
		if _, err := w.a.Mentoring.PutMyProfile(ctx, mentoring.Actor{UserID: m.ID, Role: mentoring.RoleMentee}, w.pid,
			mentoring.ProfileInput{Department: dept(len(w.mentees) + i), Location: "Solihull", Languages: []string{"en"},
				Objectives: []string{"Leadership", "Confidence"}}); err != nil {
			return fmt.Errorf("mentee profile: %w", err)
		}
	}
	return nil
}

func dept(i int) string {
	return []string{"Surgery", "Emergency medicine", "Paediatrics", "Radiology", "Oncology", "Cardiology"}[i%6]
}

// pairUp pairs the block's mentees with their mentor, a group of five and one-to-one pairings
// for the rest, and gives every pairing an assignment, adding them to ps and copies for
// app.SeedMentoring: what an owner's CreatePairing and the mentor's Assign would have written.
func (w *world) pairUp(mentor string, block []string, loc *time.Location, now time.Time, ps *[]mentoring.Pairing, copies *[]mentoring.MenteeAssignment) {
	due := now.AddDate(0, 0, 14).In(loc).Format(time.DateOnly)
	add := func(t mentoring.Type, mentees []string, items []content.Item) {
		p := mentoring.Pairing{ID: identity.NewID(), ProgrammeID: w.pid, MentorID: mentor, MenteeIDs: mentees, Type: t,
			Status: mentoring.StatusActive, Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Monthly},
			Origin: mentoring.OriginOwner, CreatedBy: w.owner, CreatedAt: now, UpdatedAt: now, ActivatedAt: &now}
		*ps = append(*ps, p)
		if t == mentoring.Group {
			w.groups = append(w.groups, pairing{p.ID, mentor})
		}
		*copies = append(*copies, assignmentCopies(p, items, due, loc, now)...)
	}
	if len(block) >= groupSize {
		add(mentoring.Group, block[:groupSize], []content.Item{w.paths[0], w.quizzes[0], w.lessons[len(w.lessons)-1]})
		block = block[groupSize:]
	}
	for i, m := range block {
		add(mentoring.OneToOne, []string{m}, []content.Item{w.lessons[i%len(w.lessons)], w.lessons[(i+3)%len(w.lessons)]})
	}
}

// assignmentCopies are the per-mentee copies Assign writes for items due on the local date due
// (the title defaulting to the first item's and how many more, as Assign's does).
func assignmentCopies(p mentoring.Pairing, items []content.Item, due string, loc *time.Location, now time.Time) []mentoring.MenteeAssignment {
	var assigned []mentoring.AssignedItem
	for _, it := range items {
		assigned = append(assigned, mentoring.AssignedItem{Ref: ref(it), Title: it.Title})
	}
	title := assigned[0].Title
	if len(assigned) > 1 {
		title = fmt.Sprintf("%s and %d more", title, len(assigned)-1)
	}
	dueAt, dueLocal, _ := mentoring.ParseDue(due, loc)
	id := identity.NewID()
	var out []mentoring.MenteeAssignment
	for _, m := range p.MenteeIDs {
		out = append(out, mentoring.MenteeAssignment{ID: id + ":" + m, AssignmentID: id, ProgrammeID: p.ProgrammeID,
			PairingID: p.ID, MentorID: p.MentorID, MenteeID: m, Title: title, Items: assigned, DueAt: dueAt,
			DueLocal: dueLocal, Timezone: loc.String(), State: mentoring.AssignmentOpen, CreatedAt: now})
	}
	return out
}

func ref(it content.Item) learning.ItemRef { return learning.ItemRef{Kind: string(it.Kind), ID: it.ID} }

// past is what a batch of mentees' histories add up to, written in bulk.
type past struct {
	acts    []content.Activity
	events  []learning.Event
	players []gamification.Player
	ledger  []gamification.LedgerEntry
	inbox   []notify.Entry
}

// histories writes o.activity learning events of each mentee's past (spread over the last 60
// days) as the product would have left them: activity records, processed events (kept leases
// for the last 31 days, the log before), the gamification player they add up to (with its
// board entries and counts) and its ledger, and o.inbox notifications.
func (w *world) histories(ctx context.Context, mentees []identity.User, o options) error {
	now := time.Now().UTC()
	var b past
	for _, m := range mentees {
		w.history(&b, m, o, now)
		b.inbox = append(b.inbox, inbox(w.pid, m.ID, o.inbox, now)...)
	}
	if err := w.a.Content.Store.(*contentdb.Store).SeedActivities(ctx, b.acts); err != nil {
		return err
	}
	if err := w.a.Learning.SeedProcessed(ctx, b.events, now); err != nil {
		return err
	}
	if err := w.a.Gamification.Store.(*gamificationdb.Store).SeedPlayers(ctx, b.players); err != nil {
		return err
	}
	for i := 0; i < len(b.ledger); i += 1000 {
		if _, _, err := w.a.Gamification.Store.AppendLedger(ctx, b.ledger[i:min(len(b.ledger), i+1000)], nil); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	return w.a.Notify.Store.(*notifydb.Store).SeedInbox(ctx, b.inbox)
}

// history adds one mentee's past to b.
func (w *world) history(b *past, m identity.User, o options, now time.Time) {
	p := gamification.Player{ProgrammeID: w.pid, UserID: m.ID, Done: map[string]bool{}, Domains: map[string]int{},
		DisplayName: m.DisplayName, Visibility: gamification.Visible, Role: string(programme.RoleMentee), UpdatedAt: now}
	days := map[string]int{}
	attempts := map[string]int{}
	for k := 0; k < o.activity; k++ {
		at := now.Add(-time.Duration(60*24*(o.activity-k)/max(o.activity, 1)) * time.Hour).Add(-time.Duration(w.rng.IntN(3600)) * time.Second)
		a, e := w.pastEvent(k, attempts)
		id := uuid()
		a.UserID, a.EventID, a.ProgrammeID, a.OccurredAt, a.RecordedAt, a.SecondsSpent = m.ID, id, w.pid, at, at, 300
		e.ID, e.UserID, e.ProgrammeID, e.OccurredAt, e.RecordedAt, e.SecondsSpent = id, m.ID, w.pid, at, at, 300
		b.acts, b.events = append(b.acts, a), append(b.events, e)
		if !a.Completes {
			continue
		}
		const xp = 10
		day := at.Format(time.DateOnly)
		days[day] += xp
		p.XP += xp
		p.Done[e.ItemKind+":"+e.ItemID] = true
		p.Domains[e.Domain]++
		b.ledger = append(b.ledger, gamification.LedgerEntry{ID: id + ":" + string(e.Kind), EventID: id, Rule: string(e.Kind),
			ProgrammeID: w.pid, UserID: m.ID, XP: xp, Day: day, Week: weekKey(at), Month: "m" + at.Format("2006-01"), OccurredAt: at, At: at})
		addPeriod(&p.Weeks, weekKey(at), xp)
		addPeriod(&p.Months, "m"+at.Format("2006-01"), xp)
	}
	for day, xp := range days {
		p.Days = append(p.Days, gamification.DayRecord{Date: day, XP: xp, GoalMet: xp >= 20})
	}
	p.Level = 1 + int(p.XP/100)
	b.players = append(b.players, p)
}

// pastEvent is the k-th event of a history: three lessons (started, then completed), a quiz
// attempt, a checklist tick, in turn.
func (w *world) pastEvent(k int, attempts map[string]int) (content.Activity, learning.Event) {
	switch k % 5 {
	case 0, 1, 2:
		it := w.lessons[(k/2)%len(w.lessons)]
		state, kind := content.LessonCompleted, learning.LessonCompleted
		if k%5 == 0 {
			state, kind = content.LessonStarted, learning.LessonStarted
		}
		return content.Activity{Type: content.ActivityLessonProgress, ItemID: it.ID, ItemKind: it.Kind, ItemVersion: it.Version,
				LessonState: state, Completes: state == content.LessonCompleted},
			learning.Event{Kind: kind, ItemKind: string(it.Kind), ItemID: it.ID, Domain: string(it.Domain)}
	case 3:
		it := w.quizzes[(k/5)%len(w.quizzes)]
		attempts[it.ID]++
		score := 50 + w.rng.IntN(51)
		return content.Activity{Type: content.ActivityQuizAttempt, ItemID: it.ID, ItemKind: it.Kind, ItemVersion: it.Version,
				Attempt: attempts[it.ID], ScorePercent: score, Passed: score >= 70, Completes: score >= 70},
			learning.Event{Kind: learning.QuizAttempted, ItemKind: string(it.Kind), ItemID: it.ID, Domain: string(it.Domain),
				ScorePercent: score, Passed: score >= 70, Attempt: attempts[it.ID]}
	default:
		it := w.checklists[(k/5)%len(w.checklists)]
		return content.Activity{Type: content.ActivityChecklistTick, ItemID: it.ID, ItemKind: it.Kind, ItemVersion: it.Version,
				ChecklistItem: checklistItem(it, k), Ticked: true, TickedItems: []string{checklistItem(it, k)}},
			learning.Event{Kind: learning.ChecklistCompleted, ItemKind: string(it.Kind), ItemID: it.ID, Domain: string(it.Domain)}
	}
}

func inbox(pid, user string, n int, now time.Time) []notify.Entry {
	var es []notify.Entry
	for i := 0; i < n; i++ {
		at := now.Add(-time.Duration(i*36) * time.Hour)
		es = append(es, notify.Entry{ID: fmt.Sprintf("seed-%s-%d", user, i), UserID: user, Kind: notify.KindBadgeEarned, ProgrammeID: pid,
			Title: "Badge earned", Body: "You earned a badge", Status: notify.StatusSent, Shown: true, CreatedAt: at, At: at})
	}
	return es
}
