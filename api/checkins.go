package api

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
)

// Evidence of learning (issue 12): the evaluation plan, check-ins and their answers
// (checkins.go), outcomes (outcomes.go), the CPD record (cpd.go) and xAPI (xapi.go).

func (s *Server) mountEvidence(r fiber.Router) {
	r.Get("/programmes/:programmeId/evaluation-plan", s.getPlan)
	r.Put("/programmes/:programmeId/evaluation-plan", s.putPlan)
	r.Get("/me/checkins", s.myCheckins)
	r.Get("/checkins/:checkinId", s.getCheckin)
	r.Post("/checkins/:checkinId/answer", s.answerCheckin)
	r.Get("/checkins/:checkinId/answer", s.getAnswer)
	r.Patch("/checkins/:checkinId/answer", s.shareAnswer)
	r.Get("/pairings/:pairingId/checkins", s.pairingCheckins)
	r.Get("/programmes/:programmeId/checkins", s.programmeCheckins)
	s.mountOutcomes(r)
	s.mountCPD(r)
	s.mountXAPI(r)
}

func evidenceActor(cl Caller) evidence.Actor {
	return evidence.Actor{UserID: cl.UserID, Role: string(cl.Role), Admin: cl.Admin}
}

// ---- the evaluation plan

type occasionJSON struct {
	Key          string `json:"key"`
	Label        string `json:"label"`
	OffsetMonths int    `json:"offsetMonths"`
	AtEnd        bool   `json:"atEnd"`
}

type factorJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

type scaleJSON struct {
	Min    int      `json:"min"`
	Max    int      `json:"max"`
	Labels []string `json:"labels"`
}

type planRequest struct {
	Occasions  []occasionJSON `json:"occasions"`
	Scale      *scaleJSON     `json:"scale"`
	Enabling   []factorJSON   `json:"enabling"`
	Hindering  []factorJSON   `json:"hindering"`
	WindowDays *int           `json:"windowDays"`
	OpenAt     *string        `json:"openAt"`
	Revision   *int           `json:"revision"`
}

type planResponse struct {
	ProgrammeID string         `json:"programmeId"`
	Domains     []string       `json:"domains"`
	Occasions   []occasionJSON `json:"occasions"`
	Scale       scaleJSON      `json:"scale"`
	Enabling    []factorJSON   `json:"enabling"`
	Hindering   []factorJSON   `json:"hindering"`
	WindowDays  int            `json:"windowDays"`
	OpenAt      string         `json:"openAt"`
	Revision    int            `json:"revision"`
	UpdatedBy   string         `json:"updatedBy,omitempty"`
	UpdatedAt   *time.Time     `json:"updatedAt,omitempty"`
}

func toFactorsJSON(fs []evidence.Factor) []factorJSON {
	out := make([]factorJSON, len(fs))
	for i, f := range fs {
		out[i] = factorJSON{f.Key, f.Label}
	}
	return out
}

func fromFactorsJSON(fs []factorJSON) []evidence.Factor {
	out := make([]evidence.Factor, len(fs))
	for i, f := range fs {
		out[i] = evidence.Factor{Key: f.Key, Label: f.Label}
	}
	return out
}

