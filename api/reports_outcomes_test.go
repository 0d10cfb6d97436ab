package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"testing"
	"time"
)

// sweepReports runs insight's sweeper until nothing is due, as its background worker would.
func sweepReports(t *testing.T, w *evidenceWorld) {
	t.Helper()
	for {
		n, err := w.env.App.Insight.Sweep(context.Background(), 500)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

type outcomesPairingResp struct {
	PairingID string `json:"pairingId"`
	Mentor    *struct{ DisplayName string }
	Mentees   []struct{ DisplayName string }
	Outcomes  outcomesResp `json:"outcomes"`
}

// TestOutcomesAndCheckinsInReports: the reports follow evidence of learning. Ada answers her
// baseline and, three months later, her 3-month check-in: the outcomes report shows her
// change per domain programme-wide and on her pairing (named), as JSON and CSV; health shows
// the response rate; the check-ins nobody answered put their pairings on the at-risk list
// once past the grace days, and an answer takes the reason away within a sweeper round.
func TestOutcomesAndCheckinsInReports(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC)
	w := newEvidenceWorld(t, start)
	w.tick(t, start.Add(time.Minute))
	base := w.due(t, w.ada)[0].ID
	w.do(t, "POST", "/v1/checkins/"+base+"/answer", w.ada.Token, answerBody(2, 2, 2, 1), 201)
	w.tick(t, time.Date(2027, 4, 20, 8, 0, 0, 0, time.UTC))
	m3 := w.due(t, w.ada)
	if len(m3) != 1 || m3[0].Occasion != "m3" {
		t.Fatalf("Ada's due check-ins %+v", m3)
	}
	w.do(t, "POST", "/v1/checkins/"+m3[0].ID+"/answer", w.ada.Token, answerBody(4, 3, 2, 1), 201)
	sweepReports(t, w)

	var rep struct {
		Programme outcomesResp          `json:"programme"`
		Pairings  []outcomesPairingResp `json:"pairings"`
	}
	path := "/v1/programmes/" + w.pid + "/reports/outcomes"
	w.do(t, "GET", path, w.owner.Token, nil, 200).JSON(t, &rep)
	if o := rep.Programme.find("m3", "mentee"); o == nil || o.MeanChange["cognitive"] != 2 || o.MeanChange["skill-based"] != 1 || o.ChangeN["cognitive"] != 1 {
		t.Errorf("programme m3 mentee outcomes %+v", o)
	}
	i := slices.IndexFunc(rep.Pairings, func(p outcomesPairingResp) bool { return p.PairingID == w.one })
	if i < 0 || rep.Pairings[i].Mentor == nil || rep.Pairings[i].Mentor.DisplayName != "Malik Mentor" || len(rep.Pairings[i].Mentees) != 1 ||
		rep.Pairings[i].Outcomes.find("m3", "mentee") == nil || rep.Pairings[i].Outcomes.find("m3", "mentee").MeanChange["cognitive"] != 2 {
		t.Errorf("Ada's pairing in the outcomes report: %+v", rep.Pairings)
	}
	if f := rep.Programme.factors("mentee"); f == nil || f.count("time-constraints", false) != 2 {
		t.Errorf("hindering factors %+v", f)
	}
	r := w.do(t, "GET", path+"?format=csv", w.owner.Token, nil, 200)
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pairing", w.one, "Malik Mentor", rows[1][3], "m3", "mentee", "mean_change", "cognitive", "2.0000"}
	if !slices.ContainsFunc(rows, func(row []string) bool { return row[1] == w.one && slices.Equal(row[4:], want[4:]) }) {
		t.Errorf("no row like %q in %q", want, rows)
	}
	w.do(t, "GET", path, w.mentor.Token, nil, 403)
	w.do(t, "GET", path+"?cursor=nonsense", w.owner.Token, nil, 400)

	var h struct {
		Checkins *struct {
			Invited, Answered int64
			ResponseRate      *float64 `json:"responseRate"`
		} `json:"checkins"`
	}
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/health", w.owner.Token, nil, 200).JSON(t, &h)
	if h.Checkins == nil || h.Checkins.Answered != 2 || h.Checkins.Invited < 8 || h.Checkins.ResponseRate == nil {
		t.Errorf("health check-ins %+v", h.Checkins)
	}

	// The mentor never answered Ada's pairing's baseline: overdue by months.
	var risk atRiskBody
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk?kind=pairing", w.owner.Token, nil, 200).JSON(t, &risk)
	if !slices.Contains(risk.codes()[w.one], "checkin_overdue") {
		t.Fatalf("Ada's pairing's reasons %v", risk.codes())
	}
	// The mentor answers every check-in of Ada's pairing he owes: after a round, no check-in
	// reason for it.
	for _, c := range w.due(t, w.mentor) {
		w.do(t, "POST", "/v1/checkins/"+c.ID+"/answer", w.mentor.Token, answerBody(3, 3, 3, 3), 201)
	}
	sweepReports(t, w)
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk?kind=pairing", w.owner.Token, nil, 200).JSON(t, &risk)
	if slices.Contains(risk.codes()[w.one], "checkin_overdue") {
		t.Errorf("after the mentor's answers, Ada's pairing's reasons %v", risk.codes()[w.one])
	}
}
