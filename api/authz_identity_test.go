package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/programme"
)

func slug(who Who) string { return strings.ReplaceAll(string(who), " ", "-") }

// freshSession signs the fixture's mentee in once more (through the service, so that the
// matrix does not spend the auth routes' rate limit) and returns the new pair.
func freshSession(t *testing.T, f *Fixture, who Who) identity.Pair {
	t.Helper()
	ctx := context.Background()
	u, err := f.Env.App.Identity.User(ctx, f.Users[who].ID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.Env.App.Sessions.Start(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// freshUser registers a throwaway account through the service.
func freshUser(t *testing.T, f *Fixture, name string) identity.User {
	t.Helper()
	u, err := f.Env.App.Identity.Register(context.Background(), identity.NewUser{
		Email: name + "@matrix.example", Password: "correct-horse-battery", DisplayName: name})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// ownerOnly is the expectation for a programme route only owners (and admins) may use.
func ownerOnly(ok int) map[Who]int {
	return map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 403, Owner: ok, Admin: ok}
}

// anyMember is the expectation for a programme route every member may use.
func anyMember(ok int) map[Who]int {
	return map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: ok, Mentor: ok, Owner: ok, Admin: ok}
}

func init() {
	addRows(
		Row{Method: "POST", Path: "/v1/auth/register", Expect: all(http.StatusCreated), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/auth/register", Body: map[string]string{
				"email": fmt.Sprintf("new-%s@test.example", slug(who)), "password": "correct-horse-battery", "displayName": "New"}}
		}},
		Row{Method: "POST", Path: "/v1/auth/login", Expect: all(http.StatusOK), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/auth/login", Body: map[string]string{"email": f.Users[Mentee].Email, "password": "correct-horse-battery"}}
		}},
		Row{Method: "POST", Path: "/v1/auth/refresh", Expect: all(http.StatusOK), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/auth/refresh", Body: map[string]string{"refreshToken": freshSession(t, f, Mentee).RefreshToken}}
		}},
		Row{Method: "POST", Path: "/v1/auth/logout", Expect: all(http.StatusNoContent), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/auth/logout", Body: map[string]string{"refreshToken": freshSession(t, f, Mentee).RefreshToken}}
		}},
		Row{Method: "POST", Path: "/v1/auth/logout-all", Expect: signedInAll(http.StatusNoContent), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			if who == Anon {
				return apitest.Req{Path: "/v1/auth/logout-all"}
			}
			// A throwaway account: logging the fixture's caller out everywhere would break
			// the rows after this one.
			u := freshUser(t, f, "logout-all-"+slug(who))
			p, err := f.Env.App.Sessions.Start(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			return apitest.Req{Path: "/v1/auth/logout-all", Token: p.AccessToken}
		}},
		Row{Method: "GET", Path: "/v1/me", Expect: signedInAll(http.StatusOK)},
		Row{Method: "PATCH", Path: "/v1/me", Expect: signedInAll(http.StatusOK), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/me", Body: map[string]any{"dailyXpGoal": 30}}
		}},
		Row{Method: "POST", Path: "/v1/programmes", Expect: signedInAll(http.StatusCreated), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/programmes", Body: map[string]string{"name": "Made by " + string(who)}}
		}},
		Row{Method: "GET", Path: "/v1/programmes", Expect: signedInAll(http.StatusOK)},
		Row{Method: "POST", Path: "/v1/programmes/join", Expect: signedInAll(http.StatusOK), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			// A programme of its own, so that joining does not change the fixture's memberships.
			ctx := context.Background()
			owner := freshUser(t, f, "join-owner-"+slug(who))
			p, err := f.Env.App.Programmes.Create(ctx, owner.ID, programme.Programme{Name: "Join " + string(who)})
			if err != nil {
				t.Fatal(err)
			}
			_, code, err := f.Env.App.Programmes.CreateJoinCode(ctx, p.ID, owner.ID, programme.RoleMentee, "", zeroTime)
			if err != nil {
				t.Fatal(err)
			}
			return apitest.Req{Path: "/v1/programmes/join", Body: map[string]string{"code": code}}
		}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}", Expect: anyMember(http.StatusOK)},
		Row{Method: "PATCH", Path: "/v1/programmes/{programmeId}", Expect: ownerOnly(http.StatusOK), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}"), Body: map[string]string{"description": "Edited by " + string(who)}}
		}},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/invites", Expect: ownerOnly(http.StatusCreated), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/invites"),
				Body: map[string]string{"email": "invitee-" + slug(who) + "@test.example", "role": "mentee"}}
		}},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/join-codes", Expect: ownerOnly(http.StatusCreated), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/join-codes"), Body: map[string]string{"role": "mentee", "label": string(who)}}
		}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/join-codes", Expect: ownerOnly(http.StatusOK)},
		Row{Method: "DELETE", Path: "/v1/programmes/{programmeId}/join-codes/{joinCodeId}", Expect: ownerOnly(http.StatusNoContent),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				jc, _, err := f.Env.App.Programmes.CreateJoinCode(context.Background(), f.ProgrammeID, f.Users[Owner].ID, programme.RoleMentee, "", zeroTime)
				if err != nil {
					t.Fatal(err)
				}
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/join-codes/") + jc.ID}
			}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/members", Expect: anyMember(http.StatusOK)},
		Row{Method: "PATCH", Path: "/v1/programmes/{programmeId}/members/{userId}", Expect: ownerOnly(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/members/") + freshMember(t, f, "promote-"+slug(who)),
					Body: map[string]string{"role": "mentor"}}
			}},
		Row{Method: "DELETE", Path: "/v1/programmes/{programmeId}/members/{userId}", Expect: ownerOnly(http.StatusNoContent),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/members/") + freshMember(t, f, "remove-"+slug(who))}
			}},
	)
}

// freshMember adds a throwaway mentee to the fixture programme and returns their id.
func freshMember(t *testing.T, f *Fixture, name string) string {
	t.Helper()
	u := freshUser(t, f, name)
	if err := f.Env.App.Programmes.AddMember(context.Background(), f.ProgrammeID, u.ID, programme.RoleMentee); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

var zeroTime time.Time
