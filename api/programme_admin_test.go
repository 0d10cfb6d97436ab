package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/programme"
)

type member struct {
	UserID      string `json:"userId"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email"`
	Role        string `json:"role"`
}

func members(t *testing.T, env *apitest.Env, pid, token, query string) ([]member, string) {
	t.Helper()
	r := env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + pid + "/members" + query, Token: token})
	if r.Status != 200 {
		t.Fatalf("members: %d %s", r.Status, r.Body)
	}
	var out struct {
		Items      []member
		NextCursor string
	}
	r.JSON(t, &out)
	return out.Items, out.NextCursor
}

func TestInvitationsAndJoinCodes(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	owner, ann, bob := env.Register("Inv Owner"), env.Register("Inv Ann"), env.Register("Inv Bob")
	p, err := env.App.Programmes.Create(context.Background(), owner.ID, programme.Programme{Name: "Invites"})
	if err != nil {
		t.Fatal(err)
	}
	base := "/v1/programmes/" + p.ID

	// An invitation is for one email, once.
	r := env.Do(apitest.Req{Method: "POST", Path: base + "/invites", Token: owner.Token, Body: map[string]string{"email": " Inv.Ann@Test.Example ", "role": "mentor"}})
	if r.Status != 201 {
		t.Fatalf("invite: %d %s", r.Status, r.Body)
	}
	var inv struct{ Token, Email, Role string }
	r.JSON(t, &inv)
	if inv.Email != ann.Email || inv.Role != "mentor" || len(inv.Token) < 40 {
		t.Fatalf("invite: %+v", inv)
	}
	join := func(tok string, body map[string]string) *apitest.Response {
		return env.Do(apitest.Req{Method: "POST", Path: "/v1/programmes/join", Token: tok, Body: body})
	}
	if p := asProblem(t, join(bob.Token, map[string]string{"inviteToken": inv.Token}), 403); p.Code != "invite_for_another_email" {
		t.Errorf("someone else's invite: %+v", p)
	}
	r = join(ann.Token, map[string]string{"inviteToken": inv.Token})
	var joined struct{ ID, MyRole string }
	r.JSON(t, &joined)
	if r.Status != 200 || joined.ID != p.ID || joined.MyRole != "mentor" {
		t.Fatalf("join by invite: %d %s", r.Status, r.Body)
	}
	asProblem(t, join(ann.Token, map[string]string{"inviteToken": inv.Token}), 404) // used
	asProblem(t, join(ann.Token, map[string]string{"inviteToken": "made-up"}), 404)
	asProblem(t, join(ann.Token, map[string]string{}), 422)
	asProblem(t, join(ann.Token, map[string]string{"code": "x", "inviteToken": "y"}), 422)
	// The token is stored only as a hash.
	n, _ := env.App.DB.DB.Collection("invites").CountDocuments(t.Context(), map[string]any{"tokenHash": inv.Token})
	raw, _ := env.App.DB.DB.Collection("invites").FindOne(t.Context(), map[string]any{}).Raw()
	if n != 0 || strings.Contains(raw.String(), inv.Token) {
		t.Error("the invitation token is stored in the clear")
	}

	// Join codes: shown once, typed loosely, listed without the code, revocable.
	r = env.Do(apitest.Req{Method: "POST", Path: base + "/join-codes", Token: owner.Token, Body: map[string]string{"role": "mentee", "label": "kick-off slide"}})
	var jc struct{ ID, Code, Role string }
	r.JSON(t, &jc)
	if r.Status != 201 || len(jc.Code) != 14 || jc.Role != "mentee" {
		t.Fatalf("join code: %d %s", r.Status, r.Body)
	}
	typed := strings.ToLower(strings.ReplaceAll(jc.Code, "-", " "))
	r = join(bob.Token, map[string]string{"code": typed})
	if r.Status != 200 {
		t.Fatalf("join with %q: %d %s", typed, r.Status, r.Body)
	}
	if p := asProblem(t, join(bob.Token, map[string]string{"code": jc.Code}), 409); p.Code != "already_member" {
		t.Errorf("joining twice: %+v", p)
	}
	r = env.Do(apitest.Req{Method: "GET", Path: base + "/join-codes", Token: owner.Token})
	if strings.Contains(string(r.Body), jc.Code) || !strings.Contains(string(r.Body), `"uses":1`) || !strings.Contains(string(r.Body), "kick-off slide") {
		t.Errorf("join code list: %s", r.Body)
	}
	asProblem(t, env.Do(apitest.Req{Method: "POST", Path: base + "/join-codes", Token: owner.Token, Body: map[string]string{"role": "owner"}}), 422)
	asProblem(t, env.Do(apitest.Req{Method: "POST", Path: base + "/join-codes", Token: owner.Token,
		Body: map[string]string{"role": "mentee", "expiresAt": apitest.Now().Add(-time.Hour).Format(time.RFC3339)}}), 422)
	if r := env.Do(apitest.Req{Method: "DELETE", Path: base + "/join-codes/" + jc.ID, Token: owner.Token}); r.Status != 204 {
		t.Fatalf("revoke: %d", r.Status)
	}
	carl := env.Register("Inv Carl")
	asProblem(t, join(carl.Token, map[string]string{"code": jc.Code}), 404)
	asProblem(t, env.Do(apitest.Req{Method: "DELETE", Path: base + "/join-codes/nope", Token: owner.Token}), 404)

	// One person, different roles in different programmes.
	q, _ := env.App.Programmes.Create(context.Background(), bob.ID, programme.Programme{Name: "Bob's own"})
	r = env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes", Token: bob.Token})
	var mine struct{ Items []struct{ ID, MyRole string } }
	r.JSON(t, &mine)
	roles := map[string]string{}
	for _, it := range mine.Items {
		roles[it.ID] = it.MyRole
	}
	if d := cmp.Diff(map[string]string{p.ID: "mentee", q.ID: "owner"}, roles); d != "" {
		t.Errorf("Bob's roles (-want +got):\n%s", d)
	}
}

