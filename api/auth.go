package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/throttle"
)

type registerRequest struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	DisplayName string `json:"displayName"`
	Timezone    string `json:"timezone"`
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type quietHoursJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type userResponse struct {
	ID                    string          `json:"id"`
	Email                 string          `json:"email"`
	DisplayName           string          `json:"displayName"`
	Timezone              string          `json:"timezone"`
	TimezoneChangedAt     *time.Time      `json:"timezoneChangedAt,omitempty"`
	Locale                string          `json:"locale"`
	Admin                 bool            `json:"admin"`
	LearningSlots         []string        `json:"learningSlots"`
	QuietHours            *quietHoursJSON `json:"quietHours"`
	NotificationPrefs     map[string]bool `json:"notificationPrefs"`
	DailyXPGoal           int             `json:"dailyXpGoal"`
	LeaderboardVisibility string          `json:"leaderboardVisibility"`
	CreatedAt             time.Time       `json:"createdAt"`
}

// toUserResponse answers the effective profile: every notification kind with its value.
func toUserResponse(u identity.User) userResponse {
	r := userResponse{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Timezone: u.Timezone, Locale: u.Locale,
		Admin: u.Admin, LearningSlots: u.LearningSlots, DailyXPGoal: u.DailyXPGoal,
		LeaderboardVisibility: u.LeaderboardVisibility, CreatedAt: u.CreatedAt,
		NotificationPrefs: make(map[string]bool, len(identity.NotificationKinds()))}
	if r.LearningSlots == nil {
		r.LearningSlots = []string{}
	}
	if !u.TimezoneChangedAt.IsZero() {
		t := u.TimezoneChangedAt
		r.TimezoneChangedAt = &t
	}
	if u.QuietHours != nil {
		r.QuietHours = &quietHoursJSON{Start: u.QuietHours.Start, End: u.QuietHours.End}
	}
	for _, k := range identity.NotificationKinds() {
		r.NotificationPrefs[k] = u.Notifies(k)
	}
	return r
}

// optional is a field of a merge patch (RFC 7396): it tells an absent member (Set false)
// from null (Null true) and from a value.
type optional[T any] struct {
	Set, Null bool
	V         T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(bytes.TrimSpace(b)) == "null" {
		o.Null = true
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&o.V)
}

type quietHoursRequest struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// profilePatchRequest is PATCH /v1/me. null returns locale, dailyXpGoal and
// leaderboardVisibility to their defaults, clears learningSlots and quietHours, and in
// notificationPrefs returns every kind (or one kind) to on.
type profilePatchRequest struct {
	DisplayName           optional[string]            `json:"displayName"`
	Timezone              optional[string]            `json:"timezone"`
	Locale                optional[string]            `json:"locale"`
	LearningSlots         optional[[]string]          `json:"learningSlots"`
	QuietHours            optional[quietHoursRequest] `json:"quietHours"`
	NotificationPrefs     optional[map[string]*bool]  `json:"notificationPrefs"`
	DailyXPGoal           optional[int]               `json:"dailyXpGoal"`
	LeaderboardVisibility optional[string]            `json:"leaderboardVisibility"`
}

func (r profilePatchRequest) toPatch() (identity.ProfilePatch, error) {
	var p identity.ProfilePatch
	var f apperr.Fields
	f.Check(!r.DisplayName.Null, "/displayName", "cannot be removed")
	f.Check(!r.Timezone.Null, "/timezone", "cannot be removed")
	if err := f.Err(); err != nil {
		return p, err
	}
	if r.DisplayName.Set {
		p.DisplayName = &r.DisplayName.V
	}
	if r.Timezone.Set {
		p.Timezone = &r.Timezone.V
	}
	if r.Locale.Set {
		p.Locale = ptr(identity.DefaultLocale)
		if !r.Locale.Null {
			p.Locale = &r.Locale.V
		}
	}
	if r.LearningSlots.Set {
		p.SetLearningSlots, p.LearningSlots = true, r.LearningSlots.V
	}
	if r.QuietHours.Set {
		p.SetQuietHours = true
		if !r.QuietHours.Null {
			p.QuietHours = &identity.QuietHours{Start: r.QuietHours.V.Start, End: r.QuietHours.V.End}
		}
	}
	if r.NotificationPrefs.Set {
		p.ResetNotificationPrefs = r.NotificationPrefs.Null
		p.NotificationPrefs = r.NotificationPrefs.V
	}
	if r.DailyXPGoal.Set {
		p.DailyXPGoal = ptr(identity.DefaultDailyXPGoal)
		if !r.DailyXPGoal.Null {
			p.DailyXPGoal = &r.DailyXPGoal.V
		}
	}
	if r.LeaderboardVisibility.Set {
		p.LeaderboardVisibility = ptr(identity.DefaultLeaderboardVisibility)
		if !r.LeaderboardVisibility.Null {
			p.LeaderboardVisibility = &r.LeaderboardVisibility.V
		}
	}
	return p, nil
}

