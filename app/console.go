package app

import (
	"github.com/microlearn/microlearn/api"
	"github.com/microlearn/microlearn/console"
	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/internal/throttle"
)

// wireConsole builds the browser console over the same services, the same authorization
// policy and the same sign-in back-off as the API, and hands it to the API to mount.
func (a *App) wireConsole(deps *api.Deps) error {
	deps.Authz = api.NewAuthorizer(*deps)
	deps.Logins = api.NewLogins(deps.RateLimits)
	var limit *throttle.Window
	if a.Cfg.AuthRateLimit > 0 {
		limit = throttle.NewWindow(a.Cfg.AuthRateLimit, a.Cfg.AuthRateWindow)
	}
	c, err := console.New(console.Deps{Log: a.Log, Now: a.Now, Tokens: a.Tokens, Identity: a.Identity, Sessions: a.Sessions,
		Programmes: a.Programmes, Content: a.Content, Mentoring: a.Mentoring, Record: a.Record, Gamification: a.Gamification,
		Media: a.Media, Reviews: a.Reviews, Credentials: a.Credentials, Evidence: a.Evidence, Insight: a.Insight,
		CPDJSON:      func(r evidence.CPDRecord) ([]byte, error) { return api.CPDJSON(r, a.Cfg.PublicURL) },
		CPDVerifyURL: func(code string) string { return api.CPDVerifyURL(a.Cfg.PublicURL, code) },
		Authz:        deps.Authz, Logins: deps.Logins, SignInLimit: limit, Secret: a.Tokens.Keys.RefreshSecret(),
		PublicURL: a.Cfg.PublicURL, BodyLimit: a.Cfg.BodyLimit})
	if err != nil {
		return err
	}
	deps.Console = c
	return nil
}
