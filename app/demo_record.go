package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/mentoring"
)

// seedRecordDemo gives the demo pairings a few months of mentoring record, so a newcomer
// logging in as the mentor or a mentee sees one lived-in story: Malik and Ada have met
// monthly (the evidence demo adds their most recent meeting, nine days ago, with both
// sides' reflections and the mentor's feedback: this step runs after it and adds the two
// before it), their next meeting is planned and waits for Ada's confirmation, their agreement
// has a version both acknowledged and a change of Ada's the mentor has still to acknowledge;
// the group (Ben and Chloe) meets fortnightly, and its latest meeting is logged but not
// confirmed yet. Goals are in several states, with progress and history, and both sides have
// written shared reflections and private notes. Idempotent: each meeting is recognised by its
// first objective, each note by its text, and the agreement and goals are changed only once.
func (a *App) seedRecordDemo(ctx context.Context, users map[string]identity.User) error {
	ps, err := a.Mentoring.Store.Pairings(ctx, mentoring.PairingQuery{ProgrammeID: DemoProgrammeID, Limit: 20})
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.Status != mentoring.StatusActive {
			continue
		}
		// The agreement's goal strings become goals now, not after the seed, so that the
		// demo's goals can carry progress.
		if err := a.Record.MigrateAgreementGoals(ctx, p); err != nil {
			return err
		}
		if p, err = a.Record.Pairing(ctx, p.ID); err != nil {
			return err
		}
		story := demoOneToOne
		if p.Type == mentoring.Group {
			story = demoGroup
		}
		if err := a.seedPairingRecord(ctx, p, story(p)); err != nil {
			return fmt.Errorf("demo record of %s: %w", p.ID, err)
		}
	}
	return nil
}

// demoStory is one pairing's record, relative to the day of the seed.
type demoStory struct {
	meetings []demoMeeting
	notes    []demoNote
	goals    []demoGoal
	// agreed is a change the other side acknowledged; pending one still waiting.
	agreed, pending *demoAgreementChange
}

type demoMeeting struct {
	by          string
	daysAgo     int // negative: to come
	hour        int
	minutes     int
	format      string
	objectives  []string
	topics      []string
	attendees   []string // nil: everyone
	confirmedBy string   // "" leaves it awaiting confirmation
	actions     []demoAction
}

type demoAction struct {
	owner, text string
	dueInDays   int
	done        bool
}

type demoNote struct {
	by, visibility string
	meeting        int // index into meetings, -1 for the pairing
	body           string
	learned, apply string
	domains        []string
}

type demoGoal struct {
	owner, specific, measure string
	// steps are the progress (or status) the goal went through, in order.
	steps  []demoGoalStep
	tags   []string
	target string
}

type demoGoalStep struct {
	progress int
	status   string
	note     string
}

type demoAgreementChange struct {
	by, field, value string
}