func toPlanResponse(p evidence.Plan) planResponse {
	out := planResponse{ProgrammeID: p.ProgrammeID, Domains: evidence.Domains(), Scale: scaleJSON{p.Scale.Min, p.Scale.Max, nonNilStrings(p.Scale.Labels)},
		Enabling: toFactorsJSON(p.Enabling), Hindering: toFactorsJSON(p.Hindering), WindowDays: p.WindowDays, OpenAt: p.OpenAt,
		Revision: p.Revision, UpdatedBy: p.UpdatedBy}
	for _, o := range p.Occasions {
		out.Occasions = append(out.Occasions, occasionJSON{o.Key, o.Label, o.OffsetMonths, o.AtEnd})
	}
	if !p.UpdatedAt.IsZero() {
		t := p.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}

// toPlan turns a PUT body into a plan; omitted parts keep the default plan's.
func (r planRequest) toPlan(programmeID string) evidence.Plan {
	p := evidence.DefaultPlan(programmeID)
	if r.Occasions != nil {
		p.Occasions = make([]evidence.Occasion, len(r.Occasions))
		for i, o := range r.Occasions {
			p.Occasions[i] = evidence.Occasion{Key: o.Key, Label: o.Label, OffsetMonths: o.OffsetMonths, AtEnd: o.AtEnd}
		}
	}
	if r.Scale != nil {
		p.Scale = evidence.Scale{Min: r.Scale.Min, Max: r.Scale.Max, Labels: r.Scale.Labels}
	}
	if r.Enabling != nil {
		p.Enabling = fromFactorsJSON(r.Enabling)
	}
	if r.Hindering != nil {
		p.Hindering = fromFactorsJSON(r.Hindering)
	}
	if r.WindowDays != nil {
		p.WindowDays = *r.WindowDays
	}
	if r.OpenAt != nil {
		p.OpenAt = *r.OpenAt
	}
	return p
}

func (s *Server) getPlan(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, id); err != nil {
		return err
	}
	p, err := s.deps.Evidence.Plan(c.UserContext(), id)
	if err != nil {
		return err
	}
	return respond(c, fiber.StatusOK, toPlanResponse(p))
}

func (s *Server) putPlan(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, id, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req planRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Evidence.PutPlan(c.UserContext(), evidenceActor(cl), id, req.toPlan(id), req.Revision)
	if err != nil {
		return err
	}
	return respond(c, fiber.StatusOK, toPlanResponse(p))
}

// ---- check-ins and answers

type checkinAnswerJSON struct {
	Ratings          map[string]int    `json:"ratings"`
	Texts            map[string]string `json:"texts"`
	Enabling         []string          `json:"enabling"`
	Hindering        []string          `json:"hindering"`
	OtherEnabling    string            `json:"otherEnabling,omitempty"`
	OtherHindering   string            `json:"otherHindering,omitempty"`
	Relationship     int               `json:"relationship"`
	RelationshipText string            `json:"relationshipText,omitempty"`
	Shared           bool              `json:"shared"`
	AnsweredAt       time.Time         `json:"answeredAt"`
	UserID           string            `json:"userId"`
	Side             string            `json:"side"`
	Occasion         string            `json:"occasion"`
	CheckinID        string            `json:"checkinId"`
}

func toCheckinAnswerJSON(a evidence.Answer) checkinAnswerJSON {
	return checkinAnswerJSON{Ratings: a.Ratings, Texts: a.Texts, Enabling: nonNilStrings(a.Enabling), Hindering: nonNilStrings(a.Hindering),
		OtherEnabling: a.OtherEnabling, OtherHindering: a.OtherHindering, Relationship: a.Relationship, RelationshipText: a.RelationshipText,
		Shared: a.Shared, AnsweredAt: a.AnsweredAt, UserID: a.UserID, Side: a.Side, Occasion: a.Occasion, CheckinID: a.CheckinID}
}

type checkinJSON struct {
	ID          string             `json:"id"`
	ProgrammeID string             `json:"programmeId"`
	PairingID   string             `json:"pairingId"`
	Occasion    string             `json:"occasion"`
	Label       string             `json:"label"`
	AtEnd       bool               `json:"atEnd"`
	UserID      string             `json:"userId"`
	Side        string             `json:"side"`
	DueOn       string             `json:"dueOn"`
	Timezone    string             `json:"timezone"`
	OpensAt     time.Time          `json:"opensAt"`
	OverdueAt   time.Time          `json:"overdueAt"`
	Status      string             `json:"status"`
	AnsweredAt  *time.Time         `json:"answeredAt,omitempty"`
	Answer      *checkinAnswerJSON `json:"answer,omitempty"`
}

