package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/mentoring"
)

func (s *Server) mountGoals(r fiber.Router) {
	r.Post("/pairings/:pairingId/goals", s.setGoal)
	r.Get("/pairings/:pairingId/goals", s.listGoals)
	r.Get("/goals/:goalId", s.getGoal)
	r.Patch("/goals/:goalId", s.editGoal)
	r.Get("/goals/:goalId/history", s.goalHistory)
	r.Get("/me/goals", s.myGoals)
}

type goalLinkJSON struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

type goalRequest struct {
	OwnerID    *string        `json:"ownerId"`
	Specific   *string        `json:"specific"`
	Measure    *string        `json:"measure"`
	TargetDate *string        `json:"targetDate"`
	Tags       []string       `json:"tags"`
	Status     *string        `json:"status"`
	Progress   *int           `json:"progress"`
	Links      []goalLinkJSON `json:"links"`
	Note       *string        `json:"note"`
	Revision   *int           `json:"revision"`
}

// toInput converts the request; targetDate null (present) clears the date, as in a merge
// patch, so raw tells which members were sent.
func (g goalRequest) toInput(raw map[string]json.RawMessage) mentoring.GoalInput {
	in := mentoring.GoalInput{OwnerID: g.OwnerID, Specific: g.Specific, Measure: g.Measure, TargetDate: g.TargetDate, Tags: g.Tags,
		Status: g.Status, Progress: g.Progress, Note: g.Note, Revision: g.Revision}
	if v, ok := raw["targetDate"]; ok && bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		empty := ""
		in.TargetDate = &empty
	}
	if _, ok := raw["links"]; ok {
		in.SetLinks = true
		in.Links = make([]mentoring.GoalLinkInput, len(g.Links))
		for i, l := range g.Links {
			in.Links[i] = mentoring.GoalLinkInput{Kind: l.Kind, ID: l.ID}
		}
	}
	return in
}

type goalResponse struct {
	ID          string         `json:"id"`
	ProgrammeID string         `json:"programmeId"`
	PairingID   string         `json:"pairingId"`
	OwnerID     string         `json:"ownerId"`
	Specific    string         `json:"specific"`
	Measure     string         `json:"measure"`
	TargetDate  *string        `json:"targetDate"`
	Tags        []string       `json:"tags"`
	Status      string         `json:"status"`
	Progress    int            `json:"progress"`
	Links       []goalLinkDone `json:"links"`
	CreatedBy   string         `json:"createdBy"`
	CreatedAt   time.Time      `json:"createdAt"`
	UpdatedAt   time.Time      `json:"updatedAt"`
	AchievedAt  *time.Time     `json:"achievedAt,omitempty"`
	Revision    int            `json:"revision"`
	Source      string         `json:"source,omitempty"`
}

type goalLinkDone struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Done bool   `json:"done"`
}

func toGoalResponse(g mentoring.Goal) goalResponse {
	out := goalResponse{ID: g.ID, ProgrammeID: g.ProgrammeID, PairingID: g.PairingID, OwnerID: g.OwnerID, Specific: g.Specific,
		Measure: g.Measure, Tags: nonNilStrings(g.Tags), Status: string(g.Status), Progress: g.Progress,
		Links: make([]goalLinkDone, len(g.Links)), CreatedBy: g.CreatedBy, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt,
		AchievedAt: g.AchievedAt, Revision: g.Revision, Source: g.Source}
	if g.TargetDate != "" {
		d := g.TargetDate
		out.TargetDate = &d
	}
	for i, l := range g.Links {
		done := false
		for _, k := range g.LinksDone {
			done = done || k == l.Key()
		}
		out.Links[i] = goalLinkDone{Kind: l.Kind, ID: l.ID, Done: done}
	}
	return out
}

// decodeGoal decodes a goal request and the raw members it sent.
func decodeGoal(c *fiber.Ctx) (goalRequest, map[string]json.RawMessage, error) {
	var req goalRequest
	if err := decode(c, &req); err != nil {
		return req, nil, err
	}
	raw := map[string]json.RawMessage{}
	_ = json.Unmarshal(c.Body(), &raw)
	return req, raw, nil
}

func (s *Server) goalOf(c *fiber.Ctx) (mentoring.Goal, mentoring.Pairing, mentoring.Actor, error) {
	if _, err := signedIn(c); err != nil {
		return mentoring.Goal{}, mentoring.Pairing{}, mentoring.Actor{}, err
	}
	g, p, err := s.deps.Record.GoalOf(c.UserContext(), strings.Clone(c.Params("goalId")))
	if err != nil {
		return g, p, mentoring.Actor{}, err
	}
	actor, err := s.recordActor(c, p)
	if err == nil {
		_, err = s.deps.Record.ReadGoal(actor, p, g)
	}
	return g, p, actor, err
}

