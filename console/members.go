package console

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/apperr"
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
	m.HandleFunc("POST /p/{pid}/invites/import", own(c.importInvites))
	m.HandleFunc("POST /p/{pid}/invites/{id}/revoke", own(c.revokeInvite))
	m.HandleFunc("POST /p/{pid}/invites/{id}/resend", own(c.resendInvite))
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
	Invites   []inviteRow
	MailOn    bool
	Imported  *importedInvites
	Invited   *invited
	JoinCodes []programme.JoinCode
	NewCode   string
	Roles     []programme.Role
}

type invited struct {
	Email  string
	Role   programme.Role
	Link   string
	Mailed bool
}

type inviteRow struct {
	programme.Invite
	Status programme.InviteState
	Link   string
}

type importedInvites struct {
	programme.ImportResult
	Links map[int]string
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
	invs, _, err := c.deps.Programmes.Invites(ctx, programme.InviteQuery{ProgrammeID: v.Programme.ID, Now: c.deps.Now(), Limit: 100})
	if err != nil {
		return d, err
	}
	d.MailOn = c.deps.Programmes.MailOn()
	for _, inv := range invs {
		row := inviteRow{Invite: inv, Status: inv.Status(c.deps.Now())}
		// With mail off the owner passes each pending invitation's link on (as the API lists it).
		if row.Status == programme.InvitePending && !d.MailOn {
			row.Link = c.joinLink(v, c.deps.Programmes.InviteToken(inv))
		}
		d.Invites = append(d.Invites, row)
	}
	return d, nil
}

func (c *Console) joinLink(v *view, token string) string {
	if token == "" {
		return ""
	}
	return c.baseURL(v) + "/join?token=" + url.QueryEscape(token)
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
	inv, tok, err := c.deps.Programmes.InviteOne(v.r.Context(), v.Programme.ID, v.Caller.UserID, programme.InviteInput{
		Email: f.Get("email"), Name: f.Get("name"), Role: programme.Role(f.Get("role")), Locale: v.Lang})
	if err != nil {
		return err
	}
	return c.showInvited(w, v, inv, tok)
}

// showInvited answers an invitation made or resent with its link, shown once.
func (c *Console) showInvited(w http.ResponseWriter, v *view, inv programme.Invite, tok string) error {
	d, err := c.membersData(v)
	if err != nil {
		return err
	}
	d.Invited = &invited{Email: inv.Email, Role: inv.Role, Link: c.joinLink(v, tok), Mailed: d.MailOn}
	c.render(w, v, http.StatusOK, "members", d)
	return nil
}

func (c *Console) resendInvite(w http.ResponseWriter, v *view) error {
	inv, tok, err := c.deps.Programmes.ResendInvite(v.r.Context(), v.Programme.ID, v.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.showInvited(w, v, inv, tok)
}

func (c *Console) revokeInvite(w http.ResponseWriter, v *view) error {
	if err := c.deps.Programmes.RevokeInvite(v.r.Context(), v.Programme.ID, v.r.PathValue("id")); err != nil {
		return err
	}
	return c.done(w, v, v.P("members"), "members.inviteRevoked")
}

// maxInviteCSV bounds an uploaded invitation CSV (the form is bounded by the body limit too).
const maxInviteCSV = 1 << 20

// importInvites invites everyone in an uploaded CSV (programme.ImportInvites, as
// POST /v1/programmes/{id}/invites/import), or with "check only" reports what it would do.
func (c *Console) importInvites(w http.ResponseWriter, v *view) error {
	file, _, err := v.r.FormFile("csv")
	if err != nil {
		return apperr.Invalid("/csv", "choose a .csv file")
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxInviteCSV+1))
	if err != nil || len(data) > maxInviteCSV {
		return apperr.Invalid("/csv", "must be at most 1 MB")
	}
	res, err := c.deps.Programmes.ImportInvites(v.r.Context(), v.Programme.ID, v.Caller.UserID, v.Lang, data, v.r.PostFormValue("dryRun") == "on")
	if err != nil {
		return err
	}
	d, err := c.membersData(v)
	if err != nil {
		return err
	}
	d.Imported = &importedInvites{ImportResult: res, Links: map[int]string{}}
	for _, row := range res.Rows {
		d.Imported.Links[row.Line] = c.joinLink(v, row.Token)
	}
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
