package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/mentoring"
)

func (s *Server) mountNotes(r fiber.Router) {
	r.Post("/pairings/:pairingId/notes", s.writeNote)
	r.Get("/pairings/:pairingId/notes", s.listNotes)
	r.Get("/notes/:noteId", s.getNote)
	r.Patch("/notes/:noteId", s.editNote)
	r.Delete("/notes/:noteId", s.deleteNote)
}

type noteRequest struct {
	MeetingID  *string  `json:"meetingId"`
	Kind       *string  `json:"kind"`
	Visibility *string  `json:"visibility"`
	Body       *string  `json:"body"`
	Learned    *string  `json:"learned"`
	Apply      *string  `json:"apply"`
	Domains    []string `json:"domains"`
}

func (n noteRequest) toInput() mentoring.NoteInput {
	return mentoring.NoteInput{MeetingID: n.MeetingID, Kind: n.Kind, Visibility: n.Visibility, Body: n.Body, Learned: n.Learned,
		Apply: n.Apply, Domains: n.Domains}
}

type noteResponse struct {
	ID         string    `json:"id"`
	PairingID  string    `json:"pairingId"`
	MeetingID  string    `json:"meetingId,omitempty"`
	AuthorID   string    `json:"authorId"`
	Kind       string    `json:"kind"`
	Visibility string    `json:"visibility"`
	Redacted   bool      `json:"redacted"`
	Body       *string   `json:"body,omitempty"`
	Learned    *string   `json:"learned,omitempty"`
	Apply      *string   `json:"apply,omitempty"`
	Domains    []string  `json:"domains,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// toNoteResponse converts a note; a redacted view carries nothing of what was written.
func toNoteResponse(v mentoring.NoteView) noteResponse {
	n := v.Note
	out := noteResponse{ID: n.ID, PairingID: n.PairingID, MeetingID: n.MeetingID, AuthorID: n.AuthorID, Kind: string(n.Kind),
		Visibility: string(n.Visibility), Redacted: v.Redacted, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}
	if v.Redacted {
		return out
	}
	body := n.Body
	out.Body = &body
	if r := n.Reflection; r != nil {
		learned, apply := r.Learned, r.Apply
		out.Learned, out.Apply, out.Domains = &learned, &apply, nonNilStrings(r.Domains)
	}
	return out
}

func (s *Server) noteOf(c *fiber.Ctx) (mentoring.Note, mentoring.Pairing, mentoring.Actor, error) {
	if _, err := signedIn(c); err != nil {
		return mentoring.Note{}, mentoring.Pairing{}, mentoring.Actor{}, err
	}
	n, p, err := s.deps.Record.NoteOf(c.UserContext(), strings.Clone(c.Params("noteId")))
	if err != nil {
		return n, p, mentoring.Actor{}, err
	}
	actor, err := s.recordActor(c, p)
	return n, p, actor, err
}

func (s *Server) writeNote(c *fiber.Ctx) error {
	p, actor, err := s.recordPairing(c)
	if err != nil {
		return err
	}
	var req noteRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	n, err := s.deps.Record.WriteNote(c.UserContext(), actor, p, req.toInput())
	if err != nil {
		return err
	}
	c.Location("/v1/notes/" + n.ID)
	return respond(c, http.StatusCreated, toNoteResponse(mentoring.NoteView{Note: n}))
}

type noteList struct {
	Items      []noteResponse `json:"items"`
	NextCursor string         `json:"nextCursor,omitempty"`
}

func (s *Server) listNotes(c *fiber.Ctx) error {
	p, actor, err := s.recordPairing(c)
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	after, err := decodeMentoringCursor(c.Query("cursor"))
	if err != nil {
		return err
	}
	q := mentoring.NoteQuery{MeetingID: strings.Clone(c.Query("meetingId")), Kind: mentoring.NoteKind(strings.Clone(c.Query("kind"))),
		After: after, Limit: limit}
	views, next, err := s.deps.Record.Notes(c.UserContext(), actor, p, q)
	if err != nil {
		return err
	}
	out := noteList{Items: make([]noteResponse, len(views))}
	for i, v := range views {
		out.Items[i] = toNoteResponse(v)
	}
	if next != nil {
		out.NextCursor = encodeTimeCursor(next.At, next.ID)
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) getNote(c *fiber.Ctx) error {
	n, p, actor, err := s.noteOf(c)
	if err != nil {
		return err
	}
	n, err = s.deps.Record.ReadNote(actor, p, n)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toNoteResponse(mentoring.NoteView{Note: n}))
}

func (s *Server) editNote(c *fiber.Ctx) error {
	n, p, actor, err := s.noteOf(c)
	if err != nil {
		return err
	}
	var req noteRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	n, err = s.deps.Record.EditNote(c.UserContext(), actor, p, n, req.toInput())
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toNoteResponse(mentoring.NoteView{Note: n}))
}

func (s *Server) deleteNote(c *fiber.Ctx) error {
	n, p, actor, err := s.noteOf(c)
	if err != nil {
		return err
	}
	if err := s.deps.Record.DeleteNote(c.UserContext(), actor, p, n); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
