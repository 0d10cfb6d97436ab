package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
)

func (s *Server) mountInvites(r fiber.Router) {
	r.Post("/programmes/:programmeId/invites", s.invite)
	r.Get("/programmes/:programmeId/invites", s.listInvites)
	r.Post("/programmes/:programmeId/invites/import", s.importInvites)
	r.Delete("/programmes/:programmeId/invites/:inviteId", s.revokeInvite)
	r.Post("/programmes/:programmeId/invites/:inviteId/resend", s.resendInvite)
}

type inviteRequest struct {
	Email      string   `json:"email"`
	Role       string   `json:"role"`
	Name       string   `json:"name"`
	Department string   `json:"department"`
	Languages  []string `json:"languages"`
	Locale     string   `json:"locale"`
}

type inviteDelivery struct {
	// Channel is email when the server mails invitations, link when the owner passes the
	// link on.
	Channel string     `json:"channel"`
	Status  string     `json:"status"`
	At      *time.Time `json:"at,omitempty"`
	Error   string     `json:"error,omitempty"`
}

type inviteResponse struct {
	ID          string         `json:"id"`
	ProgrammeID string         `json:"programmeId"`
	Email       string         `json:"email"`
	Name        string         `json:"name,omitempty"`
	Department  string         `json:"department,omitempty"`
	Languages   []string       `json:"languages"`
	Locale      string         `json:"locale,omitempty"`
	Role        string         `json:"role"`
	Status      string         `json:"status"`
	CreatedAt   time.Time      `json:"createdAt"`
	SentAt      time.Time      `json:"sentAt"`
	ExpiresAt   time.Time      `json:"expiresAt"`
	AcceptedAt  *time.Time     `json:"acceptedAt,omitempty"`
	AcceptedBy  string         `json:"acceptedBy,omitempty"`
	RevokedAt   *time.Time     `json:"revokedAt,omitempty"`
	Delivery    inviteDelivery `json:"delivery"`
	// Token and JoinURL accept the invitation: in the answer to creating or resending it,
	// and in lists while it is pending when mail is off.
	Token   string `json:"token,omitempty"`
	JoinURL string `json:"joinUrl,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// joinURL is the link that accepts an invitation: the console's (or the app's universal
// link's) join page.
func (s *Server) joinURL(c *fiber.Ctx, token string) string {
	if token == "" {
		return ""
	}
	base := strings.TrimRight(s.deps.PublicURL, "/")
	if base == "" {
		base = c.BaseURL()
	}
	return base + "/join?token=" + url.QueryEscape(token)
}

func (s *Server) toInviteResponse(c *fiber.Ctx, inv programme.Invite, token string) inviteResponse {
	now := s.now()
	out := inviteResponse{ID: inv.ID, ProgrammeID: inv.ProgrammeID, Email: inv.Email, Name: inv.Name, Department: inv.Department,
		Languages: nonNilStrings(inv.Languages), Locale: inv.Locale, Role: string(inv.Role), Status: string(inv.Status(now)),
		CreatedAt: inv.CreatedAt, SentAt: inv.SentAt, ExpiresAt: inv.ExpiresAt, AcceptedAt: timePtr(inv.AcceptedAt),
		AcceptedBy: inv.AcceptedBy, RevokedAt: timePtr(inv.RevokedAt),
		Delivery: inviteDelivery{Channel: "link", Status: string(inv.Mail.Status), At: timePtr(inv.Mail.At), Error: inv.Mail.Error}}
	if inv.Mail.Status != programme.MailOff && inv.Mail.Status != "" {
		out.Delivery.Channel = "email"
	}
	if out.Delivery.Status == "" {
		out.Delivery.Status = string(programme.MailOff)
	}
	if token == "" && inv.Status(now) == programme.InvitePending && !s.deps.Programmes.MailOn() {
		token = s.deps.Programmes.InviteToken(inv)
	}
	if inv.Status(now) == programme.InvitePending {
		out.Token, out.JoinURL = token, s.joinURL(c, token)
	}
	return out
}

// callerLocale is the language invitations are written in when the owner names none: their own.
func (s *Server) callerLocale(c *fiber.Ctx, userID string) string {
	u, err := s.deps.Identity.User(c.UserContext(), userID)
	if err != nil {
		return ""
	}
	return u.Locale
}

func (s *Server) invite(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	cl, err := s.authorize(c, id, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req inviteRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in := programme.InviteInput{Email: req.Email, Role: programme.Role(req.Role), Name: req.Name, Department: req.Department,
		Languages: req.Languages, Locale: req.Locale}
	if in.Locale == "" {
		in.Locale = s.callerLocale(c, cl.UserID)
	}
	inv, tok, err := s.deps.Programmes.InviteOne(c.UserContext(), id, cl.UserID, in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Location("/v1/programmes/" + id + "/invites?status=pending")
	return respond(c, http.StatusCreated, s.toInviteResponse(c, inv, tok))
}

type inviteList struct {
	Items      []inviteResponse `json:"items"`
	NextCursor string           `json:"nextCursor,omitempty"`
	// MailOn says whether invitations are emailed; when false, pass on each joinUrl.
	MailOn bool `json:"mailOn"`
}

func (s *Server) listInvites(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	if _, err := s.authorize(c, id, programme.RoleOwner); err != nil {
		return err
	}
	limit := 50
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > programme.MaxInvitesPage {
			return apperr.Invalid("/limit", "must be a whole number from 1 to 200")
		}
		limit = n
	}
	q := programme.InviteQuery{ProgrammeID: id, Status: programme.InviteState(strings.Clone(c.Query("status"))), Limit: limit}
	if cur := c.Query("cursor"); cur != "" {
		at, cid, ok := decodeTimeCursor(cur)
		if !ok {
			return apperr.Invalid("/cursor", "is not a cursor this server made")
		}
		q.After = &programme.InviteCursor{At: at, ID: cid}
	}
	invs, next, err := s.deps.Programmes.Invites(c.UserContext(), q)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	out := inviteList{Items: make([]inviteResponse, len(invs)), MailOn: s.deps.Programmes.MailOn()}
	for i, inv := range invs {
		out.Items[i] = s.toInviteResponse(c, inv, "")
	}
	if next != nil {
		out.NextCursor = encodeTimeCursor(next.At, next.ID)
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) revokeInvite(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	if _, err := s.authorize(c, id, programme.RoleOwner); err != nil {
		return err
	}
	if err := s.deps.Programmes.RevokeInvite(c.UserContext(), id, param(c, "inviteId")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) resendInvite(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	if _, err := s.authorize(c, id, programme.RoleOwner); err != nil {
		return err
	}
	inv, tok, err := s.deps.Programmes.ResendInvite(c.UserContext(), id, param(c, "inviteId"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return respond(c, http.StatusOK, s.toInviteResponse(c, inv, tok))
}

type inviteImportError struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

type inviteImportRow struct {
	Line        int                 `json:"line"`
	Email       string              `json:"email"`
	Status      string              `json:"status"`
	InviteID    string              `json:"inviteId,omitempty"`
	DuplicateOf int                 `json:"duplicateOf,omitempty"`
	JoinURL     string              `json:"joinUrl,omitempty"`
	Errors      []inviteImportError `json:"errors"`
}

type inviteImportResponse struct {
	DryRun bool              `json:"dryRun"`
	MailOn bool              `json:"mailOn"`
	Counts map[string]int    `json:"counts"`
	Rows   []inviteImportRow `json:"rows"`
}

func (s *Server) importInvites(c *fiber.Ctx) error {
	id := param(c, "programmeId")
	cl, err := s.authorize(c, id, programme.RoleOwner)
	if err != nil {
		return err
	}
	if mt := c.Get(fiber.HeaderContentType); !strings.HasPrefix(strings.ToLower(mt), "text/csv") {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "send the file as text/csv")
	}
	dryRun := false
	switch c.Query("dryRun") {
	case "", "false":
	case "true":
		dryRun = true
	default:
		return apperr.Invalid("/dryRun", "must be true or false")
	}
	res, err := s.deps.Programmes.ImportInvites(c.UserContext(), id, cl.UserID, s.callerLocale(c, cl.UserID), c.Body(), dryRun)
	if err != nil {
		return err
	}
	out := inviteImportResponse{DryRun: res.DryRun, MailOn: s.deps.Programmes.MailOn(), Counts: map[string]int{}, Rows: make([]inviteImportRow, len(res.Rows))}
	for _, k := range []string{programme.RowCreated, programme.RowRenewed, programme.RowUnchanged, programme.RowAccepted,
		programme.RowRevoked, programme.RowInvalid, programme.RowDuplicate} {
		out.Counts[k] = res.Counts[k]
	}
	for i, r := range res.Rows {
		row := inviteImportRow{Line: r.Line, Email: r.Email, Status: r.Status, InviteID: r.InviteID, DuplicateOf: r.DuplicateOf,
			JoinURL: s.joinURL(c, r.Token), Errors: []inviteImportError{}}
		for _, e := range r.Errors {
			row.Errors = append(row.Errors, inviteImportError{Pointer: e.Pointer, Detail: e.Detail, Line: e.Line, Column: e.Column})
		}
		out.Rows[i] = row
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return respond(c, http.StatusOK, out)
}