func toCheckinJSON(ci evidence.CheckIn, a *evidence.Answer, now time.Time) checkinJSON {
	out := checkinJSON{ID: ci.ID, ProgrammeID: ci.ProgrammeID, PairingID: ci.PairingID, Occasion: ci.Occasion, Label: ci.Label,
		AtEnd: ci.AtEnd, UserID: ci.UserID, Side: ci.Side, DueOn: ci.DueOn, Timezone: ci.Timezone, OpensAt: ci.OpensAt,
		OverdueAt: ci.OverdueAt, Status: ci.Status(now), AnsweredAt: ci.AnsweredAt}
	if a != nil {
		j := toCheckinAnswerJSON(*a)
		out.Answer = &j
		if out.AnsweredAt == nil {
			t := a.AnsweredAt
			out.AnsweredAt = &t
		}
		out.Status = string(evidence.StateAnswered)
	}
	return out
}

type checkinPage struct {
	Items      []checkinJSON `json:"items"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

func (s *Server) checkinPage(cs []evidence.CheckIn, limit int) checkinPage {
	now := s.now()
	out := checkinPage{Items: make([]checkinJSON, 0, len(cs))}
	if len(cs) > limit {
		cs = cs[:limit]
		last := cs[len(cs)-1]
		out.NextCursor = encodeTimeCursor(last.OpensAt, last.ID)
	}
	for _, ci := range cs {
		out.Items = append(out.Items, toCheckinJSON(ci, nil, now))
	}
	return out
}

func evidenceCursor(c *fiber.Ctx) (*evidence.Cursor, int, error) {
	limit, err := queryLimit(c)
	if err != nil {
		return nil, 0, err
	}
	v := c.Query("cursor")
	if v == "" {
		return nil, limit, nil
	}
	at, id, ok := decodeTimeCursor(v)
	if !ok {
		return nil, 0, apperr.Invalid("/cursor", "is not a cursor this server made")
	}
	return &evidence.Cursor{At: at, ID: id}, limit, nil
}

func (s *Server) myCheckins(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	after, limit, err := evidenceCursor(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var cs []evidence.CheckIn
	switch c.Query("status", "due") {
	case "due":
		if after != nil {
			return apperr.Invalid("/cursor", "the due list is one page: it has no cursor")
		}
		cs, err = s.deps.Evidence.DueCheckins(ctx, cl.UserID, limit+1)
	case "answered":
		cs, err = s.deps.Evidence.MyCheckins(ctx, cl.UserID, []evidence.State{evidence.StateAnswered}, after, limit+1)
	case "all":
		cs, err = s.deps.Evidence.MyCheckins(ctx, cl.UserID, nil, after, limit+1)
	default:
		return apperr.Invalid("/status", "must be due, answered or all")
	}
	if err != nil {
		return err
	}
	return respond(c, fiber.StatusOK, s.checkinPage(cs, limit))
}

// checkinActor loads the path's check-in and authorizes the caller on its programme.
func (s *Server) checkinActor(c *fiber.Ctx) (evidence.CheckIn, evidence.Actor, error) {
	if _, err := signedIn(c); err != nil {
		return evidence.CheckIn{}, evidence.Actor{}, err
	}
	ci, err := s.deps.Evidence.Checkin(c.UserContext(), strings.Clone(c.Params("checkinId")))
	if err != nil {
		return evidence.CheckIn{}, evidence.Actor{}, err
	}
	cl, err := s.authorize(c, ci.ProgrammeID)
	return ci, evidenceActor(cl), err
}

func (s *Server) getCheckin(c *fiber.Ctx) error {
	ci, actor, err := s.checkinActor(c)
	if err != nil {
		return err
	}
	v, err := s.deps.Evidence.View(c.UserContext(), actor, ci)
	if err != nil {
		return err
	}
	return respond(c, fiber.StatusOK, toCheckinJSON(v.CheckIn, v.Answer, s.now()))
}

type answerRequest struct {
	Ratings          map[string]int    `json:"ratings"`
	Texts            map[string]string `json:"texts"`
	Enabling         []string          `json:"enabling"`
	Hindering        []string          `json:"hindering"`
	OtherEnabling    string            `json:"otherEnabling"`
	OtherHindering   string            `json:"otherHindering"`
	Relationship     *int              `json:"relationship"`
	RelationshipText string            `json:"relationshipText"`
	Shared           bool              `json:"shared"`
}

func (s *Server) answerCheckin(c *fiber.Ctx) error {
	ci, actor, err := s.checkinActor(c)
	if err != nil {
		return err
	}
	var req answerRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in := evidence.AnswerInput{Ratings: maps.Clone(req.Ratings), Texts: maps.Clone(req.Texts), Enabling: slices.Clone(req.Enabling),
		Hindering: slices.Clone(req.Hindering), OtherEnabling: req.OtherEnabling, OtherHindering: req.OtherHindering,
		Relationship: req.Relationship, RelationshipText: req.RelationshipText, Shared: req.Shared}
	a, err := s.deps.Evidence.AnswerCheckin(c.UserContext(), actor, ci, in)
	if err != nil {
		return err
	}
	c.Location("/v1/checkins/" + ci.ID + "/answer")
	return respond(c, fiber.StatusCreated, toCheckinAnswerJSON(a))
}

func (s *Server) getAnswer(c *fiber.Ctx) error {
	ci, actor, err := s.checkinActor(c)
	if err != nil {
		return err
	}
	a, err := s.deps.Evidence.ReadAnswer(c.UserContext(), actor, ci)
	if err != nil {
		return err
	}
	return respond(c, fiber.StatusOK, toCheckinAnswerJSON(a))
}

func (s *Server) shareAnswer(c *fiber.Ctx) error {
	ci, actor, err := s.checkinActor(c)
	if err != nil {
		return err
	}
	var req struct {
		Shared *bool `json:"shared"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Shared == nil {
		return apperr.Invalid("/shared", "is required: true shares the answer with the pairing, false stops sharing")
	}
	a, err := s.deps.Evidence.Share(c.UserContext(), actor, ci, *req.Shared)
	if err != nil {
		return err
	}
	return respond(c, fiber.StatusOK, toCheckinAnswerJSON(a))
}

