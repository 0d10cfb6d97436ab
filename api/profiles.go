package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/programme"
)

type profileRequest struct {
	Department           string   `json:"department"`
	Location             string   `json:"location"`
	Languages            []string `json:"languages"`
	Skills               []string `json:"skills"`
	Capacity             *int     `json:"capacity"`
	FlashCapacity        *int     `json:"flashCapacity"`
	Available            *bool    `json:"available"`
	AvailabilityNote     *string  `json:"availabilityNote"`
	Objectives           []string `json:"objectives"`
	DepartmentPreference *string  `json:"departmentPreference"`
}

type profileResponse struct {
	ProgrammeID          string    `json:"programmeId"`
	UserID               string    `json:"userId"`
	DisplayName          string    `json:"displayName,omitempty"`
	Role                 string    `json:"role"`
	Department           string    `json:"department"`
	Location             string    `json:"location"`
	Languages            []string  `json:"languages"`
	Tags                 []string  `json:"tags"`
	Skills               []string  `json:"skills,omitempty"`
	Capacity             *int      `json:"capacity,omitempty"`
	FlashCapacity        *int      `json:"flashCapacity,omitempty"`
	Available            *bool     `json:"available,omitempty"`
	AvailabilityNote     string    `json:"availabilityNote,omitempty"`
	Objectives           []string  `json:"objectives,omitempty"`
	DepartmentPreference string    `json:"departmentPreference,omitempty"`
	UpdatedAt            time.Time `json:"updatedAt"`
}

func toProfileResponse(p mentoring.Profile, names map[string]string) profileResponse {
	out := profileResponse{ProgrammeID: p.ProgrammeID, UserID: p.UserID, DisplayName: names[p.UserID], Role: p.Role,
		Department: p.Department, Location: p.Location, Languages: nonNilStrings(p.Languages), Tags: nonNilStrings(p.Tags),
		UpdatedAt: p.UpdatedAt}
	if p.Role == mentoring.RoleMentor {
		capacity, flash, available := p.Capacity, p.FlashCapacity, p.Available
		out.Skills, out.Capacity, out.Available, out.AvailabilityNote = nonNilStrings(p.Skills), &capacity, &available, p.AvailabilityNote
		out.FlashCapacity = &flash
	} else {
		out.Objectives, out.DepartmentPreference = nonNilStrings(p.Objectives), string(p.DepartmentPreference)
	}
	return out
}

func (s *Server) getMyProfile(c *fiber.Ctx) error {
	pid, actor, err := s.programmeActor(c, programme.RoleMentor, programme.RoleMentee)
	if err != nil {
		return err
	}
	p, err := s.deps.Mentoring.ProfileOf(c.UserContext(), actor, pid, actor.UserID)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toProfileResponse(p, s.deps.Mentoring.DisplayNames(c.UserContext(), []string{p.UserID})))
}

func (s *Server) putMyProfile(c *fiber.Ctx) error {
	pid, actor, err := s.programmeActor(c, programme.RoleMentor, programme.RoleMentee)
	if err != nil {
		return err
	}
	var req profileRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Mentoring.PutMyProfile(c.UserContext(), actor, pid, mentoring.ProfileInput{
		Department: req.Department, Location: req.Location, Languages: req.Languages, Skills: req.Skills,
		Capacity: req.Capacity, FlashCapacity: req.FlashCapacity, Available: req.Available, AvailabilityNote: req.AvailabilityNote,
		Objectives: req.Objectives, DepartmentPreference: req.DepartmentPreference})
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toProfileResponse(p, s.deps.Mentoring.DisplayNames(c.UserContext(), []string{p.UserID})))
}

func (s *Server) getProfile(c *fiber.Ctx) error {
	pid, actor, err := s.programmeActor(c)
	if err != nil {
		return err
	}
	userID := strings.Clone(c.Params("userId"))
	p, err := s.deps.Mentoring.ProfileOf(c.UserContext(), actor, pid, userID)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toProfileResponse(p, s.deps.Mentoring.DisplayNames(c.UserContext(), []string{p.UserID})))
}

type profileList struct {
	Items      []profileResponse `json:"items"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

func (s *Server) listProfiles(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	role := c.Query("role")
	if role != "" && role != mentoring.RoleMentor && role != mentoring.RoleMentee {
		return apperr.Invalid("/role", "must be mentor or mentee")
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	after := strings.Clone(c.Query("cursor"))
	if len(after) > 64 {
		return mentoring.ErrBadCursor
	}
	ps, err := s.deps.Mentoring.Profiles(c.UserContext(), pid, role, after, limit+1)
	if err != nil {
		return err
	}
	out := profileList{Items: []profileResponse{}}
	if len(ps) > limit {
		ps = ps[:limit]
		out.NextCursor = ps[len(ps)-1].UserID
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.UserID
	}
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), ids)
	for _, p := range ps {
		out.Items = append(out.Items, toProfileResponse(p, names))
	}
	return respond(c, http.StatusOK, out)
}
