package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/programme/programmedb"
)

// newMentoring builds the mentoring service: content is its catalogue (assigned items must
// exist and be published) and tells it what a mentee has completed; notify tells people
// about assignments. The gamification worker tells it about learning events so it can
// derive assignment completions.
func (a *App) newMentoring() *mentoring.Service {
	return &mentoring.Service{
		Store:         a.watchMentoring(mentoringdb.New(a.DB.DB)),
		Directory:     mentoringDirectory{programmes: a.Programmes, identity: a.Identity},
		Catalog:       a.ContentCatalog(),
		Completions:   a.Content,
		Publisher:     a.Learning,
		Notifier:      mentoringNotifier{a.Notify},
		Roster:        mentoringRoster{programmedb.New(a.DB.DB)},
		MatchNotifier: matchNotifier{notify: a.Notify, programmes: a.Programmes, identity: a.Identity, now: a.Now},
		Now:           a.Now,
		Log:           a.Log,
	}
}

// endDueFlashPairings ends flash pairings whose time box ran out, every minute.
func (a *App) endDueFlashPairings(ctx context.Context) {
	every(ctx, time.Minute, func() {
		n, err := a.Mentoring.EndDueFlash(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.Log.Error("end due flash pairings", "error", err.Error())
		case n > 0:
			a.Log.Info("flash pairings ended: their time box ran out", "count", n)
		}
	})
}

// mentoringRoster lists a programme's members for matching, from programmes: one read by
// (programmeId, role), in user ID order, however many members (pages after a user ID would
// each read the whole programme on the embedded engine).
type mentoringRoster struct{ store *programmedb.Store }

func (r mentoringRoster) Members(ctx context.Context, programmeID, role string) ([]mentoring.Member, error) {
	ms, err := r.store.MembersWithRole(ctx, programmeID, programme.Role(role))
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Member, len(ms))
	for i, m := range ms {
		out[i] = mentoring.Member{UserID: m.UserID, Role: role, Department: m.Department, Languages: m.Languages}
	}
	return out, nil
}

// matchNotifier tells mentors of requests and reminds people of their profiles, through notify.
type matchNotifier struct {
	notify     *notify.Service
	programmes *programme.Service
	identity   *identity.Service
	now        func() time.Time
}

func (n matchNotifier) PairingRequested(ctx context.Context, p mentoring.Pairing) error {
	prog, err := n.programmes.Programme(ctx, p.ProgrammeID)
	if err != nil {
		return err
	}
	name := ""
	if len(p.MenteeIDs) > 0 {
		if u, err := n.identity.User(ctx, p.MenteeIDs[0]); err == nil {
			name = u.DisplayName
		}
	}
	return n.notify.PairingRequested(ctx, p.MentorID, p.ProgrammeID, prog.Name, p.ID, name)
}

func (n matchNotifier) ProfileReminder(ctx context.Context, programmeID, userID string) error {
	prog, err := n.programmes.Programme(ctx, programmeID)
	if err != nil {
		return err
	}
	return n.notify.ProfileReminder(ctx, userID, programmeID, prog.Name, n.now().In(prog.Location()).Format(time.DateOnly))
}

// mentoringDirectory answers mentoring's questions about programmes and people.
type mentoringDirectory struct {
	programmes *programme.Service
	identity   *identity.Service
}

func (d mentoringDirectory) MemberRole(ctx context.Context, programmeID, userID string) (string, error) {
	r, err := d.programmes.RoleOf(ctx, programmeID, userID)
	return string(r), err
}

