package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/throttle"
	"github.com/microlearn/microlearn/privacy"
)

// Erasure and export of a person's data (issue 17): privacy/.

func (s *Server) mountPrivacy(r fiber.Router) {
	guard := s.loginGuard()
	r.Delete("/me", func(c *fiber.Ctx) error { return s.eraseMe(c, guard) })
	r.Post("/me/export", s.requestExport)
	r.Get("/me/export", s.exportStatus)
	r.Get("/me/export/archive", s.exportArchive)
	r.Post("/admin/erasures", s.adminErase)
	r.Get("/admin/erasures/:jobId", s.erasureStatus)
}

var errPasswordMismatch = apperr.New(apperr.KindForbidden, "password_mismatch",
	"the password is wrong: erasing an account needs its password")

type eraseMeRequest struct {
	Password string `json:"password"`
}

type erasureRequest struct {
	UserID string `json:"userId"`
	Reason string `json:"reason"`
}

type erasureResponse struct {
	ID          string     `json:"id"`
	State       string     `json:"state"`
	Tombstone   string     `json:"tombstone"`
	RequestedBy string     `json:"requestedBy"`
	Reason      string     `json:"reason,omitempty"`
	RequestedAt time.Time  `json:"requestedAt"`
	CompletedAt *time.Time `json:"completedAt,omitempty"`
	Pass        int        `json:"pass"`
}

func toErasure(j privacy.Job) erasureResponse {
	out := erasureResponse{ID: j.ID, State: string(j.State), Tombstone: j.Person.Tombstone, RequestedBy: j.RequestedBy,
		Reason: j.Reason, RequestedAt: j.CreatedAt, Pass: j.Pass + 1}
	if !j.CompletedAt.IsZero() {
		t := j.CompletedAt
		out.CompletedAt = &t
	}
	return out
}

// eraseMe erases the caller's account and data: the password proves it is them. A wrong
// password counts as a failed sign-in of the account and the client IP and backs off the
// same way (429 login_throttled), so this route is no side door for guessing passwords.
// Every session ends now; the job does the rest in the background.
func (s *Server) eraseMe(c *fiber.Ctx, guard *throttle.Logins) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	var req eraseMeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Password == "" {
		return apperr.Invalid("/password", "the account's password is required")
	}
	u, err := s.deps.Identity.User(c.UserContext(), cl.UserID)
	if err != nil {
		return err
	}
	if err := s.checkPassword(c, guard, u, req.Password); err != nil {
		return err
	}
	return s.startErasure(c, u, privacy.SelfRequest, "")
}

// checkPassword checks u's password under the sign-in back-off.
func (s *Server) checkPassword(c *fiber.Ctx, guard *throttle.Logins, u identity.User, password string) error {
	succeeded, wait := guard.Begin(identity.NormalizeEmail(u.Email), clientIP(c), s.now())
	if wait > 0 {
		s.deps.Metrics.Throttled("login_backoff")
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(ceilSeconds(wait)))
		return errLoginBackoff
	}
	if _, err := s.deps.Identity.Authenticate(c.UserContext(), u.Email, password); err != nil {
		if errors.Is(err, identity.ErrBadCredentials) {
			s.deps.Metrics.LoginFailed()
			return errPasswordMismatch
		}
		return err
	}
	succeeded()
	return nil
}

// adminErase erases another person's account (a platform admin acting on a request), with
// an audit record naming the admin.
func (s *Server) adminErase(c *fiber.Ctx) error {
	cl, err := adminOnly(c)
	if err != nil {
		return err
	}
	var req erasureRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	f.Check(strings.TrimSpace(req.UserID) != "", "/userId", "the user to erase is required")
	f.Check(len(req.Reason) <= 500, "/reason", "at most 500 characters")
	f.Check(req.UserID != cl.UserID, "/userId", "erase your own account with DELETE /v1/me")
	if err := f.Err(); err != nil {
		return err
	}
	u, err := s.deps.Identity.User(c.UserContext(), req.UserID)
	if err != nil {
		return err
	}
	return s.startErasure(c, u, cl.UserID, req.Reason)
}

// startErasure signs u out everywhere and writes the erasure job. u's owner memberships go
// first, keeping the programmes' owner counts right; the only owner of a programme is
// refused (409 last_owner) before anything else changes.
func (s *Server) startErasure(c *fiber.Ctx, u identity.User, by, reason string) error {
	ctx := c.UserContext()
	if err := s.deps.Programmes.ReleaseOwnerships(ctx, u.ID); err != nil {
		return err
	}
	if err := s.deps.Sessions.LogoutAll(ctx, u.ID); err != nil {
		return err
	}
	j, err := s.deps.Privacy.RequestErasure(ctx, privacy.Person{UserID: u.ID, Email: u.Email, Name: u.DisplayName}, by, reason)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/v1/admin/erasures/"+j.ID)
	return respond(c, http.StatusAccepted, toErasure(j))
}

func (s *Server) erasureStatus(c *fiber.Ctx) error {
	if _, err := adminOnly(c); err != nil {
		return err
	}
	j, err := s.deps.Privacy.Erasure(c.UserContext(), strings.Clone(c.Params("jobId")))
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toErasure(j))
}

type exportResponse struct {
	State       string     `json:"state"`
	RequestedAt time.Time  `json:"requestedAt"`
	ReadyAt     *time.Time `json:"readyAt,omitempty"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	Bytes       int64      `json:"bytes,omitempty"`
	Download    string     `json:"download,omitempty"`
}

func toExport(j privacy.Job) exportResponse {
	out := exportResponse{State: string(j.State), RequestedAt: j.CreatedAt}
	if j.State == privacy.StateDone {
		ready, exp := j.CompletedAt, j.ExpiresAt
		out.ReadyAt, out.ExpiresAt, out.Bytes, out.Download = &ready, &exp, j.Bytes, "/v1/me/export/archive"
	}
	return out
}

func (s *Server) requestExport(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	j, err := s.deps.Privacy.RequestExport(c.UserContext(), privacy.Person{UserID: cl.UserID})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/v1/me/export")
	return respond(c, http.StatusAccepted, toExport(j))
}

func (s *Server) exportStatus(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	j, err := s.deps.Privacy.Export(c.UserContext(), cl.UserID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return respond(c, http.StatusOK, toExport(j))
}

func (s *Server) exportArchive(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	j, rc, err := s.deps.Privacy.Archive(c.UserContext(), cl.UserID)
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="microlearn-export-`+j.CompletedAt.UTC().Format("20060102")+`.zip"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderContentLength, strconv.Itoa(len(b)))
	return c.Status(http.StatusOK).Send(b)
}
