package api_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
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
	t.Parallel()
	if diff := cmp.Diff(specRoutes(t), servedRoutes(t)); diff != "" {
		t.Fatalf("openapi.yaml (-) and the served routes (+) differ:\n%s", diff)
	}
}

// The validation in apitest fails for a response the spec does not allow: here a 200 whose
// body lacks a required field, and a status the operation does not document.
func TestResponseValidationCatchesDrift(t *testing.T) {
	t.Parallel()
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

// Every operation and every tag of openapi.yaml has a description that says more than the
// summary: outside linters (Spectral's operation-description, tag-description) and the
// generated clients' docs rely on them.
func TestEveryOperationAndTagIsDescribed(t *testing.T) {
	t.Parallel()
	spec, _ := apitest.Spec(t)
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			switch d := strings.TrimSpace(op.Description); {
			case d == "":
				t.Errorf("%s %s has no description", method, path)
			case d == strings.TrimSpace(op.Summary):
				t.Errorf("%s %s: the description only repeats the summary", method, path)
			}
		}
	}
	for _, tag := range spec.Tags {
		if strings.TrimSpace(tag.Description) == "" {
			t.Errorf("tag %q has no description", tag.Name)
		}
	}
	used := map[string]bool{}
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			for _, tg := range op.Tags {
				used[tg] = true
			}
		}
	}
	for tg := range used {
		if spec.Tags.Get(tg) == nil {
			t.Errorf("operations use the tag %q, which the document does not declare", tg)
		}
	}
}

// An allOf member that lists required fields declares them in its own properties: generated
// TypeScript clients (openapi-typescript) read required per member, and a member with required
// but no properties leaves the fields optional in the generated type.
func TestAllOfMembersDeclareTheirRequiredFields(t *testing.T) {
	t.Parallel()
	spec, _ := apitest.Spec(t)
	for name, ref := range spec.Components.Schemas {
		for i, m := range ref.Value.AllOf {
			if m.Ref != "" {
				continue
			}
			for _, req := range m.Value.Required {
				if _, ok := m.Value.Properties[req]; !ok {
					t.Errorf("%s allOf[%d] requires %q without declaring it in its properties", name, i, req)
				}
			}
		}
	}
}

// Every string path parameter has minLength 1: an empty segment ("/badges//image") never
// matches the route and is answered by the router (a 404 or 405 the operation does not
// document), so the contract must say an empty one is not a value.
func TestPathParametersAreNeverEmpty(t *testing.T) {
	t.Parallel()
	spec, _ := apitest.Spec(t)
	check := func(where string, ps openapi3.Parameters) {
		for _, p := range ps {
			v := p.Value
			if v.In != openapi3.ParameterInPath || v.Schema == nil || !v.Schema.Value.Type.Is(openapi3.TypeString) {
				continue
			}
			if v.Schema.Value.MinLength < 1 {
				t.Errorf("%s: path parameter %s has no minLength 1", where, v.Name)
			}
		}
	}
	for path, item := range spec.Paths.Map() {
		check(path, item.Parameters)
		for method, op := range item.Operations() {
			check(method+" "+path, op.Parameters)
		}
	}
}