func demoOneToOne(p mentoring.Pairing) demoStory {
	mentor, ada := p.MentorID, p.MenteeIDs[0]
	return demoStory{
		meetings: []demoMeeting{
			{by: mentor, daysAgo: 63, hour: 14, minutes: 60, format: "in-person", confirmedBy: ada,
				objectives: []string{"Get to know each other and agree how we work"},
				topics:     []string{"What Ada wants from the programme", "Boundaries and confidentiality", "How often to meet"},
				actions:    []demoAction{{ada, "Write down three situations at work I want to handle better", -56, true}}},
			{by: ada, daysAgo: 35, hour: 15, minutes: 45, format: "video", confirmedBy: mentor,
				objectives: []string{"Plan the first huddle Ada leads"},
				topics:     []string{"Running a ten-minute huddle", "Nerves before speaking to the team", "People to ask in other departments"},
				actions: []demoAction{{ada, "Sit in on the surgical ward's huddle", -28, true},
					{mentor, "Introduce Ada to the charge nurse in surgery", -30, true}}},
			{by: mentor, daysAgo: -12, hour: 14, minutes: 45, format: "video",
				objectives: []string{"Review the first month of huddles"},
				topics:     []string{"What went well, what to change"}},
		},
		notes: []demoNote{
			{by: ada, visibility: "pairing", meeting: 1, learned: "A huddle works when it has the same three parts every day.",
				apply: "Use a fixed agenda: safety, staffing, one thing to celebrate.", domains: []string{"skill-based", "cognitive"}},
			{by: mentor, visibility: "pairing", meeting: 1, learned: "Ada knows what she wants to say; my job is to help her believe it.",
				apply: "Ask what she would do before I say what I would do.", domains: []string{"affective"}},
			{by: ada, visibility: "private", meeting: 1, body: "Still nervous about the consultants at the huddle. Bring this up next time?"},
			{by: mentor, visibility: "private", meeting: 0, body: "Ada underrates herself; keep the feedback concrete and specific."},
			{by: mentor, visibility: "owners", meeting: -1, body: "Progress summary for the programme lead: meeting monthly as agreed, first goal well under way."},
		},
		goals: []demoGoal{
			{owner: ada, specific: "Lead the morning huddle with confidence", steps: []demoGoalStep{{progress: 20, note: "Sat in on surgery's huddle"}, {progress: 60, note: "Led three huddles this month"}}},
			{owner: ada, specific: "Give feedback that lands, weekly", steps: []demoGoalStep{{progress: 30, note: "Tried the situation-behaviour-impact model twice"}}},
			{owner: ada, specific: "Finish the budgeting module", measure: "All lessons of the budgeting path completed", tags: []string{"budgeting"},
				steps: []demoGoalStep{{status: "dropped", note: "Not a priority this year: the rota work comes first"}}},
			{owner: mentor, specific: "Ask more, tell less: let my mentee speak first", measure: "In each meeting, Ada proposes before I advise",
				tags: []string{"giving feedback"}, target: "2027-03-31", steps: []demoGoalStep{{progress: 50, note: "Two meetings out of three"}}},
		},
		agreed: &demoAgreementChange{by: mentor, field: "boundaries",
			value: "What we discuss stays between us unless there is a safety concern. Not a line-management relationship. Either of us may cancel with a day's notice."},
		pending: &demoAgreementChange{by: ada, field: "meetingFrequency", value: "fortnightly"},
	}
}

func demoGroup(p mentoring.Pairing) demoStory {
	mentor, ben, chloe := p.MentorID, p.MenteeIDs[0], p.MenteeIDs[len(p.MenteeIDs)-1]
	return demoStory{
		meetings: []demoMeeting{
			{by: mentor, daysAgo: 30, hour: 12, minutes: 60, format: "in-person", confirmedBy: ben,
				objectives: []string{"Start the group: what each of us wants from it"},
				topics:     []string{"Rota pressure on both wards", "Ground rules for the group"},
				actions:    []demoAction{{ben, "Bring last month's rota, anonymised", -25, true}}},
			{by: mentor, daysAgo: 16, hour: 12, minutes: 60, format: "video", confirmedBy: chloe, attendees: []string{mentor, chloe},
				objectives: []string{"Work through a rota for a ward of twenty"},
				topics:     []string{"Fairness across nights and weekends", "Saying no to extra shifts"},
				actions:    []demoAction{{chloe, "Draft a fair weekend pattern", 3, false}}},
			{by: mentor, daysAgo: 2, hour: 12, minutes: 45, format: "video",
				objectives: []string{"Conflict in the team: spotting it early"},
				topics:     []string{"A disagreement over holiday requests", "When to involve the ward manager"}},
			{by: chloe, daysAgo: -12, hour: 12, minutes: 60, format: "in-person", confirmedBy: mentor,
				objectives: []string{"Review the weekend pattern together"}},
		},
		notes: []demoNote{
			{by: ben, visibility: "pairing", meeting: 0, learned: "Other wards have the same rota problems; I am not doing it wrong.",
				apply: "Share the rota draft with the team a week earlier.", domains: []string{"affective", "social-networks"}},
			{by: chloe, visibility: "owners", meeting: 1, learned: "A fair pattern is one people can predict.",
				apply: "Publish the weekend rule before the rota itself.", domains: []string{"cognitive", "skill-based"}},
			{by: mentor, visibility: "private", meeting: 1, body: "Ben missed the session; check in with him one-to-one."},
		},
		goals: []demoGoal{
			{owner: ben, specific: "Plan a fair rota for a ward of twenty", steps: []demoGoalStep{{progress: 40, note: "First draft shared with the group"}}},
			{owner: chloe, specific: "Handle conflict in the team early", steps: []demoGoalStep{{progress: 30}, {status: "achieved", note: "Settled the holiday dispute in a week"}}},
		},
	}
}

