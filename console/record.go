package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/microlearn/microlearn/mentoring"
)

// The mentoring record of one pairing, for its mentor, its mentees and the programme's
// owners: meetings (plan, log, confirm), SMART goals and notes, through mentoring.Record
// as the API's record routes call it (the service applies the pairing-level rules: who
// reads, who writes, what owners may not read).

func (c *Console) recordRoutes() {
	m := c.mux
	m.HandleFunc("GET /p/{pid}/mentoring", c.wrap(c.myPairings, member))
	m.HandleFunc("GET /p/{pid}/pairings/{id}/record", c.wrap(c.record, member))
	m.HandleFunc("POST /p/{pid}/pairings/{id}/meetings", c.wrap(c.planMeeting, member))
	m.HandleFunc("POST /p/{pid}/pairings/{id}/meetings/{mid}/confirm", c.wrap(c.confirmMeeting, member))
	m.HandleFunc("POST /p/{pid}/pairings/{id}/goals", c.wrap(c.setGoal, member))
	m.HandleFunc("POST /p/{pid}/pairings/{id}/notes", c.wrap(c.writeNote, member))
}

type myPairingsData struct {
	Pairings []mentoring.Pairing
	Names    map[string]string
}

// myPairings lists the pairings the caller is in (as mentee or mentor).
func (c *Console) myPairings(w http.ResponseWriter, v *view) error {
	q := mentoring.PairingQuery{ProgrammeID: v.Programme.ID, MenteeID: v.Caller.UserID, Limit: 50}
	if v.Mentor() {
		q = mentoring.PairingQuery{ProgrammeID: v.Programme.ID, MentorID: v.Caller.UserID, Limit: 50}
	}
	ps, err := c.deps.Mentoring.Pairings(v.r.Context(), mentoringActor(v.Caller), q)
	if err != nil {
		return err
	}
	c.render(w, v, http.StatusOK, "my-pairings", myPairingsData{Pairings: ps, Names: c.deps.Mentoring.DisplayNames(v.r.Context(), pairingPeople(ps...))})
	return nil
}

// recordPairing authorizes the caller on the path's pairing (authz) and loads it.
func (c *Console) recordPairing(v *view) (mentoring.Pairing, mentoring.Actor, error) {
	cl, pid, err := c.deps.Authz.Pairing(v.r.Context(), v.Caller, v.r.PathValue("id"))
	if err != nil {
		return mentoring.Pairing{}, mentoring.Actor{}, err
	}
	if pid != v.Programme.ID {
		return mentoring.Pairing{}, mentoring.Actor{}, mentoring.ErrPairingNotFound
	}
	p, err := c.deps.Record.Pairing(v.r.Context(), v.r.PathValue("id"))
	return p, mentoringActor(cl), err
}

type recordData struct {
	Pairing  mentoring.Pairing
	Names    map[string]string
	Meetings []mentoring.MeetingView
	Goals    []mentoring.Goal
	Notes    []mentoring.NoteView
	Writer   bool
	Me       string
}

func (c *Console) record(w http.ResponseWriter, v *view) error {
	ctx := v.r.Context()
	p, actor, err := c.recordPairing(v)
	if err != nil {
		return err
	}
	d := recordData{Pairing: p, Names: c.deps.Mentoring.DisplayNames(ctx, pairingPeople(p)), Me: v.Caller.UserID,
		Writer: mentoring.SideOf(p, v.Caller.UserID) != mentoring.SideNone}
	if d.Meetings, _, err = c.deps.Record.Meetings(ctx, actor, p, mentoring.MeetingQuery{Limit: 50}); err != nil {
		return err
	}
	if d.Goals, _, err = c.deps.Record.Goals(ctx, actor, p, mentoring.GoalQuery{Limit: 50}); err != nil {
		return err
	}
	if d.Notes, _, err = c.deps.Record.Notes(ctx, actor, p, mentoring.NoteQuery{Limit: 50}); err != nil {
		return err
	}
	v.Title = v.T("record.title", d.Names[p.MentorID])
	c.render(w, v, http.StatusOK, "record", d)
	return nil
}

func optional(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return &s
}

func (c *Console) planMeeting(w http.ResponseWriter, v *view) error {
	p, actor, err := c.recordPairing(v)
	if err != nil {
		return err
	}
	f := v.r.PostForm
	in := mentoring.MeetingInput{Start: optional(f.Get("start")), Format: optional(f.Get("format")), Place: optional(f.Get("place")),
		Objectives: splitList(f.Get("objectives")), Status: optional(f.Get("status"))}
	if n, err := strconv.Atoi(f.Get("minutes")); err == nil {
		in.DurationMinutes = &n
	}
	if f.Get("status") == string(mentoring.MeetingHeld) {
		in.AttendeeIDs = append([]string{p.MentorID}, p.MenteeIDs...)
	}
	if _, err := c.deps.Record.PlanMeeting(v.r.Context(), actor, p, in); err != nil {
		return err
	}
	return c.done(w, v, v.P("pairings", p.ID, "record"), "record.meetingSaved")
}

// confirmMeeting confirms the revision the person saw (a meeting changed since is refused).
func (c *Console) confirmMeeting(w http.ResponseWriter, v *view) error {
	p, actor, err := c.recordPairing(v)
	if err != nil {
		return err
	}
	// The record service refuses a meeting that is not this pairing's, and one the caller
	// may not reach, as it does for the API.
	m, _, err := c.deps.Record.MeetingOf(v.r.Context(), v.r.PathValue("mid"))
	if err != nil {
		return err
	}
	rev, err := strconv.Atoi(v.r.PostFormValue("revision"))
	if err != nil {
		return invalidNumber("revision")
	}
	if _, err := c.deps.Record.ConfirmMeeting(v.r.Context(), actor, p, m, &rev); err != nil {
		return err
	}
	return c.done(w, v, v.P("pairings", p.ID, "record"), "record.confirmed")
}

func (c *Console) setGoal(w http.ResponseWriter, v *view) error {
	p, actor, err := c.recordPairing(v)
	if err != nil {
		return err
	}
	f := v.r.PostForm
	in := mentoring.GoalInput{Specific: optional(f.Get("specific")), Measure: optional(f.Get("measure")),
		TargetDate: optional(f.Get("targetDate")), OwnerID: optional(f.Get("owner"))}
	if _, err := c.deps.Record.SetGoal(v.r.Context(), actor, p, in); err != nil {
		return err
	}
	return c.done(w, v, v.P("pairings", p.ID, "record"), "record.goalSaved")
}

func (c *Console) writeNote(w http.ResponseWriter, v *view) error {
	p, actor, err := c.recordPairing(v)
	if err != nil {
		return err
	}
	f := v.r.PostForm
	kind := string(mentoring.KindNote)
	in := mentoring.NoteInput{Kind: &kind, Visibility: optional(f.Get("visibility")), Body: optional(f.Get("body"))}
	if _, err := c.deps.Record.WriteNote(v.r.Context(), actor, p, in); err != nil {
		return err
	}
	return c.done(w, v, v.P("pairings", p.ID, "record"), "record.noteSaved")
}
