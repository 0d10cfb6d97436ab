package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/programme"
)

type programmeRequest struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Timezone    string `json:"timezone"`
	StartsOn    string `json:"startsOn"`
	EndsOn      string `json:"endsOn"`
}

type programmeResponse struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Timezone    string    `json:"timezone"`
	StartsOn    string    `json:"startsOn,omitempty"`
	EndsOn      string    `json:"endsOn,omitempty"`
	MyRole      string    `json:"myRole,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

func toProgrammeResponse(p programme.Programme, role programme.Role) programmeResponse {
	return programmeResponse{ID: p.ID, Name: p.Name, Description: p.Description, Timezone: p.Timezone,
		StartsOn: p.StartsOn, EndsOn: p.EndsOn, MyRole: string(role), CreatedAt: p.CreatedAt}
}

type programmeList struct {
	Items []programmeResponse `json:"items"`
}

func (s *Server) mountProgrammes(r fiber.Router) {
	r.Post("/programmes", s.createProgramme)
	r.Get("/programmes", s.myProgrammes)
	r.Get("/programmes/:programmeId", s.getProgramme)
}

func (s *Server) createProgramme(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	var req programmeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Programmes.Create(c.UserContext(), cl.UserID, programme.Programme{Name: req.Name,
		Description: req.Description, Timezone: req.Timezone, StartsOn: req.StartsOn, EndsOn: req.EndsOn})
	if err != nil {
		return err
	}
	c.Location("/v1/programmes/" + p.ID)
	return respond(c, http.StatusCreated, toProgrammeResponse(p, programme.RoleOwner))
}

func (s *Server) myProgrammes(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	ps, roles, err := s.deps.Programmes.Mine(c.UserContext(), cl.UserID)
	if err != nil {
		return err
	}
	out := programmeList{Items: make([]programmeResponse, len(ps))}
	for i, p := range ps {
		out.Items[i] = toProgrammeResponse(p, roles[i])
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) getProgramme(c *fiber.Ctx) error {
	id := c.Params("programmeId")
	cl, err := s.authorize(c, id)
	if err != nil {
		return err
	}
	p, err := s.deps.Programmes.Programme(c.UserContext(), id)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toProgrammeResponse(p, cl.Role))
}
