package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
)

// metricValue reads one sample of a scrape by its full name and labels (as printed).
func metricValue(t *testing.T, scrape, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` ([0-9.e+-]+)$`).FindStringSubmatch(scrape)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func scrapeMetrics(t *testing.T, env *apitest.Env) string {
	t.Helper()
	rec := httptest.NewRecorder()
	env.App.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return string(b)
}

// A scrape of the API's metrics moves with the requests: by route template (never the raw
// path with its IDs), status, duration and DB commands; failed sign-ins and throttles count;
// the queues' gauges are there.
func TestMetricsCountRequestsByRouteTemplate(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	u := env.Register("Metric Person")
	for range 3 {
		if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me", Token: u.Token}); r.Status != 200 {
			t.Fatalf("GET /v1/me: %d", r.Status)
		}
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/lessons/does-not-exist", Token: u.Token})
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": u.Email, "password": "wrong-password-123"}})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.Status)
	}
	s := scrapeMetrics(t, env)
	const p = `process="api"`
	if got := metricValue(t, s, `microlearn_http_requests_total{method="GET",`+p+`,route="/v1/me",status="200"}`); got != 3 {
		t.Errorf("GET /v1/me 200 counted %v times, want 3\n%s", got, s)
	}
	if got := metricValue(t, s, `microlearn_http_requests_total{method="GET",`+p+`,route="/v1/lessons/:lessonId",status="404"}`); got != 1 {
		t.Errorf("the 404 lesson is not counted under its route template: %v", got)
	}
	if regexp.MustCompile(`does-not-exist`).MatchString(s) {
		t.Error("a raw path became a label")
	}
	if got := metricValue(t, s, `microlearn_http_request_duration_seconds_count{method="GET",`+p+`,route="/v1/me"}`); got != 3 {
		t.Errorf("duration histogram count %v, want 3", got)
	}
	if got := metricValue(t, s, `microlearn_http_request_db_commands_count{`+p+`,route="/v1/me"}`); got != 3 {
		t.Errorf("db commands histogram count %v, want 3", got)
	}
	if got := metricValue(t, s, `microlearn_login_failures_total{`+p+`}`); got != 1 {
		t.Errorf("login failures %v, want 1", got)
	}
	for _, q := range []string{"learning", "notify_outbox", "mail_outbox", "xapi_outbox", "notify_dead", "learning_parked"} {
		if !regexp.MustCompile(`microlearn_queue_depth\{queue="` + q + `"\} `).MatchString(s) {
			t.Errorf("no depth gauge for queue %s", q)
		}
	}
}
