package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
)

type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"requestId"`
	Errors    []struct {
		Pointer string `json:"pointer"`
		Detail  string `json:"detail"`
	} `json:"errors"`
}

func asProblem(t *testing.T, r *apitest.Response, status int) problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != status || p.Title == "" || p.Type == "" {
		t.Fatalf("incomplete problem: %+v", p)
	}
	return p
}

func TestOperationalEndpoints(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := env.Do(apitest.Req{Method: "GET", Path: path}); r.Status != 200 {
			t.Errorf("%s: %d", path, r.Status)
		}
	}
	r := env.Do(apitest.Req{Method: "GET", Path: "/openapi.yaml"})
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "openapi: 3.1") {
		t.Errorf("/openapi.yaml: %d %.40s", r.Status, r.Body)
	}
	r = env.Do(apitest.Req{Method: "GET", Path: "/docs"})
	if r.Status != 200 || !strings.Contains(string(r.Body), "/docs/assets/swagger-ui-bundle.js") {
		t.Errorf("/docs: %d", r.Status)
	}
	// The page works offline: every asset it loads is served by us, not a CDN.
	for _, asset := range []string{"swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-standalone-preset.js"} {
		r := env.Do(apitest.Req{Method: "GET", Path: "/docs/assets/" + asset})
		if r.Status != 200 || len(r.Body) == 0 {
			t.Errorf("asset %s: %d", asset, r.Status)
		}
	}
	if strings.Contains(string(r.Body), "http://") || strings.Contains(docsHTML(t, env), "https://") {
		t.Error("the docs page refers to an external host")
	}
}

func docsHTML(t *testing.T, env *apitest.Env) string {
	return string(env.Do(apitest.Req{Method: "GET", Path: "/docs"}).Body)
}

func TestErrorsAreProblems(t *testing.T) {
	t.Parallel()
	// A small body limit, so that the oversized body below fits in the socket buffers: the
	// server answers 413 before reading it, and with a multi-megabyte body the client can
	// still be writing when the connection closes (see api/linger.go).
	env := apitest.New(t, apitest.WithEnv(map[string]string{"BODY_LIMIT_BYTES": "4096"}))
	p := asProblem(t, env.Do(apitest.Req{Method: "GET", Path: "/v1/no/such/thing"}), 404)
	if p.Code != "not_found" || p.RequestID == "" {
		t.Errorf("404 problem: %+v", p)
	}
	asProblem(t, env.Do(apitest.Req{Method: "DELETE", Path: "/healthz"}), 405)
	asProblem(t, env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: "email=a", ContentType: "application/x-www-form-urlencoded"}), 415)
	big := `{"email":"` + strings.Repeat("a", 8<<10) + `","password":"x"}`
	asProblem(t, env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: big}), 413)
	p = asProblem(t, env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: `{"email":`}), 400)
	if p.Detail == "" {
		t.Error("malformed JSON gave no detail")
	}
}

func TestRequestIDIsAcceptedAndReturned(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	r := env.Do(apitest.Req{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-ID": "phone-42.abc"}})
	if got := r.Header.Get("X-Request-ID"); got != "phone-42.abc" {
		t.Errorf("X-Request-ID %q, want the client's", got)
	}
	r = env.Do(apitest.Req{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-ID": "bad id\"<script>"}})
	if got := r.Header.Get("X-Request-ID"); got == "" || strings.ContainsAny(got, " \"<") {
		t.Errorf("unsafe X-Request-ID echoed or none generated: %q", got)
	}
	p := asProblem(t, env.Do(apitest.Req{Method: "GET", Path: "/v1/nope", Header: map[string]string{"X-Request-ID": "trace-1"}}), 404)
	if p.RequestID != "trace-1" {
		t.Errorf("problem requestId %q", p.RequestID)
	}
}

// Operator-facing readiness: when the database cannot answer, /readyz says 503 problem+json
// and the driver's words stay in the log.
func TestDatabaseCommandsAreCounted(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	u := env.Register("Counting Carla")
	r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me", Token: u.Token})
	if r.Status != http.StatusOK {
		t.Fatalf("me: %d", r.Status)
	}
	if n := env.DBCommands(r); n != 1 {
		t.Errorf("GET /v1/me issued %d database commands, want 1", n)
	}
	if n := env.DBCommands(env.Do(apitest.Req{Method: "GET", Path: "/healthz"})); n != 0 {
		t.Errorf("/healthz issued %d commands, want 0", n)
	}
}
