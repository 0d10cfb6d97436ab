package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
)

// Nothing a client sends can become a MongoDB operator: an object, array, number or null
// where a string belongs, and any unknown field, is 400 on every auth route. Bodies over the
// limit are 413.
func TestAuthRoutesRejectOperatorsAndUnknownFields(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	u := env.Register("Hard Harriet")
	routes := map[string]string{ // path -> a string field it takes
		"/v1/auth/register":   "email",
		"/v1/auth/login":      "email",
		"/v1/auth/refresh":    "refreshToken",
		"/v1/auth/logout":     "refreshToken",
		"/v1/programmes/join": "code",
	}
	payloads := []string{
		`{"%s":{"$ne":null},"password":"correct-horse-battery"}`,
		`{"%s":{"$gt":""},"password":"correct-horse-battery"}`,
		`{"%s":{"$regex":".*"},"password":"correct-horse-battery"}`,
		`{"%s":["a@b.c"],"password":"correct-horse-battery"}`,
		`{"%s":42,"password":"correct-horse-battery"}`,
		`{"%s":true}`,
		`{"%s":"x","$where":"1"}`,
		`{"%s":"x","unknown":1}`,
		`[{"%s":"x"}]`,
		`{"%s":"x"} {"%s":"y"}`,
		`"%s"`,
	}
	for path, field := range routes {
		for _, p := range payloads {
			body := strings.ReplaceAll(p, "%s", field)
			if path == "/v1/auth/login" || path == "/v1/auth/register" {
				body = strings.ReplaceAll(body, `"password":"correct-horse-battery"`, `"password":{"$ne":null}`)
			}
			r := env.Do(apitest.Req{Method: "POST", Path: path, Body: body, Token: u.Token})
			if r.Status != http.StatusBadRequest {
				t.Errorf("POST %s %s: %d, want 400: %s", path, body, r.Status, r.Body)
				continue
			}
			asProblem(t, r, 400)
		}
	}
	// The operator in the password alone is enough to be refused, not to sign in.
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: `{"email":"` + u.Email + `","password":{"$ne":null}}`})
	asProblem(t, r, 400)

	big := `{"email":"` + strings.Repeat("a", env.App.Cfg.BodyLimit) + `@x.y","password":"correct-horse-battery"}`
	for _, path := range []string{"/v1/auth/register", "/v1/auth/login", "/v1/auth/refresh", "/v1/auth/logout"} {
		asProblem(t, env.Do(apitest.Req{Method: "POST", Path: path, Body: big}), http.StatusRequestEntityTooLarge)
	}
	asProblem(t, env.Do(apitest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: big}), http.StatusRequestEntityTooLarge)
}

func throttledEnv(t *testing.T, kv map[string]string) *apitest.Env {
	env, _ := throttledEnvWithClock(t, kv)
	return env
}

// throttledEnvWithClock is throttledEnv on a clock that moves only when the test moves it,
// so that windows and back-off waits end when the test says, however slow the machine.
func throttledEnvWithClock(t *testing.T, kv map[string]string) (*apitest.Env, *testClock) {
	m := map[string]string{"DEMO_SEED": "false"}
	for k, v := range kv {
		m[k] = v
	}
	clock := &testClock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	return apitest.New(t, apitest.WithEnv(m), apitest.WithClock(clock.Now)), clock
}

func loginStatus(env *apitest.Env, email, password string) *apitest.Response {
	return env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": email, "password": password}})
}

// Every response of a limited route carries RateLimit and RateLimit-Policy; past the quota
// the answer is 429 problem+json with Retry-After.
func TestAuthRouteLimit(t *testing.T) {
	t.Parallel()
	env := throttledEnv(t, map[string]string{"AUTH_RATE_LIMIT": "3", "AUTH_RATE_WINDOW": "1m"})
	var last *apitest.Response
	for i := range 3 {
		last = loginStatus(env, "nobody@test.example", "wrong-password-1")
		if last.Status != 401 {
			t.Fatalf("request %d: %d", i, last.Status)
		}
		if got, want := last.Header.Get("RateLimit-Policy"), `"auth";q=3;w=60`; got != want {
			t.Errorf("RateLimit-Policy %q, want %q", got, want)
		}
		if got := last.Header.Get("RateLimit"); !strings.HasPrefix(got, `"auth";r=`+strconv.Itoa(2-i)+";t=") {
			t.Errorf("request %d: RateLimit %q", i, got)
		}
	}
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/register", Body: map[string]string{"email": "x@test.example"}})
	p := asProblem(t, r, http.StatusTooManyRequests)
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if p.Code != "rate_limited" || err != nil || retry < 1 || retry > 60 || !strings.HasPrefix(r.Header.Get("RateLimit"), `"auth";r=0;t=`) {
		t.Errorf("429: code %q, Retry-After %q, RateLimit %q", p.Code, r.Header.Get("Retry-After"), r.Header.Get("RateLimit"))
	}
	// Routes outside /v1/auth are not limited.
	if r := env.Do(apitest.Req{Method: "GET", Path: "/healthz"}); r.Status != 200 || r.Header.Get("RateLimit") != "" {
		t.Errorf("/healthz: %d %q", r.Status, r.Header.Get("RateLimit"))
	}
}