// seedPairingRecord writes one pairing's story. Meetings are logged as their author would
// (past ones are held), through the record's own rules.
func (a *App) seedPairingRecord(ctx context.Context, p mentoring.Pairing, s demoStory) error {
	ids, err := a.seedDemoMeetings(ctx, p, s.meetings)
	if err != nil {
		return err
	}
	if err := a.seedDemoNotes(ctx, p, s.notes, ids); err != nil {
		return err
	}
	if err := a.seedDemoGoals(ctx, p, s.goals); err != nil {
		return err
	}
	return a.seedDemoAgreement(ctx, p, s.agreed, s.pending)
}

func demoActor(p mentoring.Pairing, userID string) mentoring.Actor {
	if userID == p.MentorID {
		return mentoring.Actor{UserID: userID, Role: mentoring.RoleMentor}
	}
	return mentoring.Actor{UserID: userID, Role: mentoring.RoleMentee}
}

// seedDemoMeetings logs or plans each meeting not there yet, confirms it and ticks its done
// actions; it returns the meetings' IDs in the story's order.
func (a *App) seedDemoMeetings(ctx context.Context, p mentoring.Pairing, ms []demoMeeting) ([]string, error) {
	existing, err := a.Record.Store.Meetings(ctx, mentoring.MeetingQuery{PairingID: p.ID, Limit: 100})
	if err != nil {
		return nil, err
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ms))
	for i, dm := range ms {
		at := slices.IndexFunc(existing, func(m mentoring.Meeting) bool { return len(m.Objectives) > 0 && m.Objectives[0] == dm.objectives[0] })
		if at >= 0 {
			ids[i] = existing[at].ID
			continue
		}
		id, err := a.seedDemoMeeting(ctx, p, dm, london)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

func (a *App) seedDemoMeeting(ctx context.Context, p mentoring.Pairing, dm demoMeeting, loc *time.Location) (string, error) {
	day := a.Now().In(loc).AddDate(0, 0, -dm.daysAgo)
	start := time.Date(day.Year(), day.Month(), day.Day(), dm.hour, 0, 0, 0, loc).Format(time.RFC3339)
	var actions []mentoring.ActionInput
	for _, x := range dm.actions {
		owner, text, due := x.owner, x.text, a.Now().In(loc).AddDate(0, 0, -dm.daysAgo+max(x.dueInDays+dm.daysAgo, 1)).Format(time.DateOnly)
		actions = append(actions, mentoring.ActionInput{Text: &text, OwnerID: &owner, Due: &due})
	}
	v, err := a.Record.PlanMeeting(ctx, demoActor(p, dm.by), p, mentoring.MeetingInput{Start: &start, DurationMinutes: &dm.minutes,
		Format: &dm.format, Objectives: dm.objectives, Topics: dm.topics, AttendeeIDs: dm.attendees, Actions: actions})
	if err != nil {
		return "", err
	}
	if dm.confirmedBy != "" {
		if _, err := a.Record.ConfirmMeeting(ctx, demoActor(p, dm.confirmedBy), p, v.Meeting, nil); err != nil {
			return "", err
		}
	}
	for i, x := range dm.actions {
		if !x.done {
			continue
		}
		done := true
		if _, err := a.Record.EditAction(ctx, demoActor(p, x.owner), p, v.Actions[i], mentoring.ActionInput{Done: &done}); err != nil {
			return "", err
		}
	}
	return v.ID, nil
}

// seedDemoNotes writes each note its author has not written yet.
func (a *App) seedDemoNotes(ctx context.Context, p mentoring.Pairing, ns []demoNote, meetings []string) error {
	for _, n := range ns {
		text := n.body + n.learned
		mine, _, err := a.Record.Notes(ctx, demoActor(p, n.by), p, mentoring.NoteQuery{Limit: 100})
		if err != nil {
			return err
		}
		if slices.ContainsFunc(mine, func(v mentoring.NoteView) bool { return v.AuthorID == n.by && noteText(v.Note) == text }) {
			continue
		}
		in := mentoring.NoteInput{Visibility: strp(n.visibility)}
		if n.meeting >= 0 {
			in.MeetingID = &meetings[n.meeting]
		}
		if n.learned != "" {
			in.Kind, in.Learned, in.Apply, in.Domains = strp("reflection"), strp(n.learned), strp(n.apply), n.domains
		} else {
			in.Body = strp(n.body)
		}
		if _, err := a.Record.WriteNote(ctx, demoActor(p, n.by), p, in); err != nil {
			return err
		}
	}
	return nil
}

// seedDemoGoals sets each goal (the migrated agreement goals are found by their statement)
// and walks it through its steps, once: a goal past its first revision is left as it is.
func (a *App) seedDemoGoals(ctx context.Context, p mentoring.Pairing, gs []demoGoal) error {
	have, _, err := a.Record.Goals(ctx, demoActor(p, p.MentorID), p, mentoring.GoalQuery{Limit: 100})
	if err != nil {
		return err
	}
	for _, dg := range gs {
		actor := demoActor(p, dg.owner)
		i := slices.IndexFunc(have, func(g mentoring.Goal) bool { return g.OwnerID == dg.owner && g.Specific == dg.specific })
		var g mentoring.Goal
		if i >= 0 {
			g = have[i]
		} else if g, err = a.Record.SetGoal(ctx, actor, p, mentoring.GoalInput{OwnerID: &dg.owner, Specific: &dg.specific}); err != nil {
			return err
		}
		if g.Revision > 1 {
			continue
		}
		for j, st := range dg.steps {
			in := mentoring.GoalInput{}
			if j == 0 {
				in.Tags = dg.tags
				if dg.measure != "" {
					in.Measure = &dg.measure
				}
				if dg.target != "" {
					in.TargetDate = &dg.target
				}
			}
			if st.progress > 0 {
				in.Progress = &st.progress
			}
			if st.status != "" {
				in.Status = &st.status
			}
			if st.note != "" {
				in.Note = &st.note
			}
			if g, err = a.Record.EditGoal(ctx, actor, p, g, in); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedDemoAgreement makes the agreed change (acknowledged by the other side) and then the
// pending one, unless the agreement has changed already.
func (a *App) seedDemoAgreement(ctx context.Context, p mentoring.Pairing, agreed, pending *demoAgreementChange) error {
	if agreed == nil && pending == nil {
		return nil
	}
	vs, err := a.Record.AgreementVersions(ctx, demoActor(p, p.MentorID), p)
	if err != nil || len(vs) > 1 {
		return err
	}
	if agreed != nil {
		v, err := a.Record.ChangeAgreement(ctx, demoActor(p, agreed.by), p, mentoring.AgreementPatch{Set: map[string]string{agreed.field: agreed.value}})
		if err != nil {
			return err
		}
		for _, id := range v.Pending.Awaiting {
			if _, err := a.Record.AcknowledgeAgreement(ctx, demoActor(p, id), p, v.Pending.Version); err != nil {
				return err
			}
		}
		if p, err = a.Record.Pairing(ctx, p.ID); err != nil {
			return err
		}
	}
	if pending != nil {
		if _, err := a.Record.ChangeAgreement(ctx, demoActor(p, pending.by), p, mentoring.AgreementPatch{Set: map[string]string{pending.field: pending.value}}); err != nil {
			return err
		}
	}
	return nil
}

// noteText is what a demo note says (its body, or its reflection's lesson), to recognise it.
func noteText(n mentoring.Note) string {
	if n.Reflection != nil {
		return n.Body + n.Reflection.Learned
	}
	return n.Body
}