func (d mentoringDirectory) ProgrammeLocation(ctx context.Context, programmeID string) (*time.Location, error) {
	p, err := d.programmes.Programme(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	return p.Location(), nil
}

func (d mentoringDirectory) DisplayNames(ctx context.Context, ids []string) (map[string]string, error) {
	// One read for everyone (people who no longer exist are left out).
	users, err := d.identity.Users(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(users))
	for id, u := range users {
		out[id] = u.DisplayName
	}
	return out, nil
}

// demoItem is a content item of the demo pack, by pack key.
type demoItem struct{ kind, key string }

// SeedMentoringDemo runs the mentoring demo step on its own (the demo accounts must exist):
// tests use it after swapping in a content catalogue, and operators after importing content.
func (a *App) SeedMentoringDemo(ctx context.Context) error {
	users := map[string]identity.User{}
	for _, acc := range DemoAccounts {
		u, _, err := a.Identity.Store.UserByEmail(ctx, acc.Email)
		if err != nil {
			return fmt.Errorf("demo account %s: %w", acc.Email, err)
		}
		users[acc.Email] = u
	}
	return a.seedMentoringDemo(ctx, users)
}

// seedMentoringDemo gives the demo programme profiles, a curated vocabulary, an active
// one-to-one pairing (mentor and mentee1), a group pairing (mentor with mentee2 and mentee3)
// and assignments with due dates. Every part checks before it writes, so it can run again.
func (a *App) seedMentoringDemo(ctx context.Context, users map[string]identity.User) error {
	if err := a.seedMatching(ctx, users); err != nil {
		return err
	}
	owner := mentoring.Actor{UserID: users["owner@example.com"].ID, Role: mentoring.RoleOwner}
	mentor := users["mentor@example.com"]
	ada, ben, chloe := users["mentee1@example.com"], users["mentee2@example.com"], users["mentee3@example.com"]
	one, err := a.demoPairing(ctx, owner, mentoring.NewPairing{MentorID: mentor.ID, MenteeIDs: []string{ada.ID}, Type: mentoring.OneToOne,
		Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Monthly, StartsOn: "2026-09-01", EndsOn: "2027-06-30",
			Goals:      []string{"Lead the morning huddle with confidence", "Give feedback that lands, weekly"},
			Boundaries: "What we discuss stays between us unless there is a safety concern. Not a line-management relationship."}})
	if err != nil {
		return err
	}
	group, err := a.demoPairing(ctx, owner, mentoring.NewPairing{MentorID: mentor.ID, MenteeIDs: []string{ben.ID, chloe.ID}, Type: mentoring.Group,
		Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Fortnightly, StartsOn: "2026-09-15", EndsOn: "2027-03-31",
			Goals:      []string{"Plan a fair rota for a ward of twenty", "Handle conflict in the team early"},
			Boundaries: "Group sessions: share only what you are comfortable sharing with the whole group."}})
	if err != nil {
		return err
	}
	return a.seedAssignments(ctx, owner, mentoring.Actor{UserID: mentor.ID, Role: mentoring.RoleMentor}, one, group)
}

// seedMatching defines the demo vocabulary and matching settings, and the profiles of the
// mentor and the three mentees.
func (a *App) seedMatching(ctx context.Context, users map[string]identity.User) error {
	m, pid := a.Mentoring, DemoProgrammeID
	for _, t := range []struct {
		name string
		syn  []string
	}{{"leadership", []string{"leading teams", "people management"}}, {"giving feedback", []string{"feedback"}},
		{"rota planning", []string{"rostering", "rotas"}}} {
		if _, err := m.DefineTag(ctx, pid, t.name, t.syn); err != nil {
			return fmt.Errorf("demo tags: %w", err)
		}
	}
	set := mentoring.DefaultSettings(pid)
	set.MustHave = []mentoring.Criterion{mentoring.CriterionLanguage}
	set.AllowSelfSelection = true
	if _, err := m.PutSettings(ctx, set); err != nil {
		return fmt.Errorf("demo matching settings: %w", err)
	}
	str := func(s string) *string { return &s }
	capacity, yes := 4, true
	profiles := []struct {
		user identity.User
		role string
		in   mentoring.ProfileInput
	}{
		{users["mentor@example.com"], mentoring.RoleMentor, mentoring.ProfileInput{Department: "Surgery", Location: "Birmingham", Languages: []string{"en", "ur"},
			Skills:   []string{"Leading teams", "Rota planning", "Conflict resolution", "Budgeting", "Giving feedback"},
			Capacity: &capacity, Available: &yes, AvailabilityNote: str("Tuesday and Thursday afternoons; video calls fine")}},
		{users["mentee1@example.com"], mentoring.RoleMentee, mentoring.ProfileInput{Department: "Emergency medicine", Location: "Birmingham", Languages: []string{"en"},
			Objectives: []string{"Leadership", "Feedback", "Confidence"}, DepartmentPreference: str("different")}},
		{users["mentee2@example.com"], mentoring.RoleMentee, mentoring.ProfileInput{Department: "Surgery", Location: "Solihull", Languages: []string{"en", "pl"},
			Objectives: []string{"Rostering", "Budgeting"}, DepartmentPreference: str("same")}},
		{users["mentee3@example.com"], mentoring.RoleMentee, mentoring.ProfileInput{Department: "Paediatrics", Location: "Birmingham", Languages: []string{"en", "fr"},
			Objectives: []string{"Conflict resolution", "Building a network"}, DepartmentPreference: str("any")}},
	}
	for _, p := range profiles {
		if _, err := m.PutMyProfile(ctx, mentoring.Actor{UserID: p.user.ID, Role: p.role}, pid, p.in); err != nil {
			return fmt.Errorf("demo profile of %s: %w", p.user.Email, err)
		}
	}
	return nil
}