// An expired join code no longer works.
func TestJoinCodeExpires(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	env := apitest.New(t, apitest.WithClock(func() time.Time { return now }))
	owner, ann := env.Register("Exp Owner"), env.Register("Exp Ann")
	ctx := context.Background()
	p, _ := env.App.Programmes.Create(ctx, owner.ID, programme.Programme{Name: "Expiry"})
	_, code, err := env.App.Programmes.CreateJoinCode(ctx, p.ID, owner.ID, programme.RoleMentee, "", now.Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(10 * time.Minute) // the access token (15 minutes) is still valid
	asProblem(t, env.Do(apitest.Req{Method: "POST", Path: "/v1/programmes/join", Token: ann.Token, Body: map[string]string{"code": code}}), 404)
}

func TestMemberVisibilityAndRoles(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	owner, mentor, m1, m2 := env.Register("Vis Owner"), env.Register("Vis Mentor"), env.Register("Vis Mentee1"), env.Register("Vis Mentee2")
	p, _ := env.App.Programmes.Create(ctx, owner.ID, programme.Programme{Name: "Visibility"})
	for id, role := range map[string]programme.Role{mentor.ID: programme.RoleMentor, m1.ID: programme.RoleMentee, m2.ID: programme.RoleMentee} {
		if err := env.App.Programmes.AddMember(ctx, p.ID, id, role); err != nil {
			t.Fatal(err)
		}
	}
	// Owners and mentors see everyone with emails; pages follow the cursor.
	for _, tok := range []string{owner.Token, mentor.Token} {
		var all []member
		cursor := ""
		for page := 0; ; page++ {
			items, next := members(t, env, p.ID, tok, "?limit=3&after="+cursor)
			all = append(all, items...)
			if next == "" || page > 3 {
				break
			}
			cursor = next
		}
		if len(all) != 4 {
			t.Fatalf("owner/mentor see %d members, want 4", len(all))
		}
		for _, m := range all {
			if m.Email == "" || m.DisplayName == "" {
				t.Errorf("missing name or email: %+v", m)
			}
		}
	}
	// A mentee sees the owner, the mentor and themself, not the other mentee, and no one
	// else's email.
	items, _ := members(t, env, p.ID, m1.Token, "")
	got := map[string]string{}
	for _, m := range items {
		got[m.UserID] = m.Email
	}
	if d := cmp.Diff(map[string]string{owner.ID: "", mentor.ID: "", m1.ID: m1.Email}, got); d != "" {
		t.Errorf("a mentee's view (-want +got):\n%s", d)
	}
	asProblem(t, env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + p.ID + "/members?limit=0", Token: owner.Token}), 400)

	// Role changes take effect on the next request (the role cache is invalidated).
	base := "/v1/programmes/" + p.ID + "/members/"
	asProblem(t, env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + p.ID + "/join-codes", Token: m1.Token}), 403)
	if r := env.Do(apitest.Req{Method: "PATCH", Path: base + m1.ID, Token: owner.Token, Body: map[string]string{"role": "owner"}}); r.Status != 200 {
		t.Fatalf("promote: %d %s", r.Status, r.Body)
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + p.ID + "/join-codes", Token: m1.Token}); r.Status != 200 {
		t.Errorf("the new owner: %d", r.Status)
	}
	asProblem(t, env.Do(apitest.Req{Method: "PATCH", Path: base + m2.ID, Token: owner.Token, Body: map[string]string{"role": "boss"}}), 422)
	asProblem(t, env.Do(apitest.Req{Method: "PATCH", Path: base + "nobody", Token: owner.Token, Body: map[string]string{"role": "mentor"}}), 404)

	// Members may leave; mentees may not remove others.
	asProblem(t, env.Do(apitest.Req{Method: "DELETE", Path: base + mentor.ID, Token: m2.Token}), 403)
	if r := env.Do(apitest.Req{Method: "DELETE", Path: base + m2.ID, Token: m2.Token}); r.Status != 204 {
		t.Errorf("leaving: %d", r.Status)
	}
	asProblem(t, env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + p.ID, Token: m2.Token}), 404)

	// Two owners now (owner, m1). Demote m1; the last owner then can neither be demoted nor
	// removed nor leave.
	if r := env.Do(apitest.Req{Method: "PATCH", Path: base + m1.ID, Token: owner.Token, Body: map[string]string{"role": "mentee"}}); r.Status != 200 {
		t.Fatalf("demote: %d %s", r.Status, r.Body)
	}
	for _, req := range []apitest.Req{
		{Method: "PATCH", Path: base + owner.ID, Token: owner.Token, Body: map[string]string{"role": "mentor"}},
		{Method: "DELETE", Path: base + owner.ID, Token: owner.Token},
	} {
		if p := asProblem(t, env.Do(req), 409); p.Code != "last_owner" {
			t.Errorf("%s on the last owner: %+v", req.Method, p)
		}
	}
}