// Failed sign-ins back off per account: past the free failures the account waits (even with
// the right password, which is then not checked), and the wait ends.
func TestLoginBackoffPerAccount(t *testing.T) {
	t.Parallel()
	env, clock := throttledEnvWithClock(t, map[string]string{"LOGIN_FREE_FAILURES": "2", "AUTH_RATE_LIMIT": "0"})
	u := env.Register("Backoff Bob")
	other := env.Register("Other Olga")
	for i := range 3 {
		asProblem(t, loginStatus(env, u.Email, "wrong-password-"+strconv.Itoa(i)), 401)
	}
	r := loginStatus(env, u.Email, "correct-horse-battery")
	p := asProblem(t, r, http.StatusTooManyRequests)
	if p.Code != "login_throttled" || r.Header.Get("Retry-After") != "1" {
		t.Errorf("backing off: code %q, Retry-After %q", p.Code, r.Header.Get("Retry-After"))
	}
	// Another account from the same IP is not affected.
	if r := loginStatus(env, other.Email, "correct-horse-battery"); r.Status != 200 {
		t.Errorf("another account: %d", r.Status)
	}
	// The wait ends after a second: not a moment before.
	start := clock.Now()
	clock.Set(start.Add(time.Second - time.Millisecond))
	asProblem(t, loginStatus(env, u.Email, "correct-horse-battery"), 429)
	clock.Set(start.Add(time.Second))
	if r := loginStatus(env, u.Email, "correct-horse-battery"); r.Status != 200 {
		t.Fatalf("after the wait: %d", r.Status)
	}
	// The right password cleared the account's count: two failures are free again, the third
	// waits a second.
	for i := range 3 {
		asProblem(t, loginStatus(env, u.Email, "wrong-again-"+strconv.Itoa(i)), 401)
	}
	r = loginStatus(env, u.Email, "correct-horse-battery")
	if asProblem(t, r, 429); r.Header.Get("Retry-After") != "1" {
		t.Errorf("after three new failures: Retry-After %q", r.Header.Get("Retry-After"))
	}
}

// Failures from one IP across many accounts back the IP off.
func TestLoginBackoffPerIP(t *testing.T) {
	t.Parallel()
	env, _ := throttledEnvWithClock(t, map[string]string{"LOGIN_FREE_FAILURES_PER_IP": "3", "AUTH_RATE_LIMIT": "0"})
	u := env.Register("Victim Vic")
	for i := range 4 {
		asProblem(t, loginStatus(env, "guess"+strconv.Itoa(i)+"@test.example", "wrong-password-1"), 401)
	}
	r := loginStatus(env, u.Email, "correct-horse-battery")
	if p := asProblem(t, r, 429); p.Code != "login_throttled" || r.Header.Get("Retry-After") == "" {
		t.Errorf("IP backoff: %+v %q", p, r.Header.Get("Retry-After"))
	}
}

// Behind a trusted proxy the throttles count the address the proxy appended to
// X-Forwarded-For (the last one), so a client cannot escape by writing its own entries; from
// an untrusted peer the header is ignored.
func TestThrottlesCountTheRealClient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, proxies string
		xff           func(i int) string
		wantLimited   bool
	}{
		{"untrusted peer, varying header", "", func(i int) string { return "10.0.0." + strconv.Itoa(i) }, true},
		{"trusted proxy, client-written entries vary", "127.0.0.1", func(i int) string { return "10.0.0." + strconv.Itoa(i) + ", 192.0.2.9" }, true},
		{"trusted proxy, different clients", "127.0.0.0/8", func(i int) string { return "192.0.2." + strconv.Itoa(i) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := throttledEnv(t, map[string]string{"AUTH_RATE_LIMIT": "2", "TRUSTED_PROXIES": tc.proxies})
			var last *apitest.Response
			for i := range 3 {
				last = env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: `{"refreshToken":"x"}`,
					Header: map[string]string{"X-Forwarded-For": tc.xff(i)}})
			}
			if (last.Status == 429) != tc.wantLimited {
				t.Errorf("third request: %d, want limited=%v", last.Status, tc.wantLimited)
			}
		})
	}
}
