package api_test

import (
	"net/http"
	"regexp"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/api/apitest"
)

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// routeSet lists "METHOD /path" for every route the app serves, with Fiber's :params written
// as OpenAPI's {params}. The HEAD routes Fiber adds for GETs are left out.
func servedRoutes(t *testing.T) []string {
	env := apitest.New(t)
	seen := map[string]bool{}
	for _, r := range env.App.API.App().GetRoutes(true) {
		if r.Method == http.MethodHead || r.Method == http.MethodConnect || r.Method == http.MethodTrace || r.Method == http.MethodOptions {
			continue
		}
		seen[r.Method+" "+fiberParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func specRoutes(t *testing.T) []string {
	spec, _ := apitest.Spec(t)
	var out []string
	for path, item := range spec.Paths.Map() {
		for method := range item.Operations() {
			if method == http.MethodHead && item.Get != nil {
				continue // Fiber serves HEAD for every GET; servedRoutes leaves those out too
			}
			out = append(out, method+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

// Every route the app serves is in openapi.yaml, and every path in openapi.yaml is served.
func TestRoutesMatchSpec(t *testing.T) {
	if diff := cmp.Diff(specRoutes(t), servedRoutes(t)); diff != "" {
		t.Fatalf("openapi.yaml (-) and the served routes (+) differ:\n%s", diff)
	}
}

// The validation in apitest fails for a response the spec does not allow: here a 200 whose
// body lacks a required field, and a status the operation does not document.
func TestResponseValidationCatchesDrift(t *testing.T) {
	env := apitest.New(t)
	env.SkipValidation = true
	req, _ := http.NewRequest(http.MethodGet, env.BaseURL+"/healthz", nil)
	bad := &apitest.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"state":"ok"}`)}
	if err := apitest.ValidateResponse(req, nil, bad); err == nil {
		t.Error("a body without the required status field passed validation")
	}
	undocumented := &apitest.Response{Status: 418, Header: http.Header{"Content-Type": {"application/problem+json"}}, Body: []byte(`{"type":"x","title":"x","status":418}`)}
	if err := apitest.ValidateResponse(req, nil, undocumented); err == nil {
		t.Error("an undocumented status passed validation")
	}
	good := &apitest.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"status":"ok"}`)}
	if err := apitest.ValidateResponse(req, nil, good); err != nil {
		t.Errorf("a valid response failed validation: %v", err)
	}
}
