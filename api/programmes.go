package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
)

type programmeRequest struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Timezone    string `json:"timezone"`
	StartsOn    string `json:"startsOn"`
	EndsOn      string `json:"endsOn"`
}

// programmePatchRequest is a merge patch: null clears startsOn and endsOn.
type programmePatchRequest struct {
	Name        optional[string] `json:"name"`
	Description optional[string] `json:"description"`
	Timezone    optional[string] `json:"timezone"`
	StartsOn    optional[string] `json:"startsOn"`
	EndsOn      optional[string] `json:"endsOn"`
}

func (r programmePatchRequest) toPatch() (programme.ProgrammePatch, error) {
	var f apperr.Fields
	f.Check(!r.Name.Null, "/name", "cannot be removed")
	f.Check(!r.Timezone.Null, "/timezone", "cannot be removed")
	if err := f.Err(); err != nil {
		return programme.ProgrammePatch{}, err
	}
	var p programme.ProgrammePatch
	set := func(o optional[string]) *string {
		if !o.Set {
			return nil
		}
		return &o.V // "" when null
	}
	p.Name, p.Description, p.Timezone, p.StartsOn, p.EndsOn = set(r.Name), set(r.Description), set(r.Timezone), set(r.StartsOn), set(r.EndsOn)
	return p, nil
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

type joinCodeRequest struct {
	Role      string     `json:"role"`
	Label     string     `json:"label"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

type joinCodeResponse struct {
	ID        string    `json:"id"`
	Role      string    `json:"role"`
	Label     string    `json:"label"`
	Code      string    `json:"code,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	Revoked   bool      `json:"revoked"`
	Uses      int       `json:"uses"`
}

func toJoinCodeResponse(jc programme.JoinCode, code string) joinCodeResponse {
	return joinCodeResponse{ID: jc.ID, Role: string(jc.Role), Label: jc.Label, Code: code, CreatedAt: jc.CreatedAt,
		ExpiresAt: jc.ExpiresAt, Revoked: jc.Revoked, Uses: jc.Uses}
}

type joinCodeList struct {
	Items []joinCodeResponse `json:"items"`
}

type joinRequest struct {
	Code        string `json:"code"`
	InviteToken string `json:"inviteToken"`
}

type roleRequest struct {
	Role string `json:"role"`
}

type memberResponse struct {
	UserID      string    `json:"userId"`
	DisplayName string    `json:"displayName"`
	Email       string    `json:"email,omitempty"`
	Role        string    `json:"role"`
	JoinedAt    time.Time `json:"joinedAt"`
}

type memberList struct {
	Items      []memberResponse `json:"items"`
	NextCursor string           `json:"nextCursor,omitempty"`
}

func (s *Server) mountProgrammes(r fiber.Router) {
	limits := s.deps.RateLimits.orDefault()
	r.Post("/programmes", s.createProgramme)
	r.Get("/programmes", s.myProgrammes)
	r.Post("/programmes/join", s.routeLimit("join", s.deps.RateLimits.AuthRequests, limits.AuthWindow), s.joinProgramme)
	r.Get("/programmes/:programmeId", s.getProgramme)
	r.Patch("/programmes/:programmeId", s.patchProgramme)
	r.Post("/programmes/:programmeId/join-codes", s.createJoinCode)
	r.Get("/programmes/:programmeId/join-codes", s.listJoinCodes)
	r.Delete("/programmes/:programmeId/join-codes/:joinCodeId", s.revokeJoinCode)
	r.Get("/programmes/:programmeId/members", s.listMembers)
	r.Patch("/programmes/:programmeId/members/:userId", s.changeMemberRole)
	r.Delete("/programmes/:programmeId/members/:userId", s.removeMember)
}

func param(c *fiber.Ctx, name string) string { return strings.Clone(c.Params(name)) }

func actorOf(cl Caller) programme.Actor {
	return programme.Actor{UserID: cl.UserID, Role: cl.Role, Admin: cl.Admin}
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
	p, err := s.deps.Programmes.CreateBy(c.UserContext(), cl.UserID, cl.Admin, programme.Programme{Name: req.Name,
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
	id := param(c, "programmeId")
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

func (s *Server) patchProgramme(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	cl, err := s.authorize(c, id, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req programmePatchRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	patch, err := req.toPatch()
	if err != nil {
		return err
	}
	p, err := s.deps.Programmes.Update(c.UserContext(), id, patch)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toProgrammeResponse(p, cl.Role))
}

func (s *Server) createJoinCode(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	cl, err := s.authorize(c, id, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req joinCodeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var expiresAt time.Time
	if req.ExpiresAt != nil {
		expiresAt = *req.ExpiresAt
	}
	jc, code, err := s.deps.Programmes.CreateJoinCode(c.UserContext(), id, cl.UserID, programme.Role(req.Role), req.Label, expiresAt)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return respond(c, http.StatusCreated, toJoinCodeResponse(jc, code))
}

func (s *Server) listJoinCodes(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	if _, err := s.authorize(c, id, programme.RoleOwner); err != nil {
		return err
	}
	jcs, err := s.deps.Programmes.JoinCodes(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := joinCodeList{Items: make([]joinCodeResponse, len(jcs))}
	for i, jc := range jcs {
		out.Items[i] = toJoinCodeResponse(jc, "")
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) revokeJoinCode(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	if _, err := s.authorize(c, id, programme.RoleOwner); err != nil {
		return err
	}
	if err := s.deps.Programmes.RevokeJoinCode(c.UserContext(), id, param(c, "joinCodeId")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) joinProgramme(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	var req joinRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var email string
	if req.InviteToken != "" {
		u, err := s.deps.Identity.User(c.UserContext(), cl.UserID)
		if err != nil {
			return err
		}
		email = u.Email
	}
	p, role, err := s.deps.Programmes.Join(c.UserContext(), cl.UserID, email, req.Code, req.InviteToken)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toProgrammeResponse(p, role))
}

func (s *Server) listMembers(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	cl, err := s.authorize(c, id)
	if err != nil {
		return err
	}
	limit := 50
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > programme.MaxMembersPage {
			return apperr.Invalid("/limit", "must be a whole number from 1 to 200")
		}
		limit = n
	}
	ms, next, err := s.deps.Programmes.Members(c.UserContext(), actorOf(cl), id, strings.Clone(c.Query("after")), limit)
	if err != nil {
		return err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	users, err := s.deps.Identity.Users(c.UserContext(), ids)
	if err != nil {
		return err
	}
	// Owners, mentors and admins see email addresses; mentees see names and roles only.
	showEmail := cl.Admin || cl.Role == programme.RoleOwner || cl.Role == programme.RoleMentor
	out := memberList{Items: make([]memberResponse, 0, len(ms)), NextCursor: next}
	for _, m := range ms {
		u := users[m.UserID]
		r := memberResponse{UserID: m.UserID, DisplayName: u.DisplayName, Role: string(m.Role), JoinedAt: m.JoinedAt}
		if showEmail || m.UserID == cl.UserID {
			r.Email = u.Email
		}
		out.Items = append(out.Items, r)
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) changeMemberRole(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	if _, err := s.authorize(c, id, programme.RoleOwner); err != nil {
		return err
	}
	var req roleRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	m, err := s.deps.Programmes.ChangeRole(c.UserContext(), id, param(c, "userId"), programme.Role(req.Role))
	if err != nil {
		return err
	}
	users, err := s.deps.Identity.Users(c.UserContext(), []string{m.UserID})
	if err != nil {
		return err
	}
	u := users[m.UserID]
	return respond(c, http.StatusOK, memberResponse{UserID: m.UserID, DisplayName: u.DisplayName, Email: u.Email,
		Role: string(m.Role), JoinedAt: m.JoinedAt})
}

func (s *Server) removeMember(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	cl, err := s.authorize(c, id)
	if err != nil {
		return err
	}
	if err := s.deps.Programmes.RemoveMember(c.UserContext(), actorOf(cl), id, param(c, "userId")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
