package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/identity"
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

type userResponse struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	DisplayName string    `json:"displayName"`
	Timezone    string    `json:"timezone"`
	Locale      string    `json:"locale"`
	Admin       bool      `json:"admin"`
	DailyXPGoal int       `json:"dailyXpGoal"`
	CreatedAt   time.Time `json:"createdAt"`
}

func toUserResponse(u identity.User) userResponse {
	return userResponse{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Timezone: u.Timezone, Locale: u.Locale,
		Admin: u.Admin, DailyXPGoal: u.DailyXPGoal, CreatedAt: u.CreatedAt}
}

type tokenResponse struct {
	AccessToken string       `json:"accessToken"`
	TokenType   string       `json:"tokenType"`
	ExpiresIn   int          `json:"expiresIn"`
	User        userResponse `json:"user"`
}

func (s *Server) mountAuth(r fiber.Router) {
	r.Post("/auth/register", s.register)
	r.Post("/auth/login", s.login)
	r.Get("/me", s.me)
}

func (s *Server) issue(c *fiber.Ctx, status int, u identity.User) error {
	tok, claims, err := s.deps.Tokens.Issue(u.ID, "", u.Admin)
	if err != nil {
		return err
	}
	return respond(c, status, tokenResponse{AccessToken: tok, TokenType: "Bearer",
		ExpiresIn: int(claims.ExpiresAt.Sub(claims.IssuedAt).Seconds()), User: toUserResponse(u)})
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
	return s.issue(c, http.StatusCreated, u)
}

func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := s.deps.Identity.Authenticate(c.UserContext(), req.Email, req.Password)
	if err != nil {
		return err
	}
	return s.issue(c, http.StatusOK, u)
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