func ptr[T any](v T) *T { return &v }

type tokenResponse struct {
	AccessToken  string       `json:"accessToken"`
	RefreshToken string       `json:"refreshToken"`
	TokenType    string       `json:"tokenType"`
	ExpiresIn    int          `json:"expiresIn"`
	User         userResponse `json:"user"`
}

type refreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

func (s *Server) mountAuth(r fiber.Router) {
	limits := s.deps.RateLimits.orDefault()
	limit := s.routeLimit("auth", s.deps.RateLimits.AuthRequests, limits.AuthWindow)
	guard := s.loginGuard()
	r.Post("/auth/register", limit, s.register)
	r.Post("/auth/login", limit, func(c *fiber.Ctx) error { return s.login(c, guard) })
	r.Post("/auth/refresh", limit, s.refresh)
	r.Post("/auth/logout", limit, s.logout)
	r.Post("/auth/logout-all", limit, s.logoutAll)
	r.Get("/me", s.me)
	r.Patch("/me", s.patchMe)
}

func respondPair(c *fiber.Ctx, status int, p identity.Pair) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return respond(c, status, tokenResponse{AccessToken: p.AccessToken, RefreshToken: p.RefreshToken, TokenType: "Bearer",
		ExpiresIn: int(p.ExpiresIn.Seconds()), User: toUserResponse(p.User)})
}

func (s *Server) register(c *fiber.Ctx) error {
	var req registerRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := s.deps.Identity.Register(c.UserContext(), identity.NewUser{Email: req.Email, Password: req.Password,
		DisplayName: req.DisplayName, Timezone: req.Timezone})
	if err != nil {
		return err
	}
	p, err := s.deps.Sessions.Start(c.UserContext(), u)
	if err != nil {
		return err
	}
	return respondPair(c, http.StatusCreated, p)
}

func (s *Server) login(c *fiber.Ctx, guard *throttle.Logins) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	succeeded, wait := guard.Begin(identity.NormalizeEmail(req.Email), clientIP(c), s.now())
	if wait > 0 {
		s.deps.Metrics.Throttled("login_backoff")
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(ceilSeconds(wait)))
		return errLoginBackoff
	}
	u, err := s.deps.Identity.Authenticate(c.UserContext(), req.Email, req.Password)
	if errors.Is(err, identity.ErrBadCredentials) {
		s.deps.Metrics.LoginFailed()
	}
	if err != nil {
		return err
	}
	succeeded()
	p, err := s.deps.Sessions.Start(c.UserContext(), u)
	if err != nil {
		return err
	}
	return respondPair(c, http.StatusOK, p)
}

func (s *Server) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Sessions.Refresh(c.UserContext(), req.RefreshToken, identity.ClientInfo{IP: clientIP(c)})
	if err != nil {
		return err
	}
	return respondPair(c, http.StatusOK, p)
}

// logout revokes the refresh token's family. Like RFC 7009 it answers 204 even for a token
// that is unknown or already revoked: the client's goal, being signed out, holds.
func (s *Server) logout(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := s.deps.Sessions.Logout(c.UserContext(), req.RefreshToken); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) logoutAll(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	if err := s.deps.Sessions.LogoutAll(c.UserContext(), cl.UserID); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) me(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	u, err := s.deps.Identity.User(c.UserContext(), cl.UserID)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toUserResponse(u))
}

func (s *Server) patchMe(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	var req profilePatchRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p, err := req.toPatch()
	if err != nil {
		return err
	}
	u, err := s.deps.Identity.UpdateProfile(c.UserContext(), cl.UserID, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toUserResponse(u))
}
