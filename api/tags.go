package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/programme"
)

type tagResponse struct {
	Name      string    `json:"name"`
	Synonyms  []string  `json:"synonyms"`
	Mentors   int       `json:"mentors"`
	Mentees   int       `json:"mentees"`
	CreatedAt time.Time `json:"createdAt"`
}

func toTagResponse(t mentoring.Tag) tagResponse {
	return tagResponse{Name: t.Name, Synonyms: nonNilStrings(t.Synonyms), Mentors: t.Mentors, Mentees: t.Mentees, CreatedAt: t.CreatedAt}
}

type tagList struct {
	Items []tagResponse `json:"items"`
}

type defineTagRequest struct {
	Name     string   `json:"name"`
	Synonyms []string `json:"synonyms"`
}

type mergeTagsRequest struct {
	From []string `json:"from"`
	Into string   `json:"into"`
}

type renameTagRequest struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func (s *Server) listTags(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c)
	if err != nil {
		return err
	}
	tags, err := s.deps.Mentoring.Tags(c.UserContext(), pid)
	if err != nil {
		return err
	}
	out := tagList{Items: make([]tagResponse, len(tags))}
	for i, t := range tags {
		out.Items[i] = toTagResponse(t)
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) defineTag(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req defineTagRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := s.deps.Mentoring.DefineTag(c.UserContext(), pid, req.Name, req.Synonyms)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toTagResponse(t))
}

func (s *Server) mergeTags(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req mergeTagsRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := s.deps.Mentoring.MergeTags(c.UserContext(), pid, req.From, req.Into)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toTagResponse(t))
}

func (s *Server) renameTag(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req renameTagRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := s.deps.Mentoring.RenameTag(c.UserContext(), pid, req.From, req.To)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toTagResponse(t))
}
