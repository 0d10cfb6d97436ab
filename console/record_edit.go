package console

import (
	"net/http"
	"strconv"

	"github.com/microlearn/microlearn/mentoring"
)

// Changing the record from the browser: a goal's progress and status (PATCH /v1/goals/{id})
// and the deletion of one's own note (DELETE /v1/notes/{id}). The record service decides who
// may: a goal's owner or their mentor, a note's author only.
func (c *Console) recordEditRoutes() {
	m := c.mux
	m.HandleFunc("POST /p/{pid}/pairings/{id}/goals/{gid}", c.wrap(c.editGoal, member))
	m.HandleFunc("POST /p/{pid}/pairings/{id}/notes/{nid}/delete", c.wrap(c.deleteNote, member))
}

func (c *Console) editGoal(w http.ResponseWriter, v *view) error {
	p, actor, err := c.recordPairing(v)
	if err != nil {
		return err
	}
	g, gp, err := c.deps.Record.GoalOf(v.r.Context(), v.r.PathValue("gid"))
	if err != nil {
		return err
	}
	if gp.ID != p.ID {
		return mentoring.ErrGoalNotFound
	}
	f := v.r.PostForm
	in := mentoring.GoalInput{Status: optional(f.Get("status")), Note: optional(f.Get("note"))}
	if s := f.Get("progress"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return invalidNumber("progress")
		}
		in.Progress = &n
	}
	rev, err := strconv.Atoi(f.Get("revision"))
	if err != nil {
		return invalidNumber("revision")
	}
	in.Revision = &rev
	if _, err := c.deps.Record.EditGoal(v.r.Context(), actor, p, g, in); err != nil {
		return err
	}
	return c.done(w, v, v.P("pairings", p.ID, "record")+"#goals-h", "record.goalUpdated")
}

func (c *Console) deleteNote(w http.ResponseWriter, v *view) error {
	p, actor, err := c.recordPairing(v)
	if err != nil {
		return err
	}
	n, np, err := c.deps.Record.NoteOf(v.r.Context(), v.r.PathValue("nid"))
	if err != nil {
		return err
	}
	if np.ID != p.ID {
		return mentoring.ErrNoteNotFound
	}
	if err := c.deps.Record.DeleteNote(v.r.Context(), actor, p, n); err != nil {
		return err
	}
	return c.done(w, v, v.P("pairings", p.ID, "record")+"#notes-h", "record.noteDeleted")
}

// MayManageGoal reports whether the caller may change a goal of ownerID in the pairing
// shown: its owner, or a mentee's mentor (the record service checks again).
func (d recordData) MayManageGoal(ownerID string) bool {
	return d.Writer && (ownerID == d.Me || d.Pairing.MentorID == d.Me)
}
