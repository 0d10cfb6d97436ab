package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/programme"
)

// Members: the list with roles, one invitation at a time, join codes, role changes and
// removals, through programme.Service as the API's member routes call it.

func (c *Console) ownerRoutes() {
	m := c.mux
	own := func(h handler) http.HandlerFunc { return c.wrap(c.inRole(h, owner), member) }
	authors := func(h handler) http.HandlerFunc { return c.wrap(c.inRole(h, owner, mentor), member) }
	m.HandleFunc("GET /p/{pid}/overview", own(c.overview))
	m.HandleFunc("GET /p/{pid}/members", own(c.members))
	m.HandleFunc("POST /p/{pid}/members/invite", own(c.invite))
	m.HandleFunc("POST /p/{pid}/members/{uid}/role", own(c.changeRole))
	m.HandleFunc("POST /p/{pid}/members/{uid}/remove", own(c.removeMember))
	m.HandleFunc("POST /p/{pid}/join-codes", own(c.createJoinCode))
	m.HandleFunc("POST /p/{pid}/join-codes/{id}/revoke", own(c.revokeJoinCode))
	m.HandleFunc("GET /p/{pid}/content", authors(c.contentLibrary))
	m.HandleFunc("GET /p/{pid}/content/new", authors(c.newLessonPage))
	m.HandleFunc("POST /p/{pid}/content/new", authors(c.createLesson))
	m.HandleFunc("POST /p/{pid}/content/import", authors(c.importPack))
	m.HandleFunc("GET /p/{pid}/content/{id}", authors(c.preview))
	m.HandleFunc("POST /p/{pid}/content/{id}/publish", authors(c.publish))
	m.HandleFunc("POST /p/{pid}/content/{id}/archive", authors(c.archive))
	m.HandleFunc("GET /p/{pid}/matching", own(c.matching))
	m.HandleFunc("POST /p/{pid}/matching/approve", own(c.approve))
	m.HandleFunc("GET /p/{pid}/pairings", own(c.pairings))
	m.HandleFunc("GET /p/{pid}/pairings/{id}", c.wrap(c.pairing, member))
	m.HandleFunc("POST /p/{pid}/pairings/{id}/status", c.wrap(c.pairingStatus, member))
	m.HandleFunc("GET /p/{pid}/gamification", own(c.gamificationPage))
	m.HandleFunc("POST /p/{pid}/gamification/rules", own(c.saveRules))
	m.HandleFunc("POST /p/{pid}/gamification/badges", own(c.saveBadge))
	m.HandleFunc("POST /p/{pid}/gamification/prizes", own(c.createPrize))
	m.HandleFunc("POST /p/{pid}/gamification/winners/{id}/handed-over", own(c.handOver))
}

type memberRow struct {
	programme.Membership
	User identity.User
}

type membersData struct {
	Members   []memberRow
	Next      string
	Invited   *invited
	JoinCodes []programme.JoinCode
	NewCode   string
	Roles     []programme.Role
}

type invited struct {
	Email string
	Role  programme.Role
	Link  string
}

func actorOf(v *view) programme.Actor {
	return programme.Actor{UserID: v.Caller.UserID, Role: v.Caller.Role, Admin: v.Caller.Admin}
}

func (c *Console) membersData(v *view) (membersData, error) {
	ctx := v.r.Context()
	ms, next, err := c.deps.Programmes.Members(ctx, actorOf(v), v.Programme.ID, v.r.URL.Query().Get("after"), programme.MaxMembersPage)
	if err != nil {
		return membersData{}, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	users, err := c.deps.Identity.Users(ctx, ids)
	if err != nil {
		return membersData{}, err
	}
	d := membersData{Next: next, Roles: []programme.Role{owner, mentor, mentee}}
	for _, m := range ms {
		d.Members = append(d.Members, memberRow{Membership: m, User: users[m.UserID]})
	}
	if d.JoinCodes, err = c.deps.Programmes.JoinCodes(ctx, v.Programme.ID); err != nil {
		return d, err
	}
	return d, nil
}

func (c *Console) members(w http.ResponseWriter, v *view) error {
	d, err := c.membersData(v)
	if err != nil {
		return err
	}
	c.render(w, v, http.StatusOK, "members", d)
	return nil
}

// baseURL is where links handed out point: PUBLIC_URL, else the address this page was
// reached at.
func (c *Console) baseURL(v *view) string {
	if c.deps.PublicURL != "" {
		return strings.TrimRight(c.deps.PublicURL, "/")
	}
	scheme := "http"
	if requestInfo(v.r).Secure {
		scheme = "https"
	}
	return scheme + "://" + v.r.Host
}

// invite creates an invitation and shows its link once (the token is stored only hashed).
func (c *Console) invite(w http.ResponseWriter, v *view) error {
	f := v.r.PostForm
	inv, tok, err := c.deps.Programmes.Invite(v.r.Context(), v.Programme.ID, v.Caller.UserID, f.Get("email"), programme.Role(f.Get("role")))
	if err != nil {
		return err
	}
	d, err := c.membersData(v)
	if err != nil {
		return err
	}
	d.Invited = &invited{Email: inv.Email, Role: inv.Role, Link: c.baseURL(v) + "/join?token=" + url.QueryEscape(tok)}
	c.render(w, v, http.StatusOK, "members", d)
	return nil
}

func (c *Console) changeRole(w http.ResponseWriter, v *view) error {
	if _, err := c.deps.Programmes.ChangeRole(v.r.Context(), v.Programme.ID, v.r.PathValue("uid"), programme.Role(v.r.PostFormValue("role"))); err != nil {
		return err
	}
	return c.done(w, v, v.P("members"), "members.roleChanged")
}

func (c *Console) removeMember(w http.ResponseWriter, v *view) error {
	if err := c.deps.Programmes.RemoveMember(v.r.Context(), actorOf(v), v.Programme.ID, v.r.PathValue("uid")); err != nil {
		return err
	}
	return c.done(w, v, v.P("members"), "members.removed")
}

func (c *Console) createJoinCode(w http.ResponseWriter, v *view) error {
	f := v.r.PostForm
	var expires time.Time
	if days := f.Get("days"); days != "" {
		d, err := time.ParseDuration(days + "h")
		if err == nil {
			expires = c.deps.Now().Add(d * 24)
		}
	}
	_, code, err := c.deps.Programmes.CreateJoinCode(v.r.Context(), v.Programme.ID, v.Caller.UserID, programme.Role(f.Get("role")), f.Get("label"), expires)
	if err != nil {
		return err
	}
	d, err := c.membersData(v)
	if err != nil {
		return err
	}
	d.NewCode = code
	c.render(w, v, http.StatusOK, "members", d)
	return nil
}

func (c *Console) revokeJoinCode(w http.ResponseWriter, v *view) error {
	if err := c.deps.Programmes.RevokeJoinCode(v.r.Context(), v.Programme.ID, v.r.PathValue("id")); err != nil {
		return err
	}
	return c.done(w, v, v.P("members"), "members.codeRevoked")
}
