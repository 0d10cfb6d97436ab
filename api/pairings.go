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

type agreementJSON struct {
	MeetingFrequency string   `json:"meetingFrequency,omitempty"`
	Goals            []string `json:"goals"`
	Boundaries       string   `json:"boundaries,omitempty"`
	StartsOn         string   `json:"startsOn,omitempty"`
	EndsOn           string   `json:"endsOn,omitempty"`
}

func (a agreementJSON) toAgreement() mentoring.Agreement {
	return mentoring.Agreement{MeetingFrequency: mentoring.Frequency(a.MeetingFrequency), Goals: a.Goals,
		Boundaries: a.Boundaries, StartsOn: a.StartsOn, EndsOn: a.EndsOn}
}

type pairingRequest struct {
	MentorID          string         `json:"mentorId"`
	MenteeIDs         []string       `json:"menteeIds"`
	Type              string         `json:"type"`
	Agreement         *agreementJSON `json:"agreement"`
	RequireAcceptance bool           `json:"requireAcceptance"`
	TimeboxDays       int            `json:"timeboxDays"`
}

type pairingResponse struct {
	ID          string           `json:"id"`
	ProgrammeID string           `json:"programmeId"`
	Mentor      personResponse   `json:"mentor"`
	Mentees     []personResponse `json:"mentees"`
	Type        string           `json:"type"`
	Status      string           `json:"status"`
	Agreement   agreementJSON    `json:"agreement"`
	Origin      string           `json:"origin"`
	CreatedBy   string           `json:"createdBy"`
	CreatedAt   time.Time        `json:"createdAt"`
	UpdatedAt   time.Time        `json:"updatedAt"`
	ActivatedAt *time.Time       `json:"activatedAt,omitempty"`
	EndedAt     *time.Time       `json:"endedAt,omitempty"`
	EndReason   string           `json:"endReason,omitempty"`
	// TimeboxDays and TimeboxEndsAt: a flash pairing ends by itself then (or once its
	// meeting is confirmed as held).
	TimeboxDays   int        `json:"timeboxDays,omitempty"`
	TimeboxEndsAt *time.Time `json:"timeboxEndsAt,omitempty"`
}

func pairingPeople(ps ...mentoring.Pairing) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.MentorID)
		ids = append(ids, p.MenteeIDs...)
	}
	return ids
}

func toPairingResponse(p mentoring.Pairing, names map[string]string) pairingResponse {
	out := pairingResponse{ID: p.ID, ProgrammeID: p.ProgrammeID, Mentor: person(p.MentorID, names),
		Mentees: make([]personResponse, len(p.MenteeIDs)), Type: string(p.Type), Status: string(p.Status),
		Agreement: agreementJSON{MeetingFrequency: string(p.Agreement.MeetingFrequency), Goals: nonNilStrings(p.Agreement.Goals),
			Boundaries: p.Agreement.Boundaries, StartsOn: p.Agreement.StartsOn, EndsOn: p.Agreement.EndsOn},
		Origin: p.Origin, CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		ActivatedAt: p.ActivatedAt, EndedAt: p.EndedAt, EndReason: p.EndReason, TimeboxDays: p.TimeboxDays, TimeboxEndsAt: p.TimeboxEndsAt}
	for i, m := range p.MenteeIDs {
		out.Mentees[i] = person(m, names)
	}
	return out
}

func (s *Server) respondPairing(c *fiber.Ctx, status int, p mentoring.Pairing) error {
	return respond(c, status, toPairingResponse(p, s.deps.Mentoring.DisplayNames(c.UserContext(), pairingPeople(p))))
}

func (s *Server) createPairing(c *fiber.Ctx) error {
	pid, actor, err := s.programmeActor(c, programme.RoleOwner, programme.RoleMentee)
	if err != nil {
		return err
	}
	var req pairingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in := mentoring.NewPairing{MentorID: req.MentorID, MenteeIDs: req.MenteeIDs, Type: mentoring.Type(req.Type), RequireAcceptance: req.RequireAcceptance,
		TimeboxDays: req.TimeboxDays}
	if req.Agreement != nil {
		in.Agreement = req.Agreement.toAgreement()
	}
	p, err := s.deps.Mentoring.CreatePairing(c.UserContext(), actor, pid, in)
	if err != nil {
		return err
	}
	// The agreement's goal strings become SMART goals of the mentees at once (start-up
	// migrates any left from before).
	if err := s.deps.Record.MigrateAgreementGoals(c.UserContext(), p); err != nil {
		return err
	}
	p.Agreement.Goals = nil
	c.Location("/v1/pairings/" + p.ID)
	return s.respondPairing(c, http.StatusCreated, p)
}

type pairingList struct {
	Items      []pairingResponse `json:"items"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

func (s *Server) listPairings(c *fiber.Ctx) error {
	pid, actor, err := s.programmeActor(c)
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
	q := mentoring.PairingQuery{ProgrammeID: pid, MentorID: strings.Clone(c.Query("mentorId")), MenteeID: strings.Clone(c.Query("menteeId")),
		Status: mentoring.Status(strings.Clone(c.Query("status"))), After: after, Limit: limit + 1}
	ps, err := s.deps.Mentoring.Pairings(c.UserContext(), actor, q)
	if err != nil {
		return err
	}
	out := pairingList{Items: []pairingResponse{}}
	if len(ps) > limit {
		ps = ps[:limit]
		last := ps[len(ps)-1]
		out.NextCursor = encodeTimeCursor(last.CreatedAt, last.ID)
	}
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), pairingPeople(ps...))
	for _, p := range ps {
		out.Items = append(out.Items, toPairingResponse(p, names))
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) getPairing(c *fiber.Ctx) error {
	id, actor, err := s.pairingActor(c)
	if err != nil {
		return err
	}
	p, err := s.deps.Mentoring.Pairing(c.UserContext(), actor, id)
	if err != nil {
		return err
	}
	return s.respondPairing(c, http.StatusOK, p)
}

func (s *Server) acceptPairing(c *fiber.Ctx) error {
	id, actor, err := s.pairingActor(c)
	if err != nil {
		return err
	}
	p, err := s.deps.Mentoring.Accept(c.UserContext(), actor, id)
	if err != nil {
		return err
	}
	return s.respondPairing(c, http.StatusOK, p)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) declinePairing(c *fiber.Ctx) error {
	id, actor, err := s.pairingActor(c)
	if err != nil {
		return err
	}
	var req reasonRequest
	if len(c.Body()) > 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	p, err := s.deps.Mentoring.Decline(c.UserContext(), actor, id, req.Reason)
	if err != nil {
		return err
	}
	return s.respondPairing(c, http.StatusOK, p)
}

type statusRequest struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

func (s *Server) setPairingStatus(c *fiber.Ctx) error {
	id, actor, err := s.pairingActor(c)
	if err != nil {
		return err
	}
	var req statusRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	switch mentoring.Status(req.Status) {
	case mentoring.StatusActive, mentoring.StatusPaused, mentoring.StatusEnded:
	default:
		return apperr.Invalid("/status", "must be active, paused or ended")
	}
	p, err := s.deps.Mentoring.SetStatus(c.UserContext(), actor, id, mentoring.Status(req.Status), req.Reason)
	if err != nil {
		return err
	}
	return s.respondPairing(c, http.StatusOK, p)
}
