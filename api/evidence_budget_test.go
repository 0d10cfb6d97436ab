package api_test

import (
	"testing"
	"time"
)

// DB-command budgets of the evidence routes (measured: due list 1, a check-in 3, an answer 27
// including its three outcome counts and its xAPI statement, programme outcomes 3, the
// overdue list 1, a CPD record of one pairing 16, a statement page 1). None grows with the
// number of people in the programme: reads are _id lookups or bounded by the caller's own
// documents; the CPD record grows with the caller's own pairings.
func TestEvidenceCommandBudgets(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC)
	w := newEvidenceWorld(t, start)
	w.tick(t, start.Add(time.Minute))
	due := w.due(t, w.ada)
	check := func(name string, method, path, token string, body any, want int, max int64) {
		t.Helper()
		r := w.do(t, method, path, token, body, want)
		n := w.env.DBCommands(r)
		t.Logf("%s: %d commands", name, n)
		if n > max {
			t.Errorf("%s took %d database commands, budget %d", name, n, max)
		}
	}
	check("GET /v1/me/checkins (due)", "GET", "/v1/me/checkins", w.ada.Token, nil, 200, 1)
	check("GET /v1/checkins/{id}", "GET", "/v1/checkins/"+due[0].ID, w.ada.Token, nil, 200, 3)
	check("POST /v1/checkins/{id}/answer", "POST", "/v1/checkins/"+due[0].ID+"/answer", w.ada.Token, answerBody(2, 3, 2, 1), 201, 30)
	check("GET /v1/programmes/{id}/outcomes", "GET", "/v1/programmes/"+w.pid+"/outcomes", w.owner.Token, nil, 200, 3)
	check("GET /v1/programmes/{id}/checkins?status=overdue", "GET", "/v1/programmes/"+w.pid+"/checkins", w.owner.Token, nil, 200, 1)
	check("GET /v1/me/cpd", "GET", "/v1/me/cpd", w.ada.Token, nil, 200, 20)
	check("GET /v1/programmes/{id}/xapi/statements", "GET", "/v1/programmes/"+w.pid+"/xapi/statements", w.owner.Token, nil, 200, 1)
}