// Two owners demoting each other at the same moment: exactly one succeeds; the programme
// keeps an owner.
func TestLastOwnerUnderConcurrency(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	for round := range 3 {
		a, b := env.Register("Race A "+string(rune('a'+round))), env.Register("Race B "+string(rune('a'+round)))
		p, _ := env.App.Programmes.Create(ctx, a.ID, programme.Programme{Name: "Race"})
		if err := env.App.Programmes.AddMember(ctx, p.ID, b.ID, programme.RoleOwner); err != nil {
			t.Fatal(err)
		}
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i, pair := range [][2]apitest.User{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = env.Do(apitest.Req{Method: "PATCH", Path: "/v1/programmes/" + p.ID + "/members/" + pair[1].ID,
					Token: pair[0].Token, Body: map[string]string{"role": "mentee"}}).Status
			}()
		}
		wg.Wait()
		owners := 0
		ms, _ := members(t, env, p.ID, a.Token, "")
		for _, m := range ms {
			if m.Role == "owner" {
				owners++
			}
		}
		if owners != 1 {
			t.Errorf("round %d: statuses %v, %d owners left, want exactly 1", round, statuses, owners)
		}
	}
}

func TestProgrammePatchAndCreationPolicy(t *testing.T) {
	t.Parallel()
	env := throttledEnv(t, map[string]string{"PROGRAMME_CREATION": "admins", "ADMIN_EMAILS": "policy.admin@test.example"})
	user, admin := env.Register("Policy User"), env.Register("Policy Admin")
	if err := env.App.Identity.SetAdmin(context.Background(), admin.Email, true); err != nil {
		t.Fatal(err)
	}
	admin.Token = env.Login(admin.Email, "correct-horse-battery")
	if p := asProblem(t, env.Do(apitest.Req{Method: "POST", Path: "/v1/programmes", Token: user.Token, Body: map[string]string{"name": "Nope"}}), 403); p.Code != "programme_creation_restricted" {
		t.Errorf("non-admin create: %+v", p)
	}
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/programmes", Token: admin.Token, Body: map[string]string{"name": "Admin's", "startsOn": "2026-09-01", "endsOn": "2027-06-30"}})
	var p struct{ ID, Name, Timezone, StartsOn, EndsOn, Description string }
	r.JSON(t, &p)
	if r.Status != 201 {
		t.Fatalf("admin create: %d %s", r.Status, r.Body)
	}
	path := "/v1/programmes/" + p.ID
	r = env.Do(apitest.Req{Method: "PATCH", Path: path, Token: admin.Token, ContentType: "application/merge-patch+json",
		Body: `{"name":" Renamed ","timezone":"Asia/Kolkata","startsOn":null,"description":"Now with a description"}`})
	p.StartsOn = ""
	r.JSON(t, &p)
	if r.Status != 200 || p.Name != "Renamed" || p.Timezone != "Asia/Kolkata" || p.StartsOn != "" || p.EndsOn != "2027-06-30" || p.Description == "" {
		t.Errorf("patch: %d %s", r.Status, r.Body)
	}
	for _, bad := range []string{`{"name":null}`, `{"timezone":"Nowhere/Else"}`, `{"endsOn":"2020-01-01","startsOn":"2021-01-01"}`, `{"name":""}`} {
		asProblem(t, env.Do(apitest.Req{Method: "PATCH", Path: path, Token: admin.Token, Body: bad}), 422)
	}
	asProblem(t, env.Do(apitest.Req{Method: "PATCH", Path: path, Token: admin.Token, Body: `{"name":{"$set":"x"}}`}), 400)
	asProblem(t, env.Do(apitest.Req{Method: "PATCH", Path: path, Token: admin.Token, Body: `{"ownerCount":5}`}), 400)
	asProblem(t, env.Do(apitest.Req{Method: "PATCH", Path: path, Token: user.Token, Body: `{"name":"x"}`}), 404)
	_ = http.StatusOK
}
