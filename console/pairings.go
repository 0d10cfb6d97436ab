package console

import (
	"net/http"
	"strings"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
)

// Matching, pairings and the mentor's cohort, through mentoring.Service as the API's
// matching, pairing and assignment routes call it.

var pairingTypes = []mentoring.Type{mentoring.OneToOne, mentoring.Group, mentoring.Flash, mentoring.Reverse, mentoring.Mutual}

type matchingData struct {
	Type     mentoring.Type
	Types    []mentoring.Type
	Proposal mentoring.Proposal
	Names    map[string]string
}

func queryPairingType(v *view, field string) mentoring.Type {
	t := mentoring.Type(v.r.FormValue(field))
	if !t.Valid() {
		t = mentoring.OneToOne
	}
	return t
}

// matching shows the bulk proposal as a table with each score's explanation.
func (c *Console) matching(w http.ResponseWriter, v *view) error {
	t := queryPairingType(v, "type")
	p, err := c.deps.Mentoring.Propose(v.r.Context(), v.Programme.ID, t)
	if err != nil {
		return err
	}
	var ids []string
	for _, x := range p.Pairs {
		ids = append(ids, x.MenteeID, x.Candidate.MentorID)
	}
	for _, x := range p.Unmatched {
		ids = append(ids, x.MenteeID)
	}
	c.render(w, v, http.StatusOK, "matching", matchingData{Type: t, Types: pairingTypes, Proposal: p,
		Names: c.deps.Mentoring.DisplayNames(v.r.Context(), ids)})
	return nil
}

// approve confirms the selected proposed pairs, each through CreatePairing with all its
// guards (capacity, one live pairing per type): some may fail while others succeed.
func (c *Console) approve(w http.ResponseWriter, v *view) error {
	t := queryPairingType(v, "type")
	var made int
	var problems []string
	for _, sel := range v.r.PostForm["pair"] {
		menteeID, mentorID, ok := strings.Cut(sel, ":")
		if !ok {
			continue
		}
		_, err := c.deps.Mentoring.CreatePairing(v.r.Context(), mentoringActor(v.Caller), v.Programme.ID,
			mentoring.NewPairing{MentorID: mentorID, MenteeIDs: []string{menteeID}, Type: t})
		if err != nil {
			if statusOf(err) >= 500 {
				return err
			}
			problems = append(problems, v.errorText(err))
			continue
		}
		made++
	}
	if len(problems) > 0 {
		c.setFlash(w, v.r, flash{Error: true, Text: v.T("matching.partly", made, strings.Join(problems, " · "))})
		c.redirect(w, v.r, v.P("matching")+"?type="+string(t))
		return nil
	}
	return c.done(w, v, v.P("pairings"), "matching.approved", made)
}

type pairingsData struct {
	Pairings []mentoring.Pairing
	Names    map[string]string
	Status   string
}

func pairingPeople(ps ...mentoring.Pairing) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.MentorID)
		ids = append(ids, p.MenteeIDs...)
	}
	return ids
}

func (c *Console) pairings(w http.ResponseWriter, v *view) error {
	st := mentoring.Status(v.r.URL.Query().Get("status"))
	ps, err := c.deps.Mentoring.Pairings(v.r.Context(), mentoringActor(v.Caller), mentoring.PairingQuery{ProgrammeID: v.Programme.ID, Status: st, Limit: 100})
	if err != nil {
		return err
	}
	c.render(w, v, http.StatusOK, "pairings", pairingsData{Pairings: ps, Status: string(st),
		Names: c.deps.Mentoring.DisplayNames(v.r.Context(), pairingPeople(ps...))})
	return nil
}

type pairingData struct {
	Pairing  mentoring.Pairing
	Progress []mentoring.MenteeProgress
	Names    map[string]string
	Items    []content.Item
	EventID  string
	Mine     bool
	Charts   []chart
}

// pairing is one pairing with each mentee's progress: its mentor and the owners see it
// (mentoring.PairingProgress decides); the mentor also gets the form to assign content.
func (c *Console) pairing(w http.ResponseWriter, v *view) error {
	ctx := v.r.Context()
	cl, pid, err := c.deps.Authz.Pairing(ctx, v.Caller, v.r.PathValue("id"))
	if err != nil {
		return err
	}
	if pid != v.Programme.ID {
		return mentoring.ErrPairingNotFound
	}
	p, progress, err := c.deps.Mentoring.PairingProgress(ctx, mentoringActor(cl), v.r.PathValue("id"))
	if err != nil {
		return err
	}
	d := pairingData{Pairing: p, Progress: progress, Names: c.deps.Mentoring.DisplayNames(ctx, pairingPeople(p)),
		EventID: newEventID(), Mine: p.MentorID == v.Caller.UserID}
	if d.Mine && p.Status == mentoring.StatusActive {
		d.Items, _, err = c.deps.Content.List(ctx, content.ListFilter{ProgrammeID: v.Programme.ID, IncludeGlobal: true,
			Statuses: []content.Status{content.StatusPublished}, Limit: 100})
		if err != nil {
			return err
		}
	}
	for _, mp := range progress {
		d.Charts = append(d.Charts, progressChart(v, d.Names[mp.MenteeID], mp))
	}
	v.Title = v.T("pairing.title", d.Names[p.MentorID])
	c.render(w, v, http.StatusOK, "pairing", d)
	return nil
}