// evidencePairing loads the path's pairing and authorizes the caller on its programme.
func (s *Server) evidencePairing(c *fiber.Ctx) (evidence.Pairing, evidence.Actor, error) {
	if _, err := signedIn(c); err != nil {
		return evidence.Pairing{}, evidence.Actor{}, err
	}
	p, err := s.deps.Evidence.Pairings.Pairing(c.UserContext(), strings.Clone(c.Params("pairingId")))
	if err != nil {
		return evidence.Pairing{}, evidence.Actor{}, err
	}
	cl, err := s.authorize(c, p.ProgrammeID)
	return p, evidenceActor(cl), err
}

func (s *Server) pairingCheckins(c *fiber.Ctx) error {
	p, actor, err := s.evidencePairing(c)
	if err != nil {
		return err
	}
	vs, err := s.deps.Evidence.PairingCheckins(c.UserContext(), actor, p)
	if err != nil {
		return err
	}
	now := s.now()
	out := checkinPage{Items: make([]checkinJSON, 0, len(vs))}
	for _, v := range vs {
		out.Items = append(out.Items, toCheckinJSON(v.CheckIn, v.Answer, now))
	}
	return respond(c, fiber.StatusOK, out)
}

func (s *Server) programmeCheckins(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, id, programme.RoleOwner)
	if err != nil {
		return err
	}
	after, limit, err := evidenceCursor(c)
	if err != nil {
		return err
	}
	cs, err := s.deps.Evidence.ProgrammeCheckins(c.UserContext(), evidenceActor(cl), id, c.Query("status", "overdue"), after, limit+1)
	if err != nil {
		return err
	}
	return respond(c, fiber.StatusOK, s.checkinPage(cs, limit))
}
