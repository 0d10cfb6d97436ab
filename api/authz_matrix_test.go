package api_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/programme"
)

// The authorization matrix: EVERY route in openapi.yaml is called by each kind of caller,
// and the status must be the one expected. A route in the spec that is missing from the
// matrix fails the test, so every new route has to join it (in authz_<domain>_test.go).

// Who is a kind of caller.
type Who string

// The callers. "Other" callers belong to a second programme, not to the fixture's programme.
const (
	Anon        Who = "anonymous"
	Mentee      Who = "mentee"
	Mentor      Who = "mentor"
	Owner       Who = "owner"
	OtherOwner  Who = "owner of another programme"
	OtherMember Who = "member of another programme"
	Admin       Who = "admin"
)

// Callers in the order the matrix calls them: least privileged first, so that a route that
// changes state is exercised by the callers who must be refused before those who succeed.
var Callers = []Who{Anon, OtherMember, OtherOwner, Mentee, Mentor, Owner, Admin}

// Fixture is the world every matrix row runs in: programme ProgrammeID with an owner, a mentor
// and a mentee; a second programme with its own owner and a mentee member; a platform admin.
// Domain hooks add the resources their routes need to IDs (e.g. IDs["lessonId"]), keyed by
// the path parameter name in openapi.yaml.
type Fixture struct {
	Env         *apitest.Env
	ProgrammeID string
	Users       map[Who]apitest.User
	IDs         map[string]string
}

// Token returns the access token of who ("" for anonymous).
func (f *Fixture) Token(who Who) string { return f.Users[who].Token }

// Row is the expectation for one route.
type Row struct {
	Method string
	// Path is the OpenAPI path template.
	Path string
	// Expect is the status each caller must get.
	Expect map[Who]int
	// Build, when set, makes the request for a caller (a body, fresh resources for a
	// destructive call). By default the path parameters come from Fixture.IDs and there is
	// no body. The request carries the caller's token unless Build sets another one.
	Build func(t *testing.T, f *Fixture, who Who) apitest.Req
}

var (
	rowsMu       sync.Mutex
	matrixRows   []Row
	fixtureHooks []func(t *testing.T, f *Fixture)
)

// addRows registers matrix rows (call from init in authz_<domain>_test.go).
func addRows(rows ...Row) {
	rowsMu.Lock()
	defer rowsMu.Unlock()
	matrixRows = append(matrixRows, rows...)
}

// addFixture registers a hook that adds resources to the fixture.
func addFixture(hook func(t *testing.T, f *Fixture)) {
	rowsMu.Lock()
	defer rowsMu.Unlock()
	fixtureHooks = append(fixtureHooks, hook)
}

// all returns an expectation with the same status for every caller, then overrides.
func all(status int, overrides ...any) map[Who]int {
	m := map[Who]int{}
	for _, w := range Callers {
		m[w] = status
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		m[overrides[i].(Who)] = overrides[i+1].(int)
	}
	return m
}

// signedIn returns 401 for anonymous and status for everyone else, then overrides.
func signedInAll(status int, overrides ...any) map[Who]int {
	m := all(status, overrides...)
	m[Anon] = http.StatusUnauthorized
	return m
}

// PathWith substitutes {param} placeholders from the fixture's IDs.
func (f *Fixture) PathWith(t *testing.T, template string) string {
	t.Helper()
	out := template
	for {
		i := strings.Index(out, "{")
		if i < 0 {
			return out
		}
		j := strings.Index(out[i:], "}")
		name := out[i+1 : i+j]
		v, ok := f.IDs[name]
		if !ok {
			t.Fatalf("matrix: no fixture id for {%s} in %s", name, template)
		}
		out = out[:i] + v + out[i+j+1:]
	}
}

func newFixture(t *testing.T) *Fixture {
	env := apitest.New(t, apitest.WithEnv(map[string]string{"ADMIN_EMAILS": "root.admin@test.example"}))
	f := &Fixture{Env: env, Users: map[Who]apitest.User{}, IDs: map[string]string{}}
	for _, w := range []Who{Mentee, Mentor, Owner, OtherOwner, OtherMember} {
		f.Users[w] = env.Register("matrix " + strings.ReplaceAll(string(w), " ", "-"))
	}
	ctx := context.Background()
	admin := env.Register("root admin")
	if err := env.App.Identity.Store.SetAdmin(ctx, admin.Email, true); err != nil {
		t.Fatal(err)
	}
	admin.Token = env.Login(admin.Email, "correct-horse-battery")
	f.Users[Admin] = admin
	p, err := env.App.Programmes.Create(ctx, f.Users[Owner].ID, programme.Programme{Name: "Matrix programme", Timezone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	f.ProgrammeID = p.ID
	f.IDs["programmeId"] = p.ID
	for who, role := range map[Who]programme.Role{Mentor: programme.RoleMentor, Mentee: programme.RoleMentee} {
		if err := env.App.Programmes.AddMember(ctx, p.ID, f.Users[who].ID, role); err != nil {
			t.Fatal(err)
		}
	}
	q, err := env.App.Programmes.Create(ctx, f.Users[OtherOwner].ID, programme.Programme{Name: "Other programme"})
	if err != nil {
		t.Fatal(err)
	}
	f.IDs["otherProgrammeId"] = q.ID
	if err := env.App.Programmes.AddMember(ctx, q.ID, f.Users[OtherMember].ID, programme.RoleMentee); err != nil {
		t.Fatal(err)
	}
	for _, hook := range fixtureHooks {
		hook(t, f)
	}
	return f
}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	spec, _ := apitest.Spec(t)
	rows := map[string]Row{}
	for _, r := range matrixRows {
		key := r.Method + " " + r.Path
		if _, dup := rows[key]; dup {
			t.Errorf("matrix: %s listed twice", key)
		}
		rows[key] = r
	}
	var missing []string
	for path, item := range spec.Paths.Map() {
		for method := range item.Operations() {
			if _, ok := rows[method+" "+path]; !ok {
				missing = append(missing, method+" "+path)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("routes in openapi.yaml missing from the authorization matrix:\n  %s", strings.Join(missing, "\n  "))
	}
	f := newFixture(t)
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		row := rows[k]
		t.Run(k, func(t *testing.T) {
			for _, who := range Callers {
				want, ok := row.Expect[who]
				if !ok {
					t.Fatalf("no expectation for %s", who)
				}
				var req apitest.Req
				if row.Build != nil {
					req = row.Build(t, f, who)
				} else {
					req = apitest.Req{Path: f.PathWith(t, row.Path)}
				}
				req.Method = row.Method
				if req.Token == "" || who == Anon {
					// A Build may act with a throwaway account of the same kind (e.g.
					// logout-all, which would otherwise sign the fixture's caller out).
					req.Token = f.Token(who)
				}
				if r := f.Env.Do(req); r.Status != want {
					t.Errorf("%s as %s: %d, want %d: %.300s", k, who, r.Status, want, r.Body)
				}
			}
		})
	}
}