// demoAssignment is an assignment the demo seed gives a pairing.
type demoAssignment struct {
	pairing mentoring.Pairing
	items   []demoItem
	due     string
	note    string
}

// seedAssignments gives each demo pairing that has none its assignments, due some days
// from now in the programme's zone.
func (a *App) seedAssignments(ctx context.Context, owner, mentor mentoring.Actor, one, group mentoring.Pairing) error {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	day := func(days int) string { return a.Now().In(loc).AddDate(0, 0, days).Format(time.DateOnly) }
	plans := []demoAssignment{
		{one, []demoItem{{learning.KindLesson, "active-listening"}, {learning.KindQuiz, "smart-goals-check"}}, day(5),
			"Before our next session: the listening ladder, then check your goals are SMART."},
		{one, []demoItem{{learning.KindPath, "getting-started"}}, day(21), "Work through this at your own pace."},
		{group, []demoItem{{learning.KindLesson, "mentoring-agreement"}, {learning.KindChecklist, "first-session-prep"}}, day(7),
			"Read this before our first group session and tick off the checklist."},
		{group, []demoItem{{learning.KindQuiz, "listening-and-feedback-check"}}, day(0) + "T21:00", "A quick one for tonight."},
	}
	existing := map[string]bool{}
	for _, p := range []mentoring.Pairing{one, group} {
		_, progress, err := a.Mentoring.PairingProgress(ctx, owner, p.ID)
		if err != nil {
			return fmt.Errorf("demo assignments: %w", err)
		}
		existing[p.ID] = len(progress) > 0 && len(progress[0].Assignments) > 0
	}
	for _, plan := range plans {
		if existing[plan.pairing.ID] {
			continue
		}
		if err := a.seedAssignment(ctx, mentor, plan); err != nil {
			return err
		}
	}
	return nil
}

// seedAssignment assigns plan's items, found by their pack keys; it skips the assignment
// (with a warning) when the catalogue lacks one of them.
func (a *App) seedAssignment(ctx context.Context, mentor mentoring.Actor, plan demoAssignment) error {
	var refs []learning.ItemRef
	for _, it := range plan.items {
		ref, _, err := a.Mentoring.Catalog.ItemByKey(ctx, DemoProgrammeID, it.kind, it.key)
		if apperr.KindOf(err) == apperr.KindNotFound {
			a.Log.Warn("demo assignment skipped: the content catalogue has no such demo item (import the demo content pack)",
				"kind", it.kind, "key", it.key)
			return nil
		}
		if err != nil {
			return fmt.Errorf("demo assignments: %w", err)
		}
		refs = append(refs, ref)
	}
	if len(refs) == 0 {
		return nil
	}
	if _, err := a.Mentoring.Assign(ctx, mentor, plan.pairing.ID, mentoring.NewAssignment{Items: refs, Due: plan.due, Note: plan.note}); err != nil {
		// A due time of "tonight" may already have passed when the seed runs late.
		a.Log.Warn("demo assignment skipped", "error", err.Error())
	}
	return nil
}

// demoPairing returns the live pairing of the first mentee of in's type, or creates it.
func (a *App) demoPairing(ctx context.Context, owner mentoring.Actor, in mentoring.NewPairing) (mentoring.Pairing, error) {
	pl, err := a.Mentoring.Store.Place(ctx, DemoProgrammeID, in.MenteeIDs[0], in.Type)
	if err == nil {
		return a.Mentoring.Pairing(ctx, owner, pl.PairingID)
	}
	if !errors.Is(err, mentoring.ErrPairingNotFound) {
		return mentoring.Pairing{}, fmt.Errorf("demo pairing: %w", err)
	}
	p, err := a.Mentoring.CreatePairing(ctx, owner, DemoProgrammeID, in)
	if err != nil {
		return mentoring.Pairing{}, fmt.Errorf("demo pairing: %w", err)
	}
	return p, nil
}
