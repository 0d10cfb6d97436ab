// Package apitest starts the whole product on a real loopback HTTP port against a private
// test database, and checks every response it receives against openapi.yaml.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	microlearn "github.com/microlearn/microlearn"
	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

var (
	specOnce   sync.Once
	spec       *openapi3.T
	specRouter routers.Router
	specErr    error
)

// Spec returns the parsed, validated openapi.yaml.
func Spec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		spec, specErr = loader.LoadFromData(microlearn.OpenAPI)
		if specErr != nil {
			return
		}
		if specErr = spec.Validate(context.Background()); specErr != nil {
			return
		}
		specRouter, specErr = gorillamux.NewRouter(spec)
	})
	if specErr != nil {
		t.Fatalf("openapi.yaml: %v", specErr)
	}
	return spec, specRouter
}

// cheapPasswordCost is the argon2id cost of passwords set in tests: the least argon2id
// allows, since the production cost (40 ms a hash, identity.DefaultPasswordCost, tested in
// identity) was a third of the api package's CPU time.
var cheapPasswordCost = identity.PasswordCost{Time: 1, MemoryKiB: 64, Threads: 1}

// Env is a running product.
type Env struct {
	T       testing.TB
	App     *app.App
	BaseURL string
	Client  *http.Client
	// SkipValidation turns off spec validation of responses (only for tests that prove the
	// validation itself fails when it should).
	SkipValidation bool
}

// Option adjusts the configuration of an Env before it starts.
type Option func(*app.Config, *app.Options)

// WithDemo seeds the demo data.
func WithDemo() Option { return func(c *app.Config, _ *app.Options) { c.DemoSeed = true } }

// WithClock replaces the clock.
func WithClock(now func() time.Time) Option {
	return func(_ *app.Config, o *app.Options) { o.Now = now }
}

// WithEnv sets configuration variables as if they were in the environment. Demo seeding
// stays off unless kv turns it on.
func WithEnv(kv map[string]string) Option {
	return func(c *app.Config, _ *app.Options) {
		m := map[string]string{"DEMO_SEED": "false"}
		for k, v := range kv {
			m[k] = v
		}
		cfg, err := app.LoadConfig(config.FromMap(m))
		if err != nil {
			panic(err)
		}
		keys, dataDir := c.JWTKeysFile, c.DataDir
		*c = cfg
		c.JWTKeysFile, c.DataDir = keys, dataDir
	}
}

// New starts the product for t on a fresh database; it stops when t ends.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	Spec(t)
	dir := t.TempDir()
	cfg, err := app.LoadConfig(config.FromMap(map[string]string{"DATA_DIR": dir, "DEMO_SEED": "false"}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.JWTKeysFile = filepath.Join(dir, "jwt-keys.json")
	o := app.Options{DB: mongotest.DB(t), Now: Now, RecordDBCommands: true, PasswordCost: cheapPasswordCost}
	for _, opt := range opts {
		opt(&cfg, &o)
	}
	copyDemo(t, cfg, o)
	level := slog.LevelError
	if os.Getenv("TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log, o)
	if err != nil {
		cancel()
		t.Fatalf("start app: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("server did not stop within 30s")
		}
	})
	return &Env{T: t, App: a, BaseURL: "http://" + ln.Addr().String(),
		Client: &http.Client{Timeout: 30 * time.Second}}
}

// Response is what the server answered.
type Response struct {
	Status    int
	Header    http.Header
	Body      []byte
	RequestID string
}

// JSON decodes the body into v, failing the test when it cannot.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Req describes a request.
type Req struct {
	Method string
	Path   string
	// Body is marshalled to JSON unless it is a []byte or string, which are sent as they are.
	Body        any
	Token       string
	Header      map[string]string
	ContentType string
}

// Do sends a request and checks the response against openapi.yaml: an undocumented status,
// header or body shape fails the test.
func (e *Env) Do(r Req) *Response {
	e.T.Helper()
	var body io.Reader
	ct := r.ContentType
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	if body != nil && ct == "" {
		ct = "application/json"
	}
	req, err := http.NewRequest(r.Method, e.BaseURL+r.Path, body)
	if err != nil {
		e.T.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	var reqBody []byte
	if body != nil {
		reqBody, _ = io.ReadAll(body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: b, RequestID: resp.Header.Get("X-Request-ID")}
	if !e.SkipValidation {
		if err := ValidateResponse(req, reqBody, out); err != nil {
			e.T.Errorf("%s %s answered %d, which openapi.yaml does not allow: %v\nbody: %.500s", r.Method, r.Path, out.Status, err, b)
		}
	}
	return out
}

// ValidateResponse checks one exchange against the spec. Requests to paths the spec does not
// have must be answered with a problem+json document.
func ValidateResponse(req *http.Request, reqBody []byte, resp *Response) error {
	s, router := specFor()
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		return validateProblem(s, resp)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts},
		Status:                 resp.Status,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(resp.Body)),
		Options:                opts,
	}
	if resp.Status == http.StatusNotModified {
		return nil
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

func specFor() (*openapi3.T, routers.Router) { return spec, specRouter }

func validateProblem(s *openapi3.T, resp *Response) error {
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		return fmt.Errorf("path not in the spec, and the answer is %q rather than problem+json", ct)
	}
	var v any
	if err := json.Unmarshal(resp.Body, &v); err != nil {
		return fmt.Errorf("problem body is not JSON: %w", err)
	}
	return s.Components.Schemas["Problem"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

// Login signs in with email and password and returns the access token.
func (e *Env) Login(email, password string) string {
	e.T.Helper()
	r := e.Do(Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": email, "password": password}})
	if r.Status != http.StatusOK {
		e.T.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	var tok struct{ AccessToken string }
	r.JSON(e.T, &tok)
	return tok.AccessToken
}

// User is a registered test user.
type User struct {
	ID, Email, Token string
}

// Register creates an account and returns it with an access token.
func (e *Env) Register(name string) User {
	e.T.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@test.example"
	r := e.Do(Req{Method: "POST", Path: "/v1/auth/register", Body: map[string]string{
		"email": email, "password": "correct-horse-battery", "displayName": name, "timezone": "Europe/London"}})
	if r.Status != http.StatusCreated {
		e.T.Fatalf("register %s: %d %s", name, r.Status, r.Body)
	}
	var tok struct {
		AccessToken string
		User        struct{ ID string }
	}
	r.JSON(e.T, &tok)
	return User{ID: tok.User.ID, Email: email, Token: tok.AccessToken}
}

// DBCommands returns how many database commands the request with this response issued.
func (e *Env) DBCommands(r *Response) int64 {
	e.T.Helper()
	n, ok := e.App.API.DBCommands(r.RequestID)
	if !ok {
		e.T.Fatalf("no command count recorded for request %s", r.RequestID)
	}
	return n
}

func init() {
	text := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(body)
		return string(b), err
	}
	for _, ct := range []string{"text/html", "text/calendar", "application/yaml", "text/javascript", "text/css", "image/png", "image/svg+xml", "application/vc+jwt",
		"image/jpeg", "image/webp", "image/gif", "video/mp4", "video/webm", "application/pdf", "text/vtt", "application/octet-stream", "text/csv", "application/zip"} {
		openapi3filter.RegisterBodyDecoder(ct, text)
	}
}
