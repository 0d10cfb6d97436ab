package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/programme"
)

func ownerCount(t *testing.T, env *apitest.Env, programmeID string) int {
	t.Helper()
	var doc struct {
		OwnerCount int `bson:"ownerCount"`
	}
	if err := env.App.DB.DB.Collection("programmes").FindOne(context.Background(), bson.D{{Key: "_id", Value: programmeID}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc.OwnerCount
}

func eraseMe(env *apitest.Env, tok, password string) *apitest.Response {
	return env.Do(apitest.Req{Method: "DELETE", Path: "/v1/me", Token: tok, Body: map[string]string{"password": password}})
}

// Erasing a programme owner keeps the programme's owner count right. The only owner of a
// programme cannot be erased (409 last_owner naming it), and nothing changes, not even in
// another programme they co-own. Once a co-owner exists the erasure goes ahead and the
// count drops with it, so the remaining owner is now the last and cannot leave (before the
// fix the count stayed 2 and she could, leaving a programme with no owner).
func TestErasingAnOwnerKeepsTheOwnerCount(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.WithEnv(map[string]string{"DEMO_SEED": "false"}))
	ctx := context.Background()
	olga, pat := env.Register("Owner Olga"), env.Register("Owner Pat")
	solo, err := env.App.Programmes.Create(ctx, olga.ID, programme.Programme{Name: "Olga's own"})
	if err != nil {
		t.Fatal(err)
	}
	shared, err := env.App.Programmes.Create(ctx, olga.ID, programme.Programme{Name: "Shared"})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.Programmes.AddMember(ctx, shared.ID, pat.ID, programme.RoleOwner); err != nil {
		t.Fatal(err)
	}
	if n := ownerCount(t, env, shared.ID); n != 2 {
		t.Fatalf("shared programme's owner count %d, want 2", n)
	}

	p := asProblem(t, eraseMe(env, olga.Token, "correct-horse-battery"), http.StatusConflict)
	if p.Code != "last_owner" || !strings.Contains(p.Detail, solo.ID) || !strings.Contains(p.Detail, "Olga's own") {
		t.Errorf("erasing the only owner: %+v", p)
	}
	if a, b := ownerCount(t, env, solo.ID), ownerCount(t, env, shared.ID); a != 1 || b != 2 {
		t.Errorf("owner counts after the refusal: %d and %d, want 1 and 2", a, b)
	}
	if role, err := env.App.Programmes.RoleOf(ctx, shared.ID, olga.ID); err != nil || role != programme.RoleOwner {
		t.Errorf("after the refusal Olga is %q (%v) in the shared programme", role, err)
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me", Token: olga.Token}); r.Status != 200 {
		t.Errorf("after the refusal Olga is signed out: %d", r.Status)
	}

	// Pat takes over the solo programme; now Olga can be erased.
	if err := env.App.Programmes.AddMember(ctx, solo.ID, pat.ID, programme.RoleOwner); err != nil {
		t.Fatal(err)
	}
	if r := eraseMe(env, olga.Token, "correct-horse-battery"); r.Status != http.StatusAccepted {
		t.Fatalf("erasing a co-owner: %d %s", r.Status, r.Body)
	}
	for _, id := range []string{solo.ID, shared.ID} {
		if n := ownerCount(t, env, id); n != 1 {
			t.Errorf("programme %s: owner count %d after erasing one of two owners, want 1", id, n)
		}
		r := env.Do(apitest.Req{Method: "DELETE", Path: "/v1/programmes/" + id + "/members/" + pat.ID, Token: pat.Token})
		if p := asProblem(t, r, http.StatusConflict); p.Code != "last_owner" {
			t.Errorf("the last owner left programme %s: %+v", id, p)
		}
	}
}

// A wrong password on DELETE /v1/me counts as a failed sign-in and backs off the same way,
// sharing one budget with POST /v1/auth/login: past the free failures the right password
// gets 429 login_throttled (problem+json, Retry-After) and the account stays; the sign-in
// route is throttled too; after the wait the erasure goes ahead.
func TestEraseMeWrongPasswordIsThrottledLikeSignIn(t *testing.T) {
	t.Parallel()
	env, clock := throttledEnvWithClock(t, map[string]string{"LOGIN_FREE_FAILURES": "2", "AUTH_RATE_LIMIT": "0"})
	u := env.Register("Erase Eve")
	asProblem(t, loginStatus(env, u.Email, "wrong-password-0"), 401)
	for i := range 2 {
		if p := asProblem(t, eraseMe(env, u.Token, "wrong-password-"+strconv.Itoa(i+1)), 403); p.Code != "password_mismatch" {
			t.Fatalf("wrong password %d: %+v", i, p)
		}
	}
	r := eraseMe(env, u.Token, "correct-horse-battery")
	p := asProblem(t, r, http.StatusTooManyRequests)
	if p.Code != "login_throttled" || r.Header.Get("Retry-After") != "1" {
		t.Errorf("erasure past the free failures: code %q, Retry-After %q", p.Code, r.Header.Get("Retry-After"))
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}); r.Status != 200 {
		t.Fatalf("a throttled erasure touched the account: GET /v1/me %d", r.Status)
	}
	asProblem(t, loginStatus(env, u.Email, "correct-horse-battery"), http.StatusTooManyRequests)
	clock.Set(clock.Now().Add(time.Second))
	if r := eraseMe(env, u.Token, "correct-horse-battery"); r.Status != http.StatusAccepted {
		t.Fatalf("after the wait: %d %s", r.Status, r.Body)
	}
}