func progressChart(v *view, name string, mp mentoring.MenteeProgress) chart {
	var items []bar
	for _, a := range mp.Assignments {
		items = append(items, bar{Label: a.Title, Value: int64(a.Progress.Percent)})
	}
	ch := bars(v.T("chart.assignments", name), "%", items)
	return ch
}

// pairingStatus pauses, resumes or ends a pairing (mentoring.SetStatus decides who may).
func (c *Console) pairingStatus(w http.ResponseWriter, v *view) error {
	cl, _, err := c.deps.Authz.Pairing(v.r.Context(), v.Caller, v.r.PathValue("id"))
	if err != nil {
		return err
	}
	to := mentoring.Status(v.r.PostFormValue("status"))
	switch to {
	case mentoring.StatusActive, mentoring.StatusPaused, mentoring.StatusEnded:
	default:
		return apperr.Invalid("/status", "must be active, paused or ended")
	}
	if _, err := c.deps.Mentoring.SetStatus(v.r.Context(), mentoringActor(cl), v.r.PathValue("id"), to, v.r.PostFormValue("reason")); err != nil {
		return err
	}
	return c.done(w, v, v.P("pairings", v.r.PathValue("id")), "pairing.statusChanged")
}

// ---- the mentor

func (c *Console) mentorRoutes() {
	m := c.mux
	m.HandleFunc("GET /p/{pid}/mentees", c.wrap(c.inRole(c.mentees, mentor), member))
	m.HandleFunc("POST /p/{pid}/pairings/{id}/assign", c.wrap(c.inRole(c.assign, mentor), member))
}

type cohortRow struct {
	Pairing  mentoring.Pairing
	Progress mentoring.MenteeProgress
}

type menteesData struct {
	Rows  []cohortRow
	Names map[string]string
}

// mentees is the mentor's cohort: each of their live pairings' mentees with progress. It
// reads one pairing's progress per pairing, bounded by the mentor's capacity.
func (c *Console) mentees(w http.ResponseWriter, v *view) error {
	ctx := v.r.Context()
	actor := mentoringActor(v.Caller)
	ps, err := c.deps.Mentoring.Pairings(ctx, actor, mentoring.PairingQuery{ProgrammeID: v.Programme.ID, MentorID: v.Caller.UserID, Limit: 100})
	if err != nil {
		return err
	}
	d := menteesData{Names: c.deps.Mentoring.DisplayNames(ctx, pairingPeople(ps...))}
	for _, p := range ps {
		if p.Status == mentoring.StatusEnded {
			continue
		}
		_, progress, err := c.deps.Mentoring.PairingProgress(ctx, actor, p.ID)
		if err != nil {
			return err
		}
		for _, mp := range progress {
			d.Rows = append(d.Rows, cohortRow{Pairing: p, Progress: mp})
		}
	}
	c.render(w, v, http.StatusOK, "mentees", d)
	return nil
}

// assign gives one published item to the pairing's mentees (or one of them) with a due
// date, as POST /v1/pairings/{id}/assignments does; the form's event ID is the request key,
// so a form sent twice assigns once.
func (c *Console) assign(w http.ResponseWriter, v *view) error {
	f := v.r.PostForm
	cl, _, err := c.deps.Authz.Pairing(v.r.Context(), v.Caller, v.r.PathValue("id"))
	if err != nil {
		return err
	}
	kind, id, _ := strings.Cut(f.Get("item"), ":")
	in := mentoring.NewAssignment{Items: []learning.ItemRef{{Kind: kind, ID: id}}, Due: f.Get("due"), Note: f.Get("note"),
		RequestKey: f.Get("eventId")}
	if m := f.Get("mentee"); m != "" {
		in.MenteeIDs = []string{m}
	}
	if _, err := c.deps.Mentoring.Assign(v.r.Context(), mentoringActor(cl), v.r.PathValue("id"), in); err != nil {
		return err
	}
	return c.done(w, v, v.P("pairings", v.r.PathValue("id")), "assign.done")
}
