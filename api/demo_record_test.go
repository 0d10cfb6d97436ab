package api_test

import (
	"strings"
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/app"
)

// The demo's mentoring record is lived in, from each side: the mentor and Ada see their
// meetings past (held, confirmed) and to come (waiting for Ada), goals in several states with
// progress (not the migration's 0%), an agreement with a version both acknowledged and Ada's
// change waiting for the mentor, a kept cadence, and each other's shared reflections but
// never each other's private notes.
func TestDemoMentoringRecordFromBothSides(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.WithDemo())
	mentor, ada := env.Login("mentor@example.com", app.DemoPassword), env.Login("mentee1@example.com", app.DemoPassword)
	get := func(token, path string, v any) string {
		t.Helper()
		r := env.Do(apitest.Req{Method: "GET", Path: path, Token: token})
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		if v != nil {
			r.JSON(t, v)
		}
		return string(r.Body)
	}
	var pairings struct {
		Items []struct {
			ID        string   `json:"id"`
			Type      string   `json:"type"`
			MenteeIDs []string `json:"menteeIds"`
		}
	}
	get(mentor, "/v1/programmes/"+app.DemoProgrammeID+"/pairings", &pairings)
	one, group := "", ""
	for _, p := range pairings.Items {
		switch p.Type {
		case "one-to-one":
			one = p.ID
		case "group":
			group = p.ID
		}
	}
	if one == "" || group == "" {
		t.Fatalf("demo pairings: %+v", pairings.Items)
	}
	var meetings struct{ Items []meetingJSON }
	get(ada, "/v1/pairings/"+one+"/meetings", &meetings)
	var held, confirmed, planned, awaitingAda int
	for _, m := range meetings.Items {
		switch m.Status {
		case "held":
			held++
			if m.Evidence {
				confirmed++
			}
		case "planned":
			planned++
			if m.Awaiting == "mentee" {
				awaitingAda++
			}
		}
	}
	if held < 3 || confirmed != held || planned != 1 || awaitingAda != 1 {
		t.Errorf("Ada's meetings: %d held (%d confirmed), %d planned (%d awaiting her): %+v", held, confirmed, planned, awaitingAda, meetings.Items)
	}
	get(mentor, "/v1/pairings/"+group+"/meetings", &meetings)
	unconfirmed := 0
	for _, m := range meetings.Items {
		if m.Status == "held" && !m.Evidence {
			unconfirmed++
		}
	}
	if unconfirmed != 1 {
		t.Errorf("the group's held meetings awaiting confirmation: %d, want 1", unconfirmed)
	}

	var goals struct{ Items []goalJSON }
	get(ada, "/v1/pairings/"+one+"/goals", &goals)
	states := map[string]int{}
	moving := 0
	for _, g := range goals.Items {
		states[g.Status]++
		if g.Progress > 0 && g.Progress < 100 {
			moving++
		}
	}
	if states["in_progress"] < 2 || states["dropped"] != 1 || moving < 2 {
		t.Errorf("the one-to-one's goals: states %v, %d with progress: %+v", states, moving, goals.Items)
	}
	get(mentor, "/v1/pairings/"+group+"/goals", &goals)
	if !strings.Contains(get(mentor, "/v1/pairings/"+group+"/goals", nil), `"achieved"`) {
		t.Errorf("no achieved goal in the group: %+v", goals.Items)
	}

	var agreement agreementViewJSON
	get(mentor, "/v1/pairings/"+one+"/agreement", &agreement)
	if agreement.Current.Version != 2 || !strings.Contains(agreement.Current.Agreement.Boundaries, "a day's notice") ||
		agreement.Pending == nil || len(agreement.Pending.Awaiting) != 1 || agreement.Pending.Awaiting[0] == "" {
		t.Errorf("the demo agreement: %+v", agreement)
	}

	var cadence struct {
		Percent *int `json:"cadenceKeptPercent"`
		Kept    int  `json:"periodsKept"`
	}
	get(ada, "/v1/pairings/"+one+"/cadence", &cadence)
	if cadence.Kept < 2 {
		t.Errorf("cadence: %+v", cadence)
	}

	adaNotes, mentorNotes := get(ada, "/v1/pairings/"+one+"/notes", nil), get(mentor, "/v1/pairings/"+one+"/notes", nil)
	for _, c := range []struct {
		who, body string
		want, not []string
	}{
		{"Ada", adaNotes, []string{"fixed agenda", "help her believe it", "Still nervous"}, []string{"underrates herself"}},
		{"the mentor", mentorNotes, []string{"fixed agenda", "help her believe it", "underrates herself"}, []string{"Still nervous"}},
	} {
		for _, s := range c.want {
			if !strings.Contains(c.body, s) {
				t.Errorf("%s does not see %q", c.who, s)
			}
		}
		for _, s := range c.not {
			if strings.Contains(c.body, s) {
				t.Errorf("%s sees the other's private note %q", c.who, s)
			}
		}
	}
}
