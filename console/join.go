package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/microlearn/microlearn/identity"
)

func seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}

type registerData struct {
	Invite, Email, Name, Timezone string
}

func (c *Console) registerPage(w http.ResponseWriter, v *view) error {
	c.render(w, v, http.StatusOK, "register", registerData{Invite: v.r.URL.Query().Get("invite"), Timezone: "Europe/London"})
	return nil
}

// register creates an account (the same Register as POST /v1/auth/register, under the same
// per-IP limit), signs the browser in and, with an invitation, joins its programme.
func (c *Console) register(w http.ResponseWriter, v *view) error {
	r := v.r
	d := registerData{Invite: r.PostFormValue("invite"), Email: strings.TrimSpace(r.PostFormValue("email")),
		Name: strings.TrimSpace(r.PostFormValue("name")), Timezone: strings.TrimSpace(r.PostFormValue("timezone"))}
	if c.deps.SignInLimit != nil {
		if _, reset, ok := c.deps.SignInLimit.Take(requestInfo(r).ClientIP, c.deps.Now()); !ok {
			v.Flash = &flash{Error: true, Text: v.T("login.throttled", seconds(reset))}
			c.render(w, v, http.StatusTooManyRequests, "register", d)
			return nil
		}
	}
	u, err := c.deps.Identity.Register(r.Context(), identity.NewUser{Email: d.Email, Password: r.PostFormValue("password"),
		DisplayName: d.Name, Timezone: d.Timezone})
	if err != nil {
		if statusOf(err) >= 500 {
			return err
		}
		v.Flash = &flash{Error: true, Text: v.errorText(err)}
		c.render(w, v, statusOf(err), "register", d)
		return nil
	}
	if err := c.startSession(r.Context(), w, r, u); err != nil {
		return err
	}
	if d.Invite == "" {
		return c.done(w, v, "/", "register.done")
	}
	p, _, err := c.deps.Programmes.Join(r.Context(), u.ID, u.Email, "", d.Invite)
	if err != nil {
		c.setFlash(w, r, flash{Error: true, Text: v.errorText(err)})
		c.redirect(w, r, "/")
		return nil
	}
	return c.done(w, v, "/p/"+p.ID+"/profile", "join.done", p.Name)
}

type joinData struct {
	Token, Code string
}

func (c *Console) joinPage(w http.ResponseWriter, v *view) error {
	c.render(w, v, http.StatusOK, "join", joinData{Token: v.r.URL.Query().Get("token"), Code: v.r.URL.Query().Get("code")})
	return nil
}

// join accepts an invitation or a join code for the signed-in person (programme.Join, as
// POST /v1/programmes/join, under the same per-IP limit).
func (c *Console) join(w http.ResponseWriter, v *view) error {
	r := v.r
	if c.deps.SignInLimit != nil {
		if _, reset, ok := c.deps.SignInLimit.Take(requestInfo(r).ClientIP, c.deps.Now()); !ok {
			c.setFlash(w, r, flash{Error: true, Text: v.T("login.throttled", seconds(reset))})
			c.redirect(w, r, backTo(r))
			return nil
		}
	}
	p, _, err := c.deps.Programmes.Join(r.Context(), v.User.ID, v.User.Email, strings.TrimSpace(r.PostFormValue("code")), r.PostFormValue("token"))
	if err != nil {
		return err
	}
	return c.done(w, v, "/p/"+p.ID+"/profile", "join.done", p.Name)
}