func (s *Server) setGoal(c *fiber.Ctx) error {
	p, actor, err := s.recordPairing(c)
	if err != nil {
		return err
	}
	req, raw, err := decodeGoal(c)
	if err != nil {
		return err
	}
	g, err := s.deps.Record.SetGoal(c.UserContext(), actor, p, req.toInput(raw))
	if err != nil {
		return err
	}
	c.Location("/v1/goals/" + g.ID)
	return respond(c, http.StatusCreated, toGoalResponse(g))
}

type goalList struct {
	Items      []goalResponse `json:"items"`
	NextCursor string         `json:"nextCursor,omitempty"`
}

func respondGoals(c *fiber.Ctx, gs []mentoring.Goal, next *mentoring.Cursor) error {
	out := goalList{Items: make([]goalResponse, len(gs))}
	for i, g := range gs {
		out.Items[i] = toGoalResponse(g)
	}
	if next != nil {
		out.NextCursor = encodeTimeCursor(next.At, next.ID)
	}
	return respond(c, http.StatusOK, out)
}

func goalQuery(c *fiber.Ctx) (mentoring.GoalQuery, error) {
	limit, err := queryLimit(c)
	if err != nil {
		return mentoring.GoalQuery{}, err
	}
	after, err := decodeMentoringCursor(c.Query("cursor"))
	if err != nil {
		return mentoring.GoalQuery{}, err
	}
	return mentoring.GoalQuery{OwnerID: strings.Clone(c.Query("ownerId")), Status: mentoring.GoalStatus(strings.Clone(c.Query("status"))),
		After: after, Limit: limit}, nil
}

func (s *Server) listGoals(c *fiber.Ctx) error {
	p, actor, err := s.recordPairing(c)
	if err != nil {
		return err
	}
	q, err := goalQuery(c)
	if err != nil {
		return err
	}
	gs, next, err := s.deps.Record.Goals(c.UserContext(), actor, p, q)
	if err != nil {
		return err
	}
	return respondGoals(c, gs, next)
}

func (s *Server) myGoals(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	q, err := goalQuery(c)
	if err != nil {
		return err
	}
	gs, next, err := s.deps.Record.MyGoals(c.UserContext(), cl.UserID, q)
	if err != nil {
		return err
	}
	return respondGoals(c, gs, next)
}

func (s *Server) getGoal(c *fiber.Ctx) error {
	g, _, _, err := s.goalOf(c)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toGoalResponse(g))
}

func (s *Server) editGoal(c *fiber.Ctx) error {
	g, p, actor, err := s.goalOf(c)
	if err != nil {
		return err
	}
	req, raw, err := decodeGoal(c)
	if err != nil {
		return err
	}
	g, err = s.deps.Record.EditGoal(c.UserContext(), actor, p, g, req.toInput(raw))
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toGoalResponse(g))
}

type goalChangeResponse struct {
	Revision int       `json:"revision"`
	At       time.Time `json:"at"`
	By       string    `json:"by,omitempty"`
	Status   string    `json:"status"`
	Progress int       `json:"progress"`
	Reason   string    `json:"reason"`
	Note     string    `json:"note,omitempty"`
}

type goalHistoryList struct {
	Items      []goalChangeResponse `json:"items"`
	NextCursor string               `json:"nextCursor,omitempty"`
}

func (s *Server) goalHistory(c *fiber.Ctx) error {
	g, p, actor, err := s.goalOf(c)
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	after := 0
	if v := c.Query("cursor"); v != "" {
		_, id, ok := decodeCursor(v)
		n, err := strconv.Atoi(id)
		if !ok || err != nil || n < 0 {
			return apperr.Invalid("/cursor", "is not a cursor this server made")
		}
		after = n
	}
	cs, next, err := s.deps.Record.GoalHistory(c.UserContext(), actor, p, g, after, limit)
	if err != nil {
		return err
	}
	out := goalHistoryList{Items: make([]goalChangeResponse, len(cs))}
	for i, ch := range cs {
		out.Items[i] = goalChangeResponse{Revision: ch.Revision, At: ch.At, By: ch.By, Status: string(ch.Status), Progress: ch.Progress,
			Reason: ch.Reason, Note: ch.Note}
	}
	if next > 0 {
		out.NextCursor = encodeCursor("rev", strconv.Itoa(next))
	}
	return respond(c, http.StatusOK, out)
}
